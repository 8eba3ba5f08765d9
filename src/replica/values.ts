/**
 * Source values (the port's conventions, src/sources/source.ts) to the values a replica stores (schema.ts):
 * amounts to integer micro-units, datetimes to SQLite's wall-clock text, GUIDs to upper-case text.
 */
import { SourceError } from '../errors.js';
import type { SqlValue } from '../sources/source.js';
import type { SourceColumn } from './schema.js';

export type StoredValue = string | number | bigint | Buffer | null;

const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Where a value came from, for the message when it cannot be stored. */
export interface ValuePlace {
  readonly table: string;
  readonly key: SqlValue | undefined;
}

function refuse(place: ValuePlace, column: SourceColumn, value: SqlValue, why: string): never {
  throw new SourceError(`${place.table}.${column.name} (cbMarq ${String(place.key)}) holds ${String(value)}, which ${why}.`, {
    hint: 'The replica keeps amounts exactly, as integer millionths, within ±9,223,372,036,854.775807 and six decimals. Report this value to the sbsync project.',
  });
}

/** Decimal text (`-1234.500000`, `12`, `0.1`) to micro-units, exactly or not at all. */
export function microUnits(value: SqlValue, column: SourceColumn, place: ValuePlace): bigint | null {
  if (value === null) return null;
  if (typeof value === 'bigint') return checkedRange(value * 1_000_000n, value, column, place);
  const text = typeof value === 'number' ? numberText(value, column, place) : typeof value === 'string' ? value.trim() : undefined;
  const match = text === undefined ? null : DECIMAL.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return refuse(place, column, value, 'is not a decimal number');
  const [, sign = '', whole = '', fraction = ''] = match;
  if (/[1-9]/.test(fraction.slice(6))) return refuse(place, column, value, 'has more than six decimals');
  const micro = BigInt(`${whole || '0'}${fraction.slice(0, 6).padEnd(6, '0')}`);
  return checkedRange(sign === '-' ? -micro : micro, value, column, place);
}

function numberText(value: number, column: SourceColumn, place: ValuePlace): string {
  if (!Number.isFinite(value)) refuse(place, column, value, 'is not a finite number');
  // A double from a source that reads amounts as numbers: its six-decimal rounding is the amount it stands for.
  return Number.isInteger(value) ? String(value) : value.toFixed(6);
}

function checkedRange(micro: bigint, value: SqlValue, column: SourceColumn, place: ValuePlace): bigint {
  if (micro > INT64_MAX || micro < INT64_MIN) refuse(place, column, value, 'is too large for the replica');
  return micro;
}

/** `2024-03-31T02:30:00.000` → `2024-03-31 02:30:00`; a fraction is kept only when it is not zero. */
export function storedDatetime(value: string): string {
  if (value.length === 10) return `${value} 00:00:00`;
  const base = `${value.slice(0, 10)} ${value.slice(11, 19)}`;
  const fraction = value.slice(19);
  return /^\.0*$/.test(fraction) || fraction === '' ? base : base + fraction.replace(/0+$/, '');
}

/** A 16-byte GUID blob in SQL Server's text order (its first three groups are little-endian). */
function guidText(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = bytes.subarray(from, to);
    return Buffer.from(reverse ? [...part].reverse() : part).toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`.toUpperCase();
}

/** The stored form of one value of `column`. */
export function storedValue(value: SqlValue | undefined, column: SourceColumn, place: ValuePlace): StoredValue {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'decimal':
      return microUnits(value, column, place);
    case 'datetime':
      return typeof value === 'string' ? storedDatetime(value) : (value as StoredValue);
    case 'guid':
      if (Buffer.isBuffer(value) && value.length === 16) return guidText(value);
      return typeof value === 'string' ? value.toUpperCase() : (value as StoredValue);
    case 'integer':
    case 'float':
      return typeof value === 'boolean' ? (value ? 1 : 0) : (value as StoredValue);
    case 'text':
      return typeof value === 'boolean' ? (value ? 1 : 0) : (value as StoredValue);
  }
}

/** A source row as the replica stores it, in `columns` order. */
export function storedRow(row: Readonly<Record<string, SqlValue>>, columns: readonly SourceColumn[], table: string, key: SqlValue | undefined): StoredValue[] {
  const place = { table, key };
  return columns.map((c) => storedValue(row[c.name], c, place));
}
