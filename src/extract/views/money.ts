/**
 * Exact arithmetic on the decimal text that leaves SQL: parse to BigInt micro-units, compute, format back.
 * No amount ever becomes a JS number.
 */
import { decimalFromMicro, decimalToMicro } from '../sage/decimal.js';
import type { Comparison, Money } from './types.js';

export const ZERO = 0n;

/** Decimal text (or NULL from an empty SUM) → micro-units. */
export function micro(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value * 1_000_000n;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value) * 1_000_000n;
  const parsed = typeof value === 'string' ? decimalToMicro(value) : undefined;
  if (parsed === undefined) throw new TypeError(`Not an exact decimal amount: ${JSON.stringify(value)}`);
  return parsed;
}

export function money(microUnits: bigint): Money {
  return decimalFromMicro(microUnits);
}

/** Division rounded half away from zero; `divisor` must be positive. */
function roundDiv(numerator: bigint, divisor: bigint): bigint {
  const twice = numerator * 2n;
  return twice >= 0n ? (twice + divisor) / (2n * divisor) : -((-twice + divisor) / (2n * divisor));
}

/** `part / whole` in percent with one decimal (`"12.5"`), or null when `whole` is 0. */
export function percent(part: bigint, whole: bigint): string | null {
  if (whole === 0n) return null;
  const sign = whole < 0n ? -1n : 1n;
  const tenths = roundDiv(part * 1000n * sign, whole * sign);
  const negative = tenths < 0n;
  const abs = negative ? -tenths : tenths;
  return `${negative ? '-' : ''}${abs / 10n}.${abs % 10n}`;
}

/** current vs previous, with the change in percent of |previous|. */
export function compare(current: bigint, previous: bigint): Comparison {
  const change = current - previous;
  const base = previous < 0n ? -previous : previous;
  return {
    current: money(current),
    previous: money(previous),
    change: money(change),
    changePercent: percent(change, base),
  };
}

export function sum(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

/** Sorts by an amount, largest first, then by a text key for a stable order. */
export function byAmountDesc<T>(amount: (item: T) => bigint, key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = amount(a);
    const y = amount(b);
    if (x !== y) return x > y ? -1 : 1;
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}
