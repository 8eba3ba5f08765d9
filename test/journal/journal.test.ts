import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Redactor } from '../../src/redact.js';
import {
  createRunId,
  followJournal,
  latestByCompany,
  localIso,
  openJournal,
  parseSince,
  readJournal,
  summariseRuns,
  type JournalEntry,
  type JournalEvent,
  type SkippedLine,
} from '../../src/journal/index.js';
import { tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('sbsync-journal-')));
afterEach(async () => cleanup());

const NOW = new Date(2026, 10, 27, 7, 0, 2, 123); // 2026-11-27 07:00:02.123 local

function clockAt(date: Date) {
  let t = date.getTime();
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

async function collect(iterable: AsyncIterable<JournalEntry>): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

async function open(runId: string, options: { clock?: { now(): Date }; redactor?: Redactor; maxSizeMB?: number; retentionDays?: number; command?: string; pid?: number } = {}) {
  return openJournal(
    { dir, retentionDays: options.retentionDays ?? 90, maxSizeMB: options.maxSizeMB ?? 20 },
    { clock: options.clock ?? clockAt(NOW), redactor: options.redactor ?? new Redactor(), runId, command: options.command ?? 'publish', pid: options.pid ?? 4242 },
  );
}

describe('writing', () => {
  test('one JSON line per event with time (local, with offset), runId, command and pid', async () => {
    const journal = await open('run-1');
    await journal.write({ level: 'info', event: 'run-start', message: 'publishing ACME', details: { companies: ['ACME'] } });
    await journal.write({ level: 'info', event: 'dataset-uploaded', message: 'uploaded', company: 'ACME', service: 'data-manager', dataset: 'accounting/F_ECRITUREC', counts: { rows: 1200, deleted: 3 }, bytes: 52000, durationMs: 850 });
    const files = await readdir(dir);
    expect(files).toEqual(['journal-2026-11-27-1.ndjson']);
    const text = await readFile(path.join(dir, files[0]!), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as JournalEntry);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ v: 1, level: 'info', runId: 'run-1', command: 'publish', pid: 4242, event: 'run-start', details: { companies: ['ACME'] } });
    expect(lines[0]!.time).toMatch(/^2026-11-27T07:00:02\.123[+-]\d{2}:\d{2}$/);
    expect(new Date(lines[0]!.time).getTime()).toBe(NOW.getTime());
    expect(lines[1]).toMatchObject({ company: 'ACME', service: 'data-manager', dataset: 'accounting/F_ECRITUREC', counts: { rows: 1200, deleted: 3 }, bytes: 52000, durationMs: 850 });
  });

  test('localIso keeps the wall-clock time and the instant', () => {
    const iso = localIso(NOW);
    expect(iso.slice(0, 23)).toBe('2026-11-27T07:00:02.123');
    expect(new Date(iso).getTime()).toBe(NOW.getTime());
  });

  test('createRunId is sortable local time plus a random suffix', () => {
    expect(createRunId(NOW, () => 0.5)).toBe('20261127-070002-8000');
  });

  test('no secret ever reaches the journal, and every line stays valid JSON', async () => {
    const redactor = new Redactor();
    const secrets = ['S3cr3t-Value!"quoted"', 'pa:ss{word}', 'tail\\slash'];
    for (const s of secrets) redactor.add(s);
    const journal = await open('run-secret', { redactor });
    await journal.write({ level: 'error', event: 'publication-failed', company: 'ACME', message: `login refused for password ${secrets[0]}`, details: { url: 'https://user:hunter2@proxy.local:3128', [secrets[1]!]: secrets[2], nested: [{ p: secrets[1] }], hint: 'check the password' } });
    const text = await readFile(path.join(dir, 'journal-2026-11-27-1.ndjson'), 'utf8');
    for (const s of [...secrets, JSON.stringify(secrets[0]).slice(1, -1), JSON.stringify(secrets[2]).slice(1, -1), 'hunter2']) expect(text).not.toContain(s);
    const entry = JSON.parse(text) as JournalEntry;
    expect(entry.message).toBe('login refused for password ***');
    expect(entry.details).toEqual({ url: 'https://user:***@proxy.local:3128', '***': '***', nested: [{ p: '***' }], hint: 'check the password' });
  });

  test('concurrent journals (runs) never interleave partial lines', async () => {
    const journals = await Promise.all([1, 2, 3, 4, 5].map((n) => open(`run-${n}`, { pid: 1000 + n })));
    const big = 'x'.repeat(70_000); // larger than a pipe buffer / a page: a torn write would show
    await Promise.all(
      journals.flatMap((j, n) => Array.from({ length: 30 }, (_, i) => j.write({ level: 'info', event: 'dataset-uploaded', company: `C${n}`, message: `line ${i}`, details: { payload: big.slice(0, 1000 + ((i * 997) % 60_000)) } }))),
    );
    const text = await readFile(path.join(dir, 'journal-2026-11-27-1.ndjson'), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(150);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    // Each journal keeps its own order.
    for (let n = 0; n < 5; n++) {
      const mine = lines.map((l) => JSON.parse(l) as JournalEntry).filter((e) => e.company === `C${n}`).map((e) => e.message);
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i}`));
    }
  });

  test('a torn line left by a crash is skipped with a note; earlier and later entries survive', async () => {
    const first = await open('run-crashed');
    await first.write({ level: 'info', event: 'run-start', message: 'start' });
    await first.write({ level: 'info', event: 'dataset-uploaded', message: 'one', company: 'ACME' });
    const file = path.join(dir, 'journal-2026-11-27-1.ndjson');
    await appendFile(file, '{"v":1,"time":"2026-11-27T07:00:03.000+01:00","level":"info","runId":"run-crashed","comm');
    // At EOF: the reader skips the torn last line with a note.
    let skipped: SkippedLine[] = [];
    let entries = await collect(readJournal(dir, {}, { onSkipped: (s) => skipped.push(s) }));
    expect(entries.map((e) => e.message)).toEqual(['start', 'one']);
    expect(skipped).toEqual([{ file, line: 3, reason: expect.stringContaining('torn line') }]);
    // The next run starts on a fresh line.
    const second = await open('run-next');
    await second.write({ level: 'info', event: 'run-start', message: 'next run' });
    skipped = [];
    entries = await collect(readJournal(dir, {}, { onSkipped: (s) => skipped.push(s) }));
    expect(entries.map((e) => e.message)).toEqual(['start', 'one', 'next run']);
    expect(skipped).toHaveLength(1);
  });

  test('the reader recovers an entry glued after a torn line by another tool', async () => {
    const journal = await open('run-a');
    await journal.write({ level: 'info', event: 'run-start', message: 'a' });
    const file = path.join(dir, 'journal-2026-11-27-1.ndjson');
    const glued = JSON.stringify({ v: 1, time: localIso(NOW), level: 'info', runId: 'run-b', command: 'publish', pid: 1, event: 'run-start', message: 'b' });
    await appendFile(file, `{"v":1,"time":"torn${glued}\n`);
    const entries = await collect(readJournal(dir));
    expect(entries.map((e) => e.message)).toEqual(['a', 'b']);
  });

  test('rotation by size: a full file continues in journal-<date>-2, read back in order', async () => {
    const journal = await open('run-big', { maxSizeMB: 1 });
    const payload = 'y'.repeat(300_000);
    for (let i = 0; i < 7; i++) await journal.write({ level: 'info', event: 'dataset-uploaded', message: `part ${i}`, details: { payload } });
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['journal-2026-11-27-1.ndjson', 'journal-2026-11-27-2.ndjson', 'journal-2026-11-27-3.ndjson']);
    for (const f of files) expect((await readFile(path.join(dir, f))).length).toBeLessThanOrEqual(1024 * 1024);
    const entries = await collect(readJournal(dir));
    expect(entries.map((e) => e.message)).toEqual(Array.from({ length: 7 }, (_, i) => `part ${i}`));
    // A later journal goes on in the last file, not the first.
    const later = await open('run-later', { maxSizeMB: 1 });
    await later.write({ level: 'info', event: 'run-start', message: 'later' });
    expect((await readFile(path.join(dir, 'journal-2026-11-27-3.ndjson'), 'utf8')).trimEnd().split('\n').at(-1)).toContain('"later"');
  });

  test('a new day starts a new file; files older than retentionDays go at open, other files stay', async () => {
    await writeFile(path.join(dir, 'journal-2026-08-28-1.ndjson'), '');
    await writeFile(path.join(dir, 'journal-2026-08-29-1.ndjson'), '');
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    const clock = clockAt(NOW);
    const journal = await open('run-days', { clock, retentionDays: 90 });
    expect(journal.expired).toEqual(['journal-2026-08-28-1.ndjson']);
    await journal.write({ level: 'info', event: 'run-start', message: 'today' });
    clock.advance(24 * 3600_000);
    await journal.write({ level: 'info', event: 'run-end', message: 'tomorrow' });
    expect((await readdir(dir)).sort()).toEqual(['journal-2026-08-29-1.ndjson', 'journal-2026-11-27-1.ndjson', 'journal-2026-11-28-1.ndjson', 'notes.txt']);
  });

  test('an unwritable journal folder is an OperationError naming it', async () => {
    await writeFile(path.join(dir, 'file'), '');
    await expect(openJournal({ dir: path.join(dir, 'file', 'journal'), retentionDays: 1, maxSizeMB: 1 }, { clock: clockAt(NOW), redactor: new Redactor(), runId: 'r', command: 'publish', pid: 1 })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining(path.join(dir, 'file', 'journal')),
    });
  });
});

