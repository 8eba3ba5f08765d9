/**
 * Raw-extraction SQL, run on a company's replica (SQLite): typing of discovered columns and the per-row JSON
 * serialisation the database does itself (performance-notes: the cost in JS is per value materialised, so
 * each row reaches Node as one ready-made JSON array text).
 *
 * Each row is `json_array(e1, e2, …)`: amounts, stored as integer micro-units, as six-decimal text built by
 * SQLite (dialect.ts microText: `"-12.500000"`, `"0.050000"`); datetimes rewritten from the stored
 * `YYYY-MM-DD HH:MM:SS` text (wall-clock, no fraction); no JS user function per value, so reader threads
 * (parallel.ts), whose connections have none, run the same SQL.
 */
import { microText, SQLITE_DIALECT } from '../dialect.js';
import type { ColumnInfo } from '../../sources/source.js';
import { sqlTypeKind } from '../sage/tables.js';
import { GENERATION_COLUMN } from '../../replica/format.js';

/** The type of a published column. `float` is rare in Sage (approximate numbers are published as JSON numbers). */
export type RawColumnType = 'text' | 'integer' | 'decimal' | 'datetime' | 'guid' | 'float';

export interface RawColumn {
  readonly name: string;
  readonly type: RawColumnType;
  /** The engine's type name (`numeric`, `varchar`, `smalldatetime`…), for documentation and debugging. */
  readonly sqlType: string;
  readonly nullable: boolean;
}

/** The row key of every dataset (the incremental machinery pages and diffs on it). */
export const ROW_KEY = 'cbMarq';
/** The replica's generation stamp of each row (src/replica/schema.ts): what incremental extraction filters on. */
const GENERATION = GENERATION_COLUMN;

/**
 * Types a discovered column, or returns undefined for columns that are never published: binary ones
 * (the computed `cbXXX` varbinary index columns, `cbHash`, images).
 */
