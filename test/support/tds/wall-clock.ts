/**
 * Wall-clock date arithmetic on plain fields, never through a local `Date`: the test server must
 * not shift a Sage datetime whatever the machine's time zone, exactly like SQL Server.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second in 100 ns units (0 – 9 999 999), as datetime2(7) keeps it. */
  ticks: number;
}

const WALL_CLOCK_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/;
const COMPACT_DATE_TEXT = /^(\d{4})(\d{2})(\d{2})$/;

export function parseWallClock(text: string): WallClock | undefined {
  const match = WALL_CLOCK_TEXT.exec(text.trim()) ?? COMPACT_DATE_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = match;
  const clock = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    ticks: Number(fraction.padEnd(7, '0')),
  };
  const valid =
    clock.month >= 1 &&
    clock.month <= 12 &&
    clock.day >= 1 &&
    clock.day <= daysInMonth(clock.year, clock.month) &&
    clock.hour < 24 &&
    clock.minute < 60 &&
    clock.second < 60;
  return valid ? clock : undefined;
}

// The calendar arithmetic is the production one (src/extract/sage/calendar.ts): one implementation.
export { civilFromDays, daysFromCivil, daysInMonth } from '../../../src/extract/sage/calendar.js';
import { civilFromDays, daysFromCivil, daysInMonth } from '../../../src/extract/sage/calendar.js';

const TICKS_PER_DAY = 864_000_000_000n;

/** 100 ns ticks since 1970-01-01 00:00, the one scale all arithmetic below works in. */
export function toEpochTicks(clock: WallClock): bigint {
  const days = BigInt(daysFromCivil(clock.year, clock.month, clock.day));
  const secondOfDay = BigInt(clock.hour * 3600 + clock.minute * 60 + clock.second);
  return days * TICKS_PER_DAY + secondOfDay * 10_000_000n + BigInt(clock.ticks);
}

export function fromEpochTicks(ticks: bigint): WallClock {
  let days = ticks / TICKS_PER_DAY;
  let rest = ticks % TICKS_PER_DAY;
  if (rest < 0n) {
    rest += TICKS_PER_DAY;
    days -= 1n;
  }
  const secondOfDay = Number(rest / 10_000_000n);
  return {
    ...civilFromDays(Number(days)),
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor(secondOfDay / 60) % 60,
    second: secondOfDay % 60,
    ticks: Number(rest % 10_000_000n),
  };
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export function formatDate(clock: WallClock): string {
  return `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS`, plus the fraction only when there is one: SQLite's own datetime() format,
 * so that values bound from parameters compare equal to fixture text written the usual SQLite way.
 */
export function formatSqliteDateTime(clock: WallClock): string {
  const time = `${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}`;
  const fraction = clock.ticks === 0 ? '' : `.${pad(clock.ticks, 7).replace(/0+$/, '').padEnd(3, '0')}`;
  return `${formatDate(clock)} ${time}${fraction}`;
}
