/**
 * The light T-SQL → SQLite translation the test server needs for the SQL sbsync sends, kept in
 * this one module. Functions SQLite lacks are registered as user functions; the text is only
 * rewritten where SQLite's grammar cannot take the T-SQL form:
 * - `TOP (n)` / `TOP n` → `LIMIT n` at the end of the same SELECT (also in sub-queries);
 * - `CONVERT(type, x[, style])`, `CAST(x AS type)`, `DATEADD(part, …)`, `DATEDIFF(part, …)`,
 *   `DATEPART(part, …)`: the bare type or date-part word becomes a string argument; a conversion
 *   of an amount also gets the amount's declared type, which decides its text (six decimals);
 * - `ISNULL(a, b)` → `IFNULL(a, b)` (ISNULL is an SQLite keyword), `COUNT_BIG` → `COUNT`, `N'…'` → `'…'`,
 *   `dbo.` prefixes and `WITH (NOLOCK)` hints are dropped;
 * - `BINARY_CHECKSUM(…)` arguments that are amounts or datetimes are first converted to their declared
 *   type, so that the checksum is of the SQL Server value, not of how SQLite happens to store it.
 * Brackets `[name]` are native in SQLite. String `+` concatenation is not supported. The result
 * columns' types come from tsql-types.ts; what a version refuses, from versions.ts.
 */
import type Database from 'better-sqlite3';
import {
  type Token,
  firstArgumentEnd,
  isPunct,
  isWord,
  joinText,
  literal,
  matchingParen,
  skipSpace,
  splitTopLevel,
  tokenize,
} from './tsql-tokens.js';
import { type ScopeLookups, type TableColumns, expressionType, isColumnReference, scopeLookups, selectListTypes } from './tsql-types.js';
import { type SqlServerType, ServerError, formatUnscaled, parseDeclaredType, toUnscaled, typeDeclaration } from './types.js';
import { type SqlServerVersion, SQL_SERVER_2019, productVersion, refuseNewerConstructs } from './versions.js';
import {
  type WallClock,
  daysFromCivil,
  daysInMonth,
  formatDate,
  formatSqliteDateTime,
  fromEpochTicks,
  parseWallClock,
  toEpochTicks,
} from './wall-clock.js';

/** Turns `FN(word, …)` into `FN('word', …)` for the functions whose first argument is a keyword. */
function quoteFirstArgument(tokens: Token[]): void {
  for (let at = 0; at < tokens.length; at += 1) {
    if (!['CONVERT', 'DATEADD', 'DATEDIFF', 'DATEPART'].some((name) => isWord(tokens[at], name))) continue;
    const open = skipSpace(tokens, at + 1);
    if (!isPunct(tokens[open], '(')) continue;
    const end = firstArgumentEnd(tokens, open);
    const argument = joinText(tokens.slice(open + 1, end)).trim();
    if (argument.startsWith("'")) continue; // already quoted, by rewriteCasts
    tokens.splice(open + 1, end - open - 1, literal(argument.toLowerCase()));
  }
}

/**
 * The declared type a conversion must know about its argument: amounts, whose text depends on it. Only
 * for an amount column itself (CAST([EC_Montant] AS varchar(48)), what the replica reads): an amount
 * computed by an expression (SUM(CAST(… AS numeric(38,6)))) still converts from SQLite's number, without
 * the trailing zeros SQL Server writes; test/extract/checks-mssql.test.ts expects that older text.
 */
function amountType(at: Token, expression: readonly Token[], lookups: ScopeLookups): string | undefined {
  if (!isColumnReference(expression)) return undefined;
  const type = expressionType(expression, lookups(at));
  return type && ['decimal', 'numeric', 'money', 'smallmoney'].includes(type.name) ? typeDeclaration(type) : undefined;
}

const comma: Token = { kind: 'punct', text: ',' };

/** `CONVERT('type', expression)` as tokens. */
function convertCall(type: string, expression: readonly Token[]): Token[] {
  return [{ kind: 'word', text: 'CONVERT' }, { kind: 'punct', text: '(' }, literal(type), comma, ...expression, { kind: 'punct', text: ')' }];
}

