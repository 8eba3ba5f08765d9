import { writeFileSync, mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import { SQLITE_DIALECT as d } from '../../src/extract/dialect.js';
import { openReplicaSource, openSqliteSource } from '../../src/sources/sqlite.js';
import type { Row, SqlSource } from '../../src/sources/source.js';
import { syncSqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;
let fixture: string;

async function all(source: SqlSource, sql: string, params?: Parameters<SqlSource['query']>[1]): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of source.query(sql, params)) rows.push(row);
  return rows;
}

beforeAll(() => {
  dir = createTempDir();
  fixture = createSageFixture(
    dir.file('sage.sqlite'),
    {
      P_DOSSIER: [{ D_RaisonSoc: 'Démo SA', D_DebutExo01: '2024-01-01', D_FinExo01: '2024-12-31' }],
      F_COMPTET: [
        { CT_Num: 'CLEROY', CT_Intitule: 'Leroy & Fils', CT_Type: 0, 'N° Dossier': 'D-17', "Secteur d'activité": 'Bâtiment' },
      ],
      F_ECRITUREC: [
        { EC_No: 1, JO_Num: 'VTE', JM_Date: '2024-02-01', EC_Jour: 29, CG_Num: '411000', CT_Num: 'CLEROY', EC_Sens: 0, EC_Montant: '1200.10', EC_Echeance: '2024-03-31T00:00:00', cbModification: '2024-02-29T10:11:12' },
        { EC_No: 2, JO_Num: 'VTE', JM_Date: '2024-02-01', EC_Jour: 29, CG_Num: '706000', EC_Sens: 1, EC_Montant: '1000.08' },
        { EC_No: 3, JO_Num: 'VTE', JM_Date: '2024-02-01', EC_Jour: 29, CG_Num: '445710', EC_Sens: 1, EC_Montant: '200.02' },
      ],
    },
  );
});
afterAll(() => dir.remove());

