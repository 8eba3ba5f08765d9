/**
 * One SQLite connection per TDS connection: it runs the translated statements, types their
 * result columns, and answers INFORMATION_SCHEMA from the schema SQLite knows.
 */
import Database from 'better-sqlite3';
import { registerTsqlFunctions, translateStatement } from './tsql.js';
import {
  type ColumnEncoder,
  type SqlServerType,
  type SqliteValue,
  ServerError,
  columnEncoder,
  inferType,
  parseDeclaredType,
} from './types.js';
import type { SqlServerVersion } from './versions.js';

export interface ResultColumn {
  name: string;
  encoder: ColumnEncoder;
}

export type BoundValue = number | bigint | string | Buffer | null;

export interface StatementResult {
  /** The rows, pulled one at a time; the iterator must be closed (`return()`) when abandoned. */
  rows: Iterator<SqliteValue[]>;
  /** Types the columns; needs the first row for columns without a declared type. */
  describe(firstRow: SqliteValue[] | undefined): ResultColumn[];
}

export type Execution = { kind: 'rows'; result: StatementResult } | { kind: 'changes'; count: number };

const INFORMATION_SCHEMA_DDL = `
  CREATE TABLE INFORMATION_SCHEMA.TABLES (
    TABLE_CATALOG nvarchar(128), TABLE_SCHEMA nvarchar(128), TABLE_NAME nvarchar(128), TABLE_TYPE varchar(10));
  CREATE TABLE INFORMATION_SCHEMA.COLUMNS (
    TABLE_CATALOG nvarchar(128), TABLE_SCHEMA nvarchar(128), TABLE_NAME nvarchar(128), COLUMN_NAME nvarchar(128),
    ORDINAL_POSITION int, COLUMN_DEFAULT nvarchar(4000), IS_NULLABLE varchar(3), DATA_TYPE nvarchar(128),
    CHARACTER_MAXIMUM_LENGTH int, CHARACTER_OCTET_LENGTH int, NUMERIC_PRECISION tinyint, NUMERIC_SCALE int,
    DATETIME_PRECISION smallint);
`;

const NUMERIC_SIZES: Partial<Record<SqlServerType['name'], [precision: number, scale: number]>> = {
  tinyint: [3, 0],
  smallint: [5, 0],
  int: [10, 0],
  bigint: [19, 0],
  float: [53, 0],
  real: [24, 0],
  money: [19, 4],
  smallmoney: [10, 4],
};

const DATETIME_PRECISIONS: Partial<Record<SqlServerType['name'], number>> = { datetime: 3, smalldatetime: 0, date: 0 };

/** Maps SQLite's error texts to the numbers and wording SQL Server uses for the same mistakes. */
function asServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const table = /no such table: (?:main\.)?(.+)/.exec(message);
  if (table) return new ServerError(208, `Invalid object name '${table[1]}'.`);
  const column = /no such column: (.+)/.exec(message);
  if (column) return new ServerError(207, `Invalid column name '${column[1]}'.`);
  const syntax = /near "(.+)": syntax error/.exec(message);
  if (syntax) return new ServerError(102, `Incorrect syntax near '${syntax[1]}'.`);
  if (/incomplete input/.test(message)) return new ServerError(102, 'Incorrect syntax near the end of the statement.');
  return new ServerError(50000, `SQLite: ${message}`);
}

interface PreparedStatement {
  statement: Database.Statement;
  /** The result columns' types T-SQL gives from the text (tsql-types.ts), where SQLite has no declared type. */
  resultTypes: Array<SqlServerType | undefined> | undefined;
}

export interface SessionOptions {
  /** The server's wall-clock time, what GETDATE() returns. */
  now: () => string;
  /** The version played; without it, nothing is refused for being too new. */
  version?: SqlServerVersion;
}

export class SqliteSession {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, PreparedStatement>();

  constructor(
    file: string,
    private readonly catalog: string,
    private readonly options: SessionOptions,
  ) {
    this.db = new Database(file, { fileMustExist: true });
    registerTsqlFunctions(this.db, options);
    this.db.exec(`ATTACH ':memory:' AS INFORMATION_SCHEMA`);
    this.db.exec(INFORMATION_SCHEMA_DDL);
  }

  close(): void {
    this.db.close();
  }