/** `, NULL, 'numeric(24,6)'`: CONVERT's style (kept when given) and the argument's type, for amounts. */
function sourceArguments(source: string | undefined, style: readonly Token[] | undefined): Token[] {
  if (source === undefined) return [];
  const styleTokens = style ?? [{ kind: 'word', text: 'NULL' } as Token];
  return [comma, ...styleTokens, comma, literal(source)];
}

/** `CAST(x AS type)` → `CONVERT('type', x)`, so that one function gives T-SQL's conversion rules. */
function rewriteCasts(tokens: Token[], lookups: ScopeLookups): void {
  for (let at = 0; at < tokens.length; at += 1) {
    if (!isWord(tokens[at], 'CAST')) continue;
    const open = skipSpace(tokens, at + 1);
    if (!isPunct(tokens[open], '(')) continue;
    const close = matchingParen(tokens, open);
    let depth = 0;
    let as = -1;
    for (let inner = open; inner < close; inner += 1) {
      if (isPunct(tokens[inner], '(')) depth += 1;
      else if (isPunct(tokens[inner], ')')) depth -= 1;
      else if (depth === 1 && isWord(tokens[inner], 'AS')) as = inner;
    }
    if (as < 0) continue;
    const type = joinText(tokens.slice(as + 1, close)).trim().toLowerCase();
    const expression = tokens.slice(open + 1, as);
    const source = sourceArguments(amountType(tokens[at]!, expression, lookups), undefined);
    tokens.splice(at, close - at + 1, ...convertCall(type, [...expression, ...source]));
  }
}

/** T-SQL `CONVERT(type, amount[, style])` also gets the amount's declared type. */
function annotateConverts(tokens: Token[], lookups: ScopeLookups): void {
  for (let at = 0; at < tokens.length; at += 1) {
    if (!isWord(tokens[at], 'CONVERT')) continue;
    const open = skipSpace(tokens, at + 1);
    if (!isPunct(tokens[open], '(') || tokens[skipSpace(tokens, open + 1)]?.kind === 'string') continue;
    const close = matchingParen(tokens, open);
    const args = splitTopLevel(tokens.slice(open + 1, close));
    if (args.length < 2 || args.length > 3) continue;
    const source = sourceArguments(amountType(tokens[at]!, args[1]!, lookups), args[2]);
    if (source.length === 0) continue;
    const end = args.length === 3 ? close - args[2]!.length - 1 : close;
    tokens.splice(end, close - end, ...source);
  }
}

const CANONICAL_TYPES = new Set(['decimal', 'numeric', 'money', 'smallmoney', 'datetime', 'smalldatetime', 'date', 'datetime2']);

/** BINARY_CHECKSUM/CHECKSUM arguments of a known amount or datetime type → `CONVERT('type', arg)`. */
function canonicalChecksumArguments(tokens: Token[], lookups: ScopeLookups): void {
  for (let at = 0; at < tokens.length; at += 1) {
    if (!isWord(tokens[at], 'BINARY_CHECKSUM') && !isWord(tokens[at], 'CHECKSUM')) continue;
    const open = skipSpace(tokens, at + 1);
    if (!isPunct(tokens[open], '(')) continue;
    const close = matchingParen(tokens, open);
    const column = lookups(tokens[at]!);
    const args = splitTopLevel(tokens.slice(open + 1, close)).map((arg) => {
      const type = expressionType(arg, column);
      return type && CANONICAL_TYPES.has(type.name) ? convertCall(typeDeclaration(type), arg) : arg;
    });
    const rewritten = args.flatMap((arg, index) => (index === 0 ? arg : [comma, ...arg]));
    tokens.splice(open + 1, close - open - 1, ...rewritten);
  }
}

