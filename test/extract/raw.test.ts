import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTable, type RawExtraction } from '../../src/extract/raw/extract.js';
import { minusSeconds } from '../../src/extract/sage/calendar.js';
import { rawColumns, sqliteValueJson } from '../../src/extract/raw/sql.js';
import { findRawDataset, RAW_DATASETS } from '../../src/extract/raw/tables.js';
import { openSqliteSource } from '../../src/sources/sqlite.js';
import { decimalFromMicro } from '../../src/extract/sage/decimal.js';
import { findSageTable } from '../../src/extract/sage/tables.js';
import type { SqlSource } from '../../src/sources/source.js';
import { sqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;
let fixture: string;

async function collect(ex: RawExtraction): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of ex.lines) lines.push(line);
  return lines;
}

/** Runs `fn` on the replica of the Sage-schema file `path` (synced first, one company per file). */
async function withSource<T>(path: string, fn: (s: SqlSource) => Promise<T>): Promise<T> {
  const source = await sqliteReplica(path, { dataDirectory: dir.file('data'), company: basename(path, '.sqlite').toUpperCase() });
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}

beforeAll(() => {
  dir = createTempDir('sbsync-raw-');
  fixture = createSageFixture(
    dir.file('raw.sqlite'),
    {
      F_TAXE: [
        {
          TA_Intitule: 'TVA collectée "normale" \\ 20%',
          TA_Taux: '20.123456',
          TA_Code: 'C20',
          TA_Assujet: '-1234.000001',
          cbModification: '2024-03-01T10:00:00',
          cbCreation: '1753-01-01',
          cbCreationUser: 'a1b2c3d4-0000-1111-2222-333344445555',
          'N° Dossier': 'D-17',
        },
        {
          TA_Intitule: null,
          TA_Taux: '-0.000001',
          TA_Code: 'X',
          TA_Assujet: '123456789.123456',
          TA_No: 7,
          cbModification: '1900-01-01',
          cbCreation: '2024-02-29 23:59:59',
          'N° Dossier': null,
        },
      ],
    },
    { extraColumns: { F_TAXE: ['"N° Dossier" varchar(69)', 'cbLegacy varbinary(8)'] } },
  );
});
afterAll(() => dir.remove());

describe('raw catalogue', () => {
  it('lists the Data Manager datasets with their group and stable key', () => {
    expect(RAW_DATASETS.map((d) => d.table)).toEqual([
      'P_DOSSIER', 'F_COMPTEG', 'F_COMPTET', 'F_JOURNAUX', 'F_ECRITUREC', 'F_TAXE',
      'F_ARTICLE', 'F_FAMILLE', 'F_DEPOT', 'F_ARTSTOCK', 'F_COLLABORATEUR', 'F_DOCENTETE', 'F_DOCLIGNE',
      'F_DOCREGL', 'F_CREGLEMENT', 'F_REGLECH',
    ]);
    for (const d of RAW_DATASETS) {
      const t = findSageTable(d.table);
      expect(t, d.table).toBeDefined();
      for (const k of [...d.businessKey, ...d.stableKey]) expect(t?.columns.some((c) => c.name === k), `${d.table}.${k}`).toBe(true);
      expect(d.rowKey).toBe('cbMarq');
    }
    expect(new Set(RAW_DATASETS.map((d) => d.id)).size).toBe(RAW_DATASETS.length);
    expect(findRawDataset('f_docligne')?.stableKey).toEqual(['DL_No']);
    expect(findRawDataset('document-headers')?.stableKey).toEqual(['cbMarq']);
    expect(findRawDataset('ledger-lines')?.group).toBe('accounting');
    expect(findRawDataset('stock')?.group).toBe('commercial');
  });
});

