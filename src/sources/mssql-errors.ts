/**
 * Driver failures translated at the boundary into the error taxonomy, each naming what was
 * tried and what to check next. Messages never hold the password.
 */
import { AuthError, type SbsyncError, SourceError } from '../errors.js';

/** What a message needs to know about the connection: where, as whom, with which limits. */
export interface ConnectionTarget {
  /** `server[\instance][:port]/database`. */
  label: string;
  host: string;
  instance: string | undefined;
  port: number | undefined;
  database: string;
  user: string;
  authentication: 'sql' | 'ntlm';
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** An ERROR token the server sent during login (tedious keeps only the last one's text). */
export interface LoginMessage {
  number: number;
  message: string;
}

const LOGIN_REFUSED = new Set([18452, 18456, 18470, 18486, 18487, 18488]);
const DATABASE_UNAVAILABLE = 4060;

interface DriverError {
  code?: string;
  number?: number;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
  originalError?: unknown;
}

const asDriverError = (error: unknown): DriverError => (typeof error === 'object' && error !== null ? (error as DriverError) : {});

/** Every error code and message in the chain (mssql wraps tedious, which wraps node's socket errors). */
function causeChain(error: unknown): DriverError[] {
  const chain: DriverError[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || typeof value !== 'object' || value === null || chain.includes(value as DriverError)) return;
    const current = value as DriverError;
    chain.push(current);
    visit(current.originalError, depth + 1);
    visit(current.cause, depth + 1);
    for (const inner of current.errors ?? []) visit(inner, depth + 1);
  };
  visit(error, 0);
  return chain;
}

const hasCode = (chain: DriverError[], ...codes: string[]): boolean => chain.some((error) => error.code !== undefined && codes.includes(error.code));
const hasMessage = (chain: DriverError[], pattern: RegExp): boolean => chain.some((error) => pattern.test(error.message ?? ''));

function endpoint(target: ConnectionTarget): string {
  if (target.port !== undefined) return `${target.host}:${target.port}`;
  return target.instance !== undefined ? `${target.host}\\${target.instance}` : `${target.host}:1433`;
}

const seconds = (milliseconds: number): string => `${Math.round(milliseconds / 100) / 10} s`;

function networkHint(target: ConnectionTarget): string {
  const port = target.port ?? (target.instance === undefined ? 1433 : undefined);
  const steps = [
    'that the SQL Server service is running',
    'that TCP/IP is enabled for it (SQL Server Configuration Manager, then restart the service)',
    port === undefined ? 'that its TCP port is open in the firewall' : `that it listens on TCP port ${port} and that the firewall lets that port through`,
  ];
  if (target.instance !== undefined && target.port === undefined) {
    steps.push(`that the SQL Server Browser service is running on ${target.host} (it tells the port of named instances; UDP port 1434 must be open), or give the instance's TCP port as database.port`);
  }
  return `Check ${steps.join(', ')}.`;
}

/** Translates a failure to open a connection (pool.connect, or a later connection the pool opens). */
export function connectionFailure(error: unknown, target: ConnectionTarget, loginMessages: readonly LoginMessage[]): SbsyncError {
  const chain = causeChain(error);
  const where = `SQL Server ${endpoint(target)}`;

  if (hasCode(chain, 'ELOGIN') || loginMessages.length > 0) {
    const numbers = loginMessages.map((message) => message.number);
    if (numbers.includes(DATABASE_UNAVAILABLE)) {
      return new SourceError(`Database "${target.database}" does not exist on ${where}, or user "${target.user}" may not open it.`, {
        hint: `Check the company's database name in the config (the SQL Server database of the Sage company file, as SQL Server Management Studio lists it) and that "${target.user}" has access to it.`,
        cause: error,
      });
    }
    if (numbers.some((number) => LOGIN_REFUSED.has(number)) || hasMessage(chain, /login failed/i)) {
      const hint =
        target.authentication === 'ntlm'
          ? `Check database.domain, database.user and the password of that Windows account, and that the account has a login on this SQL Server.`
          : `Check database.user and the password in the config, and that the server accepts SQL Server authentication ("SQL Server and Windows Authentication mode").`;
      return new AuthError(`${where} refused the login of user "${target.user}" to database "${target.database}".`, { hint, cause: error });
    }
  }

  if (hasMessage(chain, /self[- ]signed certificate|unable to (?:verify|get local issuer)|certificate (?:has expired|is not yet valid)|altnames|hostname\/ip does not match/i) ||
      hasCode(chain, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED')) {
    return new SourceError(`The TLS certificate of ${where} is not trusted by this machine.`, {
      hint: 'On-premise SQL Servers usually have a self-signed certificate: set trustServerCertificate: true in the database section, or install a certificate this machine trusts.',
      cause: error,
    });
  }
  if (hasCode(chain, 'EENCRYPT') || hasMessage(chain, /requires encryption/i)) {
    return new SourceError(`${where} requires an encrypted connection.`, {
      hint: 'Set encrypt: true in the database section (and trustServerCertificate: true if the server has a self-signed certificate).',
      cause: error,
    });
  }
  if (hasCode(chain, 'EINSTLOOKUP')) {
    return new SourceError(`Could not find the port of SQL Server instance "${target.instance}" on ${target.host}.`, {
      hint: `The SQL Server Browser service must be running on ${target.host} and UDP port 1434 open in the firewall; check the instance name, or give the instance's TCP port as database.port.`,
      cause: error,
    });
  }
  if (hasCode(chain, 'ENOTFOUND', 'EAI_AGAIN')) {
    return new SourceError(`Could not find the SQL Server host "${target.host}" (name lookup failed).`, {
      hint: 'Check the server name in the database section; try the machine name as shown on the server, or its IP address.',
      cause: error,
    });
  }
  if (hasCode(chain, 'ECONNREFUSED')) {
    return new SourceError(`Could not connect to ${where}: the connection was refused.`, { hint: networkHint(target), cause: error });
  }
  if (hasCode(chain, 'ETIMEOUT', 'ETIMEDOUT')) {
    return new SourceError(`${where} did not answer within ${seconds(target.connectTimeoutMs)}.`, { hint: networkHint(target), cause: error });
  }
  const detail = chain.find((entry) => entry.message)?.message ?? String(error);
  return new SourceError(`Could not connect to ${where}: ${detail}`, { hint: networkHint(target), cause: error });
}

/** One line of the statement, for messages. */
function excerpt(sql: string): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Translates a failure while running a statement. */
export function queryFailure(error: unknown, target: ConnectionTarget, sql: string, loginMessages: readonly LoginMessage[]): SbsyncError {
  const chain = causeChain(error);
  const driverError = asDriverError(error);
  // mssql raises ConnectionError when the pool cannot open a connection for this query; a
  // connection that breaks during a query surfaces as a RequestError (ESOCKET, ECLOSE).
  if ((driverError as { name?: string }).name === 'ConnectionError') return connectionFailure(error, target, loginMessages);
  if (hasCode(chain, 'ETIMEOUT')) {
    return new SourceError(`A query on ${target.label} did not complete within ${seconds(target.requestTimeoutMs)}: ${excerpt(sql)}`, {
      hint: 'Raise database.requestTimeoutSeconds for large Sage databases, or look for locks or a heavy load on the server.',
      cause: error,
    });
  }
  if (typeof driverError.number === 'number' && hasCode(chain, 'EREQUEST')) {
    return new SourceError(`SQL Server ${target.label} rejected a query (error ${driverError.number}): ${driverError.message} Query: ${excerpt(sql)}`, {
      cause: error,
    });
  }
  if (hasCode(chain, 'ESOCKET', 'ECLOSE', 'ECONNRESET')) {
    return new SourceError(`Lost the connection to ${target.label} during a query: ${driverError.message ?? String(error)}`, {
      hint: 'Check the network between this machine and the server, then run the command again.',
      cause: error,
    });
  }
  return new SourceError(`A query on ${target.label} failed: ${driverError.message ?? String(error)} Query: ${excerpt(sql)}`, { cause: error });
}
