/**
 * Wall-clock calendar arithmetic on plain numbers: Sage datetimes are local wall-clock values with no
 * offset, so they are never turned into JS Dates (which would apply the machine's time zone). A day is an
 * integer count of days since 1970-01-01 (proleptic Gregorian), a time is seconds since midnight.
 */

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

/** `YYYY-MM-DD`. */
export function formatDay(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

/** `YYYY-MM-DD HH:MM:SS`: how datetimes are stored in Sage-schema SQLite files (SQLite's own format). */
export function formatStoredDatetime(days: number, secondsOfDay = 0): string {
  const h = Math.floor(secondsOfDay / 3600);
  const m = Math.floor((secondsOfDay % 3600) / 60);
  const s = secondsOfDay % 60;
  return `${formatDay(days)} ${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?)?$/;

export interface WallClock {
  days: number;
  seconds: number;
  /** Fraction of a second as written (`.123`), or ''. */
  fraction: string;
}

/** Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` or the same with `T`; undefined when malformed. */
export function parseWallClock(text: string): WallClock | undefined {
  const m = WALL_CLOCK.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hours = Number(m[4] ?? 0);
  const minutes = Number(m[5] ?? 0);
  const seconds = Number(m[6] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return { days: daysFromCivil(year, month, day), seconds: hours * 3600 + minutes * 60 + seconds, fraction: m[7] ?? '' };
}

/** Day number of a `YYYY-MM-DD…` string; throws on a malformed date (a programming or input error). */
export function dayOf(text: string): number {
  const parsed = parseWallClock(text);
  if (!parsed) throw new Error(`Not a date: ${JSON.stringify(text)} (expected YYYY-MM-DD)`);
  return parsed.days;
}

/** Adds months like T-SQL DATEADD(month…): the day is clamped to the end of the target month. */
export function addMonths(days: number, months: number): number {
  const { year, month, day } = civilFromDays(days);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12 + 1;
  return daysFromCivil(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

export function monthStart(days: number): number {
  const { year, month } = civilFromDays(days);
  return daysFromCivil(year, month, 1);
}

/** `text − seconds` as `YYYY-MM-DDTHH:MM:SS` wall-clock text (never through a JS Date, so no time zone). */
export function minusSeconds(text: string, seconds: number): string {
  const at = parseWallClock(text);
  if (!at) throw new RangeError(`Not a wall-clock time: ${text}`);
  let total = at.days * 86400 + at.seconds - seconds;
  const days = Math.floor(total / 86400);
  total -= days * 86400;
  const hh = String(Math.floor(total / 3600)).padStart(2, '0');
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0');
  const ss = String(total % 60).padStart(2, '0');
  return `${formatDay(days)}T${hh}:${mm}:${ss}`;
}
