/**
 * Every statement the replica sends to a Sage database, for SQL Server and for SQLite files. These are the
 * only reads a sync makes, kept to shapes SQL Server 2008 R2 already runs: column discovery (in the source),
 * table statistics, keyset chunks on the clustered `cbMarq` key, the rows changed since a watermark, the rows
 * of one key range, and per-range counts and checksums. Nothing else: no CONCAT, no JSON, no OFFSET/FETCH,
 * no function newer than 2008 R2 (test/golden/mssql/ keeps each shape and a test refuses newer constructs).
 *
 * Values cross as the source port delivers them (src/sources/source.ts): decimals are cast to text on SQL
 * Server so that numeric(24,6) keeps every digit; everything else is selected as it is.
 */
import type { Dialect } from '../sources/source.js';
import type { SourceColumn } from './schema.js';

export const ROW_KEY = 'cbMarq';
export const MODIFIED = 'cbModification';

/**
 * Keys per bucket: the unit of change detection (a bucket is `cbMarq / BUCKET_KEYS`, fixed whatever rows come
 * and go). A bucket whose checksum moved is read again whole: at most this many rows. Small, so that changes
 * spread over a large table (0.1% of a ledger touches most 1,024-key buckets) cost a fraction of a re-read.
 */
export const BUCKET_KEYS = 128;
/** Buckets per checksum statement: ranges of 65,536 keys keep each statement short on a large table. */
export const BUCKETS_PER_STATEMENT = 512;

export const quoteIdent = (dialect: Dialect, name: string): string =>
  dialect === 'mssql' ? `[${name.replace(/]/g, ']]')}]` : `"${name.replace(/"/g, '""')}"`;

/** SQL Server: the types BINARY_CHECKSUM refuses (noncomparable); they are left out of the checksum. */
const NONCOMPARABLE = new Set(['text', 'ntext', 'image', 'xml', 'sql_variant', 'geography', 'geometry', 'hierarchyid']);

function selectExpression(dialect: Dialect, column: SourceColumn): string {
  const name = quoteIdent(dialect, column.name);
  if (dialect === 'mssql' && column.kind === 'decimal') {
    // The SQL Server source refuses a decimal result column (tedious would round it through a double). Text
    // keeps every digit: numeric as it is (a scale beyond six is then refused by the replica, not rounded);
    // money with its four decimals (style 2), as CAST would keep only two.
    const money = column.sourceType === 'money' || column.sourceType === 'smallmoney';
    return money ? `CONVERT(varchar(48), ${name}, 2) AS ${name}` : `CAST(${name} AS varchar(48)) AS ${name}`;
  }
  return name;
}

function selectList(dialect: Dialect, columns: readonly SourceColumn[]): string {
  return columns.map((c) => selectExpression(dialect, c)).join(', ');
}

/** `TOP (n) ` after SELECT on SQL Server; the SQLite form puts `LIMIT n` at the end. */
function firstRows(dialect: Dialect, n: number, sql: (top: string) => string): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`row count must be a positive integer, got ${n}`);
  return dialect === 'mssql' ? sql(`TOP (${n}) `) : `${sql('')} LIMIT ${n}`;
}

/** Row count, highest key and latest modification stamp of a table: one scan, the sync's starting marks. */
export function tableStatsSql(dialect: Dialect, table: string, hasModified: boolean): string {
  const t = quoteIdent(dialect, table);
  const key = quoteIdent(dialect, ROW_KEY);
  const modified = hasModified ? `MAX(${quoteIdent(dialect, MODIFIED)})` : 'NULL';
  const count = dialect === 'mssql' ? 'COUNT_BIG(*)' : 'count(*)';
  return `SELECT ${count} AS row_count, MAX(${key}) AS last_key, ${modified} AS max_modified FROM ${t}`;
}

/** The next keyset chunk of a table: `@after` is the last key already read. */
export function chunkAfterSql(dialect: Dialect, table: string, columns: readonly SourceColumn[], rows: number): string {
  const key = quoteIdent(dialect, ROW_KEY);
  return firstRows(dialect, rows, (top) => `SELECT ${top}${selectList(dialect, columns)} FROM ${quoteIdent(dialect, table)} WHERE ${key} > @after ORDER BY ${key}`);
}

