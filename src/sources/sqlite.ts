/**
 * The SQLite implementation of the source port (better-sqlite3), for two kinds of file:
 * - `openSqliteSource`: a Sage-schema SQLite file (the demo company, tests, trials), which a replica copies;
 *   its amounts are stored as doubles (see sage/tables.ts);
 * - `openReplicaSource`: a company's replica (src/replica), what views, checks and datasets read; its amounts
 *   are INTEGER micro-units, and it has a bookkeeping column (`__sbsync_gen`) that is no Sage column.
 * Each refuses the other kind of file: a replica read as a Sage file would give amounts a million times too big.
 * Values follow the port's conventions:
 * - columns declared numeric/decimal come back as six-decimal text (`12.500000`), recovered exactly from
 *   the stored doubles or micro-units; computed columns should use `dialect.money()`;
 * - columns declared datetime/date come back as `YYYY-MM-DDTHH:MM:SS[.fff]` whether stored with a space
 *   or a `T`; computed ones should use `dialect.datetimeText()`;
 * - integers are numbers, or bigint beyond 2^53; blobs are Buffers.
 * Parameters are written `@name`. Date and datetime parameters are bound as `YYYY-MM-DD HH:MM:SS`, the
 * stored text format, so comparisons with stored datetimes are correct as text comparisons; decimal
 * parameters as the file stores amounts (a double, or micro-units on a replica).
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { SourceError } from '../errors.js';
import { registerSqliteFunctions } from '../extract/dialect.js';
import { formatStoredDatetime, parseWallClock } from '../extract/sage/calendar.js';
import { decimalFromMicro, decimalToMicro, toDecimalText } from '../extract/sage/decimal.js';
import { sqlTypeKind } from '../extract/sage/tables.js';
import { GENERATION_COLUMN, REPLICA_FORMAT } from '../replica/format.js';
import type { ColumnInfo, Row, SqlParam, SqlParams, SqlSource, SqlValue } from './source.js';

export interface SqliteSourceOptions {
  /** Open read-only (the default): extraction never writes to a Sage database. */
  readonly?: boolean;
}

/** Tables whose presence makes a file a Sage 100 database (either module). */
const SAGE_MARKER_TABLES = ['P_DOSSIER', 'F_COMPTEG', 'F_COMPTET', 'F_ECRITUREC', 'F_DOCENTETE', 'F_ARTICLE'];

/** How a file stores amounts: a Sage-schema file as doubles, a replica as integer micro-units. */
type FileKind = 'sage' | 'replica';

type Converter = (value: unknown) => SqlValue;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

export function plainValue(value: unknown): SqlValue {
  if (typeof value === 'bigint') return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  return value as SqlValue;
}

export function decimalValue(value: unknown): SqlValue {
  if (typeof value === 'number' || typeof value === 'bigint') return toDecimalText(value);
  if (typeof value === 'string') {
    try {
      return toDecimalText(value);
    } catch {
      return value; // not a number: hand it over untouched rather than invent a zero
    }
  }
  return value as SqlValue;
}

function microValue(value: unknown): SqlValue {
  if (value === null) return null;
  if (typeof value === 'bigint') return decimalFromMicro(value);
  if (typeof value === 'number' && Number.isInteger(value)) return decimalFromMicro(BigInt(value));
  // A replica never stores anything else in an amount column: a REAL here is an overflowed product.
  throw new SourceError(`An amount read from the replica is not in integer millionths: ${String(value)}`, {
    hint: 'Multiply amounts with the dialect\'s moneyProduct(), never with `*`.',
  });
}

export function datetimeValue(value: unknown): SqlValue {
  if (typeof value !== 'string') return plainValue(value);
  if (value.length === 10) return `${value}T00:00:00`;
  if (value.length >= 19 && value[10] === ' ') return `${value.slice(0, 10)}T${value.slice(11)}`;
  return value;
}

