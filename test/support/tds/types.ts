/**
 * SQL Server types on the wire: which TDS type a result column gets (from the SQLite declared
 * type, else from its first value), how each value is encoded, and how RPC parameters decode.
 *
 * Declared types are read leniently so that fixtures can keep decimals exact: SQLite gives a
 * column declared `numeric(24,6)` NUMERIC affinity and turns '123456789012345678.123456' into a
 * lossy number, so exact fixtures declare `numeric text(24,6)` (TEXT affinity, value kept as
 * written) and the server still sees `numeric(24,6)`: the word `text` is ignored when another
 * type name is present.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { FRENCH_CI_AS } from './tokens.js';
import {
  type WallClock,
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatSqliteDateTime,
  parseWallClock,
} from './wall-clock.js';

export type SqlServerTypeName =
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'bit'
  | 'decimal'
  | 'numeric'
  | 'money'
  | 'smallmoney'
  | 'float'
  | 'real'
  | 'char'
  | 'varchar'
  | 'nchar'
  | 'nvarchar'
  | 'datetime'
  | 'smalldatetime'
  | 'date'
  | 'datetime2'
  | 'uniqueidentifier'
  | 'binary'
  | 'varbinary';

export interface SqlServerType {
  name: SqlServerTypeName;
  /** Characters for strings, bytes for binary, or 'max'. */
  length?: number | 'max';
  precision?: number;
  scale?: number;
}

/** A failure SQL Server itself would report: it becomes an ERROR token with this number. */
export class ServerError extends Error {
  constructor(
    readonly number: number,
    message: string,
    readonly severity = 16,
  ) {
    super(message);
  }
}

// Longest names first: alternation order decides between names starting at the same position.
const TYPE_WORDS =
  /smalldatetime|datetime2|datetime|date|uniqueidentifier|varbinary|binary|nvarchar|varchar|nchar|character|char|ntext|text|clob|tinyint|smallint|bigint|integer|int|bit|boolean|bool|decimal|numeric|smallmoney|money|float|double|real|blob|image/g;

const ALIASES: Record<string, SqlServerTypeName | 'text'> = {
  integer: 'int',
  character: 'char',
  boolean: 'bit',
  bool: 'bit',
  double: 'float',
  ntext: 'text',
  clob: 'text',
  blob: 'varbinary',
  image: 'varbinary',
};

/** Reads a SQLite declared type as the SQL Server type it stands for, or undefined when it names none. */
export function parseDeclaredType(declared: string | null | undefined): SqlServerType | undefined {
  if (!declared) return undefined;
  const lower = declared.toLowerCase();
  const words = [...lower.matchAll(TYPE_WORDS)].map((match) => ALIASES[match[0]] ?? (match[0] as SqlServerTypeName));
  const word = words.find((candidate) => candidate !== 'text') ?? words[0];
  if (!word) return undefined;
  const size = /\(([^)]*)\)/.exec(lower)?.[1]?.split(',').map((part) => part.trim()) ?? [];
  const first = size[0];
  const length = first === 'max' || first === undefined ? 'max' : Number(first);
  switch (word) {
    case 'text':
      return { name: 'nvarchar', length: 'max' };
    case 'char':
    case 'varchar':
      return { name: first === undefined ? 'varchar' : word, length: length === 'max' || length > 8000 ? 'max' : length };
    case 'nchar':
    case 'nvarchar':
      return { name: first === undefined ? 'nvarchar' : word, length: length === 'max' || length > 4000 ? 'max' : length };
    case 'binary':
    case 'varbinary':
      return { name: first === undefined ? 'varbinary' : word, length: length === 'max' || length > 8000 ? 'max' : length };
    case 'decimal':
    case 'numeric':
      return { name: word, precision: Number(size[0] ?? 18), scale: Number(size[1] ?? 0) };
    case 'datetime2':
      return { name: word, scale: Number(size[0] ?? 7) };
    case 'float':
      return { name: first !== undefined && Number(first) <= 24 ? 'real' : 'float' };
    default:
      return { name: word };
  }
}

/** How SQL Server spells the type in INFORMATION_SCHEMA and declarations. */
export function typeDeclaration(type: SqlServerType): string {
  if (type.name === 'decimal' || type.name === 'numeric') return `${type.name}(${type.precision},${type.scale})`;
  if (type.length !== undefined) return `${type.name}(${type.length})`;
  if (type.name === 'datetime2') return `datetime2(${type.scale})`;
  return type.name;
}

export type SqliteValue = number | bigint | string | Buffer | null;

