/**
 * A TDS 7.4 test server the real `mssql`/tedious driver talks to (with `encrypt: false`),
 * answering from SQLite files. See docs/sql-server.md, "The TDS test server", for what it
 * supports and where it differs from SQL Server.
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { ByteReader, ByteWriter } from './bytes.js';
import { type BoundValue, type ResultColumn, SqliteSession } from './engine.js';
import {
  Encryption,
  NTLM_DOMAIN,
  type NtlmChallenge,
  ntlmChallenge,
  parseLogin7,
  preloginReply,
  readNtlmAuthenticate,
  requestedEncryption,
} from './login.js';
import { type ClientMessage, MessageAssembler, PacketType, ReplyWriter } from './packets.js';
import {
  DoneStatus,
  FRENCH_CI_AS,
  type ServerMessage,
  Token,
  collationChange,
  databaseChange,
  done,
  errorToken,
  infoToken,
  loginAck,
  packetSizeChange,
  returnStatus,
  sspiToken,
} from './tokens.js';
import { ServerTlsSession, type TlsIdentity } from './tls.js';
import { type DecodedParameter, ServerError, readParameter } from './types.js';
import { isOnlySetStatements } from './tsql.js';
import { SQL_SERVER_2019, type SqlServerVersion } from './versions.js';
import { formatSqliteDateTime } from './wall-clock.js';

export interface TdsTestServerOptions {
  /** Databases a login may open, by name (case-insensitive as on SQL Server), each a SQLite file. */
  databases: Record<string, string>;
  /** SQL Server logins: user → password. */
  logins?: Record<string, string>;
  /** Windows accounts for NTLM: `DOMAIN\\user` → password. The server's domain is `SAGEDOM`. */
  windowsAccounts?: Record<string, string>;
  /** Holds back the answer to a statement (ms), or `'forever'` until the client cancels it: provokes request timeouts. */
  delay?: (sql: string) => number | 'forever' | undefined;
  /** The server's wall-clock time, as GETDATE() returns it. Defaults to the machine's local time. */
  now?: () => string;
  /** Offers TLS with this certificate; `required` refuses clients that do not encrypt ("Force Encryption"). */
  tls?: { identity: TlsIdentity; required?: boolean };
  /**
   * The SQL Server version played (LOGINACK, PRELOGIN, SERVERPROPERTY and the TDS version: 7.3 up to
   * 2008 R2). When given, T-SQL newer than it is refused as that version refuses it (versions.ts).
   * Without it, the server reports 15.0.2000 (2019) and refuses nothing for being too new.
   */
  version?: SqlServerVersion;
  /** The port to listen on (default: any free one): a test restarts a server at the same address. */
  port?: number;
}

export interface ReceivedQuery {
  via: 'batch' | 'rpc';
  sql: string;
  parameters: DecodedParameter[];
}

export interface TdsServerStats {
  connections: number;
  /** Connections whose TLS handshake completed. */
  encryptedConnections: number;
  loginsRefused: number;
  attentions: number;
  /** Rows handed to sockets so far, all queries together: compare with rows consumed to see backpressure. */
  rowsSent: number;
}

export interface TdsTestServer {
  readonly host: string;
  readonly port: number;
  readonly stats: TdsServerStats;
  /** Every statement received after login (tedious's session SET batch excluded), oldest first. */
  readonly queries: ReceivedQuery[];
  stop(): Promise<void>;
}

export { NTLM_DOMAIN };

const SP_EXECUTESQL = 10;
const DEFAULT_PACKET_SIZE = 4096;

function localWallClock(): string {
  const now = new Date();
  return formatSqliteDateTime({
    year: now.getFullYear(),
    month: now.getMonth() + 1,
    day: now.getDate(),
    hour: now.getHours(),
    minute: now.getMinutes(),
    second: now.getSeconds(),
    ticks: now.getMilliseconds() * 10_000,
  });
}

