import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Redactor } from '../../src/redact.js';
import { openJournal, type JournalEvent } from '../../src/journal/index.js';
import { runInProcess, tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('sbsync-log-'));
  await writeFile(
    path.join(dir, 'sbsync.yaml'),
    `portal:
  url: file:store
companies:
  - code: ACME
    source: { type: sqlite, path: acme.sqlite }
    services: { dataManager: { accounting: true } }
  - code: BETA
    source: { type: sqlite, path: beta.sqlite }
    services: { dataManager: { accounting: true } }
journal:
  path: logs/journal
`,
  );
});
afterEach(async () => cleanup());

const T0 = new Date(2026, 10, 26, 7, 0, 0);
const NOW = new Date(2026, 10, 27, 10, 0, 0);

async function run(runId: string, start: Date, events: JournalEvent[]) {
  let t = start.getTime();
  const journal = await openJournal({ dir: path.join(dir, 'logs/journal'), retentionDays: 90, maxSizeMB: 20 }, { clock: { now: () => new Date((t += 1000)) }, redactor: new Redactor(), runId, command: 'publish', pid: 999_999_999 });
  for (const e of events) await journal.write(e);
}

const start = (companies: string[]): JournalEvent => ({ level: 'info', event: 'run-start', message: `publishing ${companies.join(', ')}`, details: { companies } });
const end = (exitCode: number): JournalEvent => ({ level: exitCode === 0 ? 'info' : 'error', event: 'run-end', message: `exit ${exitCode}`, details: { exitCode } });
const committed = (company: string): JournalEvent => ({ level: 'info', event: 'publication-committed', company, message: `${company} published` });

async function seed() {
  await run('20261126-070001-aaaa', T0, [
    start(['ACME', 'BETA']),
    { level: 'info', event: 'dataset-uploaded', message: 'uploaded F_ECRITUREC', company: 'ACME', service: 'data-manager', dataset: 'accounting/F_ECRITUREC', counts: { rows: 1200 }, bytes: 4096 },
    committed('ACME'),
    { level: 'warning', event: 'consistency-warning', company: 'BETA', service: 'data-manager', table: 'F_ECRITUREC', message: 'piece VT00042 is unbalanced by 0.01' },
    committed('BETA'),
    end(0),
  ]);
  await run('20261127-070001-bbbb', new Date(2026, 10, 27, 7, 0, 0), [
    start(['ACME', 'BETA']),
    committed('ACME'),
    { level: 'error', event: 'publication-failed', company: 'BETA', service: 'data-manager', message: 'the portal answered 503 Service Unavailable', details: { hint: 'The portal is down or overloaded: retry later.' } },
    end(1),
  ]);
}

const opts = () => ({ cwd: dir, now: NOW });