/** `SELECT [DISTINCT] TOP (n) …` → `SELECT [DISTINCT] … LIMIT n`, the LIMIT placed where that SELECT's scope ends. */
function rewriteTop(tokens: Token[]): void {
  for (let at = 0; at < tokens.length; at += 1) {
    if (!isWord(tokens[at], 'TOP')) continue;
    let previous = at - 1;
    while (tokens[previous]?.kind === 'space') previous -= 1;
    if (!isWord(tokens[previous], 'SELECT') && !isWord(tokens[previous], 'DISTINCT') && !isWord(tokens[previous], 'ALL')) continue;
    let countStart = skipSpace(tokens, at + 1);
    let countEnd = countStart + 1;
    if (isPunct(tokens[countStart], '(')) {
      countEnd = matchingParen(tokens, countStart) + 1;
    }
    const count = joinText(tokens.slice(countStart, countEnd));
    if (isWord(tokens[skipSpace(tokens, countEnd)], 'PERCENT')) throw new ServerError(102, 'The test server does not support TOP … PERCENT.');
    tokens.splice(at, countEnd - at);
    countStart = at;
    // The scope ends at the `)` closing the parenthesis this SELECT sits in, or at the end.
    let depth = 0;
    let end = tokens.length;
    for (let scan = countStart; scan < tokens.length; scan += 1) {
      if (isPunct(tokens[scan], '(')) depth += 1;
      else if (isPunct(tokens[scan], ')') && --depth < 0) {
        end = scan;
        break;
      } else if (depth === 0 && isPunct(tokens[scan], ';')) {
        end = scan;
        break;
      }
    }
    tokens.splice(end, 0, { kind: 'space', text: ' ' }, { kind: 'word', text: 'LIMIT' }, { kind: 'space', text: ' ' }, { kind: 'word', text: count });
  }
}

/** Small word-level rewrites: ISNULL, COUNT_BIG, N'…', dbo. prefixes, WITH (NOLOCK). */
function rewriteWords(tokens: Token[]): void {
  for (let at = 0; at < tokens.length; at += 1) {
    const token = tokens[at]!;
    if (token.kind === 'string' && token.text.startsWith('N')) token.text = token.text.slice(1);
    if (isWord(token, 'ISNULL') && isPunct(tokens[skipSpace(tokens, at + 1)], '(')) token.text = 'IFNULL';
    // COUNT_BIG differs from COUNT only by its type (bigint), which tsql-types.ts reports.
    if (isWord(token, 'COUNT_BIG') && isPunct(tokens[skipSpace(tokens, at + 1)], '(')) token.text = 'COUNT';
    const isDbo = isWord(token, 'DBO') || (token.kind === 'quoted' && token.text.slice(1, -1).toLowerCase() === 'dbo');
    if (isDbo && isPunct(tokens[at + 1], '.')) {
      tokens.splice(at, 2);
      at -= 1;
      continue;
    }
    if (isWord(token, 'WITH')) {
      const open = skipSpace(tokens, at + 1);
      const hint = skipSpace(tokens, open + 1);
      if (isPunct(tokens[open], '(') && isWord(tokens[hint], 'NOLOCK')) {
        tokens.splice(at, skipSpace(tokens, hint + 1) - at + 1);
        at -= 1;
      }
    }
  }
}

export interface TsqlOptions {
  /** Lets typing and conversions see the tables' declared types; without it, expressions stay untyped. */
  tableColumns?: TableColumns;
  /** The version played: newer constructs are refused as that version refuses them. */
  version?: SqlServerVersion;
}

export interface Translation {
  sql: string;
  /** The SQL Server type of each result column that T-SQL types from the text, else undefined. */
  resultTypes: Array<SqlServerType | undefined> | undefined;
}

/** Translates one T-SQL statement into SQLite SQL, with the types of its result columns. */
export function translateStatement(sql: string, options: TsqlOptions = {}): Translation {
  const tokens = tokenize(sql);
  if (options.version) refuseNewerConstructs(tokens, options.version);
  const lookups = scopeLookups(tokens, options.tableColumns);
  const resultTypes = selectListTypes(tokens, lookups);
  rewriteWords(tokens);
  rewriteCasts(tokens, lookups);
  annotateConverts(tokens, lookups);
  canonicalChecksumArguments(tokens, lookups);
  quoteFirstArgument(tokens);
  rewriteTop(tokens);
  return { sql: joinText(tokens), resultTypes };
}

