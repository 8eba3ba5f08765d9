/**
 * Exact decimal text for Sage amounts (numeric(24,6)). Amounts travel as strings with exactly six
 * decimals, `-1234.500000`, the text SQL Server gives for CONVERT(varchar, CAST(x AS numeric(24,6))), so
 * both engines publish identical values. Arithmetic is done in BigInt micro-units, never in JS numbers.
 */

export const MICRO_PER_UNIT = 1_000_000n;

/** `-1234500000n` → `'-1234.500000'`. */
export function decimalFromMicro(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const units = abs / MICRO_PER_UNIT;
  const fraction = (abs % MICRO_PER_UNIT).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${units}.${fraction}`;
}

const DECIMAL_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;
const EXPONENT_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d+)\s*$/;

/**
 * Parses decimal text (`12`, `-0.5`, `1e-7`) into micro-units, rounding half away from zero beyond six
 * decimals like SQL Server's CAST to numeric(…,6). Returns undefined for anything that is not a number.
 */
export function decimalToMicro(text: string): bigint | undefined {
  let sign: string;
  let digits: string;
  let pointAt: number; // number of integer digits in `digits`
  const plain = DECIMAL_TEXT.exec(text);
  if (plain) {
    const [, s = '', int = '', frac = ''] = plain;
    if (int === '' && frac === '') return undefined;
    sign = s;
    digits = int + frac;
    pointAt = int.length;
  } else {
    const exp = EXPONENT_TEXT.exec(text);
    if (!exp) return undefined;
    const [, s = '', int = '', frac = '', e = '0'] = exp;
    if (int === '' && frac === '') return undefined;
    sign = s;
    digits = int + frac;
    pointAt = int.length + Number(e);
  }
  // Shift so that `digits` has exactly 6 digits after the point, keeping one more to round on.
  const wanted = pointAt + 7;
  if (pointAt < 0) {
    digits = '0'.repeat(-pointAt) + digits;
    return decimalToMicro(`${sign}0.${digits}`);
  }
  const padded = digits.length >= wanted ? digits.slice(0, wanted) : digits + '0'.repeat(wanted - digits.length);
  const withExtra = BigInt(padded === '' ? '0' : padded);
  const rounded = (withExtra + 5n) / 10n;
  return sign === '-' ? -rounded : rounded;
}

/**
 * A JS number read from a SQLite NUMERIC column → micro-units. The stored double of an amount with at most
 * six decimals (and at most 15 significant digits) is the nearest double to that decimal, so rounding it
 * to six decimals recovers the decimal exactly; `toFixed` rounds the double's exact binary value.
 */
export function microFromNumber(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`Not a finite amount: ${value}`);
  if (Number.isInteger(value)) return BigInt(value) * MICRO_PER_UNIT;
  if (Math.abs(value) >= 1e21) return BigInt(Math.round(value)) * MICRO_PER_UNIT;
  const micro = decimalToMicro(value.toFixed(6));
  if (micro === undefined) throw new RangeError(`Not an amount: ${value}`);
  return micro;
}

/**
 * Any value an engine may return for a decimal column → exact six-decimal text (null stays null).
 * Throws on text that is not a number: a NUMERIC column holding words is a corrupt file, not a zero.
 */
export function toDecimalText(value: number | bigint | string | null): string | null {
  if (value === null) return null;
  if (typeof value === 'bigint') return decimalFromMicro(value * MICRO_PER_UNIT);
  if (typeof value === 'number') return decimalFromMicro(microFromNumber(value));
  const micro = decimalToMicro(value);
  if (micro === undefined) throw new RangeError(`Not a decimal number: ${JSON.stringify(value)}`);
  return decimalFromMicro(micro);
}
