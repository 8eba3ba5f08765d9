/**
 * The replica synced from SQL Server: the TDS test server plays SQL Server 2008 R2 over a copy of the demo
 * company, read by the real mssql/tedious driver. Equal to its source after a first copy (amounts digit for
 * digit, wall-clock datetimes, user columns), after rounds of random inserts, updates stamped or not, deletions
 * and a new column; `verify` sees an unstamped change; a source lost mid-copy leaves the replica consistent and
 * the next sync resumes; amounts it cannot hold are refused; and the same through the CLI.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCompany } from '../../src/config/resolve.js';
import { createDemoDatabase } from '../../src/extract/demo/index.js';
import type { SqlSource } from '../../src/sources/source.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { ReplicaFile, replicaPath } from '../../src/replica/file.js';
import { replicaIdentity, syncReplica, type ReplicaSyncOptions, type ReplicaSyncResult } from '../../src/replica/sync.js';
import type { TableSyncResult } from '../../src/replica/sync-table.js';
import type { ReplicaTable } from '../../src/replica/tables.js';
import { verifyTable, type VerifyDepth } from '../../src/replica/verify.js';
import { runInProcess } from '../support/cli.js';
import { sqlServerConfigYaml } from '../support/replica.js';
import { fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';
import { SQL_SERVER_2008_R2 } from '../support/tds/versions.js';

const DATABASE = 'SAGE';
const fixtures = fixtureDirectory('sbsync-replica-mssql-');
let demo: string;

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function edit(file: string, work: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    work(db);
  } finally {
    db.close();
  }
}

/**
 * Makes a Sage-schema SQLite file hold what a SQL Server database holds: amounts exactly (`numeric text(24,6)`,
 * see test/support/tds/types.ts: the server still declares numeric(24,6)) and cbModification as Sage's
 * smalldatetime, to the minute. Each table is rebuilt with its indexes.
 */
function storeAsSqlServer(file: string): void {
  edit(file, (db) => {
    const tables = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string; sql: string }[];
    db.transaction(() => {
      for (const { name, sql } of tables) {
        const indexes = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).pluck().all(name) as string[];
        // Generated columns (Sage's binary cbXXX) are computed again, not copied.
        const columns = db.prepare(`SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0`).pluck().all(name) as string[];
        const staging = `${name}__sqlserver`;
        const ddl = sql
          .replace(/^CREATE TABLE\s+("[^"]+"|\S+)/, `CREATE TABLE ${quote(staging)}`)
          .replace(/\bnumeric\((\d+),\s*(\d+)\)/gi, 'numeric text($1,$2)')
          .replace(/"cbModification" datetime\b/, '"cbModification" smalldatetime');
        db.exec(ddl);
        const list = columns.map(quote).join(', ');
        const values = columns.map((c) => (c === 'cbModification' ? `strftime('%Y-%m-%d %H:%M:00', "cbModification")` : quote(c))).join(', ');
        db.exec(`INSERT INTO ${quote(staging)} (${list}) SELECT ${values} FROM ${quote(name)}`);
        db.exec(`DROP TABLE ${quote(name)}`);
        db.exec(`ALTER TABLE ${quote(staging)} RENAME TO ${quote(name)}`);
        for (const index of indexes) db.exec(index);
      }
    })();
  });
}

beforeAll(async () => {
  demo = join(fixtures.path, 'demo.sqlite');
  // About 2,100 ledger lines (17 buckets of 128 keys) and 3,700 rows in all.
  await createDemoDatabase({ path: demo, scale: 0.05, seed: 7, today: '2026-06-30' });
  storeAsSqlServer(demo);
});

const servers = new Set<TdsTestServer>();
afterEach(async () => {
  for (const server of servers) await server.stop();
  servers.clear();
});
afterAll(() => fixtures.remove());

async function serve(file: string, port?: number): Promise<TdsTestServer> {
  const server = await startTdsServer({ databases: { [DATABASE]: file }, logins: { sbsync: 'pw' }, version: SQL_SERVER_2008_R2, ...(port === undefined ? {} : { port }) });
  servers.add(server);
  return server;
}

interface Case {
  company: ResolvedCompany;
  /** The SQLite file behind the server: what the tests change. */
  file: string;
  server: TdsTestServer;
  data: string;
}