/** Types a column that has no declared type from its first value, the way an expression would be typed. */
export function inferType(value: SqliteValue | undefined): SqlServerType {
  if (typeof value === 'bigint') return { name: value >= -(2n ** 31n) && value < 2n ** 31n ? 'int' : 'bigint' };
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? { name: 'int' } : { name: 'float' };
  if (Buffer.isBuffer(value)) return { name: 'varbinary', length: 'max' };
  if (typeof value === 'string' && value.length > 4000) return { name: 'nvarchar', length: 'max' };
  return { name: 'nvarchar', length: 4000 };
}

// ---------------------------------------------------------------------------------------------
// Values

const INTEGER_RANGES = {
  tinyint: { bytes: 1, min: 0n, max: 255n },
  smallint: { bytes: 2, min: -(2n ** 15n), max: 2n ** 15n - 1n },
  int: { bytes: 4, min: -(2n ** 31n), max: 2n ** 31n - 1n },
  bigint: { bytes: 8, min: -(2n ** 63n), max: 2n ** 63n - 1n },
} as const;

function overflow(type: string): ServerError {
  return new ServerError(8115, `Arithmetic overflow error converting expression to data type ${type}.`);
}

function conversionFailed(value: unknown, type: string): ServerError {
  return new ServerError(245, `Conversion failed when converting the value '${String(value)}' to data type ${type}.`);
}

function toBigInt(value: SqliteValue, type: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return BigInt(value.trim());
  throw conversionFailed(value, type);
}

/** Parses a decimal literal into its unscaled integer at `scale`, rounding half away from zero as SQL Server does. */
export function toUnscaled(value: SqliteValue, scale: number, type: string): bigint {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : value.toPrecision(15)) : String(value);
  const match = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?\s*$/i.exec(text);
  if (typeof value === 'object' || !match || (match[2] === '' && (match[3] ?? '') === '')) throw conversionFailed(value, type);
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  let digits = BigInt(`${whole}${fraction}` || '0');
  let shift = scale - fraction.length + Number(exponent);
  if (shift >= 0) {
    digits *= 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    digits = (digits + divisor / 2n) / divisor;
    shift = 0;
  }
  return sign === '-' ? -digits : digits;
}

export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

function toWallClock(value: SqliteValue, type: string): WallClock {
  const clock = typeof value === 'string' ? parseWallClock(value) : undefined;
  if (!clock) throw new ServerError(241, `Conversion failed when converting date and/or time from character string '${String(value)}' to ${type}.`);
  return clock;
}

const DAYS_1900 = daysFromCivil(1900, 1, 1);
const DAYS_0001 = daysFromCivil(1, 1, 1);

// Windows-1252 differs from Latin-1 only in 0x80–0x9F; SQL Server writes '?' for what it cannot hold.
const CP1252_EXTRAS = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

export function encodeCp1252(text: string): Buffer {
  const bytes = Buffer.alloc(text.length);
  let length = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const extra = CP1252_EXTRAS.indexOf(char);
    bytes[length++] = extra >= 0 ? 0x80 + extra : code < 0x80 || (code >= 0xa0 && code <= 0xff) ? code : 0x3f;
  }
  return bytes.subarray(0, length);
}

export function decodeCp1252(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) text += byte >= 0x80 && byte <= 0x9f ? CP1252_EXTRAS[byte - 0x80] : String.fromCharCode(byte);
  return text;
}

