/**
 * Edges of a sync found in review: a first copy (resumed or not) leaves the replica equal to the source, verify
 * at checksum depth is not fooled by checksums recorded before stamped changes, an interrupted --full resumes.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedCompany } from '../../src/config/resolve.js';
import { createDemoDatabase } from '../../src/extract/demo/index.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { openSqliteSource } from '../../src/sources/sqlite.js';
import { ReplicaFile, replicaPath } from '../../src/replica/file.js';
import { replicaIdentity, syncReplica, type ReplicaSyncOptions } from '../../src/replica/sync.js';
import { verifyTable, type VerifyDepth } from '../../src/replica/verify.js';
import { fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';
import { SQL_SERVER_2008_R2 } from '../support/tds/versions.js';

const fixtures = fixtureDirectory('sbsync-sync-edges-');
let demo: string;
beforeAll(async () => {
  demo = join(fixtures.path, 'demo.sqlite');
  await createDemoDatabase({ path: demo, scale: 0.05, seed: 7, today: '2026-06-30' });
});
const servers: TdsTestServer[] = [];
afterAll(async () => { for (const s of servers) await s.stop(); fixtures.remove(); });
const LEDGER = [{ name: 'F_ECRITUREC', module: 'accounting' as const }];
let n = 0;
async function serverCase() {
  n++;
  const file = join(fixtures.path, `s${n}.sqlite`);
  copyFileSync(demo, file);
  const server = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' }, version: SQL_SERVER_2008_R2 });
  servers.push(server);
  const company: ResolvedCompany = {
    code: `Q${n}`, name: 'x',
    source: { type: 'sqlserver', accountingDatabase: 'SAGE', commercialDatabase: 'SAGE', connection: { server: server.host, port: server.port, authentication: 'sql', user: 'sbsync', password: 'pw', encrypt: false, trustServerCertificate: false, requestTimeoutSeconds: 5 } },
    services: { dataManager: { accounting: true, commercial: false }, businessMobile: { accountingViews: false, commercialViews: false } },
  };
  const data = join(fixtures.path, `d${n}`);
  const sync = async (extra: Partial<ReplicaSyncOptions> = {}) => {
    const source = await createMssqlSource(testServerOptions(server, 'SAGE'));
    try { return await syncReplica({ company, dataDirectory: data, openSource: async () => source, now: () => new Date(), tables: LEDGER, ...extra }); } finally { await source.close(); }
  };
  const verify = async (depth: VerifyDepth) => {
    const replica = ReplicaFile.open(replicaPath(data, company.code), replicaIdentity(company), { create: false });
    const source = await createMssqlSource(testServerOptions(server, 'SAGE'));
    try { return await verifyTable(replica, source, replica.table('F_ECRITUREC')!, depth); } finally { replica.close(); await source.close(); }
  };
  const edit = (sql: string) => { const db = new Database(file); db.exec(sql); db.close(); };
  return { sync, verify, edit, data, company };
}

it('a sync resuming an interrupted first copy leaves the replica equal to the source', async () => {
  const c = await serverCase();
  const stop = new AbortController();
  await expect(c.sync({ chunkRows: 200, signal: stop.signal, onProgress: (_t, read) => read >= 1000 && stop.abort() })).rejects.toThrow(/Interrupted/);
  // Meanwhile, in rows already copied: one deleted, one updated with cbModification moving.
  c.edit(`DELETE FROM F_ECRITUREC WHERE cbMarq = 10; UPDATE F_ECRITUREC SET EC_Intitule = 'changé', cbModification = '2027-01-01 10:00:00' WHERE cbMarq = 20`);
  const resumed = await c.sync({ chunkRows: 200 });
  expect(resumed.tables[0]!.action).toBe('resumed');
  expect((await c.verify('rows')).difference).toBeUndefined();
});

it('with checksums daily, verify (checksum depth) finds equal a replica that is equal', async () => {
  const c = await serverCase();
  await c.sync({ checksums: 'daily' });
  c.edit(`UPDATE F_ECRITUREC SET EC_Intitule = 'changé', cbModification = '2027-01-01 10:00:00' WHERE cbMarq = 20`);
  const r = await c.sync({ checksums: 'daily' });
  expect(r.tables[0]).toMatchObject({ updated: 1, checksummed: false });
  expect((await c.verify('rows')).equal).toBe(true);
  expect((await c.verify('checksums')).difference).toBeUndefined();
});

it('an interrupted --full sync is resumed (or cleaned up) by the next sync, as status promises', async () => {
  const file = join(fixtures.path, 'full.sqlite');
  copyFileSync(demo, file);
  const company: ResolvedCompany = { code: 'FULL', name: 'x', source: { type: 'sqlite', path: file }, services: { dataManager: { accounting: true, commercial: false }, businessMobile: { accountingViews: false, commercialViews: false } } };
  const data = join(fixtures.path, 'dfull');
  const sync = async (extra: Partial<ReplicaSyncOptions> = {}) => {
    const s = openSqliteSource(file);
    try { return await syncReplica({ company, dataDirectory: data, openSource: async () => s, now: () => new Date(), tables: LEDGER, ...extra }); } finally { await s.close(); }
  };
  await sync();
  const stop = new AbortController();
  await expect(sync({ full: true, chunkRows: 500, signal: stop.signal, onProgress: (_t, read) => read >= 1000 && stop.abort() })).rejects.toThrow(/Interrupted/);
  const next = await sync();
  const db = new Database(replicaPath(data, 'FULL'), { readonly: true });
  try {
    const left = { builds: db.prepare('SELECT name FROM sbsync_builds').pluck().all(), tables: db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'sbsync_build__*'`).pluck().all() };
    expect({ action: next.tables[0]!.action, ...left }).toEqual({ action: 'resumed', builds: [], tables: [] });
  } finally { db.close(); }
});
