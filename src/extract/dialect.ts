/**
 * The one place where SQL Server and SQLite differ. View and export SQL is written once, in the subset
 * both engines share, and asks this module for every expression that would otherwise differ: exact
 * amounts, date text, date arithmetic, TOP/LIMIT and identifier quoting.
 *
 * Conventions the expressions guarantee on both engines:
 * - `money()` / `moneySum()` yield decimal text with exactly six decimals (`-12.500000`), never a float;
 * - `datetimeText()` yields wall-clock `YYYY-MM-DDTHH:MM:SS`, `dateText()` `YYYY-MM-DD`;
 * - date arithmetic yields a datetime comparable with stored datetimes and with date/datetime parameters
 *   (the SQLite source binds those as `YYYY-MM-DD HH:MM:SS`, the text format of stored datetimes).
 *
 * T-SQL names that are not functions in SQLite (`DATEADD(day, …)` takes a keyword; `ISNULL` is an operator
 * there) cannot be made to parse in SQLite, so view SQL must go through these helpers rather than write
 * them by hand. `registerSqliteFunctions` adds the few user functions the helpers rely on, plus T-SQL-like
 * helpers (`DATEADD('day', n, d)`, `DATEDIFF`, `YEAR`, `MONTH`, `DAY`, `LEN`) for ad-hoc SQL and tests.
 */
import type { Database } from 'better-sqlite3';
import type { Dialect } from './source.js';
import {
  addMonths,
  civilFromDays,
  formatStoredDatetime,
  parseWallClock,
  type WallClock,
} from './sage/calendar.js';
import { decimalFromMicro, toDecimalText } from './sage/decimal.js';

export type DateUnit = 'day' | 'month' | 'year';

export interface SqlDialect {
  readonly name: Dialect;
  /** A quoted identifier; spaces, accents, quotes and brackets are safe (`[N° Dossier]`, `"N° Dossier"`). */
  quoteIdent(name: string): string;
  /** `alias.column` with the column quoted. */
  column(alias: string, name: string): string;

  /** Per-row exact amount as six-decimal text. */
  money(expr: string): string;
  /**
   * Aggregate: an exact sum in the engine's exact unit (numeric on SQL Server, integer micro-units on
   * SQLite). Only compare it with 0, test its sign or ORDER BY it; publish it through `formatExactSum`.
   */
  exactSum(expr: string): string;
  /** Six-decimal text of an `exactSum(…)` expression (NULL stays NULL). */
  formatExactSum(exactSumExpr: string): string;
  /** Aggregate: the exact sum as six-decimal text; NULL when no row was summed, like SUM. */
  moneySum(expr: string): string;

  /** `YYYY-MM-DDTHH:MM:SS` wall-clock text. */
  datetimeText(expr: string): string;
  /** `YYYY-MM-DD` text. */
  dateText(expr: string): string;
  /** DATEADD(unit, n, expr): months and years clamp to the end of the month, as in T-SQL. */
  dateAdd(unit: DateUnit, amount: string | number, expr: string): string;
  /** DATEDIFF(day, from, to): day boundaries crossed, an integer. */
  daysBetween(from: string, to: string): string;
  /** DATEDIFF(month, from, to): month boundaries crossed, an integer. */
  monthsBetween(from: string, to: string): string;
  /** Midnight of the first day of the month of `expr`. */
  monthStart(expr: string): string;
  /** Midnight of the 1st of January of the year of `expr`. */
  yearStart(expr: string): string;
  year(expr: string): string;
  month(expr: string): string;
  /** The accounting date of a ledger line: `DATEADD(day, EC_Jour-1, JM_Date)`. */
  ledgerDate(jmDate?: string, ecJour?: string): string;
  /** NULL for Sage's placeholder dates (years before 1901), the date otherwise. */
  validDate(expr: string): string;

  /** ISNULL / ifnull: `expr` or `fallback` when NULL. */
  isNull(expr: string, fallback: string): string;
  /** String concatenation where NULL counts as '' (CONCAT on both engines). */
  concat(...parts: string[]): string;
  /** Leading and trailing spaces removed (LTRIM(RTRIM()) works on every SQL Server version). */
  trim(expr: string): string;