function guidBytes(value: SqliteValue): Buffer {
  const hex = typeof value === 'string' ? value.replace(/[{}-]/g, '') : '';
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw conversionFailed(value, 'uniqueidentifier');
  const bytes = Buffer.from(hex, 'hex');
  // The first three groups travel little-endian.
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

function writePlp(writer: ByteWriter, data: Buffer | null): void {
  if (data === null) {
    writer.u64(0xffffffffffffffffn);
    return;
  }
  writer.u64(BigInt(data.length));
  if (data.length > 0) writer.u32(data.length).bytes(data);
  writer.u32(0);
}

function decimalLength(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}

const TypeId = {
  guid: 0x24,
  intN: 0x26,
  dateN: 0x28,
  timeN: 0x29,
  dateTime2N: 0x2a,
  int1: 0x30,
  bit: 0x32,
  int2: 0x34,
  int4: 0x38,
  dateTime4: 0x3a,
  float4: 0x3b,
  money: 0x3c,
  dateTime: 0x3d,
  float8: 0x3e,
  bitN: 0x68,
  decimalN: 0x6a,
  numericN: 0x6c,
  floatN: 0x6d,
  moneyN: 0x6e,
  dateTimeN: 0x6f,
  int8: 0x7f,
  bigVarBinary: 0xa5,
  bigVarChar: 0xa7,
  bigBinary: 0xad,
  bigChar: 0xaf,
  nVarChar: 0xe7,
  nChar: 0xef,
} as const;

export interface ColumnEncoder {
  readonly type: SqlServerType;
  writeTypeInfo(writer: ByteWriter): void;
  writeValue(writer: ByteWriter, value: SqliteValue): void;
}

export function columnEncoder(type: SqlServerType): ColumnEncoder {
  const declaration = typeDeclaration(type);
  const encoder = (writeTypeInfo: ColumnEncoder['writeTypeInfo'], writeValue: ColumnEncoder['writeValue']): ColumnEncoder => ({
    type,
    writeTypeInfo,
    writeValue,
  });
  switch (type.name) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const range = INTEGER_RANGES[type.name];
      return encoder(
        (w) => w.u8(TypeId.intN).u8(range.bytes),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const integer = toBigInt(value, type.name);
          if (integer < range.min || integer > range.max) throw overflow(type.name);
          w.u8(range.bytes);
          if (range.bytes === 8) w.i64(integer);
          else w.uintLE(BigInt.asUintN(range.bytes * 8, integer), range.bytes);
        },
      );
    }
    case 'bit':
      return encoder(
        (w) => w.u8(TypeId.bitN).u8(1),
        (w, value) => (value === null ? void w.u8(0) : void w.u8(1).u8(toBigInt(value, 'bit') === 0n ? 0 : 1)),
      );
    case 'decimal':
    case 'numeric': {
      const precision = type.precision ?? 18;
      const scale = type.scale ?? 0;
      const length = decimalLength(precision);
      return encoder(
        (w) => w.u8(type.name === 'decimal' ? TypeId.decimalN : TypeId.numericN).u8(length).u8(precision).u8(scale),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const unscaled = toUnscaled(value, scale, declaration);
          const magnitude = unscaled < 0n ? -unscaled : unscaled;
          if (magnitude >= 10n ** BigInt(precision)) throw overflow(declaration);
          w.u8(length).u8(unscaled < 0n ? 0 : 1).uintLE(magnitude, length - 1);
        },
      );
    }
    case 'money':
    case 'smallmoney': {
      const bytes = type.name === 'money' ? 8 : 4;
      return encoder(
        (w) => w.u8(TypeId.moneyN).u8(bytes),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const unscaled = toUnscaled(value, 4, type.name);
          if (bytes === 4) return void w.u8(4).i32(Number(unscaled));
          const asUnsigned = BigInt.asUintN(64, unscaled);
          w.u8(8).u32(Number(asUnsigned >> 32n)).u32(Number(asUnsigned & 0xffffffffn));
        },
      );
    }
    case 'float':
    case 'real':
      return encoder(
        (w) => w.u8(TypeId.floatN).u8(type.name === 'float' ? 8 : 4),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const number = Number(value);
          if (typeof value === 'object' || Number.isNaN(number)) throw conversionFailed(value, type.name);
          if (type.name === 'float') w.u8(8).f64(number);
          else w.u8(4).f32(number);
        },
      );
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar': {
      const unicode = type.name === 'nchar' || type.name === 'nvarchar';
      const id = { char: TypeId.bigChar, varchar: TypeId.bigVarChar, nchar: TypeId.nChar, nvarchar: TypeId.nVarChar }[type.name];
      const isMax = type.length === 'max';
      const maxBytes = isMax ? 0xffff : Number(type.length) * (unicode ? 2 : 1);
      const encode = (text: string): Buffer => (unicode ? Buffer.from(text, 'ucs2') : encodeCp1252(text));
      return encoder(
        (w) => w.u8(id).u16(maxBytes).bytes(FRENCH_CI_AS),
        (w, value) => {
          if (Buffer.isBuffer(value)) throw conversionFailed('<binary>', type.name);
          const data = value === null ? null : encode(String(value));
          if (isMax) return writePlp(w, data);
          if (data === null) return void w.u16(0xffff);
          if (data.length >= 0xffff) throw new ServerError(8152, 'String or binary data would be truncated.');
          w.u16(data.length).bytes(data);
        },
      );
    }
    case 'binary':
    case 'varbinary': {
      const isMax = type.length === 'max';
      return encoder(
        (w) => w.u8(type.name === 'binary' ? TypeId.bigBinary : TypeId.bigVarBinary).u16(isMax ? 0xffff : Number(type.length)),
        (w, value) => {
          const data = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value));
          if (isMax) return writePlp(w, data);
          if (data === null) return void w.u16(0xffff);
          w.u16(data.length).bytes(data);
        },
      );
    }
    case 'datetime':
      return encoder(
        (w) => w.u8(TypeId.dateTimeN).u8(8),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const clock = toWallClock(value, 'datetime');
          const milliseconds = (clock.hour * 3600 + clock.minute * 60 + clock.second) * 1000 + clock.ticks / 10_000;
          let days = daysFromCivil(clock.year, clock.month, clock.day) - DAYS_1900;
          let threeHundredths = Math.round((milliseconds * 3) / 10);
          if (threeHundredths === 25_920_000) {
            days += 1;
            threeHundredths = 0;
          }
          w.u8(8).i32(days).u32(threeHundredths);
        },
      );
    case 'smalldatetime':
      return encoder(
        (w) => w.u8(TypeId.dateTimeN).u8(4),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const clock = toWallClock(value, 'smalldatetime');
          w.u8(4).u16(daysFromCivil(clock.year, clock.month, clock.day) - DAYS_1900).u16(clock.hour * 60 + clock.minute);
        },
      );
    case 'date':
      return encoder(
        (w) => w.u8(TypeId.dateN),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const clock = toWallClock(value, 'date');
          w.u8(3).u24(daysFromCivil(clock.year, clock.month, clock.day) - DAYS_0001);
        },
      );
    case 'datetime2': {
      const scale = type.scale ?? 7;
      const timeBytes = scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
      return encoder(
        (w) => w.u8(TypeId.dateTime2N).u8(scale),
        (w, value) => {
          if (value === null) return void w.u8(0);
          const clock = toWallClock(value, 'datetime2');
          const secondOfDay = BigInt(clock.hour * 3600 + clock.minute * 60 + clock.second);
          const time = (secondOfDay * 10_000_000n + BigInt(clock.ticks)) / 10n ** BigInt(7 - scale);
          w.u8(timeBytes + 3).uintLE(time, timeBytes).u24(daysFromCivil(clock.year, clock.month, clock.day) - DAYS_0001);
        },
      );
    }
    case 'uniqueidentifier':
      return encoder(
        (w) => w.u8(TypeId.guid).u8(16),
        (w, value) => (value === null ? void w.u8(0) : void w.u8(16).bytes(guidBytes(value))),
      );
  }
}

