/**
 * The SQL of everything that reads a company's replica (views, consistency checks, Data Manager datasets):
 * one dialect, SQLite, on the replica's storage conventions (src/replica/schema.ts). View and check SQL asks
 * this module for every expression that needs care: exact amounts, date text, date arithmetic, row limits.
 *
 * Amounts are INTEGER micro-units (12.5 is stored as 12500000), so `+`, `-`, `ABS`, comparisons between
 * amounts or with 0, and SUM are exact as they stand (SUM raises an error on overflow rather than round).
 * What is not:
 * - an amount leaving SQL must become text: `money()`, `formatExactSum()`, `moneySum()` give exactly six
 *   decimals (`-12.500000`), never a float;
 * - a product of two amounts must be `moneyProduct(a, b)`: a bare `a * b` is in millionths of micro-units, and
 *   SQLite silently turns an integer product beyond 64 bits into a REAL;
 * - a comparison with a non-zero constant needs the constant in micro-units (none is written today).
 * Dates: `datetimeText()` yields wall-clock `YYYY-MM-DDTHH:MM:SS`, `dateText()` `YYYY-MM-DD`; date
 * arithmetic yields the stored text `YYYY-MM-DD HH:MM:SS`, comparable with stored datetimes and with date
 * parameters (the SQLite source binds those in that format).
 *
 * `registerSqliteFunctions` adds the user functions the helpers rely on, plus T-SQL-like helpers
 * (`DATEADD('day', n, d)`, `DATEDIFF`, `YEAR`, `MONTH`, `DAY`, `LEN`) for ad-hoc SQL and tests.
 */
import type { Database } from 'better-sqlite3';
import {
  addMonths,
  civilFromDays,
  formatStoredDatetime,
  parseWallClock,
  type WallClock,
} from './sage/calendar.js';
import { decimalFromMicro, MICRO_PER_UNIT } from './sage/decimal.js';

export type DateUnit = 'day' | 'month' | 'year';

export interface SqlDialect {
  /** Per-row amount (micro-units) as six-decimal text. */
  money(expr: string): string;
  /**
   * Aggregate: the exact sum of amounts, in micro-units. Only compare it with 0 or another sum, test its sign
   * or ORDER BY it; publish it through `formatExactSum`.
   */
  exactSum(expr: string): string;
  /** Six-decimal text of an `exactSum(…)` expression (NULL stays NULL). */
  formatExactSum(exactSumExpr: string): string;
  /** Aggregate: the exact sum as six-decimal text; NULL when no row was summed, like SUM. */
  moneySum(expr: string): string;
  /**
   * `a × b` of two amounts (or an amount and a quantity) in micro-units, rounded half away from zero to six
   * decimals as SQL Server rounds a numeric product cast to numeric(…,6); NULL when either is NULL.
   */
  moneyProduct(a: string, b: string): string;

  /** `YYYY-MM-DDTHH:MM:SS` wall-clock text. */
  datetimeText(expr: string): string;
  /** `YYYY-MM-DD` text. */
  dateText(expr: string): string;
  /** Midnight of the first day of the month of `expr`. */
  monthStart(expr: string): string;
  year(expr: string): string;
  month(expr: string): string;
  /** The accounting date of a ledger line: `DATEADD(day, EC_Jour-1, JM_Date)`. */
  ledgerDate(jmDate?: string, ecJour?: string): string;
  /** NULL for Sage's placeholder dates (years before 1901), the date otherwise. */
  validDate(expr: string): string;

  /** `expr`, or `fallback` when NULL. */
  isNull(expr: string, fallback: string): string;
  /** String concatenation where NULL counts as ''. */
  concat(...parts: string[]): string;
  /** Leading and trailing spaces removed. */
  trim(expr: string): string;

  /** Put at the very end of the statement: `LIMIT n`. */
  limit(n: number): string;
}

