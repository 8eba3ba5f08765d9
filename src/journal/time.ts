/** Local wall-clock time helpers: the journal and `sbsync log` speak the machine's local time, with its offset. */

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

import { localDate } from '../time.js';

// One implementation of local dates for the whole tool (src/time.ts); the journal keeps its names.
export { localDate, localTimestamp as localIso } from '../time.js';

/** `2026-11-27 07:00:02` in local time, for people. */
export function localDateTime(date: Date): string {
  return `${localDate(date)} ${localTime(date)}`;
}

/** `07:00:02` in local time. */
export function localTime(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `3m12s`, `850ms`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad(s % 60)}s`;
  return `${Math.floor(m / 60)}h${pad(m % 60)}m`;
}

/**
 * `--since`: a date `YYYY-MM-DD` (local midnight), a local date-time `YYYY-MM-DDTHH:MM[:SS]` or
 * `YYYY-MM-DD HH:MM`, or a duration back from now: `30m`, `24h`, `7d`, `2w`. Undefined when not understood.
 */
export function parseSince(text: string, now: Date): Date | undefined {
  const duration = /^(\d+)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (duration) {
    const n = Number(duration[1]);
    const unit = (duration[2] ?? 'h').toLowerCase();
    const minutes = unit === 'w' ? n * 7 * 24 * 60 : unit === 'd' ? n * 24 * 60 : unit === 'h' ? n * 60 : n;
    return new Date(now.getTime() - minutes * 60_000);
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (date) {
    const [y, mo, d, h, mi, s] = date.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as number[];
    const result = new Date(y!, mo! - 1, d!, h!, mi!, s!);
    // Rejects 2026-02-31 and the like instead of rolling over.
    if (result.getFullYear() !== y || result.getMonth() !== mo! - 1 || result.getDate() !== d) return undefined;
    return result;
  }
  return undefined;
}
