/**
 * Raw-extraction SQL for both engines: typing of discovered columns and the per-row JSON serialisation
 * the database does itself (performance-notes: the cost in JS is per value materialised, so each row
 * reaches Node as one ready-made JSON array text).
 *
 * dialect.ts has no helper for "serialise a row as a JSON array", so the two flavours live here:
 * - SQLite: `json_array(e1, e2, …)`; amounts as `printf('%.6f', x)` (exact for the stored doubles of
 *   amounts with ≤ 15 significant digits, see sage/tables.ts; integral values take a cheaper path);
 *   datetimes rewritten from the stored `YYYY-MM-DD HH:MM:SS` text; no JS user function per value.
 * - SQL Server: one nvarchar(max) per row built with CONCAT (SQL Server 2012+):
 *   `CONCAT(CAST(N'[' AS nvarchar(max)), e1, N',', e2, …, N']')`, every element already JSON text and
 *   never NULL (`ISNULL(…, 'null')`); the nvarchar(max) first argument lifts CONCAT's 8,000-character
 *   limit, and argument lists longer than 250 (real F_DOCENTETE tables have 120+ columns) are nested.
 *   Text goes through `STRING_ESCAPE(x, 'json')` (SQL Server 2016+, probed once) or, on older servers, an
 *   equivalent REPLACE chain; amounts through `CONVERT(varchar, CAST(x AS numeric(38,6)))` so every digit
 *   survives (never a float); datetimes through style 126 cut to 19 characters (wall-clock, no offset,
 *   no rounding). This was preferred to `FOR JSON PATH`, which produces objects (keys repeated on every
 *   row) that Node would have to parse and re-serialise as arrays.
 * Both flavours give byte-identical lines for the same data (the tests compare them on the same values).
 */
import { sqlDialect } from '../dialect.js';
import type { ColumnInfo, Dialect } from '../source.js';
import { sqlTypeKind } from '../sage/tables.js';

/** The type of a published column. `float` is rare in Sage (approximate numbers are published as JSON numbers). */
export type RawColumnType = 'text' | 'integer' | 'decimal' | 'datetime' | 'guid' | 'float';

export interface RawColumn {
  readonly name: string;
  readonly type: RawColumnType;
  /** The engine's type name (`numeric`, `varchar`, `smalldatetime`…), for documentation and debugging. */
  readonly sqlType: string;
  readonly nullable: boolean;
}

/** System columns always published when present (the incremental machinery relies on the first two). */
export const ROW_KEY = 'cbMarq';
export const MODIFIED = 'cbModification';

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
// SQLite
// ---------------------------------------------------------------------------------------------------------

