/** Worker-thread reading of replica files: the same lines, keys and state as the in-thread path. */
import { REPLICA_FORMAT } from '../../src/replica/format.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoDatabase } from '../../src/extract/demo/index.js';
import { extractTable, readerRangeRows, type ExtractOptions } from '../../src/extract/raw/extract.js';
import { RangeReaderPool, readRangesInParallel } from '../../src/extract/raw/parallel.js';
import { chunkSql, rangeBlockSql, rangeEndSql, rawColumns } from '../../src/extract/raw/sql.js';
import { RAW_DATASETS } from '../../src/extract/raw/tables.js';
import { openReplicaSource } from '../../src/sources/sqlite.js';
import type { SqlSource } from '../../src/sources/source.js';
import { discardState } from '../../src/extract/state/store.js';
import { syncSqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;
let fixture: string;
let demo: string;

/** The replica of a Sage-schema file (one company per file): what the extraction reads. */
async function replicaOf(file: string, tables?: string[]): Promise<string> {
  const company = basename(file, '.sqlite').toUpperCase();
  return (await syncSqliteReplica(file, { dataDirectory: dir.file('data'), company, ...(tables ? { tables } : {}) })).path;
}

/** The replica source with its file named (the worker path), or hidden (the in-thread path). */
function open(path: string, withFile: boolean): SqlSource {
  const s = openReplicaSource(path);
  const wrapped: SqlSource = { dialect: s.dialect, label: s.label, replica: true, query: (q, p) => s.query(q, p), columns: (t) => s.columns(t), close: () => s.close() };
  return withFile ? { ...wrapped, file: path } : wrapped;
}

interface Output {
  lines: string[];
  rows: number;
  keyCount: number;
  keysSha256: string | undefined;
  keysFile: string | undefined;
}

async function extract(path: string, table: string, withFile: boolean, options: ExtractOptions): Promise<Output> {
  return withFile ? extractWith(path, table, options) : extractFrom(open(path, false), table, options);
}

function extractWith(path: string, table: string, options: ExtractOptions): Promise<Output> {
  return extractFrom(open(path, true), table, options);
}

async function extractFrom(source: SqlSource, table: string, options: ExtractOptions): Promise<Output> {
  try {
    const ex = await extractTable(source, table, options);
    const lines: string[] = [];
    for await (const line of ex.lines) lines.push(line);
    const result = await ex.finish();
    const out: Output = {
      lines,
      rows: result.rows,
      keyCount: result.keyCount,
      keysSha256: result.pending?.manifest.keysSha256,
      keysFile: result.pending ? readFileSync(result.pending.pendingKeysPath).toString('hex') : undefined,
    };
    if (result.pending) await discardState(result.pending);
    return out;
  } finally {
    await source.close();
  }
}

/** `count` ledger lines with keys 1..count: nulls, escapes, sentinel dates, negative amounts. */
const ledgerLines = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    EC_No: i + 1,
    JO_Num: i % 3 === 0 ? 'VTE' : 'ACH',
    JM_Date: '2024-02-01',
    EC_Jour: 1 + (i % 28),
    EC_Piece: `P${i}`,
    CG_Num: '706000',
    EC_Intitule: i % 7 === 0 ? null : `Écriture n° ${i} "guillemets" \\ tab\tfin €`,
    EC_Sens: i % 2,
    EC_Montant: i % 5 === 0 ? `${i}` : `-${i}.${String(i * 7919).slice(-6).padStart(6, '0')}`,
    EC_Echeance: i % 4 === 0 ? '1900-01-01' : '2024-03-31 12:34:56',
    cbModification: i % 2 === 0 ? `2024-03-01 10:${String(i % 60).padStart(2, '0')}:00` : null,
  }));

beforeAll(async () => {
  dir = createTempDir('sbsync-raw-parallel-');
  fixture = await replicaOf(createSageFixture(dir.file('fixture.sqlite'), { F_ECRITUREC: ledgerLines(103) }), ['F_ECRITUREC']);
  demo = await replicaOf((await createDemoDatabase({ path: dir.file('demo.sqlite'), scale: 0.3, today: '2025-10-15' })).path);
});
afterAll(() => dir.remove());

