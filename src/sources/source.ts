/**
 * The source port: everything sbsync reads, from a Sage 100 database or from a company's replica, goes
 * through this narrow interface, implemented for SQL Server (mssql/tedious) and SQLite (better-sqlite3: demo
 * and Sage-schema files, replicas). Views, checks and datasets read a replica only (`requireReplica`).
 *
 * Value conventions shared by both implementations (they are what makes amounts exact and dates unshifted):
 * - decimal amounts (numeric(24,6)) arrive as decimal strings, never as JS numbers;
 * - datetimes arrive as wall-clock strings `YYYY-MM-DDTHH:MM:SS[.fff]` with no offset, never as Date;
 * - integers arrive as numbers (or bigint beyond 2^53), text as string, binary as Buffer, NULL as null.
 *
 * Rule for SQL writers: on SQL Server, select decimal columns as text (`CAST(col AS varchar(48))`): the
 * source refuses a decimal result column rather than lose digits; on a replica, compute amounts with the
 * dialect's helpers (dialect.ts), which know they are integer micro-units.
 */

export type SqlValue = string | number | bigint | boolean | Buffer | null;
export type Row = Record<string, SqlValue>;

export type SqlParamType = 'int' | 'bigint' | 'decimal' | 'text' | 'datetime' | 'date' | 'bit';
export interface SqlParam {
  type: SqlParamType;
  value: string | number | bigint | boolean | null;
}
export type SqlParams = Record<string, SqlParam>;

export type Dialect = 'mssql' | 'sqlite';

export interface ColumnInfo {
  name: string;
  /** Lower-case SQL type name as the engine reports it: `numeric`, `varchar`, `datetime`, `int`… */
  type: string;
  nullable: boolean;
}

export interface SqlSource {
  readonly dialect: Dialect;
  /** A human label for messages: `server\\instance/database` or the SQLite file path. Never holds a secret. */
  readonly label: string;
  /** The database file, for SQLite sources (lets a worker thread open its own reader). */
  readonly file?: string;
  /** A company's replica (src/replica): amounts are stored as integer micro-units. */
  readonly replica?: boolean;
  /**
   * Runs one statement and streams its rows with backpressure: the next row is not fetched before the
   * consumer asks for it. Named parameters are written `@name` in the SQL for both engines.
   */
  query(sql: string, params?: SqlParams): AsyncIterable<Row>;
  /** Columns of a table in their physical order, or an empty list when the table does not exist. */
  columns(table: string): Promise<ColumnInfo[]>;
  close(): Promise<void>;
}

/**
 * Views, checks and datasets are written for a replica's storage (dialect.ts): on any other source their
 * amounts would be wrong, so that is a programming error, reported at once.
 */
export function requireReplica(source: SqlSource, what: string): void {
  if (source.replica !== true) throw new Error(`${what} reads a company's replica (openReplicaSource), not ${source.label}.`);
}
