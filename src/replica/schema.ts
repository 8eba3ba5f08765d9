/**
 * The shape of a replica table: which source columns are copied, how each is stored, and the DDL.
 *
 * A replica table keeps the Sage table's name, its columns' names and their declared SQL Server types, so
 * that `PRAGMA table_info` reports `numeric`, `varchar`, `smalldatetime` as a Sage database does, and every
 * SQL written for a Sage-schema SQLite file reads it. What differs is how values are stored:
 * - amounts (numeric, decimal, money) as INTEGER micro-units (`12.5` is 12500000): exact, summed by SQLite in
 *   64-bit integers; never REAL. A value with more than six decimals, or beyond ±9,223,372,036,854.775807,
 *   cannot be held and stops the sync with an error naming it;
 * - datetimes as wall-clock text `YYYY-MM-DD HH:MM:SS` (a fraction only when not zero);
 * - text as Unicode, compared without case (`COLLATE NOCASE`, as Sage's French_CI_AS does for codes);
 * - binary columns (the computed `cbXXX` index columns, `cbHash`, images) are not copied.
 * `cbMarq` is the rowid (`INTEGER PRIMARY KEY`), the clustered key as on SQL Server, and `__sbsync_gen`
 * holds the sync generation that last changed the row (what Data Manager deltas are computed from).
 */
import { rawColumnType, type RawColumnType } from '../extract/raw/sql.js';
import type { ColumnInfo } from '../sources/source.js';
import { findSageTable } from '../extract/sage/tables.js';
import { GENERATION_COLUMN } from './format.js';
import { quoteIdent, ROW_KEY } from './reads.js';

export type ColumnKind = RawColumnType;

export interface SourceColumn {
  readonly name: string;
  /** The source's type name, lower case, without length (`numeric`, `varchar`, `smalldatetime`). */
  readonly sourceType: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

/** The copied columns of a discovered table, in physical order (binary ones left out). */
export function copiedColumns(discovered: readonly ColumnInfo[]): SourceColumn[] {
  const out: SourceColumn[] = [];
  for (const column of discovered) {
    const kind = rawColumnType(column);
    if (kind === undefined) continue;
    const sourceType = column.type.trim().toLowerCase().replace(/\s*\(.*$/, '');
    out.push(Object.freeze({ name: column.name, sourceType, kind, nullable: column.nullable }));
  }
  return out;
}

/** What identifies a table's shape: a change (a new information libre, a type change) rebuilds the table. */
export function columnSignature(columns: readonly SourceColumn[]): string {
  return JSON.stringify(columns.map((c) => [c.name, c.sourceType]));
}

function columnDdl(column: SourceColumn): string {
  const name = quoteIdent('sqlite', column.name);
  if (column.name.toLowerCase() === ROW_KEY.toLowerCase()) return `${name} INTEGER PRIMARY KEY`;
  // The declared type keeps the source's name; SQLite derives the storage affinity from it (NUMERIC for
  // numeric and datetimes, INTEGER for int, TEXT for varchar), which suits the stored values.
  const type = column.sourceType.replace(/[^a-z0-9_ ]/g, '') || 'text';
  return column.kind === 'text' ? `${name} ${type} COLLATE NOCASE` : `${name} ${type}`;
}

/** `CREATE TABLE` of a replica table under `name` (the table itself, or its building copy). */
export function createTableSql(name: string, columns: readonly SourceColumn[]): string {
  const body = [...columns.map(columnDdl), `${quoteIdent('sqlite', GENERATION_COLUMN)} INTEGER NOT NULL`];
  return `CREATE TABLE ${quoteIdent('sqlite', name)} (${body.join(', ')})`;
}

/**
 * The indexes of a replica table: the generation index, and those the views and checks read (sage/tables.ts,
 * with their covering columns) on the columns the table has.
 */
/**
 * The index on the generation column: what a Data Manager delta reads (the rows written since a generation)
 * without scanning the table, and what tells in an instant that nothing changed. `IF NOT EXISTS`: also run on
 * tables of replicas built before it existed.
 */
export function generationIndexSql(table: string): string {
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent('sqlite', `${table}__sbsync_gen`)} ON ${quoteIdent('sqlite', table)} (${quoteIdent('sqlite', GENERATION_COLUMN)})`;
}

export function createIndexesSql(table: string, columns: readonly SourceColumn[]): string[] {
  const statements: string[] = [generationIndexSql(table)];
  const definition = findSageTable(table);
  if (!definition) return statements;
  const present = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  for (const index of definition.indexes) {
    const keys = index.columns.map((c) => present.get(c.toLowerCase()));
    if (keys.some((k) => k === undefined)) continue;
    const include = (index.include ?? []).map((c) => present.get(c.toLowerCase())).filter((c): c is string => c !== undefined);
    const list = [...(keys as string[]), ...include].map((c) => quoteIdent('sqlite', c)).join(', ');
    // Not unique: a Sage business key may hold duplicates a third-party tool wrote; the replica copies them.
    statements.push(`CREATE INDEX ${quoteIdent('sqlite', `${table}__${index.name}`)} ON ${quoteIdent('sqlite', table)} (${list})`);
  }
  return statements;
}