/** Translates one T-SQL statement into SQLite SQL. */
export function translateTsql(sql: string, options: TsqlOptions = {}): string {
  return translateStatement(sql, options).sql;
}

/** True when a batch only holds SET statements (tedious sends such a batch after every login). */
export function isOnlySetStatements(sql: string): boolean {
  return sql
    .split(/[\n;]/)
    .map((line) => line.trim())
    .every((line) => line === '' || /^set\s/i.test(line));
}

// ---------------------------------------------------------------------------------------------
// User functions

type FunctionValue = number | bigint | string | Buffer | null;

const DAYS_TO_1900 = daysFromCivil(1900, 1, 1);

function asClock(value: FunctionValue, what: string): WallClock | null {
  if (value === null) return null;
  // T-SQL reads a number as days since 1900-01-01: DATEADD(month, DATEDIFF(month, 0, d), 0) is a month start.
  if (typeof value === 'number' || typeof value === 'bigint') {
    const days = Number(value);
    return fromEpochTicks(BigInt(Math.round((DAYS_TO_1900 + days) * 864_000_000_000)));
  }
  const clock = typeof value === 'string' ? parseWallClock(value) : undefined;
  if (!clock) throw new ServerError(241, `Conversion failed when converting date and/or time from character string '${String(value)}' (${what}).`);
  return clock;
}

const DATE_PARTS: Record<string, string> = {
  year: 'year', yy: 'year', yyyy: 'year',
  quarter: 'quarter', qq: 'quarter', q: 'quarter',
  month: 'month', mm: 'month', m: 'month',
  dayofyear: 'dayofyear', dy: 'dayofyear', y: 'dayofyear',
  day: 'day', dd: 'day', d: 'day',
  week: 'week', wk: 'week', ww: 'week',
  weekday: 'weekday', dw: 'weekday',
  hour: 'hour', hh: 'hour',
  minute: 'minute', mi: 'minute', n: 'minute',
  second: 'second', ss: 'second', s: 'second',
  millisecond: 'millisecond', ms: 'millisecond',
};

function datePart(part: FunctionValue): string {
  const name = DATE_PARTS[String(part).toLowerCase()];
  if (!name) throw new ServerError(155, `'${String(part)}' is not a recognized datepart option.`);
  return name;
}

const TICKS = { hour: 36_000_000_000n, minute: 600_000_000n, second: 10_000_000n, millisecond: 10_000n, day: 864_000_000_000n } as const;

