/**
 * End to end with a SQL Server company: the real CLI publishes a company whose accounting and commercial
 * databases are two databases of the TDS test server (through the real mssql driver). Its replica is synced
 * from both, and the views, datasets and checks computed from it are what the crafted company's truths say.
 */
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore } from '../../src/portal/store.js';
import { viewsCompany } from '../fixtures/views/company.js';
import { runInProcess, tempDir } from '../support/cli.js';
import { sqlServerConfigYaml } from '../support/replica.js';
import { createSageFixture } from '../support/sage-fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';

const AS_OF = '2025-06-15';
let dir: string;
let cleanup: () => Promise<void>;
let server: TdsTestServer;
let config: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('sbsync-e2e-mssql-'));
  const file = createSageFixture(path.join(dir, 'company.sqlite'), viewsCompany());
  // One file behind both names: what differs is which database each table is read from.
  server = await startTdsServer({ databases: { COMPTA: file, GESCOM: file }, logins: { sbsync: 'pw' } });
  config = path.join(dir, 'sbsync.yaml');
  await writeFile(
    config,
    sqlServerConfigYaml(
      server,
      { accounting: 'COMPTA', commercial: 'GESCOM' },
      `      dataManager: { accounting: true, commercial: true }
      businessMobile: { accountingViews: true, commercialViews: true }`,
      `users:
  - { name: Léa, login: lea, password: "\${env:SB_LEA}", views: { ACME: all } }
`,
    ),
  );
});

afterAll(async () => {
  await server?.stop();
  await cleanup?.();
});

const publish = () => runInProcess(['publish', '--config', config, '--as-of', AS_OF, '--json'], { cwd: dir, env: { SB_SQL: 'pw', SB_LEA: 'lea-Secret-1' } });

describe('publishing a SQL Server company (TDS test server)', () => {
  test('syncs its replica from both databases, then publishes views, datasets and checks computed from it', async () => {
    const r = await publish();
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.companies[0].services.map((s: { service: string; status: string }) => [s.service, s.status])).toEqual([
      ['business-mobile', 'published'],
      ['data-manager', 'published'],
    ]);
    const store = await openStore({ root: path.join(dir, 'store') });
    const view = await store.openView('ACME', 'revenue-by-month');
    const lines: string[] = [];
    for await (const line of view!.lines()) lines.push(line);
    expect(JSON.parse(lines[0]!).data.yearToDate).toEqual({ current: '1714.456789', previous: '1200.000000', change: '514.456789', changePercent: '42.9' });
    const datasets = (await store.currentPublication('ACME', 'data-manager'))!.datasets;
    expect(datasets.find((d) => d.name === 'ledger-lines')?.meta?.columns).not.toContainEqual(expect.objectContaining({ name: '__sbsync_gen' }));

    // The journal says what the sync did: one line for it, one per table it copied.
    const journalDir = path.join(dir, 'sbsync-data', 'journal');
    const journal = (await readFile(path.join(journalDir, readdirSync(journalDir)[0]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; table?: string });
    expect(journal.filter((e) => e.event === 'replica-synced')).toHaveLength(1);
    expect(journal.filter((e) => e.event === 'replica-table-synced').map((e) => e.table)).toEqual(expect.arrayContaining(['F_ECRITUREC', 'F_DOCLIGNE']));
  });

  test('a second run finds nothing changed: the replica and the datasets are up to date', async () => {
    const r = await publish();
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.companies[0].services.find((s: { service: string }) => s.service === 'data-manager').status).toBe('up-to-date');
  });
});