export function rawColumnType(column: ColumnInfo): RawColumnType | undefined {
  const base = column.type.trim().toLowerCase().replace(/\s*\(.*$/, '');
  if (base === 'float' || base === 'real' || base === 'double' || base === 'double precision') return 'float';
  if (base === 'timestamp' || base === 'rowversion') return undefined; // binary on SQL Server
  const kind = sqlTypeKind(base);
  switch (kind) {
    case 'binary':
      return undefined;
    case 'integer':
    case 'decimal':
    case 'datetime':
    case 'guid':
    case 'text':
      return kind;
  }
}

/** The published columns of a table, in physical order. */
export function rawColumns(columns: readonly ColumnInfo[]): RawColumn[] {
  const out: RawColumn[] = [];
  for (const c of columns) {
    const type = rawColumnType(c);
    if (type !== undefined) out.push(Object.freeze({ name: c.name, type, sqlType: c.type, nullable: c.nullable }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Row JSON
// ---------------------------------------------------------------------------------------------------------

const sqliteQuote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * A SQLite column to compare with text exactly as stored. Sage's datetime columns (`smalldatetime`…) get
 * NUMERIC affinity, so a bare `column >= 'text'` makes SQLite try to read both sides as numbers on every row
 * before it compares them as text anyway; the unary `+` drops the column's affinity, same result, none of
 * that work (measured: ~5% of a full publication of the 1M-line demo, for one such comparison per row).
 */
const sqliteAsStored = (column: string): string => `+${column}`;

export function sqliteValueJson(column: RawColumn): string {
  const x = sqliteQuote(column.name);
  switch (column.type) {
    case 'decimal':
      return microText(x);
    case 'datetime':
      // Text is compared as text (numbers sort below any text, as before): see sqliteAsStored.
      return `CASE WHEN ${sqliteAsStored(x)} >= '1901-01-01' THEN CASE WHEN length(${x}) = 19 THEN replace(${x}, ' ', 'T') ELSE strftime('%Y-%m-%dT%H:%M:%S', ${x}) END END`;
    case 'guid': // stored as upper-case text by the replica (src/replica/values.ts)
    case 'integer':
    case 'float':
    case 'text':
      return x;
  }
}

export function sqliteRowJson(columns: readonly RawColumn[]): string {
  return `json_array(${columns.map(sqliteValueJson).join(', ')})`;
}

// ---------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------

/**
 * `max(cbMarq)`, the replica's latest generation on the table `max(__sbsync_gen)`, and the row count. For an
 * incremental extraction, also the number of changed rows and their first and last key (`changed_count`,
 * `changed_first`, `changed_last`): the rows are then read in that key range only, and not at all when none
 * changed. Nothing here scans the table.
 */
export function statsSql(table: string, incremental: boolean): string {
  const key = sqliteQuote(ROW_KEY);
  const t = sqliteQuote(table);
  // Each figure its own sub-query: max() of the rowid and of the indexed generation are single lookups, and the
  // changed rows are found as two index ranges (newer generation, or
  // a key above the last one; UNION counts a row in both once) instead of a scan evaluating the filter per row.
  const changed = incremental
    ? `, c.n AS changed_count, c.first AS changed_first, c.last AS changed_last FROM (SELECT count(*) AS n, min(k) AS first, max(k) AS last FROM (SELECT ${key} AS k FROM ${t} WHERE ${sqliteQuote(GENERATION)} > @since UNION SELECT ${key} FROM ${t} WHERE ${key} > @lastKey)) c`
    : '';
  // The row count the sync recorded with the rows, in the same transaction (a count(*) walks a whole index).
  const rows = `(SELECT row_count FROM sbsync_tables WHERE name = '${table.replace(/'/g, "''")}')`;
  return `SELECT (SELECT max(${key}) FROM ${t}) AS last_key, (SELECT max(${sqliteQuote(GENERATION)}) FROM ${t}) AS max_generation, ${rows} AS row_count${changed}`;
}

export interface ChunkSqlOptions {
  /** Bounds the chunk above too (`cbMarq <= @upto`): a key range of the parallel reader. */
  readonly upto?: boolean;
}

/**
 * One keyset chunk of rows: `k` = cbMarq, `j` = the row's JSON array. `@after` is the last key of the previous
 * chunk; `filter` (optional) restricts to changed rows and uses `@since` / `@lastKey`.
 */
export function chunkSql(
  table: string,
  columns: readonly RawColumn[],
  chunkSize: number,
  filter: string | undefined,
  options: ChunkSqlOptions = {},
): string {
  const key = sqliteQuote(ROW_KEY);
  const where = `${key} > @after${options.upto ? ` AND ${key} <= @upto` : ''}${filter ? ` AND (${filter})` : ''}`;
  return `SELECT ${key} AS k, ${sqliteRowJson(columns)} AS j FROM ${sqliteQuote(table)} WHERE ${where} ORDER BY ${key} ${SQLITE_DIALECT.limit(chunkSize)}`;
}

/**
 * A chunk of rows (chunkSql: `k`, `j`) folded into one row, so that a reader thread gets a whole range from
 * SQLite in one step and never handles a row at a time: `n` rows, their `keys` as a JSON array, `data` = the
 * lines joined by newlines as a blob (the NDJSON bytes but the last newline, which the reader adds as it copies
 * them: `|| char(10)` would make SQLite copy the whole block once more). Keys and lines are aggregated in the
 * same step, so they come in the same order (which the caller checks is the key order).
 */
export function rangeBlockSql(rowSql: string): string {
  return `SELECT count(*) AS n, json_group_array(k) AS keys, CAST(group_concat(j, char(10)) AS BLOB) AS data FROM (${rowSql})`;
}

/**
 * The `offset + 1`-th key after `@after` (the upper bound of a key range holding `offset + 1` rows), or no
 * row when fewer remain. Walks keys only, so it costs a fraction of reading the rows.
 */
export function rangeEndSql(table: string, rows: number): string {
  const key = sqliteQuote(ROW_KEY);
  return `SELECT ${key} AS k FROM ${sqliteQuote(table)} WHERE ${key} > @after ORDER BY ${key} LIMIT 1 OFFSET ${rows - 1}`;
}

/**
 * The changed-rows filter of an incremental extraction: rows the replica wrote after the generation of the last
 * committed publication (`@since`), or with a key above its last key (`@lastKey`). Exact: a sync stamps a row
 * only when one of its values changed, and the replica does not move while a publication reads it (both hold
 * the company's run lock).
 */
export function changedFilter(): string {
  return `${sqliteQuote(GENERATION)} > @since OR ${sqliteQuote(ROW_KEY)} > @lastKey`;
}

/** One chunk of keys, ascending, aggregated into one JSON array (one value per chunk, not one row per key). */
export function keyChunkSql(table: string, chunkSize: number): string {
  const key = sqliteQuote(ROW_KEY);
  return `SELECT json_group_array(k) AS keys, count(*) AS n, max(k) AS last_key FROM (SELECT ${key} AS k FROM ${sqliteQuote(table)} WHERE ${key} > @after ORDER BY ${key} LIMIT ${chunkSize})`;
}
