/**
 * `replica verify`: is the replica equal to its source? Two depths:
 * - `rows` (SQLite sources, and SQL Server on request): every row of the source read in keyset chunks and
 *   compared value by value with the replica's, in key order (a merge, in bounded memory);
 * - `checksums` (SQL Server by default): the row count of every bucket compared with the replica's, and every
 *   bucket checksum with the one recorded when the replica last read that bucket: equal checksums mean the
 *   source has not changed since, so the replica, level with it then, still is.
 * Either way the replica file itself is checked first (`PRAGMA quick_check`).
 */
import type { SqlSource } from '../extract/source.js';
import type { ReplicaFile, TableRecord } from './file.js';
import { chunkAfterSql, quoteIdent, ROW_KEY } from './reads.js';
import { columnSignature, copiedColumns } from './schema.js';
import { checkSignal, keyOf, readRows, replicaBucketCounts, sourceBuckets, storedBuckets, tableStats, sameValues } from './table-io.js';
import { storedRow } from './values.js';

export type VerifyDepth = 'rows' | 'checksums';

export interface TableDifference {
  readonly table: string;
  /** Keys in the source and not in the replica, and the other way round; rows whose values differ. */
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  /** Buckets (1,024 keys each) that differ, for the checksum depth. */
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

export async function verifyTable(replica: ReplicaFile, source: SqlSource, record: TableRecord, depth: VerifyDepth, signal?: AbortSignal): Promise<TableVerification> {
  const started = Date.now();
  const discovered = await source.columns(record.name);
  const columnsChanged = columnSignature(copiedColumns(discovered)) !== record.signature;
  const counts = columnsChanged
    ? { missing: 0, extra: 0, different: 0, buckets: 0, sampleKeys: [] as number[] }
    : depth === 'rows'
      ? await compareRows(replica, source, record, signal)
      : await compareChecksums(replica, source, record, signal);
  const equal = !columnsChanged && counts.missing + counts.extra + counts.different + counts.buckets === 0;
  const now = new Date().toISOString();
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

async function compareRows(replica: ReplicaFile, source: SqlSource, record: TableRecord, signal: AbortSignal | undefined): Promise<Counts> {
  const counts: Counts = { missing: 0, extra: 0, different: 0, buckets: 0, sampleKeys: [] };
  const note = (key: number, kind: 'missing' | 'extra' | 'different') => {
    counts[kind]++;
    if (counts.sampleKeys.length < SAMPLE) counts.sampleKeys.push(key);
  };
  const columns = record.columns;
  const names = columns.map((c) => quoteIdent('sqlite', c.name)).join(', ');
  const key = quoteIdent('sqlite', ROW_KEY);
  const replicaChunk = replica.db
    .prepare(`SELECT ${names} FROM ${quoteIdent('sqlite', record.name)} WHERE ${key} > ? AND ${key} <= ? ORDER BY ${key}`)
    .raw()
    .safeIntegers(true);
  const keyIndex = columns.findIndex((c) => c.name.toLowerCase() === ROW_KEY.toLowerCase());
  const sql = chunkAfterSql(source.dialect, record.name, columns, 5000);
  let after = -1;
  for (;;) {
    checkSignal(signal);
    const rows = await readRows(source, sql, { after: { type: 'int', value: after } }, record.name, `the chunk after cbMarq ${after}`);
    const last = rows.length === 0 ? Number.MAX_SAFE_INTEGER : keyOf(rows[rows.length - 1]!, record.name);
    // The replica's rows of the same key range, merged with the source's.
    const mine = replicaChunk.all(after, last) as unknown[][];
    let m = 0;
    for (const row of rows) {
      const k = keyOf(row, record.name);
      while (m < mine.length && Number(mine[m]![keyIndex]) < k) note(Number(mine[m++]![keyIndex]), 'extra');
      if (m < mine.length && Number(mine[m]![keyIndex]) === k) {
        if (!sameValues(mine[m]!, storedRow(row, columns, record.name, k))) note(k, 'different');
        m++;
      } else note(k, 'missing');
    }
    while (m < mine.length) note(Number(mine[m++]![keyIndex]), 'extra');
    if (rows.length < 5000) return counts;
    after = last;
  }
}

async function compareChecksums(replica: ReplicaFile, source: SqlSource, record: TableRecord, signal: AbortSignal | undefined): Promise<Counts> {
  const counts: Counts = { missing: 0, extra: 0, different: 0, buckets: 0, sampleKeys: [] };
  const stats = await tableStats(source, record.name, false);
  const now = await sourceBuckets(source, record.name, record.columns, Math.max(stats.lastKey ?? -1, record.lastKey ?? -1), true, signal);
  const recorded = storedBuckets(replica.db, 'sbsync_buckets', record.name);
  const mine = replicaBucketCounts(replica.db, record.name);
  const differing = new Set<number>();
  for (const [bucket, state] of now) {
    if ((mine.get(bucket) ?? 0) !== state.rowCount || recorded.get(bucket)?.checksum !== state.checksum) differing.add(bucket);
  }
  for (const bucket of mine.keys()) if (!now.has(bucket)) differing.add(bucket);
  counts.buckets = differing.size;
  const sourceRows = [...now.values()].reduce((s, b) => s + b.rowCount, 0);
  const replicaRows = [...mine.values()].reduce((s, n) => s + n, 0);
  if (sourceRows > replicaRows) counts.missing = sourceRows - replicaRows;
  if (replicaRows > sourceRows) counts.extra = replicaRows - sourceRows;
  return counts;
}

/** The replica file's own integrity: `ok`, or what SQLite found. */
export function checkReplicaFile(replica: ReplicaFile): string[] {
  const rows = replica.db.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  return problems;
}