describe('reading', () => {
  async function seed() {
    const clock = clockAt(NOW);
    const a = await open('20261127-070002-aaaa', { clock });
    await a.write({ level: 'info', event: 'run-start', message: 'start' });
    await a.write({ level: 'warning', event: 'consistency-warning', company: 'ACME', message: 'unbalanced piece' });
    await a.write({ level: 'error', event: 'publication-failed', company: 'BETA', message: 'portal said 500' });
    clock.advance(3600_000);
    const b = await open('20261127-080002-bbbb', { clock });
    await b.write({ level: 'info', event: 'publication-committed', company: 'ACME', message: 'committed' });
  }

  test('filters: company, minimum level, run id prefix, since', async () => {
    await seed();
    const msgs = async (filter: Parameters<typeof readJournal>[1]) => (await collect(readJournal(dir, filter))).map((e) => e.message);
    expect(await msgs({})).toEqual(['start', 'unbalanced piece', 'portal said 500', 'committed']);
    expect(await msgs({ company: 'acme' })).toEqual(['unbalanced piece', 'committed']);
    expect(await msgs({ level: 'warning' })).toEqual(['unbalanced piece', 'portal said 500']);
    expect(await msgs({ level: 'error' })).toEqual(['portal said 500']);
    expect(await msgs({ runId: '20261127-0800' })).toEqual(['committed']);
    expect(await msgs({ since: new Date(NOW.getTime() + 30 * 60_000) })).toEqual(['committed']);
  });

  test('an absent journal folder reads as empty', async () => {
    expect(await collect(readJournal(path.join(dir, 'nope')))).toEqual([]);
  });

  test('parseSince: dates, date-times and durations; nonsense is undefined', () => {
    expect(parseSince('2026-11-01', NOW)).toEqual(new Date(2026, 10, 1));
    expect(parseSince('2026-11-01T08:30', NOW)).toEqual(new Date(2026, 10, 1, 8, 30));
    expect(parseSince('24h', NOW)).toEqual(new Date(NOW.getTime() - 24 * 3600_000));
    expect(parseSince('7d', NOW)).toEqual(new Date(NOW.getTime() - 7 * 24 * 3600_000));
    expect(parseSince('30m', NOW)).toEqual(new Date(NOW.getTime() - 30 * 60_000));
    expect(parseSince('2026-02-31', NOW)).toBeUndefined();
    expect(parseSince('yesterday', NOW)).toBeUndefined();
  });

  test('follow yields entries appended after it started, until aborted', async () => {
    const journal = await open('run-f');
    await journal.write({ level: 'info', event: 'run-start', message: 'before' });
    const abort = new AbortController();
    const seen: string[] = [];
    let polls = 0;
    const following = (async () => {
      for await (const e of followJournal(dir, { level: 'info' }, { signal: abort.signal, pollMs: 20, onIdle: () => (polls += 1) })) {
        seen.push(e.message);
        if (seen.length === 2) abort.abort();
      }
    })();
    while (polls === 0) await new Promise((r) => setTimeout(r, 5));
    await journal.write({ level: 'warning', event: 'consistency-warning', message: 'after 1', company: 'ACME' });
    await journal.write({ level: 'info', event: 'run-end', message: 'after 2' });
    await following;
    expect(seen).toEqual(['after 1', 'after 2']);
  });
});