function converterFor(declaredType: string | null, kind: FileKind): Converter {
  if (declaredType === null) return plainValue;
  switch (sqlTypeKind(declaredType)) {
    case 'decimal':
      return kind === 'replica' ? microValue : decimalValue;
    case 'datetime':
      return datetimeValue;
    default:
      return plainValue;
  }
}

function bindValue(name: string, param: SqlParam, kind: FileKind): unknown {
  const { type, value } = param;
  if (value === null) return null;
  switch (type) {
    case 'date':
    case 'datetime': {
      const at = typeof value === 'string' ? parseWallClock(value) : undefined;
      if (!at) throw new TypeError(`Parameter @${name}: expected a YYYY-MM-DD[THH:MM:SS] text, got ${String(value)}`);
      return formatStoredDatetime(at.days, type === 'date' ? 0 : at.seconds) + (type === 'date' ? '' : at.fraction);
    }
    case 'decimal': {
      // Compared with stored doubles, a double is the right binding (exact for <= 15 digits); on a replica,
      // with micro-units, the exact micro-units.
      if (kind === 'sage') return Number(value);
      const micro = decimalToMicro(String(value));
      if (micro === undefined) throw new TypeError(`Parameter @${name}: expected a decimal number, got ${String(value)}`);
      return micro;
    }
    case 'bit':
      return value === true || value === 1 || value === '1' ? 1 : 0;
    case 'int':
    case 'bigint':
      return typeof value === 'string' ? BigInt(value) : typeof value === 'boolean' ? Number(value) : value;
    case 'text':
      return String(value);
  }
}

function bindParams(params: SqlParams | undefined, kind: FileKind): Record<string, unknown> | undefined {
  if (!params) return undefined;
  const bound: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(params)) bound[name.replace(/^@/, '')] = bindValue(name, param, kind);
  return bound;
}

/** Names the `@name` parameters a statement uses, so unused ones can be left out (better-sqlite3 rejects them). */
function usedParams(sql: string, bound: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!bound) return undefined;
  const used: Record<string, unknown> = {};
  let any = false;
  for (const m of sql.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] as string;
    if (name in bound) {
      used[name] = bound[name];
      any = true;
    }
  }
  return any ? used : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Page cache of a read-only connection, in KiB. better-sqlite3 builds SQLite with a 16 MB default, which a
 * scan of a large table fills for good: 16 MB of RSS per connection (the raw readers have one each), for
 * nothing, since scans read each page once and the OS caches the file anyway. 2 MB is SQLite's own default;
 * the views run no slower with it.
 */
export const READ_CACHE_KIB = 2048;

function openDatabase(path: string, readonly: boolean): SqliteDatabase {
  const db = new Database(path, { readonly, fileMustExist: true });
  if (readonly) {
    try {
      db.pragma(`cache_size = -${READ_CACHE_KIB}`);
    } catch {
      // Not a database (the pragma reads the header): the first query reports it with the message made for it.
    }
  }
  registerSqliteFunctions(db);
  return db;
}

function checkFile(path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SourceError(`SQLite database not found: ${path}`, {
        hint: 'Check the SQLite path in the source settings, or create the demo company with `sbsync demo create`.',
        cause: error,
      });
    }
    throw new SourceError(`Cannot read the SQLite database ${path}: ${describe(error)}`, {
      hint: 'Check that the file exists and that this user may read it.',
      cause: error,
    });
  }
  if (!isFile) {
    throw new SourceError(`${path} is not a file, so it cannot be a SQLite database.`, {
      hint: 'Point the SQLite source at the database file itself, not at its folder.',
    });
  }
}