// ---------------------------------------------------------------------------------------------
// RPC parameters

export interface DecodedParameter {
  name: string;
  /** The type as SQL Server would declare it, e.g. `decimal(24,6)`, `nvarchar(4000)`, `datetime`. */
  type: string;
  /** The value bound to SQLite: numbers, bigint beyond 2^53, exact decimal strings, wall-clock text. */
  value: number | bigint | string | Buffer | null;
}

function readPlp(reader: ByteReader): Buffer | null {
  const total = reader.u64();
  if (total === 0xffffffffffffffffn) return null;
  const chunks: Buffer[] = [];
  for (let length = reader.u32(); length > 0; length = reader.u32()) chunks.push(reader.bytes(length));
  return Buffer.concat(chunks);
}

function readLengthPrefixed(reader: ByteReader, maxLength: number): Buffer | null {
  if (maxLength === 0xffff) return readPlp(reader);
  const length = reader.u16();
  return length === 0xffff ? null : reader.bytes(length);
}

function smallestInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function clockFrom(days: number, secondOfDayTicks: bigint): WallClock {
  const secondOfDay = Number(secondOfDayTicks / 10_000_000n);
  return {
    ...civilFromDays(days),
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor(secondOfDay / 60) % 60,
    second: secondOfDay % 60,
    ticks: Number(secondOfDayTicks % 10_000_000n),
  };
}

