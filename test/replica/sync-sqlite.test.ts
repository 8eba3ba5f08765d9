/**
 * The replica against a SQLite source (the demo company): equal to its source after a first copy, after
 * random inserts, updates (stamped or not), deletions and a new column; resumable; refusing what it must.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCompany } from '../../src/config/resolve.js';
import { createDemoDatabase } from '../../src/extract/demo/index.js';
import { openSqliteSource } from '../../src/sources/sqlite.js';
import type { SqlSource } from '../../src/sources/source.js';
import { ReplicaFile, replicaPath } from '../../src/replica/file.js';
import { replicaIdentity, syncReplica, type ReplicaSyncOptions } from '../../src/replica/sync.js';
import { verifyTable } from '../../src/replica/verify.js';
import { createTempDir, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;
let demo: string;

beforeAll(async () => {
  dir = createTempDir('sbsync-replica-');
  demo = join(dir.path, 'demo.sqlite');
  await createDemoDatabase({ path: demo, scale: 1, seed: 7, today: '2026-06-30' });
}, 60_000);
afterAll(() => dir.remove());

let case_ = 0;
/** A fresh copy of the demo as the source of a company, and its data directory. */
function fixture(): { company: ResolvedCompany; file: string; data: string } {
  case_++;
  const file = join(dir.path, `source-${case_}.sqlite`);
  copyFileSync(demo, file);
  const company: ResolvedCompany = {
    code: `C${case_}`,
    name: 'Test',
    source: { type: 'sqlite', path: file },
    services: { dataManager: { accounting: true, commercial: true }, businessMobile: { accountingViews: true, commercialViews: true } },
  };
  return { company, file, data: join(dir.path, `data-${case_}`) };
}

async function sync(company: ResolvedCompany, data: string, extra: Partial<ReplicaSyncOptions> = {}) {
  const source = openSqliteSource((company.source as { path: string }).path);
  try {
    return await syncReplica({ company, dataDirectory: data, openSource: async () => source, now: () => new Date(), checksums: 'every-sync', ...extra });
  } finally {
    await source.close();
  }
}

/** Every table of the replica compared row by row with the source. */
async function differences(company: ResolvedCompany, data: string): Promise<string[]> {
  const replica = ReplicaFile.open(replicaPath(data, company.code), replicaIdentity(company), { create: false });
  const source: SqlSource = openSqliteSource((company.source as { path: string }).path);
  try {
    const out: string[] = [];
    for (const record of replica.tables()) {
      const v = await verifyTable(replica, source, record, 'rows');
      if (!v.equal) out.push(`${v.table}: ${JSON.stringify(v.difference)}`);
    }
    return out;
  } finally {
    replica.close();
    await source.close();
  }
}

function edit(file: string, work: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    work(db);
  } finally {
    db.close();
  }
}

function replicaDb(company: ResolvedCompany, data: string): Database.Database {
  return new Database(replicaPath(data, company.code), { readonly: true });
}