describe('sbsync log', () => {
  test('no journal yet: says so, exit 0', async () => {
    const r = await runInProcess(['log'], opts());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`No run recorded in ${path.join(dir, 'logs/journal')} yet`);
  });

  test('one line per run and company with ✓ ⚠ ✗, times in local wall-clock', async () => {
    await seed();
    const r = await runInProcess(['log'], opts());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/2026-11-26 07:00:02 {2}publish {2}20261126-070001-aaaa {2}5s {2}exit 0/);
    expect(r.stdout).toMatch(/✓ {2}ACME {2}published +1 dataset, 1200 rows/);
    expect(r.stdout).toMatch(/⚠ {2}BETA {2}published with 1 consistency warning/);
    expect(r.stdout).toMatch(/2026-11-27 07:00:02 {2}publish {2}20261127-070001-bbbb .*exit 1/);
    expect(r.stdout).toMatch(/✗ {2}BETA {2}failed: the portal answered 503 Service Unavailable\n(?!.*✗)/);
    expect(r.stdout).toContain('✓ published · ⚠ consistency warning in the Sage data, publication continued · ✗ error, publication failed');
  });

  test('filters: --company, --level, --since, --last', async () => {
    await seed();
    let r = await runInProcess(['log', '--company', 'acme'], opts());
    expect(r.stdout).not.toContain('BETA');
    expect(r.stdout.match(/✓ {2}ACME/g)).toHaveLength(2);
    r = await runInProcess(['log', '--level', 'error'], opts());
    expect(r.stdout).not.toContain('20261126-070001-aaaa');
    expect(r.stdout).toMatch(/✗ {2}BETA/);
    expect(r.stdout).not.toMatch(/✓ {2}ACME/);
    r = await runInProcess(['log', '--level', 'warning'], opts());
    expect(r.stdout).toMatch(/⚠ {2}BETA/);
    expect(r.stdout).toMatch(/✗ {2}BETA/);
    r = await runInProcess(['log', '--since', '2026-11-27'], opts());
    expect(r.stdout).not.toContain('20261126');
    expect(r.stdout).toContain('20261127-070001-bbbb');
    r = await runInProcess(['log', '--since', '12h'], opts());
    expect(r.stdout).not.toContain('20261126');
    r = await runInProcess(['log', '--last', '1'], opts());
    expect(r.stdout).not.toContain('20261126');
    expect(r.stdout).toContain('1 most recent of 2 runs');
  });

  test('--json: one document with the runs and their companies', async () => {
    await seed();
    const r = await runInProcess(['log', '--json'], opts());
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, ok: true, mode: 'runs', matching: 2 });
    expect(doc.runs.map((x: { runId: string; outcome: string }) => [x.runId, x.outcome])).toEqual([['20261126-070001-aaaa', 'warnings'], ['20261127-070001-bbbb', 'failed']]);
    expect(doc.runs[1].companies[1]).toMatchObject({ company: 'BETA', outcome: 'failed', hint: 'The portal is down or overloaded: retry later.' });
  });

  test('--run ID (or a unique prefix): the entries and what to do', async () => {
    await seed();
    const r = await runInProcess(['log', '--run', '20261127'], opts());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Entries');
    expect(r.stdout).toMatch(/07:00:04 ✗ BETA data-manager publication-failed the portal answered 503/);
    expect(r.stdout).toContain('What to do');
    expect(r.stdout).toContain('BETA: The portal is down or overloaded: retry later. Then run `sbsync publish --company BETA`');
    const warn = await runInProcess(['log', '--run', '20261126-070001-aaaa'], opts());
    expect(warn.stdout).toMatch(/⚠ BETA data-manager F_ECRITUREC consistency-warning piece VT00042 is unbalanced/);
    expect(warn.stdout).toContain('correct them in Sage 100; they never stop a publication');
    const ambiguous = await runInProcess(['log', '--run', '2026112'], opts());
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toContain('matches 2 runs');
    const unknown = await runInProcess(['log', '--run', 'nope'], opts());
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no run "nope" in the journal');
  });

  test('--status: exit 1 while the latest run of a company failed, 0 once it succeeded', async () => {
    await seed();
    let r = await runInProcess(['log', '--status'], opts());
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: BETA \(failed in run 20261127-070001-bbbb: the portal answered 503/);
    r = await runInProcess(['log', '--status', '--company', 'ACME'], opts());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('OK: latest publication of ACME succeeded');
    await run('20261127-120001-cccc', new Date(2026, 10, 27, 12, 0, 0), [start(['BETA']), { level: 'warning', event: 'consistency-warning', company: 'BETA', message: 'w' }, committed('BETA'), end(0)]);
    r = await runInProcess(['log', '--status', '--json'], opts());
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, mode: 'status', status: 'ok' });
    expect(doc.companies.map((c: { company: string; outcome: string }) => [c.company, c.outcome])).toEqual([['ACME', 'ok'], ['BETA', 'warnings']]);
  });

  test('a run killed without an end (dead pid) counts as failed for --status', async () => {
    await run('20261127-130001-dddd', new Date(2026, 10, 27, 13, 0, 0), [start(['ACME'])]);
    const r = await runInProcess(['log', '--status'], opts());
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('ACME (unfinished');
  });

  test('--follow prints new entries until aborted', async () => {
    await seed();
    const abort = new AbortController();
    const pending = runInProcess(['log', '--follow', '--company', 'BETA'], { ...opts(), signal: abort.signal });
    await new Promise((r) => setTimeout(r, 300));
    await run('20261127-140001-eeee', new Date(2026, 10, 27, 14, 0, 0), [start(['ACME', 'BETA']), committed('ACME'), { level: 'warning', event: 'consistency-warning', company: 'BETA', message: 'new warning' }]);
    await new Promise((r) => setTimeout(r, 1500));
    abort.abort();
    const r = await pending;
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^2026-11-27 14:00:04 ⚠ 20261127-140001-eeee BETA consistency-warning new warning$/)]);
  });

  test('usage errors exit 2', async () => {
    for (const [argv, message] of [
      [['log', '--since', 'yesterday'], /--since must be a date/],
      [['log', '--last', '0'], /--last/],
      [['log', '--follow', '--json'], /--follow cannot be combined with --json/],
      [['log', '--status', '--run', 'x'], /--status cannot be combined with --run/],
    ] as const) {
      const r = await runInProcess([...argv], opts());
      expect(r.exitCode, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
