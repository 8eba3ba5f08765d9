/**
 * Values across the SQL Server boundary, both ways, following the port's conventions
 * (src/sources/source.ts): exact decimals, unshifted wall-clock datetimes.
 *
 * Datetimes: the connection runs with `useUTC: true`, so tedious builds each datetime as
 * `Date.UTC(fields)` and writes parameters from the UTC fields. Reading and writing the UTC
 * fields is therefore an exact round trip of the wall-clock value whatever the machine's time
 * zone, including times that do not exist locally (a DST gap such as 2024-03-31 02:30 in Paris),
 * which `useUTC: false` would turn into local `Date`s and shift by an hour.
 *
 * Decimals: tedious decodes DECIMAL/NUMERIC/MONEY into a JS number (unscaled / 10^scale), which
 * loses digits past about 15: numeric(24,6) amounts would silently change. So such a result
 * column is refused before its first row, and the SQL must cast it: `CAST(col AS varchar(40))`
 * (the same text on SQL Server and SQLite). Decimal parameters are sent exactly (see below).
 */
import sql from 'mssql';
import tedious from 'tedious';
import type { Row, SqlParam, SqlValue } from './source.js';

/** The column description mssql emits with each recordset in `arrayRowMode`. */
export interface ResultColumn {
  name: string;
  type: unknown;
  precision?: number | undefined;
  scale?: number | undefined;
}