  /** Put right after SELECT: `TOP (n) ` on SQL Server, '' on SQLite. */
  top(n: number): string;
  /** Put at the very end of the statement: '' on SQL Server, `LIMIT n` on SQLite. */
  limit(n: number): string;
}

function checkRowCount(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Row count must be a non-negative integer, got ${n}`);
  return n;
}

const MSSQL_UNITS: Record<DateUnit, string> = { day: 'day', month: 'month', year: 'year' };

export const MSSQL_DIALECT: SqlDialect = Object.freeze({
  name: 'mssql' as const,
  quoteIdent: (name: string) => `[${name.replace(/]/g, ']]')}]`,
  column: (alias: string, name: string) => `${alias}.[${name.replace(/]/g, ']]')}]`,

  money: (expr: string) => `CONVERT(varchar(40), CAST((${expr}) AS numeric(24,6)))`,
  // Each term is rounded to 6 decimals first, exactly like the SQLite micro-unit sum, so both engines
  // agree even on products such as DL_PrixRU * DL_Qte; numeric(38,6) leaves room for large totals.
  exactSum: (expr: string) => `SUM(CAST((${expr}) AS numeric(38,6)))`,
  formatExactSum: (sum: string) => `CONVERT(varchar(48), CAST((${sum}) AS numeric(38,6)))`,
  moneySum: (expr: string) => `CONVERT(varchar(48), SUM(CAST((${expr}) AS numeric(38,6))))`,

  datetimeText: (expr: string) => `CONVERT(varchar(19), ${expr}, 126)`,
  dateText: (expr: string) => `CONVERT(varchar(10), ${expr}, 23)`,
  dateAdd: (unit: DateUnit, amount: string | number, expr: string) =>
    `DATEADD(${MSSQL_UNITS[unit]}, ${amount}, ${expr})`,
  daysBetween: (from: string, to: string) => `DATEDIFF(day, ${from}, ${to})`,
  monthsBetween: (from: string, to: string) => `DATEDIFF(month, ${from}, ${to})`,
  monthStart: (expr: string) => `DATEADD(month, DATEDIFF(month, 0, ${expr}), 0)`,
  yearStart: (expr: string) => `DATEADD(year, DATEDIFF(year, 0, ${expr}), 0)`,
  year: (expr: string) => `YEAR(${expr})`,
  month: (expr: string) => `MONTH(${expr})`,
  ledgerDate: (jmDate = 'JM_Date', ecJour = 'EC_Jour') => `DATEADD(day, ${ecJour} - 1, ${jmDate})`,
  // An explicit CONVERT, not a bare literal: the comparison must be a datetime one on every server.
  validDate: (expr: string) => `CASE WHEN ${expr} >= CONVERT(datetime, '19010101', 112) THEN ${expr} END`,

  isNull: (expr: string, fallback: string) => `ISNULL(${expr}, ${fallback})`,
  concat: (...parts: string[]) => (parts.length === 1 ? `CONCAT(${parts[0]}, '')` : `CONCAT(${parts.join(', ')})`),
  trim: (expr: string) => `LTRIM(RTRIM(${expr}))`,

  top: (n: number) => `TOP (${checkRowCount(n)}) `,
  limit: (n: number) => (checkRowCount(n), ''),
});

const SQLITE_UNITS: Record<DateUnit, string> = { day: 'days', month: 'months', year: 'years' };

/** `strftime` pieces as integers. */
const sqliteDatePart = (format: string, expr: string): string => `CAST(strftime('${format}', ${expr}) AS INTEGER)`;

export const SQLITE_DIALECT: SqlDialect = Object.freeze({
  name: 'sqlite' as const,
  // Brackets parse in SQLite too, but cannot escape a `]`; standard double quotes can escape anything.
  quoteIdent: (name: string) => `"${name.replace(/"/g, '""')}"`,
  column: (alias: string, name: string) => `${alias}."${name.replace(/"/g, '""')}"`,

  money: (expr: string) => `sb_decimal6(${expr})`,
  // Amounts are stored as doubles (see sage/tables.ts): each term is turned into exact integer
  // micro-units, which SQLite sums in 64-bit integers (overflow raises an error instead of rounding).
  exactSum: (expr: string) => `SUM(CAST(ROUND((${expr}) * 1000000) AS INTEGER))`,
  formatExactSum: (sum: string) => `sb_decimal_micro(${sum})`,
  moneySum: (expr: string) => `sb_decimal_micro(SUM(CAST(ROUND((${expr}) * 1000000) AS INTEGER)))`,

  datetimeText: (expr: string) => `strftime('%Y-%m-%dT%H:%M:%S', ${expr})`,
  dateText: (expr: string) => `date(${expr})`,
  // 'floor' makes month arithmetic clamp to the month's last day like T-SQL (2024-01-31 + 1 month =
  // 2024-02-29) instead of overflowing into March.
  dateAdd: (unit: DateUnit, amount: string | number, expr: string) =>
    unit === 'day'
      ? `datetime(${expr}, (${amount}) || ' days')`
      : `datetime(${expr}, (${amount}) || ' ${SQLITE_UNITS[unit]}', 'floor')`,
  daysBetween: (from: string, to: string) => `CAST(julianday(date(${to})) - julianday(date(${from})) AS INTEGER)`,
  monthsBetween: (from: string, to: string) =>
    `((${sqliteDatePart('%Y', to)} - ${sqliteDatePart('%Y', from)}) * 12 + ${sqliteDatePart('%m', to)} - ${sqliteDatePart('%m', from)})`,
  monthStart: (expr: string) => `datetime(${expr}, 'start of month')`,
  yearStart: (expr: string) => `datetime(${expr}, 'start of year')`,
  year: (expr: string) => sqliteDatePart('%Y', expr),
  month: (expr: string) => sqliteDatePart('%m', expr),
  ledgerDate: (jmDate = 'JM_Date', ecJour = 'EC_Jour') => `datetime(${jmDate}, (${ecJour} - 1) || ' days')`,
  validDate: (expr: string) => `CASE WHEN ${expr} >= '1901-01-01' THEN ${expr} END`,

  isNull: (expr: string, fallback: string) => `ifnull(${expr}, ${fallback})`,
  concat: (...parts: string[]) => `concat(${parts.join(', ')})`,
  trim: (expr: string) => `LTRIM(RTRIM(${expr}))`,

  top: (n: number) => (checkRowCount(n), ''),
  limit: (n: number) => `LIMIT ${checkRowCount(n)}`,
});