describe('openSqliteSource', () => {
  it('streams rows with decimals as exact text and datetimes as wall-clock ISO', async () => {
    const source = openSqliteSource(fixture);
    try {
      expect(source.dialect).toBe('sqlite');
      expect(source.label).toBe(fixture);
      const rows = await all(
        source,
        `SELECT EC_No, CT_Num, EC_Montant, JM_Date, EC_Echeance, cbModification, ${d.datetimeText(d.ledgerDate())} AS ledgerDate
         FROM F_ECRITUREC WHERE JO_Num = @journal ORDER BY EC_No`,
        { journal: { type: 'text', value: 'VTE' } },
      );
      expect(rows[0]).toEqual({
        EC_No: 1,
        CT_Num: 'CLEROY',
        EC_Montant: '1200.100000',
        JM_Date: '2024-02-01T00:00:00',
        EC_Echeance: '2024-03-31T00:00:00',
        cbModification: '2024-02-29T10:11:12',
        ledgerDate: '2024-02-29T00:00:00',
      });
      expect(rows.map((r) => r.EC_Montant)).toEqual(['1200.100000', '1000.080000', '200.020000']);
    } finally {
      await source.close();
    }
  });

  it('binds date, datetime, decimal, int and bit parameters', async () => {
    const source = openSqliteSource(fixture);
    try {
      const rows = await all(
        source,
        `SELECT EC_No FROM F_ECRITUREC
         WHERE EC_Echeance <= @asof AND JM_Date >= @from AND EC_Montant > @min AND EC_No >= @no AND (@flag = 1) ORDER BY EC_No`,
        {
          asof: { type: 'date', value: '2024-03-31' }, // must include the due date at 00:00:00
          from: { type: 'datetime', value: '2024-02-01T00:00:00' },
          min: { type: 'decimal', value: '1200.09' },
          no: { type: 'int', value: 1 },
          flag: { type: 'bit', value: true },
          unused: { type: 'text', value: 'ignored' },
        },
      );
      expect(rows).toEqual([{ EC_No: 1 }]);
    } finally {
      await source.close();
    }
  });

  it('returns integers beyond 2^53 as bigint', async () => {
    const source = openSqliteSource(fixture);
    try {
      const [row] = await all(source, 'SELECT 9007199254740993 AS big, 42 AS small, 1.5 AS ratio');
      expect(row).toEqual({ big: 9007199254740993n, small: 42, ratio: 1.5 });
    } finally {
      await source.close();
    }
  });

  it('lists columns in physical order, including computed and user-defined ones', async () => {
    const source = openSqliteSource(fixture);
    try {
      const columns = await source.columns('F_COMPTET');
      expect(columns.slice(0, 3)).toEqual([
        { name: 'CT_Num', type: 'varchar', nullable: false },
        { name: 'cbCT_Num', type: 'varbinary', nullable: true },
        { name: 'CT_Intitule', type: 'varchar', nullable: true },
      ]);
      const names = columns.map((c) => c.name);
      expect(names).toContain('cbMarq');
      expect(names.slice(-2)).toEqual(['N° Dossier', "Secteur d'activité"]);
      expect(columns.find((c) => c.name === 'CT_Encours')?.type).toBe('numeric');
      expect(columns.find((c) => c.name === 'cbMarq')?.nullable).toBe(false);
      expect(await source.columns('f_comptet')).toEqual(columns);
      expect(await source.columns('F_NOPE')).toEqual([]);
      const [libre] = await all(source, `SELECT "N° Dossier" AS dossier, t."Secteur d'activité" AS secteur FROM F_COMPTET t`);
      expect(libre).toEqual({ dossier: 'D-17', secteur: 'Bâtiment' });
    } finally {
      await source.close();
    }
  });

  it('streams with backpressure and allows nested queries and early exit', async () => {
    const source = openSqliteSource(fixture);
    try {
      const seen: Array<[number, number]> = [];
      for await (const outer of source.query('SELECT EC_No FROM F_ECRITUREC ORDER BY EC_No')) {
        const [inner] = await all(source, 'SELECT count(*) AS n FROM F_ECRITUREC WHERE EC_No <= @no', {
          no: { type: 'int', value: outer.EC_No as number },
        });
        seen.push([outer.EC_No as number, inner?.n as number]);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual([
        [1, 1],
        [2, 2],
      ]);
      // the shared connection is free again after the early exit
      expect(await all(source, 'SELECT count(*) AS n FROM F_COMPTET')).toEqual([{ n: 1 }]);
    } finally {
      await source.close();
    }
  });

  it('turns SQL errors into SourceError naming the source', async () => {
    const source = openSqliteSource(fixture);
    try {
      await expect(all(source, 'SELECT nope FROM F_COMPTET')).rejects.toThrow(SourceError);
      await expect(all(source, 'SELECT nope FROM F_COMPTET')).rejects.toThrow(fixture);
      await expect(all(source, 'SELECT * FROM F_COMPTET WHERE CT_Num = @missing')).rejects.toThrow(SourceError);
    } finally {
      await source.close();
    }
    await expect(all(source, 'SELECT 1')).rejects.toThrow(/closed/);
  });

  it('is read-only by default and writable on request', async () => {
    const source = openSqliteSource(fixture);
    await expect(all(source, "UPDATE F_COMPTET SET CT_Intitule = 'x' RETURNING CT_Num")).rejects.toThrow(/readonly/i);
    await source.close();
    const writable = openSqliteSource(fixture, { readonly: false });
    expect(await all(writable, "UPDATE F_COMPTET SET CT_Intitule = CT_Intitule RETURNING CT_Num")).toEqual([{ CT_Num: 'CLEROY' }]);
    await writable.close();
  });

  it('explains a missing file, a folder, a non-SQLite file and a non-Sage database', () => {
    const missing = dir.file('missing.sqlite');
    expect(() => openSqliteSource(missing)).toThrow(SourceError);
    try {
      openSqliteSource(missing);
    } catch (error) {
      expect((error as SourceError).message).toContain(missing);
      expect((error as SourceError).hint).toMatch(/sbsync demo create/);
    }
    const folder = dir.file('a-folder');
    mkdirSync(folder);
    expect(() => openSqliteSource(folder)).toThrow(/not a file/);

    const text = dir.file('notes.sqlite');
    writeFileSync(text, 'this is not a database, it is a text file with enough bytes to look like a header....');
    expect(() => openSqliteSource(text)).toThrow(/not a readable SQLite database/);

    const other = dir.file('other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    expect(() => openSqliteSource(other)).toThrow(/not a Sage 100 one/);
  });
});

describe('openReplicaSource', () => {
  let replica: string;
  beforeAll(async () => {
    replica = (await syncSqliteReplica(fixture, { dataDirectory: dir.file('data') })).path;
  });

  it('reads the micro-units of amounts as six-decimal text, hides the generation column, binds decimals as micro-units', async () => {
    const source = openReplicaSource(replica);
    try {
      expect(source.replica).toBe(true);
      expect(source.file).toBe(replica);
      const rows = await all(source, 'SELECT EC_No, EC_Montant, typeof(EC_Montant) AS stored, JM_Date FROM F_ECRITUREC WHERE EC_Montant > @min ORDER BY EC_No', {
        min: { type: 'decimal', value: '200.019999' },
      });
      expect(rows).toEqual([
        { EC_No: 1, EC_Montant: '1200.100000', stored: 'integer', JM_Date: '2024-02-01T00:00:00' },
        { EC_No: 2, EC_Montant: '1000.080000', stored: 'integer', JM_Date: '2024-02-01T00:00:00' },
        { EC_No: 3, EC_Montant: '200.020000', stored: 'integer', JM_Date: '2024-02-01T00:00:00' },
      ]);
      const [micro] = await all(source, 'SELECT EC_Montant + 0 AS raw FROM F_ECRITUREC WHERE EC_No = 1');
      expect(micro).toEqual({ raw: 1200100000 });
      const [balance] = await all(source, `SELECT ${d.moneySum('CASE WHEN EC_Sens = 0 THEN EC_Montant ELSE -EC_Montant END')} AS balance FROM F_ECRITUREC`);
      expect(balance).toEqual({ balance: '0.000000' });
      const columns = (await source.columns('F_ECRITUREC')).map((c) => c.name);
      expect(columns).toContain('cbMarq');
      expect(columns).not.toContain('__sbsync_gen');
      await expect(all(source, "UPDATE F_COMPTET SET CT_Intitule = 'x' RETURNING CT_Num")).rejects.toThrow(/readonly/i);
    } finally {
      await source.close();
    }
  });

  it('is refused by the Sage source (its amounts would read a million times too big), and refuses a Sage file', () => {
    expect(() => openSqliteSource(replica)).toThrow(/is an sbsync replica, not a Sage database/);
    expect(() => openReplicaSource(fixture)).toThrow(/is not an sbsync replica/);
    expect(() => openReplicaSource(dir.file('missing.sqlite'))).toThrow(SourceError);
    const future = dir.file('future.sqlite');
    const db = new Database(future);
    db.exec(`CREATE TABLE sbsync_replica (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO sbsync_replica VALUES ('format', '99')`);
    db.close();
    expect(() => openReplicaSource(future)).toThrow(/has format 99/);
  });
});
