/**
 * End to end: the real CLI publishes a (small) demo company to a real reference portal over loopback HTTP,
 * to a local directory, and through failures; mobile users then read exactly what they may read.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runInProcess, tempDir } from '../support/cli.js';
import { openStore } from '../../src/portal/store.js';
import { rawDatasetsOf } from '../../src/extract/raw/tables.js';
import { DM, ENV, MARIE, PAUL, TODAY, demoDatabase, mobileGet, mobileLogin, startChaos, startPortal, writeConfig, type Portal } from './support.js';

let dir: string;
let cleanup: () => Promise<void>;
let sqlite: string;
let portal: Portal;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('sbsync-e2e-'));
  sqlite = await demoDatabase(dir);
  portal = await startPortal(path.join(dir, 'portal-store'));
});
afterAll(async () => {
  await portal?.server.close({ graceMs: 1000 });
  await cleanup();
});

const run = (argv: string[], env: Record<string, string> = ENV) =>
  runInProcess(argv[0] === 'publish' ? [...argv, '--as-of', TODAY] : argv, { cwd: dir, env });

describe('publication over HTTP to the reference portal', () => {
  let config: string;
  beforeAll(async () => {
    config = await writeConfig(dir, 'http.yaml', { url: portal.url, sqlite });
  });

  test('publishes every company and service, then mobile users see exactly their views', async () => {
    const r = await run(['publish', '--config', config, '--json']);
    expect(r.stderr).not.toContain('error');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.companies.map((c: { company: string; status: string }) => [c.company, c.status])).toEqual([['DEMO', 'warnings'], ['ACME', 'warnings']]);
    const demo = doc.companies[0];
    expect(demo.services.map((s: { service: string; status: string; mode: string }) => [s.service, s.status, s.mode])).toEqual([
      ['business-mobile', 'published', 'full'],
      ['data-manager', 'published', 'full'],
    ]);
    // The demo's deliberate inconsistencies are warnings, never failures.
    expect(demo.warnings.count).toBeGreaterThanOrEqual(4);
    expect(doc.users).toEqual({ pushed: 2 });

    // What the portal now holds is exactly what was extracted.
    const ledger = await portal.store.currentPublication('DEMO', 'data-manager');
    const ledgerLines = ledger?.datasets.find((d) => d.name === 'ledger-lines');
    const reported = demo.services[1].datasets.find((d: { name: string }) => d.name === 'ledger-lines');
    expect(ledgerLines?.rows).toBe(reported.rows);
    expect(ledgerLines?.rows).toBeGreaterThan(1000);
    expect(ledgerLines?.meta?.columns).toEqual(expect.arrayContaining([{ name: 'EC_Montant', type: 'decimal' }]));
    // Tables are read largest first, but every one is published and the summary lists them in catalogue order.
    const catalogue = rawDatasetsOf(['accounting', 'commercial']).map((d) => d.id);
    expect(ledger?.datasets.map((d) => d.name).sort()).toEqual([...catalogue].sort());
    expect(demo.services[1].datasets.map((d: { name: string }) => d.name)).toEqual(catalogue);

    // Marie (DEMO: all) sees the 18 views of DEMO; Paul sees his two on DEMO, one on ACME.
    const marie = await mobileLogin(portal.url, 'DEMO', MARIE.login, MARIE.password);
    expect(marie.status).toBe(200);
    const marieViews = await mobileGet(portal.url, marie.token!, '/v1/mobile/views');
    expect(marieViews.json.views).toHaveLength(18);
    const paul = await mobileLogin(portal.url, 'DEMO', PAUL.login, PAUL.password);
    const paulViews = await mobileGet(portal.url, paul.token!, '/v1/mobile/views');
    expect(paulViews.json.views.map((v: { id: string }) => v.id).sort()).toEqual(['sales-by-month', 'top-customers']);
    const sales = await mobileGet(portal.url, paul.token!, '/v1/mobile/views/sales-by-month');
    expect(sales.status).toBe(200);
    expect(sales.json.rows[0]).toMatchObject({ id: 'sales-by-month', asOf: TODAY });
    // A view he may not see, even though it is published for DEMO: 403, never the data.
    const tampered = await mobileGet(portal.url, paul.token!, '/v1/mobile/views/treasury');
    expect(tampered.status).toBe(403);
    expect(JSON.stringify(tampered.json)).not.toContain('balance');
    // Marie has no right on ACME: her login there is refused like a wrong password.
    expect((await mobileLogin(portal.url, 'ACME', MARIE.login, MARIE.password)).status).toBe(401);
    const paulAcme = await mobileLogin(portal.url, 'ACME', PAUL.login, PAUL.password);
    const acmeViews = await mobileGet(portal.url, paulAcme.token!, '/v1/mobile/views');
    expect(acmeViews.json.views.map((v: { id: string }) => v.id)).toEqual(['top-customers']);
    // The ACME token cannot read DEMO's data through a view id it has on DEMO.
    expect((await mobileGet(portal.url, paulAcme.token!, '/v1/mobile/views/sales-by-month')).status).toBe(403);
  });

  test('the next publication with nothing changed is incremental, sends nothing and leaves the portal as it is', async () => {
    const before = await portal.store.currentPublication('DEMO', 'data-manager');
    const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    const service = doc.companies[0].services[0];
    expect(service).toMatchObject({ mode: 'incremental', status: 'up-to-date', publicationId: before?.publicationId });
    expect(doc.totals.rows).toBe(0);
    // Nothing changed: the data is what the last run checked, so the consistency checks did not run.
    expect(doc.companies[0].warnings.count).toBe(0);
    expect((await portal.store.currentPublication('DEMO', 'data-manager'))?.publicationId).toBe(before?.publicationId);
  });

  test('views computed from unchanged data on the same day are not computed again: business-mobile is up to date', async () => {
    const before = await portal.store.currentPublication('DEMO', 'business-mobile');
    const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'business-mobile', '--json']);
    expect(r.exitCode).toBe(0);
    const service = JSON.parse(r.stdout).companies[0].services[0];
    expect(service).toMatchObject({ service: 'business-mobile', status: 'up-to-date', publicationId: before?.publicationId });
    expect((await portal.store.currentPublication('DEMO', 'business-mobile'))?.publicationId).toBe(before?.publicationId);
    // Another day: the views change with the date, so they are published again.
    const other = await runInProcess(['publish', '--config', config, '--company', 'DEMO', '--service', 'business-mobile', '--as-of', '2026-11-20', '--json'], { cwd: dir, env: ENV });
    expect(JSON.parse(other.stdout).companies[0].services[0]).toMatchObject({ status: 'published' });
  });

  test('rows changed, added and deleted in Sage reach the portal through an incremental publication', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(sqlite);
    const [first, second] = db.prepare('SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq LIMIT 2').all() as { cbMarq: number }[];
    db.prepare("UPDATE F_ECRITUREC SET EC_Intitule = 'Corrigé à la main', cbModification = '2026-11-27 23:59:00' WHERE cbMarq = ?").run(first!.cbMarq);
    db.prepare('DELETE FROM F_ECRITUREC WHERE cbMarq = ?').run(second!.cbMarq);
    db.close();
    const before = await portal.store.currentPublication('DEMO', 'data-manager');
    const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--json']);
    expect(r.exitCode).toBe(0);
    const company = JSON.parse(r.stdout).companies[0];
    const ledger = company.services[0].datasets.find((d: { name: string }) => d.name === 'ledger-lines');
    expect(ledger).toMatchObject({ rows: 1, deleted: 1 });
    // A changed table starts the checks while the other tables are read: their warnings are all there.
    expect(company.warnings.count).toBeGreaterThanOrEqual(4);
    const after = await portal.store.currentPublication('DEMO', 'data-manager');
    expect(after?.mode).toBe('incremental');
    expect(after?.datasets.find((d) => d.name === 'ledger-lines')?.rows).toBe(before!.datasets.find((d) => d.name === 'ledger-lines')!.rows - 1);
    const dataset = await portal.store.openDataset('DEMO', 'data-manager', 'ledger-lines');
    const columns = (dataset!.dataset.meta!.columns as { name: string }[]).map((c) => c.name);
    const [marq, label] = [columns.indexOf('cbMarq'), columns.indexOf('EC_Intitule')];
    const rows = new Map<number, string>();
    for await (const line of dataset!.lines()) {
      const row = JSON.parse(line) as unknown[];
      rows.set(row[marq] as number, row[label] as string);
    }
    expect(rows.get(first!.cbMarq)).toBe('Corrigé à la main');
    expect(rows.has(second!.cbMarq)).toBe(false);
  });

  test('the journal records the run without any secret', async () => {
    const journalDir = path.join(dir, 'journal-http-yaml');
    const { readdir } = await import('node:fs/promises');
    const files = await readdir(journalDir);
    const text = (await Promise.all(files.map((f) => readFile(path.join(journalDir, f), 'utf8')))).join('');
    for (const secret of Object.values(ENV)) expect(text).not.toContain(secret);
    expect(text).toContain('"event":"publication-committed"');
    expect(text).toContain('"event":"consistency-warning"');
  });

  test('--view republishes one view on top of the current publication; the other views stay', async () => {
    const before = await portal.store.currentPublication('DEMO', 'business-mobile');
    const r = await run(['publish', '--config', config, '--company', 'DEMO', '--view', 'treasury', '--json']);
    expect(r.exitCode).toBe(0);
    const service = JSON.parse(r.stdout).companies[0].services[0];
    expect(service).toMatchObject({ service: 'business-mobile', status: 'published', mode: 'incremental' });
    expect(service.datasets.map((d: { name: string }) => d.name)).toEqual(['treasury']);
    const after = await portal.store.currentPublication('DEMO', 'business-mobile');
    expect(after?.publicationId).not.toBe(before?.publicationId);
    expect(after?.datasets.map((d) => d.name).sort()).toEqual(before?.datasets.map((d) => d.name).sort());
    expect(after?.datasets.find((d) => d.name === 'treasury')?.change).toEqual({ upserts: 1, deletions: 0 });
  });

  test('a wrong portal password exits 4 naming the account, never the password', async () => {
    const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager'], { ...ENV, SB_DM: 'not-the-password' });
    expect(r.exitCode).toBe(4);
    expect(r.stdout + r.stderr).toContain(`refused the data-manager login for Sage ID ${DM.sageId}`);
    expect(r.stdout + r.stderr).not.toContain('not-the-password');
  });

  test('unpublish removes the publication: mobile users see nothing of it any more', async () => {
    const r = await run(['unpublish', '--config', config, '--company', 'ACME']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('ACME: business-mobile unpublished');
    expect(await portal.store.currentPublication('ACME', 'business-mobile')).toBeUndefined();
    const paul = await mobileLogin(portal.url, 'ACME', PAUL.login, PAUL.password);
    const views = await mobileGet(portal.url, paul.token!, '/v1/mobile/views');
    expect(views.json.views).toEqual([]);
  });
});

describe('publication to a local directory (file: portal)', () => {
  test('writes exactly the reference portal store layout, readable by the store', async () => {
    const config = await writeConfig(dir, 'file.yaml', { url: 'file:local-store', sqlite });
    const r = await run(['publish', '--config', config, '--company', 'DEMO']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/⚠ DEMO {2}business-mobile 18 views · data-manager [\d,]+ rows \(full\)/);
    const store = await openStore({ root: path.join(dir, 'local-store') });
    const views = await store.currentPublication('DEMO', 'business-mobile');
    expect(views?.datasets).toHaveLength(18);
    const view = await store.openView('DEMO', 'revenue-by-month');
    const lines: string[] = [];
    for await (const line of view!.lines()) lines.push(line);
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: 'revenue-by-month', asOf: TODAY, kind: 'series' });
    expect(await store.readUsers()).toEqual(expect.arrayContaining([expect.objectContaining({ login: 'marie', views: expect.objectContaining({ DEMO: expect.any(Array) }) })]));
  });

  test('--dry-run extracts and reports sizes without writing anything', async () => {
    const config = await writeConfig(dir, 'dry.yaml', { url: 'file:dry-store', sqlite });
    const r = await run(['publish', '--config', config, '--company', 'DEMO', '--dry-run', '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.dryRun).toBe(true);
    expect(doc.companies[0].services.every((s: { status: string }) => s.status === 'dry-run')).toBe(true);
    expect(doc.totals.rows).toBeGreaterThan(1000);
    const { stat } = await import('node:fs/promises');
    await expect(stat(path.join(dir, 'dry-store'))).rejects.toThrow();
  });
});

describe('a portal that fails', () => {
  test('connection reset and 503 are retried, then the publication succeeds', async () => {
    let resets = 0;
    let unavailable = 0;
    const chaos = await startChaos(portal.url, (req) => {
      if (req.method === 'PUT' && req.url?.includes('/datasets/ledger-lines') && resets++ === 0) return 'reset';
      if (req.url?.endsWith('/commit') && unavailable++ === 0) return { status: 503, retryAfter: '0' };
      return undefined;
    });
    try {
      const config = await writeConfig(dir, 'chaos-ok.yaml', { url: chaos.url, sqlite });
      const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--full']);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/PUT .*ledger-lines failed \(ECONNRESET|UND_ERR_SOCKET\); retry 1/);
      expect(r.stderr).toMatch(/POST .*commit failed \(HTTP 503\); retry 1 in 0\.0 s/);
      expect(chaos.requests.filter((q) => q.includes('/datasets/ledger-lines'))).toHaveLength(2);
    } finally {
      await chaos.close();
    }
  });

  test('500 forever: a clean failure after the retries, the previous publication intact', async () => {
    const before = await portal.store.currentPublication('DEMO', 'data-manager');
    expect(before).toBeDefined();
    const chaos = await startChaos(portal.url, (req) => (req.method === 'PUT' && req.url?.includes('/datasets/') ? { status: 500 } : undefined));
    try {
      const config = await writeConfig(dir, 'chaos-ko.yaml', { url: chaos.url, sqlite, retries: 1 });
      const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--full']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/✗ DEMO/);
      expect(r.stdout).toMatch(/the portal answered 500 to PUT .* after 2 attempts: injected 500/);
      expect((await portal.store.currentPublication('DEMO', 'data-manager'))?.publicationId).toBe(before?.publicationId);
      // The aborted publication left nothing behind on the portal.
      expect(chaos.requests.some((q) => q.startsWith('DELETE /v1/publications/'))).toBe(true);
    } finally {
      await chaos.close();
    }
  });

  test('an upload refused while another is in flight: the other is cancelled, not waited for', async () => {
    const before = await portal.store.currentPublication('DEMO', 'data-manager');
    expect(before).toBeDefined();
    // The largest table's upload (sent first) never gets an answer; the next one is refused for good.
    const chaos = await startChaos(portal.url, (req) => {
      if (req.method !== 'PUT' || !req.url?.includes('/datasets/')) return undefined;
      return req.url.includes('/datasets/ledger-lines') ? 'stall' : { status: 400 };
    });
    try {
      // Only the cancellation can end the stalled upload before the test's own 60 s timeout.
      const config = await writeConfig(dir, 'chaos-cancel.yaml', { url: chaos.url, sqlite, retries: 0, timeoutSeconds: 600 });
      const r = await run(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--full']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/the portal answered 400 to PUT .*\/datasets\/(?!ledger-lines)[\w-]+: injected 400/);
      expect(r.stdout).not.toMatch(/interrupted/);
      expect(chaos.requests.filter((q) => q.startsWith('PUT ')).length).toBeGreaterThanOrEqual(2);
      expect(chaos.requests.some((q) => q.startsWith('DELETE /v1/publications/'))).toBe(true);
      expect((await portal.store.currentPublication('DEMO', 'data-manager'))?.publicationId).toBe(before?.publicationId);
    } finally {
      await chaos.close();
    }
  }, 60_000);

  test('one company failing does not stop the others', async () => {
    const config = await writeConfig(dir, 'partial.yaml', {
      url: portal.url,
      sqlite,
      extra: '',
    });
    const text = (await readFile(config, 'utf8')).replace(/(  - code: ACME\n    name: Acme SARL\n    source: \{ type: sqlite, path: )[^}]+\}/, '$1missing.sqlite }');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(config, text);
    const r = await run(['publish', '--config', config, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.companies.map((c: { company: string; status: string }) => [c.company, c.status])).toEqual([['DEMO', 'warnings'], ['ACME', 'failed']]);
    expect(JSON.stringify(doc.companies[1])).toContain('missing.sqlite');
  });
});


describe('check against a live portal', () => {
  test('probes each service login through the configured route; a refused login is ✗ and exit 4', async () => {
    const config = await writeConfig(dir, 'check.yaml', { url: portal.url, sqlite });
    const ok = await runInProcess(['check', '--config', config, '--json'], { cwd: dir, env: ENV });
    expect(ok.exitCode).toBe(0);
    const probes = JSON.parse(ok.stdout).probes.map((p: { id: string; status: string }) => [p.id, p.status]);
    expect(probes).toEqual([['source.DEMO', 'ok'], ['source.ACME', 'ok'], ['portal.data-manager', 'ok'], ['portal.business-mobile', 'ok']]);
    const refused = await runInProcess(['check', '--config', config], { cwd: dir, env: { ...ENV, SB_BM: 'wrong-password-1' } });
    expect(refused.exitCode).toBe(4);
    expect(refused.stdout).toMatch(/✗ Portal business-mobile login .*refused the business-mobile login for customer number 123456/);
    expect(refused.stdout + refused.stderr).not.toContain('wrong-password-1');
  });
});
