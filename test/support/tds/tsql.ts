/**
 * The light T-SQL → SQLite translation the test server needs for the SQL sbsync sends, kept in
 * this one module. Functions SQLite lacks are registered as user functions; the text is only
 * rewritten where SQLite's grammar cannot take the T-SQL form:
 * - `TOP (n)` / `TOP n` → `LIMIT n` at the end of the same SELECT (also in sub-queries);
 * - `CONVERT(type, x[, style])`, `CAST(x AS type)`, `DATEADD(part, …)`, `DATEDIFF(part, …)`,
 *   `DATEPART(part, …)`: the bare type or date-part word becomes a string argument;
 * - `ISNULL(a, b)` → `IFNULL(a, b)` (ISNULL is an SQLite keyword), `N'…'` → `'…'`,
 *   `dbo.` prefixes and `WITH (NOLOCK)` hints are dropped.
 * Brackets `[name]` are native in SQLite. String `+` concatenation is not supported.
 */
import type Database from 'better-sqlite3';
import { type SqlServerType, ServerError, formatUnscaled, parseDeclaredType, toUnscaled } from './types.js';
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

type TokenKind = 'word' | 'string' | 'quoted' | 'number' | 'space' | 'punct';
interface Token {
  kind: TokenKind;
  text: string;
}

const TOKEN =
  /(?<space>\s+|--[^\n]*|\/\*[\s\S]*?\*\/)|(?<string>N?'(?:[^']|'')*')|(?<quoted>\[(?:[^\]]|\]\])*\]|"(?:[^"]|"")*")|(?<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?<word>[@#]{0,2}[\p{L}_][\p{L}\p{N}_@$#]*)|(?<punct>[\s\S])/gu;

function tokenize(sql: string): Token[] {
  return [...sql.matchAll(TOKEN)].map((match) => {
    const kind = (Object.keys(match.groups!) as TokenKind[]).find((key) => match.groups![key] !== undefined)!;
    return { kind, text: match[0] };
  });
}

const isWord = (token: Token | undefined, word: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === word;
const isPunct = (token: Token | undefined, text: string): boolean => token?.kind === 'punct' && token.text === text;

/** Index of the next token that is not blank, from `index` on. */
function skipSpace(tokens: Token[], index: number): number {
  let at = index;
  while (tokens[at]?.kind === 'space') at += 1;
  return at;
}

/** Index of the `)` closing the `(` at `open`. */
function matchingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let at = open; at < tokens.length; at += 1) {
    if (isPunct(tokens[at], '(')) depth += 1;
    if (isPunct(tokens[at], ')') && --depth === 0) return at;
  }
  throw new ServerError(102, "Incorrect syntax near '('.");
}

/** Index of the first `,` at the top level of the parenthesis opened at `open`, or its `)`. */
function firstArgumentEnd(tokens: Token[], open: number): number {
  let depth = 0;
  for (let at = open; at < tokens.length; at += 1) {
    if (isPunct(tokens[at], '(')) depth += 1;
    else if (isPunct(tokens[at], ')') && --depth === 0) return at;
    else if (depth === 1 && isPunct(tokens[at], ',')) return at;
  }
  throw new ServerError(102, "Incorrect syntax near '('.");
}

const literal = (text: string): Token => ({ kind: 'string', text: `'${text.replace(/'/g, "''")}'` });
const joinText = (tokens: Token[]): string => tokens.map((token) => token.text).join('');

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

/** `CAST(x AS type)` → `CONVERT('type', x)`, so that one function gives T-SQL's conversion rules. */
function rewriteCasts(tokens: Token[]): void {
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
    tokens.splice(at, close - at + 1, { kind: 'word', text: 'CONVERT' }, { kind: 'punct', text: '(' }, literal(type), { kind: 'punct', text: ',' }, ...expression, { kind: 'punct', text: ')' });
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

/** Small word-level rewrites: ISNULL, N'…', dbo. prefixes, WITH (NOLOCK). */
function rewriteWords(tokens: Token[]): void {
  for (let at = 0; at < tokens.length; at += 1) {
    const token = tokens[at]!;
    if (token.kind === 'string' && token.text.startsWith('N')) token.text = token.text.slice(1);
    if (isWord(token, 'ISNULL') && isPunct(tokens[skipSpace(tokens, at + 1)], '(')) token.text = 'IFNULL';
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

/** Translates one T-SQL statement into SQLite SQL. */
export function translateTsql(sql: string): string {
  const tokens = tokenize(sql);
  rewriteWords(tokens);
  rewriteCasts(tokens);
  quoteFirstArgument(tokens);
  rewriteTop(tokens);
  return joinText(tokens);
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

function convert(typeText: FunctionValue, value: FunctionValue, style: FunctionValue = null): FunctionValue {
  const type: SqlServerType | undefined = parseDeclaredType(String(typeText));
  if (!type) throw new ServerError(243, `Type ${String(typeText)} is not a defined system type.`);
  if (value === null) return null;
  switch (type.name) {
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar': {
      const clock = typeof value === 'string' && style !== null ? parseWallClock(value) : undefined;
      const text = clock ? formatWithStyle(clock, Number(style)) : Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
      return type.length === 'max' || type.length === undefined ? text : text.slice(0, type.length);
    }
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

export interface TsqlFunctionOptions {
  /** The server's wall-clock time, what GETDATE() returns. */
  now: () => string;
}

/** Registers the T-SQL functions SQLite lacks on one connection. */
export function registerTsqlFunctions(db: Database.Database, { now }: TsqlFunctionOptions): void {
  const define = (name: string, fn: (...args: FunctionValue[]) => FunctionValue, deterministic = true): void => {
    db.function(name, { deterministic, varargs: true, safeIntegers: true }, fn as (...args: unknown[]) => unknown);
  };
  const clockOrNull = (value: FunctionValue, what: string, use: (clock: WallClock) => FunctionValue): FunctionValue => {
    const clock = asClock(value, what);
    return clock === null ? null : use(clock);
  };
  define('CONVERT', (type, value, style) => convert(type ?? null, value ?? null, style ?? null));
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