describe('parallel SQLite reading', () => {
  it('gives byte-identical lines and key file to the in-thread path on a fixture', async () => {
    const inThread = await extract(fixture, 'F_ECRITUREC', false, { mode: 'full', stateDir: dir.file('s1'), chunkSize: 7 });
    expect(inThread.rows).toBe(103);
    for (const readers of [1, 2, 3]) {
      const parallel = await extract(fixture, 'F_ECRITUREC', true, { mode: 'full', stateDir: dir.file(`s${readers + 1}`), chunkSize: 7, readers });
      expect(parallel).toEqual(inThread);
    }
    // Chunk sizes that do and do not divide the row count, and a single chunk.
    for (const chunkSize of [1, 103, 1000]) {
      expect(await extract(fixture, 'F_ECRITUREC', true, { mode: 'full', chunkSize, readers: 2 })).toEqual({ ...inThread, keysSha256: undefined, keysFile: undefined });
    }
  });

  it('gives byte-identical lines to the in-thread path for every dataset of the demo company', async () => {
    for (const dataset of RAW_DATASETS) {
      const a = await extract(demo, dataset.table, false, { mode: 'full', stateDir: dir.file('demo-a'), chunkSize: 1000 });
      const b = await extract(demo, dataset.table, true, { mode: 'full', stateDir: dir.file('demo-b'), chunkSize: 1000, readers: 2 });
      expect(b.rows, dataset.table).toBe(a.rows);
      expect(b.lines.join('\n') === a.lines.join('\n'), dataset.table).toBe(true);
      expect(b.keysFile, dataset.table).toBe(a.keysFile);
    }
  });

  it('reads table after table through one pool of threads, also after a read stopped early', async () => {
    const pool = new RangeReaderPool(demo, 2);
    try {
      const viaPool = (table: string, stateDir: string) => extractWith(demo, table, { mode: 'full', stateDir, chunkSize: 1000, readers: 2, readerPool: pool });
      // A read abandoned after its first block (ranges still running in the threads), then every table in turn.
      const source = open(demo, true);
      try {
        const ex = await extractTable(source, 'F_ECRITUREC', { mode: 'full', chunkSize: 50, readers: 2, readerPool: pool });
        for await (const block of ex.blocks) {
          expect(block.rows).toBeGreaterThan(0);
          break;
        }
        await ex.abort();
      } finally {
        await source.close();
      }
      for (const dataset of RAW_DATASETS) {
        const alone = await extract(demo, dataset.table, true, { mode: 'full', stateDir: dir.file('pool-a'), chunkSize: 1000, readers: 2 });
        const pooled = await viaPool(dataset.table, dir.file('pool-b'));
        expect(pooled.rows, dataset.table).toBe(alone.rows);
        expect(pooled.lines.join('\n') === alone.lines.join('\n'), dataset.table).toBe(true);
        expect(pooled.keysFile, dataset.table).toBe(alone.keysFile);
      }
      // One table at a time.
      const spec = { label: demo, sql: 'SELECT 1', endSql: 'SELECT 1', params: {}, chunkSize: 10 };
      const first = pool.read(spec);
      const second = pool.read(spec);
      await expect(Promise.all([first.next(), second.next()])).rejects.toThrow(/already reading a table/);
      await first.return(undefined);
    } finally {
      await pool.close();
    }
  });

  it('hands over ranges too large for a shared slot (long texts), byte-identical', async () => {
    // 600 rows of ~6 KB of text: a 500-row range is ~3 MB, more than a reader's 1 MB slot, so its block is
    // transferred instead of copied.
    const long = (i: number) => `Libellé ${i} ${'é€"\\\t'.repeat(3)}${'x'.repeat(6000)}`;
    const rows = Array.from({ length: 600 }, (_, i) => ({
      EC_No: i + 1,
      JO_Num: 'VTE',
      JM_Date: '2024-02-01',
      EC_Jour: 1,
      CG_Num: '706000',
      EC_Intitule: long(i),
      EC_Sens: 0,
      EC_Montant: `${i}.25`,
      cbModification: `2024-03-01 10:${String(i % 60).padStart(2, '0')}:00`,
    }));
    const file = await replicaOf(createSageFixture(dir.file('long.sqlite'), { F_ECRITUREC: rows }), ['F_ECRITUREC']);
    const inThread = await extract(file, 'F_ECRITUREC', false, { mode: 'full', stateDir: dir.file('long-a'), chunkSize: 500 });
    const parallel = await extract(file, 'F_ECRITUREC', true, { mode: 'full', stateDir: dir.file('long-b'), chunkSize: 500, readers: 2 });
    expect(inThread.rows).toBe(600);
    expect(parallel).toEqual(inThread);
    expect(parallel.lines.join('\n').length).toBeGreaterThan(3_000_000);
  });

  it('continues a key range that holds more rows than a chunk, in order', async () => {
    const source = open(fixture, false);
    const columns = rawColumns(await source.columns('F_ECRITUREC'));
    await source.close();
    const chunkSize = 5;
    // Ranges found for 3 chunks of rows but read 5 + 1 at a time: every range needs continuations.
    const keys: number[] = [];
    let chunks = 0;
    for await (const chunk of readRangesInParallel({
      file: fixture,
      label: fixture,
      sql: rangeBlockSql(chunkSql('F_ECRITUREC', columns, chunkSize + 1, undefined, { upto: true })),
      endSql: rangeEndSql('F_ECRITUREC', 3 * chunkSize),
      params: {},
      chunkSize,
      readers: 2,
    })) {
      chunks++;
      keys.push(...chunk.keys);
      const lines = chunk.data.toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(chunk.keys.length);
      for (const line of lines) expect(Array.isArray(JSON.parse(line))).toBe(true);
    }
    expect(keys).toEqual(Array.from({ length: 103 }, (_, i) => i + 1));
    expect(chunks).toBeGreaterThan(103 / 6);
  });

  it('reads every key once, in order, however the scouts cut the table into ranges', async () => {
    // A scout asks for the ends of 16 ranges. 103 rows: one-row ranges take seven scouts (the last finds 7
    // ends); 103-row and 500-row ranges leave only the open range. 32 and 96 rows cut in ranges of 2 or 6 (or
    // 1) end exactly on a scout's batch: the next scout finds no end at all, and the last range is empty.
    // 97 rows in ranges of 6 end one row past a batch.
    const cases: [rows: number, chunkSizes: number[]][] = [
      [103, [1, 2, 3, 7, 16, 103, 500]],
      [32, [1, 2, 32]],
      [96, [1, 6]],
      [97, [6]],
    ];
    for (const [rows, chunkSizes] of cases) {
      const file = rows === 103 ? fixture : await replicaOf(createSageFixture(dir.file(`ledger-${rows}.sqlite`), { F_ECRITUREC: ledgerLines(rows) }), ['F_ECRITUREC']);
      const source = open(file, false);
      const columns = rawColumns(await source.columns('F_ECRITUREC'));
      await source.close();
      for (const chunkSize of chunkSizes) {
        const keys: number[] = [];
        for await (const chunk of readRangesInParallel({
          file,
          label: file,
          sql: rangeBlockSql(chunkSql('F_ECRITUREC', columns, chunkSize + 1, undefined, { upto: true })),
          endSql: rangeEndSql('F_ECRITUREC', chunkSize),
          params: {},
          chunkSize,
          readers: 2,
        })) {
          expect(chunk.keys.length).toBeLessThanOrEqual(chunkSize);
          expect(chunk.data.toString('utf8').split('\n')).toHaveLength(chunk.keys.length + 1); // the lines, then '' after the last newline
          keys.push(...chunk.keys);
        }
        expect({ rows, chunkSize, keys }).toEqual({ rows, chunkSize, keys: Array.from({ length: rows }, (_, i) => i + 1) });
      }
    }
  });

  it('sizes reader ranges from the column count: about 512 KB blocks, 100 to 1,000 rows, never past a chunk', () => {
    expect(readerRangeRows(42, 5000)).toBe(1000); // the demo's ledger lines
    expect(readerRangeRows(62, 5000)).toBe(845); // its document lines
    expect(readerRangeRows(150, 5000)).toBe(349); // a real F_DOCLIGNE with free fields
    expect(readerRangeRows(900, 5000)).toBe(100);
    expect(readerRangeRows(0, 5000)).toBe(1000);
    expect(readerRangeRows(62, 50)).toBe(50);
  });

  it('names a cbMarq that is not an integer, on both paths', async () => {
    // A damaged replica whose cbMarq is a plain int column (not the rowid), holding a text among 6,000 keys.
    const file = dir.file('bad-key.sqlite');
    const db = new Database(file);
    db.exec(`CREATE TABLE sbsync_replica (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO sbsync_replica VALUES ('format', '${REPLICA_FORMAT}')`);
    db.exec(`CREATE TABLE F_ECRITUREC (EC_No int NOT NULL, EC_Intitule varchar(35), cbMarq int NOT NULL, cbModification datetime, __sbsync_gen INTEGER NOT NULL DEFAULT 1)`);
    db.exec(`CREATE TABLE sbsync_tables (name TEXT PRIMARY KEY, row_count INTEGER NOT NULL); INSERT INTO sbsync_tables VALUES ('F_ECRITUREC', 6000)`);
    const insert = db.prepare('INSERT INTO F_ECRITUREC (EC_No, EC_Intitule, cbMarq, cbModification) VALUES (?, ?, ?, NULL)');
    db.transaction(() => {
      for (let i = 1; i <= 6000; i++) insert.run(i, `L${i}`, i === 4321 ? 'x4321' : i);
    })();
    db.close();
    for (const withFile of [false, true]) {
      await expect(extract(file, 'F_ECRITUREC', withFile, { mode: 'full', readers: withFile ? 2 : 0 })).rejects.toThrow(/cbMarq holds a value that is not an integer: "?x4321"?/);
    }
  });

  it('reports a failing statement as a source error and stops its threads', async () => {
    const run = async () => {
      for await (const _ of readRangesInParallel({ file: fixture, label: fixture, sql: 'SELECT nope FROM F_ECRITUREC WHERE cbMarq > @after AND cbMarq <= @upto', endSql: rangeEndSql('F_ECRITUREC', 5), params: {}, chunkSize: 5, readers: 2 })) {
        /* nothing */
      }
    };
    await expect(run()).rejects.toThrow(/F_ECRITUREC|nope|worker thread/);
  });

  it('stops its threads when the consumer stops early', async () => {
    const source = open(demo, true);
    try {
      const ex = await extractTable(source, 'F_ECRITUREC', { mode: 'full', chunkSize: 100, readers: 2 });
      let n = 0;
      for await (const _ of ex.lines) if (++n === 150) break;
      expect(n).toBe(150);
      await ex.abort();
    } finally {
      await source.close();
    }
  });
});