type ValueDecoder = (value: unknown) => SqlValue;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function wallClockDate(value: Date): string {
  return `${pad(value.getUTCFullYear(), 4)}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
}

function wallClockTime(value: Date): string {
  return `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}.${pad(value.getUTCMilliseconds(), 3)}`;
}

const asDate = (format: (value: Date) => string): ValueDecoder => (value) => (value instanceof Date ? format(value) : (value as SqlValue));

const DECODERS = new Map<unknown, ValueDecoder>([
  [sql.TYPES.DateTime, asDate((value) => `${wallClockDate(value)}T${wallClockTime(value)}`)],
  [sql.TYPES.SmallDateTime, asDate((value) => `${wallClockDate(value)}T${wallClockTime(value)}`)],
  // datetime2 keeps 100 ns; JS dates keep milliseconds, which is what the port's format holds.
  [sql.TYPES.DateTime2, asDate((value) => `${wallClockDate(value)}T${wallClockTime(value)}`)],
  [sql.TYPES.Date, asDate(wallClockDate)],
  [sql.TYPES.Time, asDate(wallClockTime)],
  // datetimeoffset is an instant, not a wall-clock value: it keeps its UTC form with the Z.
  [sql.TYPES.DateTimeOffset, asDate((value) => value.toISOString())],
  [
    sql.TYPES.BigInt,
    (value) => {
      if (typeof value !== 'string') return value as SqlValue;
      const integer = BigInt(value);
      return integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(integer) : integer;
    },
  ],
]);

const INEXACT_DECIMAL_TYPES = new Map<unknown, string>([
  [sql.TYPES.Decimal, 'decimal'],
  [sql.TYPES.Numeric, 'numeric'],
  [sql.TYPES.Money, 'money'],
  [sql.TYPES.SmallMoney, 'smallmoney'],
]);

const identity: ValueDecoder = (value) => (value === undefined ? null : (value as SqlValue));

/**
 * Builds the function that turns one array row of a recordset into a port `Row`. Throws (a bug in
 * sbsync's SQL, not something the user can fix) when a column cannot keep the port's conventions.
 */
export function rowDecoder(columns: readonly ResultColumn[]): (values: readonly unknown[]) => Row {
  const seen = new Set<string>();
  const decoders = columns.map((column) => {
    if (seen.has(column.name)) {
      throw new Error(`The query returns two columns named "${column.name}": give each column its own alias.`);
    }
    seen.add(column.name);
    const decimalType = INEXACT_DECIMAL_TYPES.get(column.type);
    if (decimalType !== undefined) {
      const declared = decimalType === 'decimal' || decimalType === 'numeric' ? `${decimalType}(${column.precision},${column.scale})` : decimalType;
      throw new Error(
        `Column "${column.name}" is ${declared}: the driver would read it as a floating-point number and lose digits. ` +
          `Select it as text instead, e.g. CAST(${column.name || 'expression'} AS varchar(40)).`,
      );
    }
    return DECODERS.get(column.type) ?? identity;
  });
  return (values) => {
    const row: Row = {};
    columns.forEach((column, index) => {
      row[column.name] = decoders[index]!(values[index]);
    });
    return row;
  };
}

// ---------------------------------------------------------------------------------------------
// Parameters

/** Sage amounts are numeric(24,6); decimal parameters are declared so, and must fit. */
export const DECIMAL_PRECISION = 24;
export const DECIMAL_SCALE = 6;

/**
 * tedious's Decimal parameter goes through parseFloat and a 64-bit magnitude, so it cannot carry
 * 24 digits. This variant of it takes the unscaled value as a bigint and writes every byte.
 */
const ExactDecimal: typeof tedious.TYPES.Decimal = {
  ...tedious.TYPES.Decimal,
  validate(value: unknown) {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'bigint') throw new TypeError('Expected the unscaled value as a bigint.');
    return value;
  },
  *generateParameterData(parameter) {
    if (parameter.value === null || parameter.value === undefined) return;
    const unscaled = parameter.value as bigint;
    const magnitude = unscaled < 0n ? -unscaled : unscaled;
    const precision = parameter.precision ?? DECIMAL_PRECISION;
    const length = precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
    const data = Buffer.alloc(length);
    data.writeUInt8(unscaled < 0n ? 0 : 1, 0);
    for (let index = 1, rest = magnitude; index < length; index += 1, rest >>= 8n) data[index] = Number(rest & 0xffn);
    yield data;
  },
};

const DECIMAL_TEXT = /^([+-])?(\d+)(?:\.(\d+))?$/;

function unscaledDecimal(name: string, value: string | number): bigint {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL_TEXT.exec(text);
  const [, sign, whole = '', fraction = ''] = match ?? [];
  if (!match || fraction.length > DECIMAL_SCALE || whole.replace(/^0+(?=\d)/, '').length > DECIMAL_PRECISION - DECIMAL_SCALE) {
    throw new Error(`Parameter @${name} is not a decimal that fits numeric(${DECIMAL_PRECISION},${DECIMAL_SCALE}): ${JSON.stringify(value)}.`);
  }
  const unscaled = BigInt(whole + fraction.padEnd(DECIMAL_SCALE, '0'));
  return sign === '-' ? -unscaled : unscaled;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/** A wall-clock string as the `Date` whose UTC fields hold it (what tedious writes with useUTC). */
function wallClockToUtcDate(name: string, value: string): Date {
  const match = WALL_CLOCK.exec(value.trim());
  if (!match) {
    throw new Error(`Parameter @${name} must be a wall-clock date "YYYY-MM-DD[THH:MM[:SS[.fff]]]" without a time zone, got ${JSON.stringify(value)}.`);
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0'] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0')));
  if (date.getUTCDate() !== Number(day) || date.getUTCHours() !== Number(hour) || date.getUTCMinutes() !== Number(minute)) {
    throw new Error(`Parameter @${name} is not a valid date: ${JSON.stringify(value)}.`);
  }
  return date;
}

function checkedValue<T>(name: string, param: SqlParam, check: (value: unknown) => value is T, what: string): T {
  if (!check(param.value)) throw new Error(`Parameter @${name} (${param.type}) needs ${what}, got ${JSON.stringify(String(param.value))}.`);
  return param.value;
}

const isInt32 = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;
const isInteger = (value: unknown): value is number | bigint | string =>
  typeof value === 'bigint' || Number.isSafeInteger(value) || (typeof value === 'string' && /^[+-]?\d+$/.test(value));
const isDecimal = (value: unknown): value is string | number => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
const isText = (value: unknown): value is string => typeof value === 'string';
const isBit = (value: unknown): value is boolean | number => typeof value === 'boolean' || value === 0 || value === 1;

/** Adds one port parameter to an mssql request with the SQL Server type it stands for. */
export function bindParameter(request: sql.Request, name: string, param: SqlParam): void {
  if (param.value === null) {
    const types = { int: sql.Int, bigint: sql.BigInt, decimal: sql.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE), text: sql.NVarChar(4000), datetime: sql.DateTime, date: sql.Date, bit: sql.Bit };
    request.input(name, types[param.type], null);
    return;
  }
  switch (param.type) {
    case 'int':
      request.input(name, sql.Int, checkedValue(name, param, isInt32, 'a 32-bit integer'));
      return;
    case 'bigint':
      request.input(name, sql.BigInt, BigInt(checkedValue(name, param, isInteger, 'an integer')));
      return;
    case 'decimal': {
      const unscaled = unscaledDecimal(name, checkedValue(name, param, isDecimal, 'a decimal string'));
      // mssql passes the type object through to tedious when it is not one of its own.
      const exactDecimal = { type: ExactDecimal, precision: DECIMAL_PRECISION, scale: DECIMAL_SCALE } as unknown as sql.ISqlType;
      request.input(name, exactDecimal, unscaled);
      return;
    }
    case 'text': {
      const text = checkedValue(name, param, isText, 'a string');
      // A fixed declared length keeps one cached plan per statement on the server.
      request.input(name, text.length <= 4000 ? sql.NVarChar(4000) : sql.NVarChar(sql.MAX), text);
      return;
    }
    case 'datetime':
      request.input(name, sql.DateTime, wallClockToUtcDate(name, checkedValue(name, param, isText, 'a wall-clock string')));
      return;
    case 'date':
      request.input(name, sql.Date, wallClockToUtcDate(name, checkedValue(name, param, isText, 'a date string')));
      return;
    case 'bit':
      request.input(name, sql.Bit, Boolean(checkedValue(name, param, isBit, 'a boolean')));
      return;
  }
}