describe('extractTable (full)', () => {
  it('writes exact typed NDJSON: decimals as 6-decimal strings, wall-clock datetimes, placeholders as null, free columns, no binary columns', async () => {
    await withSource(fixture, async (source) => {
      const ex = await extractTable(source, 'F_TAXE', { mode: 'full' });
      expect(ex.mode).toBe('full');
      expect(ex.columns.map((c) => [c.name, c.type])).toEqual([
        ['TA_Intitule', 'text'], ['TA_TTaux', 'integer'], ['TA_Taux', 'decimal'], ['TA_Type', 'integer'],
        ['CG_Num', 'text'], ['TA_No', 'integer'], ['TA_Code', 'text'], ['TA_NP', 'integer'], ['TA_Sens', 'integer'],
        ['TA_Provenance', 'integer'], ['TA_Regroup', 'text'], ['TA_Assujet', 'decimal'],
        ['cbProt', 'integer'], ['cbMarq', 'integer'], ['cbCreateur', 'text'], ['cbModification', 'datetime'],
        ['cbReplication', 'integer'], ['cbFlag', 'integer'], ['cbCreation', 'datetime'], ['cbCreationUser', 'guid'],
        ['N° Dossier', 'text'],
      ]);
      const lines = await collect(ex);
      expect(lines).toEqual([
        '["TVA collectée \\"normale\\" \\\\ 20%",0,"20.123456",0,null,null,"C20",0,0,0,null,"-1234.000001",0,1,"CSQL","2024-03-01T10:00:00",0,0,null,"A1B2C3D4-0000-1111-2222-333344445555","D-17"]',
        '[null,0,"-0.000001",0,null,7,"X",0,0,0,null,"123456789.123456",0,2,"CSQL",null,0,0,"2024-02-29T23:59:59",null,null]',
      ]);
      for (const line of lines) expect(line).not.toMatch(/\n/);
      const result = await ex.finish();
      expect(result).toMatchObject({ rows: 2, deleted: 0, keyCount: 2, lastKey: 2, replicaGeneration: 1, pending: undefined });
      expect(JSON.parse(lines[0] as string)[2]).toBe('20.123456');
    });
  });

  it('paginates by cbMarq in chunks and yields every row once, in key order', async () => {
    const path = dir.file('chunks.sqlite');
    createSageFixture(path, {
      F_JOURNAUX: Array.from({ length: 23 }, (_, i) => ({ JO_Num: `J${String(i).padStart(2, '0')}`, JO_Intitule: `Journal ${i}` })),
    });
    await withSource(path, async (source) => {
      const ex = await extractTable(source, 'journals', { mode: 'full', chunkSize: 5 });
      const lines = await collect(ex);
      const keyAt = ex.columns.findIndex((c) => c.name === 'cbMarq');
      expect(lines.map((l) => JSON.parse(l)[keyAt])).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
      expect((await ex.finish()).rows).toBe(23);
    });
  });

  it('reads a replica only, and never publishes its generation column', async () => {
    await withSource(fixture, async (source) => {
      expect((await source.columns('F_TAXE')).map((c) => c.name)).not.toContain('__sbsync_gen');
      const ex = await extractTable(source, 'F_TAXE', { mode: 'full' });
      expect(ex.columns.map((c) => c.name)).not.toContain('__sbsync_gen');
      await collect(ex);
    });
    const sage = openSqliteSource(fixture);
    try {
      await expect(extractTable(sage, 'F_TAXE', { mode: 'full' })).rejects.toThrow(/reads a company's replica/);
    } finally {
      await sage.close();
    }
  });

  it('refuses a missing table with a clear error', async () => {
    await withSource(fixture, async (source) => {
      await expect(extractTable(source, 'F_NOPE', { mode: 'full' })).rejects.toThrow(/F_NOPE does not exist/);
    });
  });

  it('does not let finish() run before the lines were read', async () => {
    await withSource(fixture, async (source) => {
      const ex = await extractTable(source, 'F_TAXE', { mode: 'full' });
      await expect(ex.finish()).rejects.toThrow(/before all lines/);
    });
  });
});

describe('amount serialisation', () => {
  it('builds in SQL the six-decimal text of micro-units the decimal module gives, from -2^63 to 2^63 - 1', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a numeric)');
    const insert = db.prepare('INSERT INTO t (a) VALUES (?)');
    const amounts = [0n, 1n, -1n, 50000n, -50000n, 999999n, -999999n, 1000000n, -12500000n, 9223372036854775807n, -9223372036854775808n];
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i++) {
      const digits = 1 + Math.floor(rnd() * 18);
      amounts.push(BigInt(Math.floor(rnd() * 10 ** digits)) * (rnd() < 0.5 ? -1n : 1n));
    }
    db.transaction(() => {
      for (const micro of amounts) insert.run(micro);
      insert.run(null);
    })();
    const [column] = rawColumns([{ name: 'a', type: 'numeric', nullable: true }]);
    const got = db.prepare(`SELECT json_array(${sqliteValueJson(column!)}) AS v FROM t ORDER BY id`).pluck().all() as string[];
    expect(got).toEqual([...amounts.map((m) => JSON.stringify([decimalFromMicro(m)])), '[null]']);
    expect(got.slice(0, 9)).toEqual(['["0.000000"]', '["0.000001"]', '["-0.000001"]', '["0.050000"]', '["-0.050000"]', '["0.999999"]', '["-0.999999"]', '["1.000000"]', '["-12.500000"]']);
    db.close();
  });
});

describe('SQLite datetime comparisons without affinity', () => {
  // The SQL compares datetime columns (NUMERIC affinity) through `+column`, which skips SQLite's per-row
  // attempt to read both sides as numbers: it must select exactly what the plain comparison selects.
  it('gives the same answers as the plain comparison for every kind of stored value', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (cbMarq INTEGER PRIMARY KEY, cbModification smalldatetime, d datetime)');
    const stored = [
      '2024-03-01 10:00:00', '2024-03-01 09:59:59', '2024-03-01', '2024-03-01T10:00:00', '2024-03-01 10:00:00.123',
      '1900-01-01 00:00:00', '1753-01-01', '1901-01-01 00:00:00', '9999-12-31 23:59:59', '', ' ', 'not a date',
      null, 0, 45000, 2460000.5, -1, '20240301', Buffer.from('2024'),
    ];
    const insert = db.prepare('INSERT INTO t (cbModification, d) VALUES (?, ?)');
    for (const v of stored) insert.run(v, v);
    expect(db.prepare("SELECT count(*) FROM t WHERE typeof(d) = 'text'").pluck().get()).toBeGreaterThan(10);

    const [column] = rawColumns([{ name: 'd', type: 'datetime', nullable: true }]);
    const affinityFree = sqliteValueJson(column!);
    expect(affinityFree).toContain(`+"d" >= '1901-01-01'`);
    const plain = affinityFree.replace(`+"d" >= '1901-01-01'`, `"d" >= '1901-01-01'`);
    const values = (sql: string) => db.prepare(`SELECT ${sql} FROM t ORDER BY cbMarq`).pluck().all();
    expect(values(affinityFree)).toEqual(values(plain));
    expect(values(affinityFree)).toContain('2024-03-01T10:00:00');

    db.close();
  });
});

describe('helpers', () => {
  it('subtracts the overlap on wall-clock text across midnight', () => {
    expect(minusSeconds('2024-03-01T00:01:00', 120)).toBe('2024-02-29T23:59:00');
    expect(minusSeconds('2024-03-01T10:00:00', 0)).toBe('2024-03-01T10:00:00');
  });
});
