/**
 * `replica verify`: is the replica equal to its source? Two depths:
 * - `rows` (SQLite sources, and SQL Server on request): every row of the source read in keyset chunks and
 *   compared value by value with the replica's, in key order (a merge, in bounded memory);
 * - `checksums` (SQL Server by default): the row count of every bucket compared with the replica's, and every
 *   bucket checksum with the one recorded when the replica last compared them: equal checksums mean the source
 *   has not changed since, so the replica, level with it then, still is; a bucket whose count or checksum
 *   moved is read again and compared row by row (only differing rows count).
 * Either way the replica file itself is checked first (`PRAGMA quick_check`).
 */
import type { Row, SqlSource } from '../sources/source.js';
import type { ReplicaFile, TableRecord } from './file.js';
import { BUCKET_KEYS, chunkAfterSql, quoteIdent, rangeRowsSql, ROW_KEY } from './reads.js';
import { columnSignature, copiedColumns } from './schema.js';
import { changedBuckets, checkSignal, keyOf, readRows, replicaBucketCounts, sameValues, sourceBuckets, storedBuckets, tableStats } from './table-io.js';
import { storedRow } from './values.js';

export type VerifyDepth = 'rows' | 'checksums';

export interface TableDifference {
  readonly table: string;
  /** Keys in the source and not in the replica, and the other way round; rows whose values differ. */
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  /** Buckets (ranges of 128 keys) that differ, for the checksum depth. */
  readonly buckets: number;
  /** Up to 10 keys, to look at. */
  readonly sampleKeys: readonly number[];
  /** The source's columns are no longer the replica's (the next sync rebuilds the table). */
  readonly columnsChanged: boolean;
}

export interface TableVerification {
  readonly table: string;
  readonly depth: VerifyDepth;
  readonly rows: number;
  readonly equal: boolean;
  readonly difference?: TableDifference;
  readonly ms: number;
}

const SAMPLE = 10;
/** Rows of the source compared per statement (the replica's rows of the same key range with them). */
const COMPARE_CHUNK_ROWS = 5000;