let cases = 0;
/** A fresh copy of the demo served by a SQL Server 2008 R2, the company reading it, its data directory. */
async function fixture(prepare?: (db: Database.Database) => void): Promise<Case> {
  cases++;
  const file = join(fixtures.path, `source-${cases}.sqlite`);
  copyFileSync(demo, file);
  if (prepare) edit(file, prepare);
  const server = await serve(file);
  const company: ResolvedCompany = {
    code: `SQL${cases}`,
    name: 'Négoce Démo SARL',
    source: {
      type: 'sqlserver',
      accountingDatabase: DATABASE,
      commercialDatabase: DATABASE,
      connection: { server: server.host, port: server.port, authentication: 'sql', user: 'sbsync', password: 'pw', encrypt: false, trustServerCertificate: false, requestTimeoutSeconds: 5 },
    },
    services: { dataManager: { accounting: true, commercial: true }, businessMobile: { accountingViews: true, commercialViews: true } },
  };
  return { company, file, server, data: join(fixtures.path, `data-${cases}`) };
}

/** Syncs through the real mssql driver, as `replica sync` does for a SQL Server company. */
async function sync(c: Case, extra: Partial<ReplicaSyncOptions> = {}): Promise<ReplicaSyncResult> {
  const source = await createMssqlSource(testServerOptions(c.server, DATABASE));
  try {
    return await syncReplica({ company: c.company, dataDirectory: c.data, openSource: async () => source, now: () => new Date(), checksums: 'every-sync', ...extra });
  } finally {
    await source.close();
  }
}

/**
 * The tables most tests sync (all of them take seconds through the TDS test server): the ledger, customers
 * (an unstamped change), document headers (a new column, or left alone).
 */
const TABLES: readonly ReplicaTable[] = [
  { name: 'F_COMPTET', module: 'accounting' },
  { name: 'F_ECRITUREC', module: 'accounting' },
  { name: 'F_DOCENTETE', module: 'commercial' },
];

const tableResult = (result: ReplicaSyncResult, table: string): TableSyncResult => result.tables.find((t) => t.table === table)!;

/** Every table of the replica compared with the source through the mssql driver: what differs, at `depth`. */
async function differences(c: Case, depth: VerifyDepth): Promise<string[]> {
  const replica = ReplicaFile.open(replicaPath(c.data, c.company.code), replicaIdentity(c.company), { create: false });
  const source: SqlSource = await createMssqlSource(testServerOptions(c.server, DATABASE));
  try {
    const out: string[] = [];
    for (const record of replica.tables()) {
      const v = await verifyTable(replica, source, record, depth);
      if (!v.equal) out.push(`${v.table} (${depth}): ${JSON.stringify(v.difference)}`);
    }
    return out;
  } finally {
    replica.close();
    await source.close();
  }
}

/** Compared row by row, then by counts and checksums: both must find the replica equal. */
async function expectEqual(c: Case): Promise<void> {
  expect(await differences(c, 'rows')).toEqual([]);
  expect(await differences(c, 'checksums')).toEqual([]);
}