function addMonths(clock: WallClock, months: number): WallClock {
  const index = clock.year * 12 + (clock.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { ...clock, year, month, day: Math.min(clock.day, daysInMonth(year, month)) };
}

function dateAdd(part: string, amount: number, clock: WallClock): WallClock {
  switch (part) {
    case 'year':
      return addMonths(clock, amount * 12);
    case 'quarter':
      return addMonths(clock, amount * 3);
    case 'month':
      return addMonths(clock, amount);
    case 'week':
      return fromEpochTicks(toEpochTicks(clock) + BigInt(amount * 7) * TICKS.day);
    case 'day':
    case 'dayofyear':
    case 'weekday':
      return fromEpochTicks(toEpochTicks(clock) + BigInt(amount) * TICKS.day);
    default:
      return fromEpochTicks(toEpochTicks(clock) + BigInt(amount) * TICKS[part as keyof typeof TICKS]);
  }
}

/** Counts the `part` boundaries crossed from `start` to `end`, as T-SQL's DATEDIFF does. */
function dateDiff(part: string, start: WallClock, end: WallClock): number {
  const days = (clock: WallClock): number => daysFromCivil(clock.year, clock.month, clock.day);
  switch (part) {
    case 'year':
      return end.year - start.year;
    case 'quarter':
      return end.year * 4 + Math.floor((end.month - 1) / 3) - (start.year * 4 + Math.floor((start.month - 1) / 3));
    case 'month':
      return end.year * 12 + end.month - (start.year * 12 + start.month);
    case 'week':
      // Weeks start on Sunday (SET DATEFIRST 7); 1970-01-04 was a Sunday.
      return Math.floor((days(end) - 3) / 7) - Math.floor((days(start) - 3) / 7);
    case 'day':
    case 'dayofyear':
    case 'weekday':
      return days(end) - days(start);
    default: {
      const unit = TICKS[part as keyof typeof TICKS];
      const floor = (ticks: bigint): bigint => (ticks >= 0n ? ticks / unit : -((-ticks + unit - 1n) / unit));
      return Number(floor(toEpochTicks(end)) - floor(toEpochTicks(start)));
    }
  }
}

function datePartOf(part: string, clock: WallClock): number {
  switch (part) {
    case 'year':
      return clock.year;
    case 'quarter':
      return Math.floor((clock.month - 1) / 3) + 1;
    case 'month':
      return clock.month;
    case 'day':
      return clock.day;
    case 'dayofyear':
      return daysFromCivil(clock.year, clock.month, clock.day) - daysFromCivil(clock.year, 1, 1) + 1;
    case 'weekday':
      return ((daysFromCivil(clock.year, clock.month, clock.day) + 4) % 7 + 7) % 7 + 1;
    case 'week':
      return dateDiff('week', { ...clock, month: 1, day: 1 }, clock) + 1;
    case 'hour':
      return clock.hour;
    case 'minute':
      return clock.minute;
    case 'second':
      return clock.second;
    default:
      return Math.floor(clock.ticks / 10_000);
  }
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** CONVERT(varchar, datetime, style) for the styles Sage integrations use. */
function formatWithStyle(clock: WallClock, style: number | null): string {
  const time = `${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}`;
  const milliseconds = pad(Math.floor(clock.ticks / 10_000), 3);
  switch (style) {
    case 23:
      return formatDate(clock);
    case 112:
      return `${pad(clock.year, 4)}${pad(clock.month)}${pad(clock.day)}`;
    case 103:
      return `${pad(clock.day)}/${pad(clock.month)}/${pad(clock.year, 4)}`;
    case 108:
      return time;
    case 120:
      return `${formatDate(clock)} ${time}`;
    case 121:
      return `${formatDate(clock)} ${time}.${milliseconds}`;
    case 126:
    case 127:
      // ISO 8601; SQL Server leaves the milliseconds out when they are zero.
      return `${formatDate(clock)}T${time}${clock.ticks >= 10_000 ? `.${milliseconds}` : ''}`;
    default:
      return formatSqliteDateTime(clock);
  }
}

/** Rounds an unscaled integer to a multiple of `unit`, half away from zero, and drops that unit. */
function roundAway(unscaled: bigint, unit: bigint): bigint {
  const magnitude = ((unscaled < 0n ? -unscaled : unscaled) + unit / 2n) / unit;
  return unscaled < 0n ? -magnitude : magnitude;
}

const withThousands = (text: string): string => text.replace(/^(-?\d+)/, (whole) => whole.replace(/\B(?=(\d{3})+$)/g, ','));

/**
 * An amount as T-SQL writes it in text: decimal/numeric with every decimal of its scale (`-12.500000`);
 * money with two decimals (style 0, style 1 adds thousands commas) or four (style 2).
 */
function amountText(value: FunctionValue, style: FunctionValue, source: SqlServerType): string {
  if (source.name === 'decimal' || source.name === 'numeric') {
    const scale = source.scale ?? 0;
    return formatUnscaled(toUnscaled(value, scale, typeDeclaration(source)), scale);
  }
  const fourDecimals = toUnscaled(value, 4, source.name);
  if (Number(style) === 2) return formatUnscaled(fourDecimals, 4);
  const text = formatUnscaled(roundAway(fourDecimals, 100n), 2);
  return Number(style) === 1 ? withThousands(text) : text;
}

function toText(type: SqlServerType, value: Exclude<FunctionValue, null>, style: FunctionValue, sourceText: FunctionValue): string {
  const source = sourceText === null ? undefined : parseDeclaredType(String(sourceText));
  if (source) {
    const text = amountText(value, style, source);
    // An amount never gets cut: a text too short for it is an error, as on SQL Server.
    if (typeof type.length === 'number' && text.length > type.length) {
      throw new ServerError(8115, `Arithmetic overflow error converting ${source.name} to data type ${type.name}.`);
    }
    return text;
  }
  const clock = typeof value === 'string' && style !== null ? parseWallClock(value) : undefined;
  const text = clock ? formatWithStyle(clock, Number(style)) : Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
  return type.length === 'max' || type.length === undefined ? text : text.slice(0, type.length);
}

/** CONVERT(type, value, style, source type): the source type is only passed (by the translation) for amounts. */
function convert(typeText: FunctionValue, value: FunctionValue, style: FunctionValue = null, source: FunctionValue = null): FunctionValue {
  const type: SqlServerType | undefined = parseDeclaredType(String(typeText));
  if (!type) throw new ServerError(243, `Type ${String(typeText)} is not a defined system type.`);
  if (value === null) return null;
  switch (type.name) {
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
      return toText(type, value, style, source);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      if (typeof value === 'bigint') return value;
      const number = Number(value);
      if (typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value)) {
        throw new ServerError(245, `Conversion failed when converting the varchar value '${value}' to data type ${type.name}.`);
      }
      return Math.trunc(number);
    }
    case 'bit':
      return Number(value) === 0 ? 0 : 1;
    case 'float':
    case 'real':
      return Number(value);
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney': {
      const scale = type.scale ?? 4;
      return formatUnscaled(toUnscaled(value, scale, String(typeText)), scale);
    }
    case 'date':
      return formatDate(asClock(value, String(typeText))!);
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
      return formatSqliteDateTime(asClock(value, String(typeText))!);
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Checksums

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (const byte of bytes) h = Math.imul(h ^ byte, FNV_PRIME);
  return h;
}