describe('replica of a SQLite source', () => {
  it('copies every table exactly: amounts as integer micro-units, wall-clock datetimes, user columns', async () => {
    const { company, file, data } = fixture();
    edit(file, (db) => {
      db.exec(`ALTER TABLE F_COMPTET ADD COLUMN "Zone géo" varchar(21)`);
      db.exec(`UPDATE F_COMPTET SET "Zone géo" = 'Île-de-France' WHERE cbMarq = (SELECT min(cbMarq) FROM F_COMPTET)`);
      // 15 significant digits, the most a SQLite file's double holds (18-digit amounts: the SQL Server test).
      db.exec(`UPDATE F_ECRITUREC SET EC_Montant = '-123456789.123456' WHERE cbMarq = (SELECT min(cbMarq) FROM F_ECRITUREC)`);
    });
    const result = await sync(company, data);
    expect(result.tables.find((t) => t.table === 'F_ECRITUREC')?.action).toBe('created');
    expect(result.tables.find((t) => t.table === 'P_DEVISE')?.action).toBe('missing');
    expect(await differences(company, data)).toEqual([]);
    const db = replicaDb(company, data);
    try {
      const amount = db.prepare(`SELECT EC_Montant, typeof(EC_Montant) AS t FROM F_ECRITUREC ORDER BY cbMarq LIMIT 1`).safeIntegers(true).get() as { EC_Montant: bigint; t: string };
      expect(amount).toEqual({ EC_Montant: -123456789123456n, t: 'integer' });
      expect(db.prepare(`SELECT count(*) FROM F_ECRITUREC WHERE typeof(EC_Montant) NOT IN ('integer', 'null')`).pluck().get()).toBe(0);
      const date = db.prepare(`SELECT JM_Date FROM F_ECRITUREC ORDER BY cbMarq LIMIT 1`).pluck().get() as string;
      expect(date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(db.prepare(`SELECT "Zone géo" FROM F_COMPTET WHERE "Zone géo" IS NOT NULL`).pluck().all()).toEqual(['Île-de-France']);
      // Codes compare without case, as in a French_CI_AS Sage database.
      const code = db.prepare(`SELECT CT_Num FROM F_COMPTET LIMIT 1`).pluck().get() as string;
      expect(db.prepare(`SELECT count(*) FROM F_COMPTET WHERE CT_Num = ?`).pluck().get(code.toLowerCase())).toBe(1);
    } finally {
      db.close();
    }
  });

  it('stays equal after random inserts, stamped and unstamped updates, deletions and a new column', async () => {
    const { company, file, data } = fixture();
    await sync(company, data);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 4; round++) {
      edit(file, (db) => {
        const keys = db.prepare('SELECT cbMarq FROM F_ECRITUREC').pluck().all() as number[];
        const pick = () => keys[Math.floor(random() * keys.length)]!;
        for (let i = 0; i < 5; i++) db.prepare(`UPDATE F_ECRITUREC SET EC_Intitule = EC_Intitule || ' r${round}', cbModification = '2027-01-0${round + 1} 10:00:00' WHERE cbMarq = ?`).run(pick());
        // Written by a third-party tool: cbModification does not move; only the checksums see it.
        for (let i = 0; i < 5; i++) db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = EC_Montant + 0.01 WHERE cbMarq = ?`).run(pick());
        db.prepare(`UPDATE F_COMPTET SET CT_Intitule = upper(CT_Intitule) WHERE cbMarq = ?`).run(
          (db.prepare('SELECT cbMarq FROM F_COMPTET ORDER BY cbMarq LIMIT 1 OFFSET ?').pluck().get(round) as number),
        );
        for (let i = 0; i < 3; i++) db.prepare('DELETE FROM F_ECRITUREC WHERE cbMarq = ?').run(pick());
        db.exec(`INSERT INTO F_ECRITUREC (JO_Num, EC_No, JM_Date, EC_Jour, EC_Date, EC_Piece, CG_Num, EC_Intitule, EC_Sens, EC_Montant, cbModification)
                 SELECT JO_Num, EC_No + 1000000, JM_Date, EC_Jour, EC_Date, EC_Piece, CG_Num, 'ajout ${round}', EC_Sens, EC_Montant, NULL FROM F_ECRITUREC ORDER BY cbMarq DESC LIMIT 3`);
        if (round === 2) db.exec(`ALTER TABLE F_DOCENTETE ADD COLUMN "Commentaire libre" varchar(69)`);
      });
      const result = await sync(company, data);
      const ledger = result.tables.find((t) => t.table === 'F_ECRITUREC')!;
      expect(ledger.action).toBe('updated');
      expect(ledger.inserted).toBe(3);
      expect(ledger.deleted).toBeGreaterThanOrEqual(1);
      if (round === 2) expect(result.tables.find((t) => t.table === 'F_DOCENTETE')).toMatchObject({ action: 'rebuilt', reason: 'columns-changed' });
      expect(await differences(company, data)).toEqual([]);
    }
  }, 120_000);

  it('a first copy done by SQLite stores exactly what the source port reads', async () => {
    const { company, file, data } = fixture();
    edit(file, (db) => {
      // Values off the fast path: an amount as text, a date with a T, a lower-case GUID, a huge integer amount.
      const first = db.prepare('SELECT min(cbMarq) FROM F_ECRITUREC').pluck().get() as number;
      db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = '12.5', EC_Echeance = '2026-01-31T00:00:00' WHERE cbMarq = ?`).run(first);
      db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = 1234567890123 WHERE cbMarq = ?`).run(first + 1);
      db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = -0.05, EC_Date = '2026-02-01' WHERE cbMarq = ?`).run(first + 2);
      // Doubles that are not six-decimal amounts, on a rounding tie: both ways round them alike.
      db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = 5e-7 WHERE cbMarq = ?`).run(first + 3);
      db.prepare(`UPDATE F_ECRITUREC SET EC_Montant = 0.1234565 WHERE cbMarq = ?`).run(first + 4);
    });
    await sync(company, data, { fastCopy: true });
    const slow = join(dir.path, `data-${case_}-port`);
    await sync(company, slow, { fastCopy: false });
    const a = replicaDb(company, data);
    const b = replicaDb(company, slow);
    try {
      const tables = a.prepare(`SELECT name FROM sbsync_tables ORDER BY name`).pluck().all() as string[];
      expect(tables.length).toBeGreaterThan(15);
      for (const table of tables) {
        const dump = (db: Database.Database) => {
          const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).filter((c) => c !== '__sbsync_gen');
          const list = columns.map((c) => `"${c}", typeof("${c}")`).join(', ');
          return db.prepare(`SELECT ${list} FROM "${table}" ORDER BY cbMarq`).raw().safeIntegers(true).all();
        };
        expect(dump(a), table).toEqual(dump(b));
      }
      const first = a.prepare('SELECT EC_Montant, EC_Echeance FROM F_ECRITUREC ORDER BY cbMarq LIMIT 3').raw().safeIntegers(true).all() as unknown[][];
      expect(first[0]).toEqual([12500000n, '2026-01-31 00:00:00']);
      expect(first[1]![0]).toBe(1234567890123000000n);
      expect(first[2]![0]).toBe(-50000n);
    } finally {
      a.close();
      b.close();
    }
  });

  it('between checksum passes, deletions are found from the keys of the buckets whose counts moved, not by reading rows', async () => {
    const { company, file, data } = fixture();
    await sync(company, data, { checksums: 'daily' });
    edit(file, (db) => db.exec(`DELETE FROM F_ECRITUREC WHERE cbMarq IN (SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq LIMIT 3 OFFSET 5000)`));
    edit(file, (db) => db.exec(`DELETE FROM F_ECRITUREC WHERE cbMarq IN (SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq LIMIT 2 OFFSET 15000)`));
    const result = await sync(company, data, { checksums: 'daily' });
    const ledger = result.tables.find((t) => t.table === 'F_ECRITUREC')!;
    expect(ledger).toMatchObject({ action: 'updated', deleted: 5, bucketsReread: 2, checksummed: false });
    expect(ledger.rowsRead).toBeLessThan(50); // the stamped rows of the overlap window only
    expect(await differences(company, data)).toEqual([]);
  });

  it('a SQLite file untouched since the last sync is not read at all; any write to it is', async () => {
    const { company, file, data } = fixture();
    await sync(company, data, { checksums: 'daily' });
    const idle = await sync(company, data, { checksums: 'daily' });
    expect(idle.tables.every((t) => t.rowsRead === 0 && (t.action === 'unchanged' || t.action === 'missing'))).toBe(true);
    // A row deleted (counts move, no stamp involved): the file changed, so the tables are read again.
    edit(file, (db) => db.exec(`DELETE FROM F_TAXE WHERE cbMarq = (SELECT max(cbMarq) FROM F_TAXE)`));
    const touched = await sync(company, data, { checksums: 'daily' });
    expect(touched.tables.find((t) => t.table === 'F_TAXE')).toMatchObject({ action: 'updated', deleted: 1 });
    expect(await differences(company, data)).toEqual([]);
  });

  it('an unchanged source changes nothing: no row stamped again, no bucket read again', async () => {
    const { company, data } = fixture();
    const first = await sync(company, data);
    const second = await sync(company, data);
    expect(second.generation).toBe(first.generation + 1);
    for (const t of second.tables) expect(t.inserted + t.updated + t.deleted + t.bucketsReread).toBe(0);
    const db = replicaDb(company, data);
    try {
      expect(db.prepare(`SELECT count(*) FROM F_ECRITUREC WHERE __sbsync_gen <> ?`).pluck().get(first.generation)).toBe(0);
    } finally {
      db.close();
    }
  });

  it('resumes an interrupted first copy from its last committed chunk', async () => {
    const { company, data } = fixture();
    const stop = new AbortController();
    await expect(
      sync(company, data, { chunkRows: 1000, signal: stop.signal, onProgress: (table, read) => table === 'F_ECRITUREC' && read >= 3000 && stop.abort() }),
    ).rejects.toThrow(/Interrupted/);
    const db = replicaDb(company, data);
    try {
      expect(db.prepare(`SELECT name FROM sbsync_builds`).pluck().all()).toEqual(['F_ECRITUREC']);
      // Readers never see a half copy: the table appears only when its copy is complete.
      expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'F_ECRITUREC'`).pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    const resumed = await sync(company, data, { chunkRows: 1000 });
    const ledger = resumed.tables.find((t) => t.table === 'F_ECRITUREC')!;
    expect(ledger.action).toBe('resumed');
    expect(ledger.rowsRead).toBeLessThan(ledger.rowCount - 2000);
    expect(await differences(company, data)).toEqual([]);
  });

  it('refuses a replica of another source, and a damaged file, naming the rebuild command', async () => {
    const { company, data } = fixture();
    await sync(company, data);
    const other: ResolvedCompany = { ...company, source: { type: 'sqlite', path: join(dir.path, 'elsewhere.sqlite') } };
    expect(() => ReplicaFile.open(replicaPath(data, company.code), replicaIdentity(other), { create: true })).toThrow(/copies another source/);
    const damaged = fixture();
    const path = replicaPath(damaged.data, damaged.company.code);
    await sync(damaged.company, damaged.data);
    writeFileSync(path, 'not a database at all, just words'.repeat(200));
    try {
      ReplicaFile.open(path, replicaIdentity(damaged.company), { create: true });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain(path);
      expect((error as { hint?: string }).hint).toContain(`sbsync replica rebuild --company ${damaged.company.code}`);
    }
  });

  it('refuses an amount it cannot hold exactly, naming table, column and key', async () => {
    const { company, file, data } = fixture();
    edit(file, (db) => db.exec(`UPDATE F_ECRITUREC SET EC_Montant = '99999999999999.5' WHERE cbMarq = (SELECT min(cbMarq) FROM F_ECRITUREC)`));
    await expect(sync(company, data)).rejects.toThrow(/F_ECRITUREC\.EC_Montant \(cbMarq \d+\) holds 99999999999999.500000, which is too large for the replica/);
  });
});