/** Reads one RPC parameter: B_VARCHAR name, status byte, TYPE_INFO, value. Unknown types fail loudly. */
export function readParameter(reader: ByteReader): DecodedParameter {
  const name = reader.bVarchar();
  reader.u8(); // status: output parameters are not used by sbsync
  const id = reader.u8();
  const parameter = (type: string, value: DecodedParameter['value']): DecodedParameter => ({ name, type, value });
  switch (id) {
    case TypeId.intN: {
      const size = reader.u8();
      const length = reader.u8();
      const type = { 1: 'tinyint', 2: 'smallint', 4: 'int', 8: 'bigint' }[size] ?? `int${size}`;
      if (length === 0) return parameter(type, null);
      const raw = reader.uintLE(length);
      return parameter(type, smallestInteger(length === 1 ? raw : BigInt.asIntN(length * 8, raw)));
    }
    case TypeId.bitN: {
      reader.u8();
      const length = reader.u8();
      return parameter('bit', length === 0 ? null : reader.u8() === 0 ? 0 : 1);
    }
    case TypeId.decimalN:
    case TypeId.numericN: {
      reader.u8();
      const precision = reader.u8();
      const scale = reader.u8();
      const type = `${id === TypeId.decimalN ? 'decimal' : 'numeric'}(${precision},${scale})`;
      const length = reader.u8();
      if (length === 0) return parameter(type, null);
      const positive = reader.u8() === 1;
      const magnitude = reader.uintLE(length - 1);
      return parameter(type, formatUnscaled(positive ? magnitude : -magnitude, scale));
    }
    case TypeId.floatN: {
      const size = reader.u8();
      const length = reader.u8();
      const type = size === 4 ? 'real' : 'float';
      if (length === 0) return parameter(type, null);
      return parameter(type, length === 4 ? reader.f32() : reader.f64());
    }
    case TypeId.moneyN: {
      const size = reader.u8();
      const length = reader.u8();
      const type = size === 4 ? 'smallmoney' : 'money';
      if (length === 0) return parameter(type, null);
      const unscaled = length === 4 ? BigInt(reader.i32()) : (BigInt(reader.i32()) << 32n) | BigInt(reader.u32());
      return parameter(type, formatUnscaled(unscaled, 4));
    }
    case TypeId.dateTimeN: {
      const size = reader.u8();
      const length = reader.u8();
      const type = size === 4 ? 'smalldatetime' : 'datetime';
      if (length === 0) return parameter(type, null);
      if (length === 4) {
        const days = reader.u16();
        const minutes = reader.u16();
        return parameter(type, formatSqliteDateTime(clockFrom(DAYS_1900 + days, BigInt(minutes) * 600_000_000n)));
      }
      const days = reader.i32();
      const milliseconds = Math.round((reader.u32() * 10) / 3);
      return parameter(type, formatSqliteDateTime(clockFrom(DAYS_1900 + days, BigInt(milliseconds) * 10_000n)));
    }
    case TypeId.dateN: {
      // Bound as midnight in SQLite's datetime text, so that it compares with datetime columns as on SQL Server.
      const length = reader.u8();
      return parameter('date', length === 0 ? null : formatSqliteDateTime(clockFrom(DAYS_0001 + reader.u24(), 0n)));
    }
    case TypeId.dateTime2N: {
      const scale = reader.u8();
      const length = reader.u8();
      if (length === 0) return parameter(`datetime2(${scale})`, null);
      const time = reader.uintLE(length - 3) * 10n ** BigInt(7 - scale);
      return parameter(`datetime2(${scale})`, formatSqliteDateTime(clockFrom(DAYS_0001 + reader.u24(), time)));
    }
    case TypeId.guid: {
      reader.u8();
      const length = reader.u8();
      if (length === 0) return parameter('uniqueidentifier', null);
      const bytes = Buffer.from(reader.bytes(16));
      bytes.subarray(0, 4).reverse();
      bytes.subarray(4, 6).reverse();
      bytes.subarray(6, 8).reverse();
      const hex = bytes.toString('hex').toUpperCase();
      return parameter('uniqueidentifier', `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
    }
    case TypeId.nVarChar:
    case TypeId.nChar:
    case TypeId.bigVarChar:
    case TypeId.bigChar: {
      const maxLength = reader.u16();
      reader.bytes(5); // collation
      const unicode = id === TypeId.nVarChar || id === TypeId.nChar;
      const base = { [TypeId.nVarChar]: 'nvarchar', [TypeId.nChar]: 'nchar', [TypeId.bigVarChar]: 'varchar', [TypeId.bigChar]: 'char' }[id];
      const type = `${base}(${maxLength === 0xffff ? 'max' : maxLength / (unicode ? 2 : 1)})`;
      const data = readLengthPrefixed(reader, maxLength);
      return parameter(type, data === null ? null : unicode ? data.toString('ucs2') : decodeCp1252(data));
    }
    case TypeId.bigVarBinary:
    case TypeId.bigBinary: {
      const maxLength = reader.u16();
      const data = readLengthPrefixed(reader, maxLength);
      const base = id === TypeId.bigBinary ? 'binary' : 'varbinary';
      return parameter(`${base}(${maxLength === 0xffff ? 'max' : maxLength})`, data === null ? null : Buffer.from(data));
    }
    default:
      throw new ServerError(8016, `The test server cannot decode parameter ${name} of TDS type 0x${id.toString(16)}.`);
  }
}