function readReplica<T>(c: Case, read: (db: Database.Database) => T): T {
  const db = new Database(replicaPath(c.data, c.company.code), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function readSource<T>(c: Case, read: (db: Database.Database) => T): T {
  const db = new Database(c.file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** `-12.5` → -12500000n: the source's text amounts summed exactly, in this test. */
function micro(text: string): bigint {
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0');
  return text.startsWith('-') ? -value : value;
}

describe('replica of a SQL Server 2008 R2 database (TDS test server, mssql driver)', () => {
  it('a first copy is exact: 18-digit amounts as integer micro-units, smalldatetime and datetime with milliseconds, user columns', async () => {
    const keys: Record<string, number> = {};
    const c = await fixture((db) => {
      const first = db.prepare('SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq LIMIT 3').pluck().all() as number[];
      [keys.big, keys.negative, keys.millis] = first as [number, number, number];
      const set = db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = ?, cbModification = ?, EC_DateRappro = ? WHERE cbMarq = ?`);
      set.run('123456789012.345678', '2026-03-31 14:25:00', '2026-03-31 14:25:36.123', keys.big);
      set.run('-987654321098.765432', '2026-03-31 14:26:00', '2026-03-31 23:59:59.500', keys.negative);
      set.run('0.000001', null, '2026-02-28 08:00:00', keys.millis);
      db.exec(`ALTER TABLE F_COMPTET ADD COLUMN "Zone géo" varchar(21)`);
      db.exec(`UPDATE F_COMPTET SET "Zone géo" = 'Île-de-France' WHERE cbMarq = (SELECT min(cbMarq) FROM F_COMPTET)`);
    });
    // Every table the company's services need, this once.
    const result = await sync(c);
    const ledger = readSource(c, (db) => db.prepare('SELECT count(*) FROM F_ECRITUREC').pluck().get());
    expect(tableResult(result, 'F_ECRITUREC')).toMatchObject({ action: 'created', inserted: ledger, updated: 0, deleted: 0, rowCount: ledger });
    expect(tableResult(result, 'P_DEVISE').action).toBe('missing');
    for (const t of result.tables.filter((t) => t.action !== 'missing')) {
      expect(t.rowCount, t.table).toBe(readSource(c, (db) => db.prepare(`SELECT count(*) FROM ${quote(t.table)}`).pluck().get()));
    }
    expect(await differences(c, 'rows')).toEqual([]);

    readReplica(c, (db) => {
      const row = db.prepare(`SELECT EC_Montant, typeof(EC_Montant) AS t, cbModification, EC_DateRappro FROM F_ECRITUREC WHERE cbMarq = ?`).safeIntegers(true);
      expect(row.get(keys.big)).toEqual({ EC_Montant: 123456789012345678n, t: 'integer', cbModification: '2026-03-31 14:25:00', EC_DateRappro: '2026-03-31 14:25:36.123' });
      expect(row.get(keys.negative)).toEqual({ EC_Montant: -987654321098765432n, t: 'integer', cbModification: '2026-03-31 14:26:00', EC_DateRappro: '2026-03-31 23:59:59.5' });
      expect(row.get(keys.millis)).toEqual({ EC_Montant: 1n, t: 'integer', cbModification: null, EC_DateRappro: '2026-02-28 08:00:00' });
      // Every amount an integer (never REAL), every datetime wall-clock text.
      expect(db.prepare(`SELECT count(*) FROM F_ECRITUREC WHERE typeof(EC_Montant) <> 'integer' OR typeof(EC_Devise) NOT IN ('integer', 'null')`).pluck().get()).toBe(0);
      expect(db.prepare(`SELECT count(*) FROM F_ECRITUREC WHERE JM_Date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'`).pluck().get()).toBe(0);
      // The ledger's total, to the millionth: what SQLite's integer sum gives on the replica.
      const total = db.prepare(`SELECT sum(EC_Montant) FROM F_ECRITUREC`).safeIntegers(true).pluck().get() as bigint;
      const expected = readSource(c, (src) => (src.prepare(`SELECT EC_Montant FROM F_ECRITUREC`).pluck().all() as string[]).reduce((s, v) => s + micro(v), 0n));
      expect(total).toBe(expected);
      expect(db.prepare(`SELECT "Zone géo" FROM F_COMPTET WHERE "Zone géo" IS NOT NULL`).pluck().all()).toEqual(['Île-de-France']);
      expect(db.prepare(`SELECT type FROM pragma_table_info('F_COMPTET') WHERE name = 'Zone géo'`).pluck().get()).toBe('varchar');
      expect(db.prepare(`SELECT type FROM pragma_table_info('F_ECRITUREC') WHERE name = 'cbModification'`).pluck().get()).toBe('smalldatetime');
      // The computed binary cbCG_Num is not copied; codes compare without case, as on French_CI_AS.
      expect(db.prepare(`SELECT count(*) FROM pragma_table_info('F_ECRITUREC') WHERE name = 'cbCG_Num'`).pluck().get()).toBe(0);
      const code = db.prepare(`SELECT CT_Num FROM F_COMPTET LIMIT 1`).pluck().get() as string;
      expect(db.prepare(`SELECT count(*) FROM F_COMPTET WHERE CT_Num = ?`).pluck().get(code.toLowerCase())).toBe(1);
    });
  });

  it('stays equal after rounds of random inserts, stamped and unstamped updates, deletions and a new column', async () => {
    const c = await fixture();
    await sync(c, { tables: TABLES });
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 3; round++) {
      const updated = new Set<number>();
      const deleted = new Set<number>();
      let customer = 0;
      edit(c.file, (db) => {
        const keys = db.prepare('SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq').pluck().all() as number[];
        // Never the highest key: SQLite would give a new row that key again, which SQL Server's identity never does.
        const pick = () => keys[Math.floor(random() * (keys.length - 1))]!;
        for (let i = 0; i < 5; i++) {
          const key = pick();
          db.prepare(`UPDATE F_ECRITUREC SET EC_Intitule = substr(EC_Intitule, 1, 28) || ' r${round}', cbModification = '2027-01-0${round + 1} 10:0${i}:00' WHERE cbMarq = ?`).run(key);
          updated.add(key);
        }
        // Written by a third-party tool: cbModification does not move; only the bucket checksums see it.
        for (let i = 0; i < 5; i++) {
          const key = pick();
          db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = printf('%.6f', EC_Montant + 0.01) WHERE cbMarq = ?`).run(key);
          updated.add(key);
        }
        customer = db.prepare(`SELECT cbMarq FROM F_COMPTET WHERE CT_Intitule <> upper(CT_Intitule) ORDER BY cbMarq LIMIT 1 OFFSET ?`).pluck().get(round) as number;
        db.prepare(`UPDATE F_COMPTET SET CT_Intitule = upper(CT_Intitule) WHERE cbMarq = ?`).run(customer);
        for (let i = 0; i < 3; i++) {
          const key = pick();
          db.prepare('DELETE FROM F_ECRITUREC WHERE cbMarq = ?').run(key);
          deleted.add(key);
          updated.delete(key);
        }
        const next = db.prepare('SELECT max(EC_No) FROM F_ECRITUREC').pluck().get() as number;
        for (let i = 1; i <= 3; i++) {
          db.prepare(
            `INSERT INTO F_ECRITUREC (JO_Num, EC_No, JM_Date, EC_Jour, EC_Date, EC_Piece, CG_Num, EC_Intitule, EC_Sens, EC_Montant, cbModification)
             SELECT JO_Num, ?, JM_Date, EC_Jour, EC_Date, EC_Piece, CG_Num, 'ajout ${round}.${i}', EC_Sens, '${round}${i}.25', NULL FROM F_ECRITUREC ORDER BY cbMarq LIMIT 1`,
          ).run(next + i);
        }
        if (round === 1) db.exec(`ALTER TABLE F_DOCENTETE ADD COLUMN "Commentaire libre" varchar(69)`);
      });
      // The write connection is closed: each statement of the server sees the changes.
      const result = await sync(c, { tables: TABLES });
      expect(tableResult(result, 'F_ECRITUREC'), `round ${round}`).toMatchObject({ action: 'updated', inserted: 3, updated: updated.size, deleted: deleted.size });
      expect(tableResult(result, 'F_COMPTET'), `round ${round}`).toMatchObject({ action: 'updated', inserted: 0, updated: 1, deleted: 0 });
      // A new information libre rebuilds the table; otherwise, untouched, not one of its buckets is read again.
      if (round === 1) expect(tableResult(result, 'F_DOCENTETE')).toMatchObject({ action: 'rebuilt', reason: 'columns-changed' });
      else expect(tableResult(result, 'F_DOCENTETE')).toMatchObject({ action: 'unchanged', inserted: 0, updated: 0, deleted: 0, bucketsReread: 0 });
      await expectEqual(c);
      const replicaCustomer = readReplica(c, (db) => db.prepare('SELECT CT_Intitule FROM F_COMPTET WHERE cbMarq = ?').pluck().get(customer));
      expect(replicaCustomer).toBe(readSource(c, (db) => db.prepare('SELECT CT_Intitule FROM F_COMPTET WHERE cbMarq = ?').pluck().get(customer)));
      readReplica(c, (db) => {
        // The deleted keys are gone; the rows written carry this sync's generation (what Data Manager deltas read).
        for (const key of deleted) expect(db.prepare('SELECT count(*) FROM F_ECRITUREC WHERE cbMarq = ?').pluck().get(key)).toBe(0);
        expect(db.prepare(`SELECT count(*) FROM F_ECRITUREC WHERE __sbsync_gen = ?`).pluck().get(result.generation)).toBe(updated.size + 3);
      });
    }
  });

  it('verify at the checksum depth sees a row changed without cbModification moving; the next sync repairs it', async () => {
    const c = await fixture();
    await sync(c, { tables: TABLES });
    const key = readSource(c, (db) => db.prepare('SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq LIMIT 1 OFFSET 1500').pluck().get() as number);
    edit(c.file, (db) => db.prepare(`UPDATE F_ECRITUREC SET CT_NumCont = 'TIERS', EC_Montant = printf('%.6f', EC_Montant + 1000) WHERE cbMarq = ?`).run(key));
    expect(await differences(c, 'checksums')).toEqual([`F_ECRITUREC (checksums): ${JSON.stringify({ table: 'F_ECRITUREC', missing: 0, extra: 0, different: 1, buckets: 1, sampleKeys: [key], columnsChanged: false })}`]);
    expect(await differences(c, 'rows')).toEqual([`F_ECRITUREC (rows): ${JSON.stringify({ table: 'F_ECRITUREC', missing: 0, extra: 0, different: 1, buckets: 0, sampleKeys: [key], columnsChanged: false })}`]);
    const result = await sync(c, { tables: TABLES });
    expect(tableResult(result, 'F_ECRITUREC')).toMatchObject({ action: 'updated', inserted: 0, updated: 1, deleted: 0, bucketsReread: 1 });
    for (const t of result.tables.filter((t) => t.table !== 'F_ECRITUREC')) expect(t.inserted + t.updated + t.deleted + t.bucketsReread, t.table).toBe(0);
    await expectEqual(c);
  });

  it('a source lost in the middle of a first copy: the error names table, chunk and source; the copy resumes on a server restarted', async () => {
    const c = await fixture();
    const port = c.server.port;
    let stopped: Promise<void> | undefined;
    const failure = await sync(c, {
      tables: TABLES,
      chunkRows: 200,
      onProgress: (table, read) => {
        if (table === 'F_ECRITUREC' && read >= 1000 && stopped === undefined) stopped = c.server.stop();
      },
    }).then(
      () => undefined,
      (error: unknown) => error as Error & { hint?: string },
    );
    await stopped;
    expect(failure?.message).toMatch(new RegExp(`^Reading F_ECRITUREC from 127\\.0\\.0\\.1:${port}/${DATABASE} failed at the chunk after cbMarq \\d+: `));
    expect(failure?.hint).toMatch(/keeps what it had/);
    const after = Number(/after cbMarq (\d+)/.exec(failure!.message)![1]);

    const total = readSource(c, (db) => db.prepare('SELECT count(*) FROM F_ECRITUREC').pluck().get() as number);
    const upTo = readSource(c, (db) => db.prepare('SELECT count(*) FROM F_ECRITUREC WHERE cbMarq <= ?').pluck().get(after) as number);
    expect(upTo).toBeGreaterThanOrEqual(1000);
    expect(upTo).toBeLessThan(total);
    readReplica(c, (db) => {
      // The building copy holds exactly the chunks its bookkeeping says; no live table is half-copied.
      expect(db.prepare('SELECT name, resume_after FROM sbsync_builds').all()).toEqual([{ name: 'F_ECRITUREC', resume_after: after }]);
      expect(db.prepare('SELECT count(*) AS n, max(cbMarq) AS last FROM sbsync_build__F_ECRITUREC').get()).toEqual({ n: upTo, last: after });
      expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'F_ECRITUREC'`).pluck().get()).toBe(0);
      expect(db.prepare(`SELECT count(*) FROM sbsync_tables WHERE name = 'F_ECRITUREC'`).pluck().get()).toBe(0);
      // The tables copied before are whole.
      for (const { name, row_count } of db.prepare('SELECT name, row_count FROM sbsync_tables').all() as { name: string; row_count: number }[]) {
        expect(db.prepare(`SELECT count(*) FROM ${quote(name)}`).pluck().get(), name).toBe(row_count);
        expect(row_count, name).toBe(readSource(c, (src) => src.prepare(`SELECT count(*) FROM ${quote(name)}`).pluck().get()));
      }
    });

    // The same server back at the same address (the replica refuses another source).
    c.server = await serve(c.file, port);
    const resumed = await sync(c, { tables: TABLES, chunkRows: 200 });
    expect(tableResult(resumed, 'F_ECRITUREC')).toMatchObject({ action: 'resumed', inserted: total - upTo, rowCount: total });
    readReplica(c, (db) => expect(db.prepare('SELECT count(*) FROM sbsync_builds').pluck().get()).toBe(0));
    await expectEqual(c);
  });

  it('refuses an amount it cannot hold, naming table, column and cbMarq', async () => {
    const big = await fixture((db) => db.exec(`UPDATE F_ECRITUREC SET EC_Montant = '123456789012345678' WHERE cbMarq = (SELECT min(cbMarq) + 5 FROM F_ECRITUREC)`));
    const key = readSource(big, (db) => db.prepare('SELECT min(cbMarq) + 5 FROM F_ECRITUREC').pluck().get() as number);
    await expect(sync(big, { tables: [{ name: 'F_ECRITUREC', module: 'accounting' }] })).rejects.toThrow(`F_ECRITUREC.EC_Montant (cbMarq ${key}) holds 123456789012345678.000000, which is too large for the replica.`);
    // Nothing of the ledger was swapped in.
    readReplica(big, (db) => expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'F_ECRITUREC'`).pluck().get()).toBe(0));

    // A numeric(24,7) information libre: seven decimals are refused; a seventh decimal of zero is not a loss.
    const fine = await fixture((db) => {
      db.exec(`ALTER TABLE F_ARTICLE ADD COLUMN "Coef réel" "numeric text(24,7)"`);
      db.exec(`UPDATE F_ARTICLE SET "Coef réel" = '1.1234560'`);
    });
    const article: ReplicaTable[] = [{ name: 'F_ARTICLE', module: 'commercial' }];
    await sync(fine, { tables: article });
    expect(readReplica(fine, (db) => db.prepare(`SELECT DISTINCT "Coef réel" FROM F_ARTICLE`).pluck().all())).toEqual([1123456]);
    await expectEqual(fine);
    edit(fine.file, (db) => db.exec(`UPDATE F_ARTICLE SET "Coef réel" = '2.1234567' WHERE cbMarq = (SELECT max(cbMarq) FROM F_ARTICLE)`));
    const last = readSource(fine, (db) => db.prepare('SELECT max(cbMarq) FROM F_ARTICLE').pluck().get() as number);
    await expect(sync(fine, { tables: article })).rejects.toThrow(`F_ARTICLE.Coef réel (cbMarq ${last}) holds 2.1234567, which has more than six decimals.`);
    // The table keeps its last synced state.
    expect(readReplica(fine, (db) => db.prepare(`SELECT DISTINCT "Coef réel" FROM F_ARTICLE`).pluck().all())).toEqual([1123456]);
  });
});

describe('sbsync replica … through the CLI, for a SQL Server company', () => {
  it('sync, status --json, verify (0, then 1 after an unstamped change), rebuild, and a source lost mid-copy', async () => {
    const c = await fixture();
    const dir = join(fixtures.path, 'cli');
    const config = join(dir, 'sbsync.yaml');
    mkdirSync(dir, { recursive: true });
    await writeFile(
      config,
      sqlServerConfigYaml(
        c.server,
        { accounting: DATABASE, commercial: DATABASE },
        `      dataManager: { accounting: true, commercial: false }
      businessMobile: { accountingViews: false, commercialViews: false }`,
      ),
    );
    const cli = (...args: string[]) => runInProcess([...args, '--config', config], { cwd: dir, env: { SB_SQL: 'pw' } });

    const ledger = readSource(c, (db) => db.prepare('SELECT count(*) FROM F_ECRITUREC').pluck().get());
    const synced = await cli('replica', 'sync', '--json');
    expect(synced.exitCode, synced.stderr).toBe(0);
    const doc = JSON.parse(synced.stdout) as { ok: boolean; companies: ReplicaSyncResult[] };
    expect(doc.ok).toBe(true);
    expect(doc.companies[0]!.tables.find((t) => t.table === 'F_ECRITUREC')).toMatchObject({ action: 'created', rowCount: ledger });

    const status = await cli('replica', 'status', '--json');
    expect(status.exitCode, status.stderr).toBe(0);
    const state = JSON.parse(status.stdout) as { companies: { company: string; exists: boolean; path: string; tables: { table: string; rows: number; bytes: number }[]; building: string[] }[] };
    expect(state.companies[0]).toMatchObject({ company: 'ACME', exists: true, path: replicaPath(join(dir, 'sbsync-data'), 'ACME'), building: [] });
    expect(state.companies[0]!.tables.find((t) => t.table === 'F_ECRITUREC')).toMatchObject({ rows: ledger, bytes: expect.any(Number) });
    // The accounting tables (the company publishes accounting only); P_DEVISE is not in the demo.
    expect(state.companies[0]!.tables.map((t) => t.table).sort()).toEqual(['F_COMPTEG', 'F_COMPTET', 'F_ECRITUREC', 'F_JOURNAUX', 'F_TAXE', 'P_DOSSIER']);

    const clean = await cli('replica', 'verify');
    expect(clean.exitCode, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('ACME  identique à la source');

    // A third-party tool changes an amount without moving cbModification: the checksums see it.
    const key = readSource(c, (db) => db.prepare('SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq LIMIT 1 OFFSET 100').pluck().get() as number);
    edit(c.file, (db) => db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = printf('%.6f', EC_Montant + 0.01) WHERE cbMarq = ?`).run(key));
    const dirty = await cli('replica', 'verify');
    expect(dirty.exitCode, dirty.stdout + dirty.stderr).toBe(1);
    expect(dirty.stdout).toContain('ACME  diffère de la source');
    expect(dirty.stdout).toContain('F_ECRITUREC: 1 différente, 1 tranche de clés');
    const byRows = await cli('replica', 'verify', '--rows');
    expect(byRows.exitCode).toBe(1);
    expect(byRows.stdout).toContain(`F_ECRITUREC: 1 différente (cbMarq ${key}…)`);

    const rebuilt = await cli('replica', 'rebuild', '--company', 'ACME', '--json');
    expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
    const rebuiltTables = (JSON.parse(rebuilt.stdout) as { companies: ReplicaSyncResult[] }).companies[0]!.tables;
    expect(new Set(rebuiltTables.map((t) => t.action))).toEqual(new Set(['created', 'missing']));
    const repaired = await cli('replica', 'verify', '--rows');
    expect(repaired.exitCode, repaired.stdout + repaired.stderr).toBe(0);

    // The source lost during a rebuild's copy of the ledger: exit 1 naming the table and the chunk.
    const port = c.server.port;
    await c.server.stop();
    servers.delete(c.server);
    let cut = true;
    const flaky = await startTdsServer({
      databases: { [DATABASE]: c.file },
      logins: { sbsync: 'pw' },
      version: SQL_SERVER_2008_R2,
      port,
      delay: (sql) => {
        if (cut && /^SELECT TOP \(\d+\) .* FROM \[F_ECRITUREC\] WHERE \[cbMarq\] > @after ORDER BY/.test(sql)) {
          cut = false;
          void flaky.stop();
          return 'forever';
        }
        return undefined;
      },
    });
    servers.add(flaky);
    const lost = await cli('replica', 'rebuild', '--company', 'ACME');
    expect(lost.exitCode).toBe(1);
    // The company, the table, the chunk and the source, on the company's result line.
    expect(lost.stdout).toMatch(new RegExp(`✗ ACME  Reading F_ECRITUREC from 127\\.0\\.0\\.1:${port}/${DATABASE} failed at the chunk after cbMarq -1: `));
    const interrupted = JSON.parse((await cli('replica', 'status', '--json')).stdout) as typeof state;
    expect(interrupted.companies[0]!.building).toEqual(['F_ECRITUREC']);
    expect(interrupted.companies[0]!.tables.map((t) => t.table)).not.toContain('F_ECRITUREC');

    c.server = await serve(c.file, port);
    const again = await cli('replica', 'sync', '--json');
    expect(again.exitCode, again.stderr).toBe(0);
    const againTables = (JSON.parse(again.stdout) as { companies: ReplicaSyncResult[] }).companies[0]!.tables;
    expect(againTables.find((t) => t.table === 'F_ECRITUREC')?.action).toBe('resumed');
    const final = await cli('replica', 'verify', '--rows');
    expect(final.exitCode, final.stdout + final.stderr).toBe(0);
  });
});