/** murmur3's finaliser: spreads every input bit over the whole int. */
function avalanche(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** A value as tagged bytes: its kind, its length, its content (NULL is a kind of its own). */
function checksumBytes(value: FunctionValue): [tag: number, bytes: Uint8Array] {
  if (value === null) return [0, new Uint8Array()];
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return [1, Buffer.from(String(value))];
  if (typeof value === 'number') return [2, Buffer.from(String(value))];
  if (typeof value === 'string') return [3, Buffer.from(value, 'utf8')];
  return [4, value];
}

/**
 * BINARY_CHECKSUM(a, b, …): a deterministic int of the values, changed by any change of any of them,
 * letter case included (it reads bytes, not the collation). This is NOT SQL Server's algorithm (a 4-bit
 * rotate-and-XOR over the bytes): sbsync only ever compares a checksum with one the same server gave at
 * an earlier sync, never with a value computed elsewhere, so any good mixing does. FNV-1a over each
 * value's tag, length and bytes, then an avalanche step. Amounts and datetimes arrive already converted
 * to their declared type by the translation, so the checksum is of the value, not of SQLite's storage.
 */
function binaryChecksum(values: readonly FunctionValue[]): number {
  let hash = FNV_OFFSET;
  for (const value of values) {
    const [tag, bytes] = checksumBytes(value);
    const header = Buffer.alloc(5);
    header.writeUInt8(tag, 0);
    header.writeUInt32LE(bytes.length, 1);
    hash = fnv(fnv(hash, header), bytes);
  }
  return avalanche(hash);
}

/** CHECKSUM_AGG: the XOR of the int values, NULLs ignored, NULL when there is none (as on SQL Server). */
function registerChecksumAggregate(db: Database.Database): void {
  db.aggregate('CHECKSUM_AGG', {
    start: () => null,
    step: (total: number | null, value: unknown) => {
      if (value === null || value === undefined) return total;
      return (total ?? 0) ^ Number(BigInt.asIntN(32, BigInt(value as number | bigint)));
    },
    deterministic: true,
    safeIntegers: true,
  });
}

export interface TsqlFunctionOptions {
  /** The server's wall-clock time, what GETDATE() returns. */
  now: () => string;
  /** What SERVERPROPERTY('ProductVersion') answers. */
  version?: SqlServerVersion;
}

/** Registers the T-SQL functions SQLite lacks on one connection. */
export function registerTsqlFunctions(db: Database.Database, { now, version = SQL_SERVER_2019 }: TsqlFunctionOptions): void {
  const define = (name: string, fn: (...args: FunctionValue[]) => FunctionValue, deterministic = true): void => {
    db.function(name, { deterministic, varargs: true, safeIntegers: true }, fn as (...args: unknown[]) => unknown);
  };
  const clockOrNull = (value: FunctionValue, what: string, use: (clock: WallClock) => FunctionValue): FunctionValue => {
    const clock = asClock(value, what);
    return clock === null ? null : use(clock);
  };
  define('CONVERT', (type, value, style, source) => convert(type ?? null, value ?? null, style ?? null, source ?? null));
  define('BINARY_CHECKSUM', (...values) => binaryChecksum(values));
  // CHECKSUM follows the collation: French_CI_AS ignores case, so the text is folded first.
  define('CHECKSUM', (...values) => binaryChecksum(values.map((value) => (typeof value === 'string' ? value.toLowerCase() : value))));
  registerChecksumAggregate(db);
  define('SERVERPROPERTY', (name) => (String(name).toLowerCase() === 'productversion' ? productVersion(version) : null));
  define('GETDATE', () => now(), false);
  define('DATEADD', (part, amount, date) =>
    clockOrNull(date ?? null, 'DATEADD', (clock) => formatSqliteDateTime(dateAdd(datePart(part ?? null), Number(amount), clock))),
  );
  define('DATEDIFF', (part, start, end) => {
    const from = asClock(start ?? null, 'DATEDIFF');
    const to = asClock(end ?? null, 'DATEDIFF');
    return from === null || to === null ? null : dateDiff(datePart(part ?? null), from, to);
  });
  define('DATEPART', (part, date) => clockOrNull(date ?? null, 'DATEPART', (clock) => datePartOf(datePart(part ?? null), clock)));
  define('YEAR', (date) => clockOrNull(date ?? null, 'YEAR', (clock) => clock.year));
  define('MONTH', (date) => clockOrNull(date ?? null, 'MONTH', (clock) => clock.month));
  define('DAY', (date) => clockOrNull(date ?? null, 'DAY', (clock) => clock.day));
  define('EOMONTH', (date) =>
    clockOrNull(date ?? null, 'EOMONTH', (clock) => formatDate({ ...clock, day: daysInMonth(clock.year, clock.month) })),
  );
  define('DATEFROMPARTS', (year, month, day) =>
    year === null || month === null || day === null
      ? null
      : formatDate({ year: Number(year), month: Number(month), day: Number(day), hour: 0, minute: 0, second: 0, ticks: 0 }),
  );
  // LEN ignores trailing blanks; LEFT/RIGHT/CHARINDEX as in T-SQL (1-based, 0 when absent).
  define('LEN', (text) => (text === null || text === undefined ? null : String(text).replace(/ +$/, '').length));
  define('LEFT', (text, count) => (text === null || text === undefined ? null : String(text).slice(0, Number(count))));
  define('RIGHT', (text, count) => {
    if (text === null || text === undefined) return null;
    const value = String(text);
    return Number(count) <= 0 ? '' : value.slice(-Number(count));
  });
  define('CHARINDEX', (search, text) => (search === null || text === null || text === undefined ? null : String(text).indexOf(String(search)) + 1));
}