function checkRowCount(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Row count must be a non-negative integer, got ${n}`);
  return n;
}


/** `strftime` pieces as integers. */
const sqliteDatePart = (format: string, expr: string): string => `CAST(strftime('${format}', ${expr}) AS INTEGER)`;

export const SQLITE_DIALECT: SqlDialect = Object.freeze({
  money: (expr: string) => `sb_decimal_micro(${expr})`,
  exactSum: (expr: string) => `SUM(${expr})`,
  formatExactSum: (sum: string) => `sb_decimal_micro(${sum})`,
  moneySum: (expr: string) => `sb_decimal_micro(SUM(${expr}))`,
  moneyProduct: (a: string, b: string) => `sb_micro_product(${a}, ${b})`,

  datetimeText: (expr: string) => `strftime('%Y-%m-%dT%H:%M:%S', ${expr})`,
  dateText: (expr: string) => `date(${expr})`,
  monthStart: (expr: string) => `datetime(${expr}, 'start of month')`,
  year: (expr: string) => sqliteDatePart('%Y', expr),
  month: (expr: string) => sqliteDatePart('%m', expr),
  ledgerDate: (jmDate = 'JM_Date', ecJour = 'EC_Jour') => `datetime(${jmDate}, (${ecJour} - 1) || ' days')`,
  validDate: (expr: string) => `CASE WHEN ${expr} >= '1901-01-01' THEN ${expr} END`,

  isNull: (expr: string, fallback: string) => `ifnull(${expr}, ${fallback})`,
  concat: (...parts: string[]) => `concat(${parts.join(', ')})`,
  trim: (expr: string) => `LTRIM(RTRIM(${expr}))`,

  limit: (n: number) => `LIMIT ${checkRowCount(n)}`,
});

/**
 * Six-decimal text of an integer micro-units column, in plain SQL (no user function: a reader thread's
 * connection has none, and a JS call per value costs more than SQLite's printf). NULL stays NULL. Integer
 * division and `%` truncate toward zero, so the units and the fraction of a negative amount are negated
 * separately (`-(x / 1000000)`, never `abs(x)`, which overflows on the smallest 64-bit integer).
 */
export function microText(x: string): string {
  return `CASE WHEN ${x} >= 0 THEN printf('%d.%06d', ${x} / 1000000, ${x} % 1000000) WHEN ${x} < 0 THEN printf('-%d.%06d', -(${x} / 1000000), -(${x} % 1000000)) END`;
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

const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

/** Integer micro-units from a user function's argument (BigInt with safeIntegers), or a TypeError. */
function microArg(value: SqliteArg, fn: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new TypeError(`${fn}: expected integer micro-units, got ${JSON.stringify(value)}`);
}

/** `a × b` of two micro-unit amounts, in micro-units, rounded half away from zero (exact, in BigInt). */
export function microProduct(a: bigint, b: bigint): bigint {
  const product = a * b;
  const magnitude = product < 0n ? -product : product;
  const rounded = (magnitude + MICRO_PER_UNIT / 2n) / MICRO_PER_UNIT;
  const result = product < 0n ? -rounded : rounded;
  if (result > INT64_MAX || result < INT64_MIN) {
    throw new RangeError(`The product ${decimalFromMicro(a)} × ${decimalFromMicro(b)} is beyond what an amount can hold`);
  }
  return result;
}

/**
 * Gives a better-sqlite3 connection the functions the SQLite dialect emits (`sb_decimal_micro`,
 * `sb_micro_product`) and T-SQL look-alikes for hand-written SQL. Safe to call once per connection.
 */
export function registerSqliteFunctions(db: Database): void {
  const deterministic = { deterministic: true } as const;
  // safeIntegers: integers arrive as BigInt, so 64-bit micro-units are never rounded through a double.
  const exact = { deterministic: true, safeIntegers: true } as const;

  db.function('sb_decimal_micro', exact, (value: SqliteArg) => (value === null ? null : decimalFromMicro(microArg(value, 'sb_decimal_micro'))));
  db.function('sb_micro_product', exact, (a: SqliteArg, b: SqliteArg) =>
    a === null || b === null ? null : microProduct(microArg(a, 'sb_micro_product'), microArg(b, 'sb_micro_product')),
  );

  db.aggregate('sb_bucket_digest', { deterministic: true, start: () => [0, 0], step: digestStep, result: digestResult });

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
// Bucket checksums of a SQLite source (src/replica/reads.ts bucketsSql): two 32-bit hashes of each row's JSON
// text (so 1 and '1' differ), summed over the rows modulo 2^64, so that the order of the rows does not matter.
// Only ever compared with a checksum the same file gave at an earlier sync.
// ---------------------------------------------------------------------------------------------------------

/** One row's JSON text (`json_array(…)`, built by SQLite) hashed twice with 32-bit FNV-1a, added to the sums. */
function digestStep(acc: number[], row: SqliteArg): number[] {
  const text = typeof row === 'string' ? row : String(row);
  let lo = 0x811c9dc5;
  let hi = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    lo = Math.imul(lo ^ c, 16777619);
    hi = Math.imul(hi ^ c, 0x01000193) ^ (hi >>> 15);
  }
  const low = (acc[0] as number) + (lo >>> 0);
  acc[0] = low >>> 0;
  acc[1] = ((acc[1] as number) + (hi >>> 0) + Math.floor(low / 0x100000000)) >>> 0;
  return acc;
}

function digestResult(acc: number[]): string {
  return `${(acc[1] as number).toString(16).padStart(8, '0')}${(acc[0] as number).toString(16).padStart(8, '0')}`;
}