/**
 * The next chunk of rows changed since the watermark: stamped at or after `@since` (the watermark less the
 * overlap window), or above `@lastKey` (inserted since, stamped or not).
 */
export function changedAfterSql(dialect: Dialect, table: string, columns: readonly SourceColumn[], rows: number): string {
  const key = quoteIdent(dialect, ROW_KEY);
  const modified = quoteIdent(dialect, MODIFIED);
  // SQLite: `+column` compares the stored text as text (datetime columns have NUMERIC affinity).
  const stamp = dialect === 'sqlite' ? `+${modified}` : modified;
  return firstRows(
    dialect,
    rows,
    (top) =>
      `SELECT ${top}${selectList(dialect, columns)} FROM ${quoteIdent(dialect, table)} WHERE ${key} > @after AND (${stamp} >= @since OR ${key} > @lastKey) ORDER BY ${key}`,
  );
}

/** Every row of one key range `(@after, @upto]`: a bucket read again. */
export function rangeRowsSql(dialect: Dialect, table: string, columns: readonly SourceColumn[]): string {
  const key = quoteIdent(dialect, ROW_KEY);
  return `SELECT ${selectList(dialect, columns)} FROM ${quoteIdent(dialect, table)} WHERE ${key} > @after AND ${key} <= @upto ORDER BY ${key}`;
}

/** The keys of one key range `(@after, @upto]`: what tells which rows of a bucket were deleted. */
export function rangeKeysSql(dialect: Dialect, table: string): string {
  const key = quoteIdent(dialect, ROW_KEY);
  return `SELECT ${key} FROM ${quoteIdent(dialect, table)} WHERE ${key} > @after AND ${key} <= @upto ORDER BY ${key}`;
}

/** The columns a checksum covers: every copied column the engine can checksum. */
export function checksummedColumns(columns: readonly SourceColumn[]): SourceColumn[] {
  return columns.filter((c) => !NONCOMPARABLE.has(c.sourceType.toLowerCase()));
}

/**
 * Per bucket of the key range `(@after, @upto]`: its row count and, with `withChecksum`, a checksum of its
 * rows. SQL Server: CHECKSUM_AGG(BINARY_CHECKSUM(…)), both in every version since 2000, computed by the
 * server. SQLite: `sb_bucket_digest(…)`, an aggregate the SQLite source registers (src/sources/sqlite.ts).
 * The two are never compared with each other: a checksum is only ever compared with the one the same source
 * gave at an earlier sync.
 */
export function bucketsSql(dialect: Dialect, table: string, columns: readonly SourceColumn[], withChecksum: boolean): string {
  const key = quoteIdent(dialect, ROW_KEY);
  const bucket = `${key} / ${BUCKET_KEYS}`;
  const count = dialect === 'mssql' ? 'COUNT_BIG(*)' : 'count(*)';
  let checksum = '';
  if (withChecksum) {
    const summed = checksummedColumns(columns);
    if (dialect === 'mssql') {
      // CHECKSUM_AGG is an XOR: two rows swapping equal-width values (amounts) cancel out. The sum of the same
      // row checksums does not, so both are kept (one text `xor:sum`).
      const row = `BINARY_CHECKSUM(${summed.map((c) => quoteIdent(dialect, c.name)).join(', ')})`;
      checksum = `, CHECKSUM_AGG(${row}) AS checksum, SUM(CAST(${row} AS bigint)) AS checksum_sum`;
    } else {
      // SQLite builds each row's JSON text in C; the aggregate only hashes one string per row (a blob, which
      // JSON cannot hold, as its hex text).
      const values = summed.map((c) => {
        const x = quoteIdent(dialect, c.name);
        return c.kind === 'guid' || c.kind === 'text' ? `CASE WHEN typeof(${x}) = 'blob' THEN hex(${x}) ELSE ${x} END` : x;
      });
      checksum = `, sb_bucket_digest(json_array(${values.join(', ')})) AS checksum`;
    }
  }
  return `SELECT ${bucket} AS bucket, ${count} AS row_count${checksum} FROM ${quoteIdent(dialect, table)} WHERE ${key} > @after AND ${key} <= @upto GROUP BY ${bucket} ORDER BY ${bucket}`;
}