export interface VerifyOptions {
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

export async function verifyTable(replica: ReplicaFile, source: SqlSource, record: TableRecord, depth: VerifyDepth, options: VerifyOptions = {}): Promise<TableVerification> {
  const signal = options.signal;
  const started = Date.now();
  const discovered = await source.columns(record.name);
  const columnsChanged = columnSignature(copiedColumns(discovered)) !== record.signature;
  const counts = columnsChanged
    ? { missing: 0, extra: 0, different: 0, buckets: 0, sampleKeys: [] as number[] }
    : depth === 'rows'
      ? await compareRows(replica, source, record, signal)
      : await compareChecksums(replica, source, record, signal);
  const equal = !columnsChanged && counts.missing + counts.extra + counts.different + counts.buckets === 0;
  const now = (options.now ?? (() => new Date()))().toISOString();
  replica.db.prepare('UPDATE sbsync_tables SET verified_at = ?, verified_equal = ? WHERE name = ?').run(now, equal ? 1 : 0, record.name);
  return Object.freeze({
    table: record.name,
    depth,
    rows: record.rowCount,
    equal,
    ...(equal ? {} : { difference: Object.freeze({ table: record.name, ...counts, columnsChanged }) }),
    ms: Date.now() - started,
  });
}

interface Counts {
  missing: number;
  extra: number;
  different: number;
  buckets: number;
  sampleKeys: number[];
}

/** Source rows and replica rows of the same key range, merged in key order into `counts`. */
function mergeRange(counts: Counts, rows: readonly Row[], mine: readonly unknown[][], keyIndex: number, record: TableRecord): void {
  const note = (key: number, kind: 'missing' | 'extra' | 'different') => {
    counts[kind]++;
    if (counts.sampleKeys.length < SAMPLE) counts.sampleKeys.push(key);
  };
  let m = 0;
  for (const row of rows) {
    const k = keyOf(row, record.name);
    while (m < mine.length && Number(mine[m]![keyIndex]) < k) note(Number(mine[m++]![keyIndex]), 'extra');
    if (m < mine.length && Number(mine[m]![keyIndex]) === k) {
      if (!sameValues(mine[m]!, storedRow(row, record.columns, record.name, k))) note(k, 'different');
      m++;
    } else note(k, 'missing');
  }
  while (m < mine.length) note(Number(mine[m++]![keyIndex]), 'extra');
}

/** The replica's rows of `(after, upto]`, raw, in key order. */
function replicaRange(replica: ReplicaFile, record: TableRecord): (after: number, upto: number) => unknown[][] {
  const names = record.columns.map((c) => quoteIdent('sqlite', c.name)).join(', ');
  const key = quoteIdent('sqlite', ROW_KEY);
  const statement = replica.db
    .prepare(`SELECT ${names} FROM ${quoteIdent('sqlite', record.name)} WHERE ${key} > ? AND ${key} <= ? ORDER BY ${key}`)
    .raw()
    .safeIntegers(true);
  return (after, upto) => statement.all(after, upto) as unknown[][];
}

const keyIndexOf = (record: TableRecord): number => record.columns.findIndex((c) => c.name.toLowerCase() === ROW_KEY.toLowerCase());

async function compareRows(replica: ReplicaFile, source: SqlSource, record: TableRecord, signal: AbortSignal | undefined): Promise<Counts> {
  const counts: Counts = { missing: 0, extra: 0, different: 0, buckets: 0, sampleKeys: [] };
  const mine = replicaRange(replica, record);
  const sql = chunkAfterSql(source.dialect, record.name, record.columns, COMPARE_CHUNK_ROWS);
  let after = -1;
  for (;;) {
    checkSignal(signal);
    const rows = await readRows(source, sql, { after: { type: 'int', value: after } }, record.name, `the chunk after cbMarq ${after}`);
    const last = rows.length === 0 ? Number.MAX_SAFE_INTEGER : keyOf(rows[rows.length - 1]!, record.name);
    mergeRange(counts, rows, mine(after, rows.length < COMPARE_CHUNK_ROWS ? Number.MAX_SAFE_INTEGER : last), keyIndexOf(record), record);
    if (rows.length < COMPARE_CHUNK_ROWS) return counts;
    after = last;
  }
}

/**
 * Counts per bucket against the replica's, checksums against those recorded when the replica last compared
 * them. A bucket whose checksum moved since is read again and compared row by row: between two checksum
 * passes (`replica.checksums: daily`) the replica takes stamped changes without recording new checksums.
 */
async function compareChecksums(replica: ReplicaFile, source: SqlSource, record: TableRecord, signal: AbortSignal | undefined): Promise<Counts> {
  const counts: Counts = { missing: 0, extra: 0, different: 0, buckets: 0, sampleKeys: [] };
  const stats = await tableStats(source, record.name, false);
  const now = await sourceBuckets(source, record.name, record.columns, Math.max(stats.lastKey ?? -1, record.lastKey ?? -1), true, signal);
  const suspect = changedBuckets(now, storedBuckets(replica.db, 'sbsync_buckets', record.name), replicaBucketCounts(replica.db, record.name));
  const rowsOf = replicaRange(replica, record);
  const sql = rangeRowsSql(source.dialect, record.name, record.columns);
  for (const bucket of suspect) {
    checkSignal(signal);
    const after = bucket * BUCKET_KEYS - 1;
    const upto = after + BUCKET_KEYS;
    const before = counts.missing + counts.extra + counts.different;
    const rows = await readRows(source, sql, { after: { type: 'int', value: after }, upto: { type: 'int', value: upto } }, record.name, `keys ${after + 1} to ${upto}`);
    mergeRange(counts, rows, rowsOf(after, upto), keyIndexOf(record), record);
    if (counts.missing + counts.extra + counts.different > before) counts.buckets++;
  }
  return counts;
}

/** The replica file's own integrity: `ok`, or what SQLite found. */
export function checkReplicaFile(replica: ReplicaFile): string[] {
  const rows = replica.db.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  return problems;
}