/** Opens `path` and runs `check` on it; closes it again and throws SourceError when it is not what `check` wants. */
function openChecked(path: string, readonly: boolean, check: (db: SqliteDatabase) => void): SqliteDatabase {
  checkFile(path);
  let db: SqliteDatabase;
  try {
    db = openDatabase(path, readonly);
  } catch (error) {
    throw new SourceError(`Cannot open the SQLite database ${path}: ${describe(error)}`, {
      hint: 'Check that the file is a SQLite database and that this user may read it.',
      cause: error,
    });
  }
  try {
    check(db);
  } catch (error) {
    db.close();
    if (error instanceof SourceError) throw error;
    throw new SourceError(`${path} is not a readable SQLite database: ${describe(error)}`, {
      hint: 'Check that the file is a SQLite database (not a Sage .mae/.gcm file or a backup) and is not corrupt.',
      cause: error,
    });
  }
  return db;
}

/** The bookkeeping table every replica has (src/replica/file.ts). */
const REPLICA_MARKER = 'sbsync_replica';

const hasTable = (db: SqliteDatabase, name: string): boolean =>
  db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;

/**
 * Opens a Sage-schema SQLite file as a source. Throws SourceError when the file is missing, unreadable,
 * not a SQLite database, a SQLite database without Sage 100 tables, or a replica.
 */
