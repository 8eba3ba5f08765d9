/**
 * The first copy of a table from a SQLite source, done by SQLite itself: the source file is attached to
 * the replica's connection (and only read) and each chunk is one `INSERT … SELECT … WHERE cbMarq > ? ORDER BY
 * cbMarq LIMIT n`. Reading the same rows through the source port costs a JS object per row (~40 µs a row of
 * the ledger, measured); this costs a few µs. The values stored are those the port would give
 * (values.ts on the SQLite source's conversions): the common cases are converted in SQL, and anything else
 * (an amount stored as text, a date in another format, a GUID blob) goes through the very same JS
 * conversion, by a user function called only for those values. A test compares both ways on every table.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { datetimeValue, decimalValue, plainValue } from '../sources/sqlite.js';
import type { SqlValue } from '../sources/source.js';
import { quoteIdent, ROW_KEY } from './reads.js';
import { GENERATION_COLUMN } from './format.js';
import type { SourceColumn } from './schema.js';
import { storedValue } from './values.js';

const SOURCE_SCHEMA = 'sbsync_source';

/** Integers whose micro-units fit in 64 bits: larger ones go through the JS conversion (which refuses them). */
const MAX_WHOLE_UNITS = 9_223_372_036_854;
/**
 * Doubles below this hold at most 15 significant digits with six decimals: the double of a six-decimal amount is
 * then within 0.125 of an integer once multiplied by 10^6, and `round(x * 10^6)` is that amount. A double further
 * from one (more decimals, or a tie such as 0.1234565) goes through the JS conversion, which rounds it the way
 * the source port does.
 */
const MAX_REAL_UNITS = 1e9;

const KIND_CODES = { decimal: 1, datetime: 2, guid: 3 } as const;

/** Registers the JS conversion the copy falls back on, for the rare values SQL does not convert. */
export function registerCopyFunctions(db: SqliteDatabase): void {
  db.function('sbsync_value', { deterministic: true, safeIntegers: true }, (kind: unknown, value: unknown, table: unknown, column: unknown, key: unknown) => {
    const name = String(column);
    const place = { table: String(table), key: plainValue(key) };
    switch (Number(kind)) {
      case KIND_CODES.decimal:
        return storedValue(decimalValue(value), { name, sourceType: 'numeric', kind: 'decimal', nullable: true }, place);
      case KIND_CODES.datetime:
        return storedValue(datetimeValue(value), { name, sourceType: 'datetime', kind: 'datetime', nullable: true }, place);
      default:
        return storedValue(plainValue(value) as SqlValue, { name, sourceType: 'uniqueidentifier', kind: 'guid', nullable: true }, place);
    }
  });
}

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

function converted(table: string, column: SourceColumn): string {
  const x = quoteIdent('sqlite', column.name);
  const slow = (kind: keyof typeof KIND_CODES) => `sbsync_value(${KIND_CODES[kind]}, ${x}, ${literal(table)}, ${literal(column.name)}, ${quoteIdent('sqlite', ROW_KEY)})`;
  switch (column.kind) {
    case 'decimal':
      return `CASE WHEN ${x} IS NULL THEN NULL
        WHEN typeof(${x}) = 'integer' AND abs(${x}) <= ${MAX_WHOLE_UNITS} THEN ${x} * 1000000
        WHEN typeof(${x}) = 'real' AND abs(${x}) < ${MAX_REAL_UNITS} AND abs(${x} * 1000000 - round(${x} * 1000000)) < 0.25
          THEN CAST(round(${x} * 1000000) AS INTEGER)
        ELSE ${slow('decimal')} END`;
    case 'datetime':
      // `+x`: compared as stored (datetime columns have NUMERIC affinity).
      return `CASE WHEN typeof(${x}) = 'text' AND length(${x}) = 19 AND substr(${x}, 11, 1) = ' ' THEN ${x}
        WHEN typeof(${x}) = 'text' THEN ${slow('datetime')} ELSE +${x} END`;
    case 'guid':
      return `CASE WHEN typeof(${x}) = 'text' THEN upper(${x}) WHEN ${x} IS NULL THEN NULL ELSE ${slow('guid')} END`;
    case 'integer':
    case 'float':
    case 'text':
      return x;
  }
}

/** One chunk: the next `rows` rows after `@after` into `target`, stamped with `@generation`. */
export function copyChunkSql(target: string, table: string, columns: readonly SourceColumn[], rows: number): string {
  const names = [...columns.map((c) => quoteIdent('sqlite', c.name)), quoteIdent('sqlite', GENERATION_COLUMN)].join(', ');
  const values = columns.map((c) => converted(table, c)).join(', ');
  const key = quoteIdent('sqlite', ROW_KEY);
  return `INSERT INTO ${quoteIdent('sqlite', target)} (${names}) SELECT ${values}, @generation FROM ${SOURCE_SCHEMA}.${quoteIdent('sqlite', table)} WHERE ${key} > @after ORDER BY ${key} LIMIT ${rows}`;
}

/**
 * Attaches the source file for the duration of `work`. Only ever read (SELECT); the file exists, since the
 * source was opened from it. (This SQLite build takes plain paths, not `file:` URIs with `mode=ro`.)
 */
export async function withAttachedSource<T>(db: SqliteDatabase, file: string, work: () => Promise<T>): Promise<T> {
  db.prepare(`ATTACH DATABASE ? AS ${SOURCE_SCHEMA}`).run(file);
  try {
    return await work();
  } finally {
    db.exec(`DETACH DATABASE ${SOURCE_SCHEMA}`);
  }
}
