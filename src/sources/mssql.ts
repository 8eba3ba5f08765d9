/**
 * The SQL Server source: the port of src/sources/source.ts over mssql (tedious). How it connects,
 * and why decimals and datetimes are handled as they are, is in docs/sql-server.md.
 */
import sql from 'mssql';
import { ConfigError } from '../errors.js';
import type { ColumnInfo, Row, SqlParams, SqlSource } from './source.js';
import { type ConnectionTarget, type LoginMessage, connectionFailure, queryFailure } from './mssql-errors.js';
import { type ResultColumn, bindParameter, rowDecoder } from './mssql-values.js';

export interface MssqlSourceOptions {
  /** `HOST` or `HOST\INSTANCE` (a named instance, found through the SQL Server Browser unless `port` is given). */
  server: string;
  port?: number;
  database: string;
  authentication: 'sql' | 'ntlm';
  /** The SQL login, or the Windows account for NTLM (`DOMAIN\user` is accepted when `domain` is not given). */
  user?: string;
  password?: string;
  domain?: string;
  encrypt: boolean;
  trustServerCertificate: boolean;
  /** How long a query may take before SQL Server starts answering. */
  requestTimeoutMs: number;
  connectTimeoutMs?: number;
  appName?: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Rows read ahead of the consumer before the driver is paused. */
const READ_AHEAD_ROWS = 512;
/** One query streams while the consumer runs others (e.g. `columns()`), hence a few connections. */
const MAX_CONNECTIONS = 4;

/**
 * Column discovery: a table's columns in physical order, `@schema` and `@table` bound as nvarchar. One of the
 * statement shapes sent to SQL Server (test/golden/mssql/columns.sql).
 */
export const COLUMNS_SQL =
  'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable FROM INFORMATION_SCHEMA.COLUMNS ' +
  'WHERE TABLE_SCHEMA = @schema AND TABLE_NAME = @table ORDER BY ORDINAL_POSITION';

function parseServer(server: string): { host: string; instance: string | undefined } {
  const separator = server.indexOf('\\');
  if (separator < 0) return { host: server.trim(), instance: undefined };
  return { host: server.slice(0, separator).trim(), instance: server.slice(separator + 1).trim() || undefined };
}

/** `server[\instance][:port]/database`: what messages and the journal show. Never holds a secret. */
export function mssqlLabel(options: Pick<MssqlSourceOptions, 'server' | 'port' | 'database'>): string {
  const { host, instance } = parseServer(options.server);
  return `${host}${instance === undefined ? '' : `\\${instance}`}${options.port === undefined ? '' : `:${options.port}`}/${options.database}`;
}

function credentials(options: MssqlSourceOptions): { user: string; domain: string | undefined; password: string } {
  const { user, password } = options;
  if (!user) throw new ConfigError(`database.user is required for ${options.authentication === 'ntlm' ? 'Windows (NTLM)' : 'SQL Server'} authentication.`);
  if (password === undefined) throw new ConfigError(`database.password is required for user "${user}".`);
  if (options.authentication === 'sql') return { user, domain: undefined, password };
  const separator = user.indexOf('\\');
  if (options.domain !== undefined || separator < 0) return { user, domain: options.domain ?? '', password };
  return { user: user.slice(separator + 1), domain: user.slice(0, separator), password };
}

/** Records the errors the server sends during a login: tedious reports only the last one's text. */
class LoginMessages {
  latest: LoginMessage[] = [];

  watch(connection: Parameters<NonNullable<sql.config['beforeConnect']>>[0]): void {
    const messages: LoginMessage[] = [];
    this.latest = messages;
    const record = (token: { number: number; message: string }): void => void messages.push({ number: token.number, message: token.message });
    connection.on('errorMessage', record);
    connection.once('connect', () => connection.removeListener('errorMessage', record));
  }
}

export async function createMssqlSource(options: MssqlSourceOptions): Promise<SqlSource> {
  const { host, instance } = parseServer(options.server);
  const { user, domain, password } = credentials(options);
  const target: ConnectionTarget = {
    label: mssqlLabel(options),
    host,
    instance,
    port: options.port,
    database: options.database,
    user: domain ? `${domain}\\${user}` : user,
    authentication: options.authentication,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs,
  };
  const loginMessages = new LoginMessages();
  const pool = new sql.ConnectionPool({
    server: host,
    // A port wins over the instance name, as in SQL Server clients: no Browser lookup then.
    ...(options.port !== undefined ? { port: options.port } : {}),
    database: options.database,
    authentication:
      options.authentication === 'ntlm'
        ? { type: 'ntlm', options: { domain: domain ?? '', userName: user, password } }
        : { type: 'default', options: { userName: user, password } },
    connectionTimeout: target.connectTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    pool: { min: 0, max: MAX_CONNECTIONS },
    options: {
      encrypt: options.encrypt,
      trustServerCertificate: options.trustServerCertificate,
      ...(options.port === undefined && instance !== undefined ? { instanceName: instance } : {}),
      appName: options.appName ?? 'sbsync',
      // Datetimes are read and written through their UTC fields: see mssql-values.ts.
      useUTC: true,
    },
    beforeConnect: (connection) => loginMessages.watch(connection),
  });
  // mssql re-emits connection failures on the pool; without a listener Node would crash. The
  // request that meets the broken connection reports it.
  pool.on('error', () => {});
  try {
    await pool.connect();
  } catch (error) {
    await pool.close().catch(() => {});
    throw connectionFailure(error, target, loginMessages.latest);
  }
  return new MssqlSource(pool, target, loginMessages);
}

class MssqlSource implements SqlSource {
  readonly dialect = 'mssql' as const;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: sql.ConnectionPool,
    private readonly target: ConnectionTarget,
    private readonly loginMessages: LoginMessages,
  ) {}