export function sqlDialect(name: Dialect): SqlDialect {
  return name === 'mssql' ? MSSQL_DIALECT : SQLITE_DIALECT;
}

// ---------------------------------------------------------------------------------------------------------
// SQLite user functions
// ---------------------------------------------------------------------------------------------------------

type SqliteArg = number | bigint | string | Buffer | null;

function wallClockArg(value: SqliteArg, fn: string): WallClock | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new TypeError(`${fn}: expected a date text, got ${typeof value}`);
  const parsed = parseWallClock(value);
  if (!parsed) throw new TypeError(`${fn}: not a date: ${JSON.stringify(value)}`);
  return parsed;
}

function integerArg(value: SqliteArg, fn: string): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  throw new TypeError(`${fn}: expected a number, got ${JSON.stringify(value)}`);
}

function normalizeUnit(unit: SqliteArg, fn: string): DateUnit {
  const u = typeof unit === 'string' ? unit.toLowerCase() : '';
  if (u === 'day' || u === 'dd' || u === 'd') return 'day';
  if (u === 'month' || u === 'mm' || u === 'm') return 'month';
  if (u === 'year' || u === 'yy' || u === 'yyyy') return 'year';
  throw new TypeError(`${fn}: unsupported unit ${JSON.stringify(unit)} (use 'day', 'month' or 'year')`);
}

/** T-SQL DATEADD on wall-clock text; the result is SQLite's stored datetime format. */
export function sqliteDateAdd(unit: SqliteArg, amount: SqliteArg, date: SqliteArg): string | null {
  const at = wallClockArg(date, 'DATEADD');
  if (at === null) return null;
  const n = integerArg(amount, 'DATEADD');
  const u = normalizeUnit(unit, 'DATEADD');
  const days = u === 'day' ? at.days + n : addMonths(at.days, u === 'month' ? n : n * 12);
  return formatStoredDatetime(days, at.seconds);
}