  execute(sql: string, parameters: Record<string, BoundValue>): Execution {
    try {
      if (/information_schema/i.test(sql)) this.refreshInformationSchema();
      const prepared = this.prepare(sql);
      const { statement } = prepared;
      const bound = Object.keys(parameters).length > 0 ? [parameters] : [];
      if (!statement.reader) return { kind: 'changes', count: statement.run(...bound).changes };
      const rows = statement.iterate(...bound) as IterableIterator<SqliteValue[]>;
      return { kind: 'rows', result: { rows: guarded(rows), describe: (firstRow) => this.describe(prepared, firstRow) } };
    } catch (error) {
      throw asServerError(error);
    }
  }

  private prepare(sql: string): PreparedStatement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const translation = translateStatement(sql, { tableColumns: (table) => this.declaredColumns(table), version: this.options.version });
      const statement = this.db.prepare(translation.sql);
      if (statement.reader) statement.raw(true);
      statement.safeIntegers(true);
      prepared = { statement, resultTypes: translation.resultTypes };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** A column's type: SQLite's declared type (a table column), else T-SQL's typing of the expression, else its first value's. */
  private describe({ statement, resultTypes }: PreparedStatement, firstRow: SqliteValue[] | undefined): ResultColumn[] {
    const columns = statement.columns();
    const typed = resultTypes?.length === columns.length ? resultTypes : [];
    return columns.map((column, index) => ({
      name: column.name.slice(0, 128),
      encoder: columnEncoder(parseDeclaredType(column.type) ?? typed[index] ?? inferType(firstRow?.[index])),
    }));
  }

  /** The declared SQL Server types of a table's columns, for typing expressions over them. */
  private declaredColumns(table: string): ReadonlyMap<string, SqlServerType> | undefined {
    const rows = this.db.prepare(`SELECT name, type FROM pragma_table_xinfo(?)`).all(table) as Array<{ name: string; type: string }>;
    if (rows.length === 0) return undefined;
    const columns = new Map<string, SqlServerType>();
    for (const row of rows) {
      const type = parseDeclaredType(row.type);
      if (type) columns.set(row.name.toLowerCase(), type);
    }
    return columns;
  }

  /** Rebuilds the INFORMATION_SCHEMA tables from the main schema (tables may change between queries). */
  private refreshInformationSchema(): void {
    const objects = this.db
      .prepare(`SELECT name, type FROM main.sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as Array<{ name: string; type: 'table' | 'view' }>;
    const insertTable = this.db.prepare('INSERT INTO INFORMATION_SCHEMA.TABLES VALUES (?, ?, ?, ?)');
    const insertColumn = this.db.prepare('INSERT INTO INFORMATION_SCHEMA.COLUMNS VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM INFORMATION_SCHEMA.TABLES; DELETE FROM INFORMATION_SCHEMA.COLUMNS;');
      for (const object of objects) {
        insertTable.run(this.catalog, 'dbo', object.name, object.type === 'table' ? 'BASE TABLE' : 'VIEW');
        // table_xinfo also lists generated columns, as SQL Server lists computed ones (Sage's cbXXX).
        const columns = this.db.prepare(`SELECT * FROM pragma_table_xinfo(?) WHERE hidden <> 1`).all(object.name) as Array<{
          cid: number;
          name: string;
          type: string;
          notnull: number;
          dflt_value: string | null;
        }>;
        for (const column of columns) {
          const type = parseDeclaredType(column.type) ?? { name: 'nvarchar', length: 'max' };
          const characters = type.length === 'max' ? -1 : type.length;
          const unicode = type.name === 'nvarchar' || type.name === 'nchar';
          const [precision, scale] =
            type.name === 'decimal' || type.name === 'numeric' ? [type.precision, type.scale] : NUMERIC_SIZES[type.name] ?? [null, null];
          const datetimePrecision = type.name === 'datetime2' ? type.scale : DATETIME_PRECISIONS[type.name] ?? null;
          insertColumn.run(
            this.catalog,
            'dbo',
            object.name,
            column.name,
            column.cid + 1,
            column.dflt_value,
            column.notnull ? 'NO' : 'YES',
            type.name,
            characters ?? null,
            characters === undefined ? null : characters === -1 ? -1 : characters * (unicode ? 2 : 1),
            precision ?? null,
            scale ?? null,
            datetimePrecision,
          );
        }
      }
    })();
  }
}

/** Re-raises SQLite's errors during iteration as SQL Server errors. */
function guarded(rows: IterableIterator<SqliteValue[]>): Iterator<SqliteValue[]> {
  return {
    next: () => {
      try {
        return rows.next();
      } catch (error) {
        throw asServerError(error);
      }
    },
    return: (value?: unknown) => rows.return?.(value) ?? { done: true, value: undefined },
  };
}