describe('summariseRuns', () => {
  const base = { v: 1 as const, command: 'publish', pid: 10 };
  let t = 0;
  const at = () => localIso(new Date(NOW.getTime() + (t += 1000)));
  const e = (runId: string, event: Partial<JournalEvent> & Pick<JournalEvent, 'event'>): JournalEntry => ({ ...base, runId, time: at(), level: 'info', message: event.event, ...event });

  test('per company: ✓ published, ⚠ published with warnings, ✗ failed; counts are summed', () => {
    const [run] = summariseRuns([
      e('r1', { event: 'run-start', details: { companies: ['ACME', 'BETA', 'GAMMA'] } }),
      e('r1', { event: 'dataset-uploaded', company: 'ACME', service: 'data-manager', counts: { rows: 100, deleted: 2 }, bytes: 1000 }),
      e('r1', { event: 'dataset-uploaded', company: 'ACME', service: 'data-manager', counts: { rows: 50 }, bytes: 500 }),
      e('r1', { event: 'view-uploaded', company: 'ACME', service: 'business-mobile', view: 'top-customers' }),
      e('r1', { event: 'publication-committed', company: 'ACME', message: 'ACME published' }),
      e('r1', { event: 'consistency-warning', level: 'warning', company: 'BETA', message: 'piece 42 unbalanced' }),
      e('r1', { event: 'publication-committed', company: 'BETA' }),
      e('r1', { event: 'publication-failed', level: 'error', company: 'GAMMA', message: 'portal refused the upload', details: { hint: 'Check the portal logs.' } }),
      e('r1', { event: 'run-end', level: 'error', message: 'done', details: { exitCode: 1 } }),
    ]);
    expect(run).toMatchObject({ runId: 'r1', command: 'publish', outcome: 'failed', exitCode: 1, warnings: 1 });
    expect(run!.durationMs).toBe(8000);
    expect(run!.companies).toEqual([
      expect.objectContaining({ company: 'ACME', outcome: 'ok', counts: { rows: 150, deleted: 2 }, bytes: 1500, datasets: 2, views: 1, services: ['data-manager', 'business-mobile'] }),
      expect.objectContaining({ company: 'BETA', outcome: 'warnings', warnings: 1 }),
      expect.objectContaining({ company: 'GAMMA', outcome: 'failed', message: 'portal refused the upload', hint: 'Check the portal logs.' }),
    ]);
  });

  test('a run-level error fails every declared company still open; interrupted, running and unfinished runs', () => {
    const runs = summariseRuns(
      [
        e('auth', { event: 'run-start', details: { companies: ['ACME', 'BETA'] } }),
        e('auth', { event: 'publication-committed', company: 'ACME' }),
        e('auth', { event: 'auth-refused', level: 'error', message: 'portal refused the login', details: { hint: 'check portal.businessMobile' } }),
        e('auth', { event: 'run-end', details: { exitCode: 4 } }),
        e('int', { event: 'run-start', details: { companies: ['ACME'] } }),
        e('int', { event: 'interrupted', level: 'warning', message: 'received SIGINT' }),
        e('int', { event: 'run-end', details: { exitCode: 130 } }),
        e('alive', { event: 'run-start', details: { companies: ['ACME'] }, pid: 77 } as never),
        e('dead', { event: 'run-start', details: { companies: ['BETA'] } }),
      ],
      { isRunning: (r) => r.pid === 77 },
    );
    const byId = Object.fromEntries(runs.map((r) => [r.runId, r]));
    expect(byId.auth!.companies.map((c) => [c.company, c.outcome, c.message])).toEqual([['ACME', 'ok', 'publication-committed'], ['BETA', 'failed', 'portal refused the login']]);
    expect(byId.auth!.outcome).toBe('failed');
    expect(byId.int!.outcome).toBe('interrupted');
    expect(byId.int!.companies[0]!.outcome).toBe('interrupted');
    expect(byId.alive!.outcome).toBe('running');
    expect(byId.dead!.outcome).toBe('unfinished');
    // Status: a running run does not hide the previous outcome; an unfinished one counts.
    expect(latestByCompany(runs).map((s) => [s.company, s.outcome, s.runId])).toEqual([['ACME', 'interrupted', 'int'], ['BETA', 'unfinished', 'dead']]);
  });
});