  get label(): string {
    return this.target.label;
  }

  query(sqlText: string, params: SqlParams = {}): AsyncIterable<Row> {
    return this.stream(sqlText, params);
  }

  private async *stream(sqlText: string, params: SqlParams): AsyncGenerator<Row> {
    if (this.closing) throw new Error(`The SQL Server source ${this.target.label} is closed.`);
    const request = this.pool.request();
    request.stream = true;
    request.arrayRowMode = true;
    for (const [name, param] of Object.entries(params)) bindParameter(request, name, param);
    const feed = new RowFeed(request);
    request.query(sqlText).catch(() => {}); // in stream mode, outcomes arrive as events
    try {
      for (let row = await feed.next(); row !== undefined; row = await feed.next()) yield row;
    } catch (error) {
      throw feed.failedInDriver ? queryFailure(error, this.target, sqlText, this.loginMessages.latest) : error;
    } finally {
      // Reached early when the consumer breaks out or fails: stop the server, then wait for the
      // driver to acknowledge so that the connection goes back to the pool clean.
      if (!feed.finished) {
        if (!feed.failed) request.cancel();
        await feed.settled;
      }
    }
  }

  async columns(table: string): Promise<ColumnInfo[]> {
    const parts = table.split('.').map((part) => part.trim().replace(/^\[(.*)\]$/, '$1'));
    const [schema, name] = parts.length > 1 ? [parts[0]!, parts.slice(1).join('.')] : ['dbo', parts[0]!];
    const columns: ColumnInfo[] = [];
    const rows = this.query(COLUMNS_SQL, { schema: { type: 'text', value: schema }, table: { type: 'text', value: name } });
    for await (const row of rows) {
      columns.push({ name: String(row.name), type: String(row.type).toLowerCase(), nullable: row.nullable === 'YES' });
    }
    return columns;
  }

  close(): Promise<void> {
    this.closing ??= this.pool.close().then(
      () => undefined,
      () => undefined,
    );
    return this.closing;
  }
}

/**
 * Turns mssql's stream events into pull-based reads: rows queue up to READ_AHEAD_ROWS, then the
 * request is paused (tedious stops reading the socket, so the server waits) until the consumer
 * has taken half of them.
 */
class RowFeed {
  private readonly rows: Row[] = [];
  private decode: ((values: readonly unknown[]) => Row) | undefined;
  private failure: { error: unknown; inDriver: boolean } | undefined;
  private done = false;
  private paused = false;
  private wakeConsumer: (() => void) | undefined;
  private markSettled!: () => void;
  readonly settled = new Promise<void>((resolve) => (this.markSettled = resolve));

  constructor(private readonly request: sql.Request) {
    request.on('recordset', (columns: ResultColumn[]) => {
      try {
        this.decode = rowDecoder(columns);
      } catch (error) {
        this.fail(error, false);
        request.cancel();
      }
    });
    request.on('row', (values: unknown[]) => {
      if (this.failure || !this.decode) return;
      this.rows.push(this.decode(values));
      if (this.rows.length >= READ_AHEAD_ROWS && !this.paused) this.paused = request.pause();
      this.wake();
    });
    request.on('error', (error: unknown) => this.fail(error, true));
    request.on('done', () => {
      this.done = true;
      this.markSettled();
      this.wake();
    });
  }

  get finished(): boolean {
    return this.done;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  get failedInDriver(): boolean {
    return this.failure?.inDriver ?? false;
  }

  async next(): Promise<Row | undefined> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const row = this.rows.shift();
      if (row !== undefined) {
        if (this.paused && this.rows.length <= READ_AHEAD_ROWS / 2) {
          this.paused = false;
          this.request.resume();
        }
        return row;
      }
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  private fail(error: unknown, inDriver: boolean): void {
    // The first failure is the cause; a cancel that follows it is only its consequence.
    this.failure ??= { error, inDriver };
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }
}