export async function startTdsServer(options: TdsTestServerOptions): Promise<TdsTestServer> {
  const stats: TdsServerStats = { connections: 0, encryptedConnections: 0, loginsRefused: 0, attentions: 0, rowsSent: 0 };
  const queries: ReceivedQuery[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.unref();
    socket.on('close', () => sockets.delete(socket));
    new TdsConnection(socket, options, stats, queries);
  });
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    host: address,
    port,
    stats,
    queries,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface ActiveRequest {
  cancelled: boolean;
  wake?: () => void;
}

/** One client connection: login, then requests answered one at a time; ATTENTION may come at any moment. */
class TdsConnection {
  private readonly assembler: MessageAssembler;
  private reply: ReplyWriter;
  /** Where TDS packets are written: the socket, or the TLS session's clear side once it is secure. */
  private transport: Socket;
  private tls: ServerTlsSession | undefined;
  private packetSize = DEFAULT_PACKET_SIZE;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private cancelNext = false;
  private active: ActiveRequest | undefined;
  private session: SqliteSession | undefined;
  private pendingNtlm: { challenge: NtlmChallenge; database: string; packetSize: number } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: TdsTestServerOptions,
    private readonly stats: TdsServerStats,
    private readonly queries: ReceivedQuery[],
  ) {
    this.transport = socket;
    this.reply = new ReplyWriter(socket, DEFAULT_PACKET_SIZE);
    this.assembler = new MessageAssembler((message) => this.receive(message));
    socket.on('data', (chunk) => (this.tls?.secure ? this.tls.receive(chunk) : this.assemble(chunk)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.active) this.active.cancelled = true;
      this.active?.wake?.();
      // The SQLite handle may still be iterating: close it once the current request has unwound.
      void this.queue.then(() => this.session?.close());
    });
  }

  private assemble(chunk: Buffer): void {
    try {
      this.assembler.push(chunk);
    } catch {
      this.socket.destroy();
    }
  }

  private receive(message: ClientMessage): void {
    if (message.type === PacketType.attention) return this.attention();
    this.queued += 1;
    this.queue = this.queue
      .then(() => {
        this.queued -= 1;
        return this.handle(message);
      })
      .catch(() => {
        this.socket.destroy();
      });
  }

  private attention(): void {
    this.stats.attentions += 1;
    if (this.active) {
      this.active.cancelled = true;
      this.active.wake?.();
    } else if (this.queued > 0) {
      this.cancelNext = true;
    } else {
      this.reply.append(done('done', DoneStatus.attention));
      this.reply.end();
    }
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.ignored) {
      // The client abandoned the message before its end: it expects an ordinary, empty answer.
      this.reply.append(done('done', DoneStatus.final));
      return this.reply.end();
    }
    switch (message.type) {
      case PacketType.prelogin:
        return this.tls ? this.tlsHandshake(message.payload) : this.prelogin(message.payload);
      case PacketType.login7:
        return this.login7(message.payload);
      case PacketType.ntlmAuth:
        return this.ntlmAuthenticate(message.payload);
      case PacketType.sqlBatch:
        return this.request((active) => this.batch(message.payload, active));
      case PacketType.rpc:
        return this.request((active) => this.rpc(message.payload, active));
      default:
        this.socket.destroy();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Login

  private prelogin(payload: Buffer): void {
    const tls = this.options.tls;
    const wanted = requestedEncryption(payload);
    const clientEncrypts = wanted === Encryption.on || wanted === Encryption.required;
    const answer = !tls ? Encryption.notSupported : clientEncrypts ? Encryption.on : tls.required ? Encryption.required : Encryption.notSupported;
    this.reply.append(preloginReply(answer, this.options.version ?? SQL_SERVER_2019));
    this.reply.end();
    if (tls && answer === Encryption.on) this.tls = new ServerTlsSession(tls.identity, this.socket);
  }

  /** One round of the TLS handshake; once secure, TDS goes through the session's clear side. */
  private async tlsHandshake(payload: Buffer): Promise<void> {
    const tls = this.tls!;
    const answer = new ReplyWriter(this.socket, DEFAULT_PACKET_SIZE, PacketType.prelogin);
    answer.append(await tls.exchange(payload));
    answer.end();
    if (!tls.secure) return;
    this.stats.encryptedConnections += 1;
    this.transport = tls.clear;
    this.reply = new ReplyWriter(tls.clear, this.packetSize);
    tls.clear.on('data', (chunk: Buffer) => this.assemble(chunk));
    tls.clear.on('close', () => this.socket.destroy());
  }

  private login7(payload: Buffer): void {
    const login = parseLogin7(payload);
    const packetSize = login.packetSize || DEFAULT_PACKET_SIZE;
    if (login.sspi) {
      const challenge = ntlmChallenge();
      this.pendingNtlm = { challenge, database: login.database, packetSize };
      this.reply.append(sspiToken(challenge.message));
      return this.reply.end();
    }
    const password = this.options.logins?.[login.user];
    if (password === undefined || password !== login.password) return this.refuseLogin(login.user, []);
    this.openDatabase(login.user, login.database, packetSize);
  }

  private ntlmAuthenticate(payload: Buffer): void {
    const pending = this.pendingNtlm;
    this.pendingNtlm = undefined;
    if (!pending) return void this.socket.destroy();
    const identity = readNtlmAuthenticate(payload);
    const account = `${identity.domain}\\${identity.user}`;
    const password = Object.entries(this.options.windowsAccounts ?? {}).find(([name]) => name.toLowerCase() === account.toLowerCase())?.[1];
    if (password === undefined || !identity.proves(password, pending.challenge.serverNonce)) return this.refuseLogin(account, []);
    this.openDatabase(account, pending.database, pending.packetSize);
  }

  private openDatabase(user: string, requested: string, packetSize: number): void {
    const names = Object.keys(this.options.databases);
    const name = requested === '' ? names[0] : names.find((candidate) => candidate.toLowerCase() === requested.toLowerCase());
    if (name === undefined) {
      // SQL Server sends both errors; tedious keeps only the last one's text, hence the numbers matter.
      return this.refuseLogin(user, [
        { number: 4060, severity: 11, message: `Cannot open database "${requested}" requested by the login. The login failed.` },
      ]);
    }
    this.session = new SqliteSession(this.options.databases[name]!, name, { now: this.options.now ?? localWallClock, version: this.options.version });
    this.reply.append(databaseChange(name));
    this.reply.append(infoToken({ number: 5701, severity: 0, state: 2, message: `Changed database context to '${name}'.` }));
    this.reply.append(collationChange(FRENCH_CI_AS));
    this.reply.append(packetSizeChange(packetSize));
    this.reply.append(loginAck(this.options.version ?? SQL_SERVER_2019));
    this.reply.append(done('done', DoneStatus.final));
    this.reply.end();
    this.packetSize = packetSize;
    this.reply = new ReplyWriter(this.transport, packetSize);
  }

  private refuseLogin(user: string, before: ServerMessage[]): void {
    this.stats.loginsRefused += 1;
    for (const message of before) this.reply.append(errorToken(message));
    this.reply.append(errorToken({ number: 18456, severity: 14, message: `Login failed for user '${user}'.` }));
    this.reply.append(done('done', DoneStatus.error));
    this.reply.end();
    this.transport.end();
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  /**
   * Runs one request. `produce` appends tokens and returns true when it wrote a complete answer;
   * after a cancel, the answer is closed and the attention is acknowledged in a message of its own,
   * which is where tedious (SentAttention state) looks for it.
   */
  private async request(produce: (active: ActiveRequest) => Promise<boolean>): Promise<void> {
    const active: ActiveRequest = { cancelled: this.cancelNext };
    this.cancelNext = false;
    this.active = active;
    let completed = false;
    try {
      completed = active.cancelled ? false : await produce(active);
    } finally {
      this.active = undefined;
    }
    if (!completed) this.reply.append(done('done', DoneStatus.final));
    this.reply.end();
    if (active.cancelled) {
      this.reply.append(done('done', DoneStatus.attention));
      this.reply.end();
    }
  }

  private async batch(payload: Buffer, active: ActiveRequest): Promise<boolean> {
    const reader = new ByteReader(payload);
    reader.offset = reader.u32(); // ALL_HEADERS
    const sql = payload.toString('ucs2', reader.offset);
    if (isOnlySetStatements(sql)) {
      this.reply.append(done('done', DoneStatus.final));
      return true;
    }
    this.queries.push({ via: 'batch', sql, parameters: [] });
    return this.statement(sql, {}, active, 'batch');
  }

  private async rpc(payload: Buffer, active: ActiveRequest): Promise<boolean> {
    const reader = new ByteReader(payload);
    reader.offset = reader.u32(); // ALL_HEADERS
    const nameLength = reader.u16();
    const procedure = nameLength === 0xffff ? reader.u16() : reader.ucs2(nameLength);
    reader.u16(); // option flags
    if (procedure !== SP_EXECUTESQL && String(procedure).toLowerCase() !== 'sp_executesql') {
      return this.fail(new ServerError(2812, `Could not find stored procedure '${procedure}'.`), 'rpc');
    }
    let parameters: DecodedParameter[];
    try {
      parameters = [];
      while (reader.remaining > 0) parameters.push(readParameter(reader));
    } catch (error) {
      return this.fail(error instanceof ServerError ? error : new ServerError(8016, String(error)), 'rpc');
    }
    const [statement, , ...inputs] = parameters;
    const sql = String(statement?.value ?? '');
    this.queries.push({ via: 'rpc', sql, parameters: inputs });
    const bound: Record<string, BoundValue> = {};
    for (const input of inputs) bound[input.name.replace(/^@/, '')] = input.value;
    return this.statement(sql, bound, active, 'rpc');
  }

  private async statement(sql: string, parameters: Record<string, BoundValue>, active: ActiveRequest, via: 'batch' | 'rpc'): Promise<boolean> {
    const delay = this.options.delay?.(sql);
    if (delay !== undefined && delay !== 0) {
      await new Promise<void>((resolve) => {
        const timer = delay === 'forever' ? undefined : setTimeout(resolve, delay);
        active.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (active.cancelled) return false;
    }
    let execution;
    try {
      execution = this.session!.execute(sql, parameters);
    } catch (error) {
      return this.fail(error, via);
    }
    if (execution.kind === 'changes') return this.finish(via, execution.count, false);
    const { rows, describe } = execution.result;
    let count = 0;
    try {
      const first = rows.next();
      const columns = describe(first.done ? undefined : first.value);
      this.reply.append(columnMetadata(columns));
      const row = new ByteWriter(1024);
      for (let next = first; !next.done; next = rows.next()) {
        row.u8(Token.row);
        columns.forEach((column, index) => column.encoder.writeValue(row, next.value[index] ?? null));
        this.reply.append(row.take());
        count += 1;
        this.stats.rowsSent += 1;
        await this.reply.ready();
        if (active.cancelled || this.transport.destroyed) return false;
      }
    } catch (error) {
      return this.fail(error, via, count);
    } finally {
      rows.return?.();
    }
    return this.finish(via, count, true);
  }

  private finish(via: 'batch' | 'rpc', count: number, isSelect: boolean): boolean {
    const status = isSelect || count > 0 ? DoneStatus.count : DoneStatus.final;
    if (via === 'batch') {
      this.reply.append(done('done', status, count));
    } else {
      this.reply.append(done('doneInProc', status | DoneStatus.more, count));
      this.reply.append(returnStatus(0));
      this.reply.append(done('doneProc', DoneStatus.final));
    }
    return true;
  }

  private fail(error: unknown, via: 'batch' | 'rpc', count = 0): boolean {
    const failure = error instanceof ServerError ? error : new ServerError(50000, error instanceof Error ? error.message : String(error));
    this.reply.append(errorToken({ number: failure.number, severity: failure.severity, message: failure.message }));
    const status = DoneStatus.error | (count > 0 ? DoneStatus.count : 0);
    this.reply.append(done(via === 'batch' ? 'done' : 'doneProc', status, count));
    return true;
  }
}

function columnMetadata(columns: ResultColumn[]): Buffer {
  const writer = new ByteWriter();
  writer.u8(Token.colMetadata).u16(columns.length);
  for (const column of columns) {
    writer.u32(0).u16(0x0009); // user type; flags: nullable, updatable unknown
    column.encoder.writeTypeInfo(writer);
    writer.bVarchar(column.name);
  }
  return writer.take();
}