/** T-SQL DATEDIFF: boundaries of `unit` crossed between two dates. */
export function sqliteDateDiff(unit: SqliteArg, from: SqliteArg, to: SqliteArg): number | null {
  const a = wallClockArg(from, 'DATEDIFF');
  const b = wallClockArg(to, 'DATEDIFF');
  if (a === null || b === null) return null;
  const u = normalizeUnit(unit, 'DATEDIFF');
  if (u === 'day') return b.days - a.days;
  const ca = civilFromDays(a.days);
  const cb = civilFromDays(b.days);
  return u === 'year' ? cb.year - ca.year : (cb.year - ca.year) * 12 + cb.month - ca.month;
}

/**
 * Gives a better-sqlite3 connection the functions the SQLite dialect emits (`sb_decimal6`,
 * `sb_decimal_micro`) and T-SQL look-alikes for hand-written SQL. Safe to call once per connection.
 */
export function registerSqliteFunctions(db: Database): void {
  const deterministic = { deterministic: true } as const;
  // safeIntegers: integers arrive as BigInt, so 64-bit micro-unit sums are never rounded through a double.
  const exact = { deterministic: true, safeIntegers: true } as const;

  db.function('sb_decimal6', exact, (value: SqliteArg) => {
    if (typeof value === 'object' && value !== null) throw new TypeError('sb_decimal6: a binary value is not an amount');
    return toDecimalText(value);
  });
  db.function('sb_decimal_micro', exact, (value: SqliteArg) => {
    if (value === null) return null;
    if (typeof value === 'bigint') return decimalFromMicro(value);
    if (typeof value === 'number' && Number.isInteger(value)) return decimalFromMicro(BigInt(value));
    throw new TypeError(`sb_decimal_micro: expected integer micro-units, got ${JSON.stringify(value)}`);
  });

  db.aggregate('sb_bucket_digest', { deterministic: true, varargs: true, safeIntegers: true, start: () => [0, 0, 0], step: digestStep, result: digestResult });

  db.function('DATEADD', deterministic, sqliteDateAdd);
  db.function('DATEDIFF', deterministic, sqliteDateDiff);
  const part = (name: string, pick: (at: WallClock) => number) =>
    db.function(name, deterministic, (date: SqliteArg) => {
      const at = wallClockArg(date, name);
      return at === null ? null : pick(at);
    });
  part('YEAR', (at) => civilFromDays(at.days).year);
  part('MONTH', (at) => civilFromDays(at.days).month);
  part('DAY', (at) => civilFromDays(at.days).day);
  // T-SQL LEN ignores trailing spaces.
  db.function('LEN', deterministic, (value: SqliteArg) =>
    value === null ? null : String(value).replace(/ +$/, '').length,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Bucket checksums of a SQLite source (src/replica/reads.ts bucketsSql): one 64-bit FNV-1a of each row's values
// (type-tagged, so 1 and '1' differ), summed over the rows modulo 2^64 as two 32-bit halves, so that the order
// of the rows does not matter. Only ever compared with a checksum the same file gave at an earlier sync.
// ---------------------------------------------------------------------------------------------------------

function fnvText(h: number, text: string, salt: number): number {
  let x = Math.imul(h ^ salt, 16777619);
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 16777619);
  return x;
}

function digestStep(acc: number[], ...values: SqliteArg[]): number[] {
  let lo = 0x811c9dc5;
  let hi = 0x01000193;
  for (const value of values) {
    const tagged = value === null ? '\u0000' : Buffer.isBuffer(value) ? `b${value.toString('hex')}` : `${typeof value === 'string' ? 's' : 'n'}${String(value)}`;
    lo = fnvText(lo, tagged, 0x1f);
    hi = fnvText(hi, tagged, 0x5bd1e995);
  }
  const low = (acc[0] as number) + (lo >>> 0);
  acc[0] = low >>> 0;
  acc[1] = ((acc[1] as number) + (hi >>> 0) + Math.floor(low / 0x100000000)) >>> 0;
  acc[2] = (acc[2] as number) + 1;
  return acc;
}

function digestResult(acc: number[]): string {
  return `${(acc[1] as number).toString(16).padStart(8, '0')}${(acc[0] as number).toString(16).padStart(8, '0')}`;
}