export function openSqliteSource(path: string, options: SqliteSourceOptions = {}): SqlSource {
  const readonly = options.readonly ?? true;
  const db = openChecked(path, readonly, (db) => {
    if (hasTable(db, REPLICA_MARKER)) {
      throw new SourceError(`${path} is an sbsync replica, not a Sage database: it cannot be read as one (its amounts are stored in millionths).`, {
        hint: 'Point the SQLite source at the Sage-schema database the replica copies (or use the demo), not at a file of the sbsync data directory.',
      });
    }
    const placeholders = SAGE_MARKER_TABLES.map(() => '?').join(', ');
    const found = db
      .prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND upper(name) IN (${placeholders})`)
      .pluck()
      .get(...SAGE_MARKER_TABLES) as number;
    if (found === 0) {
      throw new SourceError(`${path} is a SQLite database but not a Sage 100 one (no P_DOSSIER, F_ECRITUREC or F_DOCENTETE table).`, {
        hint: 'Point the SQLite source at a Sage-schema database, such as the generated demo company.',
      });
    }
  });
  return new SqliteSource(path, db, readonly, 'sage');
}

/**
 * Opens a company's replica (src/replica/file.ts), read-only: the source views, consistency checks and Data
 * Manager datasets read. Throws SourceError when the file is missing or unreadable, is not a replica, or has a
 * format this sbsync does not read.
 */
export function openReplicaSource(path: string): SqlSource {
  const db = openChecked(path, true, (db) => {
    const format = hasTable(db, REPLICA_MARKER)
      ? (db.prepare(`SELECT value FROM ${REPLICA_MARKER} WHERE key = 'format'`).pluck().get() as string | undefined)
      : undefined;
    if (format === undefined) {
      throw new SourceError(`${path} is not an sbsync replica.`, { hint: 'Replicas are the files sbsync writes under <dataDirectory>/replica/.' });
    }
    if (format !== String(REPLICA_FORMAT)) {
      throw new SourceError(`The replica ${path} has format ${format}; this sbsync reads format ${REPLICA_FORMAT}.`, {
        hint: 'Rebuild it with `sbsync replica rebuild --company <code>`.',
      });
    }
  });
  return new SqliteSource(path, db, true, 'replica');
}

class SqliteSource implements SqlSource {
  readonly dialect = 'sqlite' as const;
  readonly label: string;
  readonly file: string;
  /** Queries running on the main connection; a query started while another streams gets its own connection. */
  private busy = false;
  private closed = false;
  private readonly extra = new Set<SqliteDatabase>();

  readonly replica: boolean;

  constructor(
    private readonly path: string,
    private readonly db: SqliteDatabase,
    private readonly readonly: boolean,
    private readonly kind: FileKind,
  ) {
    this.label = path;
    this.file = path;
    this.replica = kind === 'replica';
  }

  query(sql: string, params?: SqlParams): AsyncIterable<Row> {
    return { [Symbol.asyncIterator]: () => this.rows(sql, params)[Symbol.asyncIterator]() };
  }

  private async *rows(sql: string, params: SqlParams | undefined): AsyncGenerator<Row> {
    if (this.closed) throw new SourceError(`The SQLite source ${this.label} is closed.`);
    // better-sqlite3 cannot run a second statement on a connection while one is being iterated, and
    // callers may nest queries (e.g. a detail query per streamed row): those get a connection of their own.
    const shared = !this.busy;
    const db = shared ? this.db : this.openExtra();
    if (shared) this.busy = true;
    try {
      let statement: Statement;
      let bound: Record<string, unknown> | undefined;
      try {
        statement = db.prepare(sql);
        bound = usedParams(sql, bindParams(params, this.kind));
      } catch (error) {
        throw this.queryError(error, sql);
      }
      if (!statement.reader) throw new SourceError(`Only queries that return rows can be run on ${this.label}.`);
      statement.safeIntegers(true).raw(true);
      const columns = statement.columns();
      const names = columns.map((c) => c.name);
      const converters = columns.map((c) => converterFor(c.type, this.kind));
      let iterator: IterableIterator<unknown[]>;
      try {
        iterator = (bound ? statement.iterate(bound) : statement.iterate()) as IterableIterator<unknown[]>;
      } catch (error) {
        throw this.queryError(error, sql);
      }
      try {
        for (;;) {
          let next: IteratorResult<unknown[]>;
          try {
            next = iterator.next();
          } catch (error) {
            throw this.queryError(error, sql);
          }
          if (next.done) break;
          const values = next.value;
          const row: Row = {};
          for (let i = 0; i < names.length; i++) {
            row[names[i] as string] = (converters[i] as Converter)(values[i]);
          }
          yield row;
        }
      } finally {
        iterator.return?.();
      }
    } finally {
      if (shared) this.busy = false;
      else this.closeExtra(db);
    }
  }

  private openExtra(): SqliteDatabase {
    try {
      const db = openDatabase(this.path, this.readonly);
      this.extra.add(db);
      return db;
    } catch (error) {
      throw new SourceError(`Cannot open a second connection to ${this.path}: ${describe(error)}`, { cause: error });
    }
  }

  private closeExtra(db: SqliteDatabase): void {
    this.extra.delete(db);
    db.close();
  }

  private queryError(error: unknown, sql: string): SourceError {
    if (error instanceof SourceError) return error;
    const excerpt = sql.replace(/\s+/g, ' ').trim().slice(0, 160);
    return new SourceError(`Query failed on ${this.label}: ${describe(error)}`, {
      hint: `The statement was: ${excerpt}${excerpt.length === 160 ? '…' : ''}`,
      cause: error,
    });
  }

  async columns(table: string): Promise<ColumnInfo[]> {
    if (this.closed) throw new SourceError(`The SQLite source ${this.label} is closed.`);
    const db = this.busy ? this.openExtra() : this.db;
    try {
      // table_xinfo also lists generated columns (hidden 2/3), as INFORMATION_SCHEMA.COLUMNS lists computed ones.
      const rows = db
        .prepare('SELECT name, type, "notnull" AS not_null, pk, hidden FROM pragma_table_xinfo(?)')
        .all(table) as Array<{ name: string; type: string; not_null: number; pk: number; hidden: number }>;
      // The replica's generation column is bookkeeping, never a Sage column.
      return rows
        .filter((r) => r.hidden !== 1 && !(this.kind === 'replica' && r.name === GENERATION_COLUMN))
        .map((r) => ({
          name: r.name,
          type: r.type.toLowerCase().replace(/\s*\(.*$/, '').trim(),
          nullable: r.not_null === 0 && r.pk === 0,
        }));
    } catch (error) {
      throw this.queryError(error, `pragma table_xinfo(${table})`);
    } finally {
      if (db !== this.db) this.closeExtra(db);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const db of this.extra) db.close();
    this.extra.clear();
    this.db.close();
  }
}