const sqliteQuote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * A SQLite column to compare with text exactly as stored. Sage's datetime columns (`smalldatetime`…) get
 * NUMERIC affinity, so a bare `column >= 'text'` makes SQLite try to read both sides as numbers on every row
 * before it compares them as text anyway; the unary `+` drops the column's affinity, same result, none of
 * that work (the window flag alone cost ~5% of a full publication's time on the 1M-line demo).
 */
const sqliteAsStored = (column: string): string => `+${column}`;

/** 16-byte GUID blobs in SQL Server's text order (the first three groups little-endian). */
function sqliteGuidFromBlob(x: string): string {
  const h = `hex(${x})`;
  const s = (from: number, len: number) => `substr(${h}, ${from}, ${len})`;
  const rev = (from: number) => `${s(from + 6, 2)} || ${s(from + 4, 2)} || ${s(from + 2, 2)} || ${s(from, 2)}`;
  return `(${rev(1)} || '-' || ${s(11, 2)} || ${s(9, 2)} || '-' || ${s(15, 2)} || ${s(13, 2)} || '-' || ${s(17, 4)} || '-' || ${s(21, 12)})`;
}

export function sqliteValueJson(column: RawColumn): string {
  const x = sqliteQuote(column.name);
  switch (column.type) {
    case 'decimal':
      // NUMERIC affinity stores integral amounts as integers (cheap exact path) and others as doubles;
      // text that is not a number (a corrupt file) is handed over untouched, as the SQLite source does.
      return `CASE typeof(${x}) WHEN 'integer' THEN ${x} || '.000000' WHEN 'real' THEN printf('%.6f', ${x}) ELSE ${x} END`;
    case 'datetime':
      // Text is compared as text (numbers sort below any text, as before): see sqliteAsStored.
      return `CASE WHEN ${sqliteAsStored(x)} >= '1901-01-01' THEN CASE WHEN length(${x}) = 19 THEN replace(${x}, ' ', 'T') ELSE strftime('%Y-%m-%dT%H:%M:%S', ${x}) END END`;
    case 'guid':
      return `CASE typeof(${x}) WHEN 'blob' THEN ${sqliteGuidFromBlob(x)} ELSE upper(${x}) END`;
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
// SQL Server
// ---------------------------------------------------------------------------------------------------------

const mssqlQuote = (name: string): string => `[${name.replace(/]/g, ']]')}]`;

/**
 * JSON string escaping without STRING_ESCAPE (SQL Server 2012/2014): backslash and quote first, then the
 * control characters 1–31 (CHAR(0) is left alone: non-binary collations ignore it in REPLACE, and Sage
 * text never holds it).
 */
export function mssqlJsonEscapeFallback(expr: string): string {
  let out = `CAST(${expr} AS nvarchar(max))`;
  out = `REPLACE(${out}, N'\\', N'\\\\')`;
  out = `REPLACE(${out}, N'"', N'\\"')`;
  const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  for (let code = 1; code < 32; code++) {
    const replacement = named[code] ?? `\\u${code.toString(16).padStart(4, '0')}`;
    out = `REPLACE(${out}, CHAR(${code}), N'${replacement}')`;
  }
  return out;
}

export interface MssqlJsonOptions {
  /** STRING_ESCAPE exists (SQL Server 2016+); otherwise a REPLACE chain is used. */
  readonly stringEscape: boolean;
}

/** `"…"` around a non-NULL text expression, `null` for NULL (no `+`: CONCAT only, as on SQL Server 2012+). */
const mssqlQuoted = (x: string, text: string): string => `CASE WHEN ${x} IS NULL THEN 'null' ELSE CONCAT('"', ${text}, '"') END`;

export function mssqlValueJson(column: RawColumn, options: MssqlJsonOptions): string {
  const x = mssqlQuote(column.name);
  const base = column.sqlType.trim().toLowerCase();
  switch (column.type) {
    case 'text': {
      const value = base === 'text' || base === 'ntext' ? `CAST(${x} AS nvarchar(max))` : x;
      return mssqlQuoted(x, options.stringEscape ? `STRING_ESCAPE(${value}, 'json')` : mssqlJsonEscapeFallback(value));
    }
    case 'integer':
      return `ISNULL(CONVERT(varchar(20), ${x}), 'null')`;
    case 'decimal':
      return mssqlQuoted(x, `CONVERT(varchar(48), CAST(${x} AS numeric(38,6)))`);
    case 'datetime':
      return base === 'date'
        ? `CASE WHEN YEAR(${x}) >= 1901 THEN CONCAT('"', CONVERT(varchar(10), ${x}, 23), 'T00:00:00"') ELSE 'null' END`
        : `CASE WHEN YEAR(${x}) >= 1901 THEN CONCAT('"', CONVERT(varchar(19), ${x}, 126), '"') ELSE 'null' END`;
    case 'guid':
      return mssqlQuoted(x, `CONVERT(varchar(36), ${x})`);
    case 'float':
      return `ISNULL(CONVERT(varchar(30), ${x}, 2), 'null')`;
  }
}

/** CONCAT takes at most 254 arguments: longer lists are nested. */
function mssqlConcat(parts: readonly string[]): string {
  if (parts.length <= 250) return `CONCAT(${parts.join(', ')})`;
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += 250) groups.push(mssqlConcat(parts.slice(i, i + 250)));
  return mssqlConcat(groups);
}

export function mssqlRowJson(columns: readonly RawColumn[], options: MssqlJsonOptions): string {
  if (columns.length === 0) return `N'[]'`;
  const parts: string[] = [`CAST(N'[' AS nvarchar(max))`];
  columns.forEach((c, i) => {
    if (i > 0) parts.push(`N','`);
    parts.push(mssqlValueJson(c, options));
  });
  parts.push(`N']'`);
  return mssqlConcat(parts);
}

// ---------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------

export function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'mssql' ? mssqlQuote(name) : sqliteQuote(name);
}

/**
 * `max(cbMarq)`, the watermark candidate `max(cbModification)` as wall-clock text, and the row count. With a
 * changed-rows filter (an incremental extraction), the same scan also counts the rows it selects and gives
 * their first and last key (`changed_count`, `changed_first`, `changed_last`): the rows are then read in
 * that key range only, and not at all when none changed (a second scan of a large table saved).
 */
export function statsSql(dialect: Dialect, table: string, hasModified: boolean, filter?: string): string {
  const d = sqlDialect(dialect);
  const t = quoteIdent(dialect, table);
  const key = quoteIdent(dialect, ROW_KEY);
  const modified = hasModified ? d.datetimeText(`max(${quoteIdent(dialect, MODIFIED)})`) : 'NULL';
  const changed = filter
    ? `, sum(CASE WHEN ${filter} THEN 1 ELSE 0 END) AS changed_count, min(CASE WHEN ${filter} THEN ${key} END) AS changed_first, max(CASE WHEN ${filter} THEN ${key} END) AS changed_last`
    : '';
  return `SELECT max(${key}) AS last_key, ${modified} AS max_modified, count(*) AS row_count${changed} FROM ${t}`;
}

export interface ChunkSqlOptions {
  /**
   * Adds `w` = 1 for rows the next incremental run will read again (`cbModification >= @window OR
   * cbMarq > @nextKey`), whose lines are fingerprinted in the state. Needs a cbModification column.
   */
  readonly windowFlag?: boolean;
  /** Bounds the chunk above too (`cbMarq <= @upto`): a key range of the parallel reader. */
  readonly upto?: boolean;
}

/**
 * One keyset chunk of rows: `k` = cbMarq, `j` = the row's JSON array (and `w`, see ChunkSqlOptions). `@after`
 * is the last key of the previous chunk; `filter` (optional) restricts to changed rows and uses `@since` /
 * `@lastKey`.
 */
export function chunkSql(
  dialect: Dialect,
  table: string,
  columns: readonly RawColumn[],
  chunkSize: number,
  filter: string | undefined,
  mssql: MssqlJsonOptions = { stringEscape: true },
  options: ChunkSqlOptions = {},
): string {
  const d = sqlDialect(dialect);
  const t = quoteIdent(dialect, table);
  const key = quoteIdent(dialect, ROW_KEY);
  const where = `${key} > @after${options.upto ? ` AND ${key} <= @upto` : ''}${filter ? ` AND (${filter})` : ''}`;
  const json = dialect === 'mssql' ? mssqlRowJson(columns, mssql) : sqliteRowJson(columns);
  const w = options.windowFlag ? `, CASE WHEN ${modifiedAsStored(dialect)} >= @window OR ${key} > @nextKey THEN 1 ELSE 0 END AS w` : '';
  return `SELECT ${d.top(chunkSize)}${key} AS k, ${json} AS j${w} FROM ${t} WHERE ${where} ORDER BY ${key}${
    dialect === 'sqlite' ? ` ${d.limit(chunkSize)}` : ''
  }`;
}

/**
 * SQLite: a chunk of rows (chunkSql: `k`, `j` [, `w`]) folded into one row, so that a reader thread gets a
 * whole range from SQLite in one step and never handles a row at a time: `n` rows, their `keys` as a JSON
 * array, `data` = the lines joined by newlines as a blob (the NDJSON bytes but the last newline, which the
 * reader adds as it copies them: `|| char(10)` would make SQLite copy the whole block once more); with the
 * window flag, `againKeys` / `againLines` likewise for the rows flagged `w` (with the final newline). Keys
 * and lines are aggregated in the same step, so they come in the same order (which the caller checks is the
 * key order).
 */
export function rangeBlockSql(rowSql: string, windowFlag: boolean): string {
  const again = windowFlag
    ? `json_group_array(k) FILTER (WHERE w = 1) AS againKeys, CAST(group_concat(j, char(10)) FILTER (WHERE w = 1) || char(10) AS BLOB) AS againLines`
    : `NULL AS againKeys, NULL AS againLines`;
  return `SELECT count(*) AS n, json_group_array(k) AS keys, CAST(group_concat(j, char(10)) AS BLOB) AS data, ${again} FROM (${rowSql})`;
}

/**
 * SQLite: the `offset + 1`-th key after `@after` (the upper bound of a key range holding `offset + 1` rows),
 * or no row when fewer remain. Walks keys only, so it costs a fraction of reading the rows.
 */
export function rangeEndSql(table: string, rows: number): string {
  const key = quoteIdent('sqlite', ROW_KEY);
  return `SELECT ${key} AS k FROM ${quoteIdent('sqlite', table)} WHERE ${key} > @after ORDER BY ${key} LIMIT 1 OFFSET ${rows - 1}`;
}

/** cbModification for a comparison with a bound wall-clock text (`@since`, `@window`). */
function modifiedAsStored(dialect: Dialect): string {
  const modified = quoteIdent(dialect, MODIFIED);
  return dialect === 'sqlite' ? sqliteAsStored(modified) : modified;
}

/** The changed-rows filter of an incremental extraction. */
export function changedFilter(dialect: Dialect, hasModified: boolean): string {
  const key = quoteIdent(dialect, ROW_KEY);
  return hasModified ? `${modifiedAsStored(dialect)} >= @since OR ${key} > @lastKey` : `${key} > @lastKey`;
}

/**
 * One chunk of keys, ascending. SQLite aggregates the chunk into one JSON array (one value per chunk instead
 * of one row object per key); SQL Server streams rows of `k`.
 */
export function keyChunkSql(dialect: Dialect, table: string, chunkSize: number): string {
  const t = quoteIdent(dialect, table);
  const key = quoteIdent(dialect, ROW_KEY);
  if (dialect === 'sqlite') {
    return `SELECT json_group_array(k) AS keys, count(*) AS n, max(k) AS last_key FROM (SELECT ${key} AS k FROM ${t} WHERE ${key} > @after ORDER BY ${key} LIMIT ${chunkSize})`;
  }
  return `SELECT TOP (${chunkSize}) ${key} AS k FROM ${t} WHERE ${key} > @after ORDER BY ${key}`;
}
