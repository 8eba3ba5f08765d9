/** Wall-clock helpers: sbsync never shifts Sage's local datetimes, and "today" is the machine's local date. */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The local calendar date of `date`, `YYYY-MM-DD`. */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local wall-clock time with its UTC offset, `2026-11-27T08:30:00.000+01:00`, for journals and manifests. */
export function localTimestamp(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${localDate(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
