/** Targets, formatting, and the figures derived from a scale's raw results (shared by the report's sections). */
import type { ScaleRun } from './report.js';

export const MB = 1e6;
export const TARGETS = {
  /** All views: 1.5 s per million ledger lines, at least 1.5 s (< 1.5 s at 1M, < 6 s at 4M). */
  viewsSecondsPerMillionLines: 1.5,
  extractRowsPerSecond: 300_000,
  publishRowsPerSecond: 250_000,
  /** sbsync's full Data Manager publication (CLI process wall) ÷ the shell pipeline's wall, at most. */
  pipelineRatio: 0.5,
  /** The replica sync through the TDS test server, rows/s ÷ bsqldb's on the same statements, at least. */
  tdsVsBsqldb: 0.8,
  changedSeconds: 2.5,
  nothingChangedSeconds: 1.5,
  /** Every step's process. */
  peakRssMB: 200,
  /** Flat memory: peak RSS at the largest scale at most this much above the smallest scale's. */
  flatnessMB: 20,
} as const;

/** The views' target at a scale: 1.5 s per million ledger lines, never below 1.5 s. */
export function viewsTargetSeconds(ledgerLines: number): number {
  return TARGETS.viewsSecondsPerMillionLines * Math.max(1, ledgerLines / 1e6);
}

type Verdict = 'PASS' | 'MISS';
export const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const mb = (bytes: number) => `${(bytes / MB).toFixed(Math.abs(bytes) >= 100 * MB ? 0 : 1)} MB`;
export const sec = (s: number) => `${s.toFixed(s >= 100 ? 0 : 2)} s`;
export const rate = (rows: number, seconds: number) => (seconds > 0 ? rows / seconds : 0);
export const ratio = (x: number) => `${x.toFixed(2)}×`;
const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function scaleLabel(r: ScaleRun): string {
  const ledger = r.generate?.counts['F_ECRITUREC'];
  return `scale ${r.scale}${ledger !== undefined ? ` (${int(ledger)} ledger lines)` : ''}`;
}

export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(escape).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

/** Rows per million rows, in MB: the replica's size rule of thumb. */
export const mbPerMillionRows = (bytes: number, rows: number) => (rows > 0 ? bytes / MB / (rows / 1e6) : 0);

/** sbsync's full publication ÷ the pipeline: process wall and service alone, or undefined. */
export function pipelineRatios(r: ScaleRun): { process: number; service?: number } | undefined {
  const f = r.publishFull && !r.publishFull.error ? r.publishFull : undefined;
  if (!f || !r.pipeline || r.pipeline.error || r.pipeline.seconds <= 0) return undefined;
  return { process: f.wallSeconds / r.pipeline.seconds, ...(f.serviceSeconds !== undefined ? { service: f.serviceSeconds / r.pipeline.seconds } : {}) };
}

/** The sync through the TDS test server, rows/s ÷ bsqldb's (the same rows over bsqldb's wall time), or undefined. */
export function tdsRatio(r: ScaleRun): { sync: number; bsqldb: number; ratio: number } | undefined {
  const b = r.tds?.bsqldb;
  if (!r.tds || !b || b.error || b.seconds <= 0) return undefined;
  const bsqldb = rate(r.tds.sync.rows, b.seconds);
  return { sync: r.tds.sync.rowsPerSecond, bsqldb, ratio: r.tds.sync.rowsPerSecond / bsqldb };
}

/** Every step process of a scale with its peak RSS, in the order they ran. */
export function stepPeaks(r: ScaleRun): { step: string; bytes: number | undefined }[] {
  return [
    { step: 'replica sync (SQLite)', bytes: r.replica?.maxRssBytes },
    { step: 'replica sync (TDS, mssql)', bytes: r.tds?.sync.maxRssBytes },
    { step: 'views', bytes: r.views?.maxRssBytes },
    { step: 'raw extraction', bytes: r.extract?.maxRssBytes },
    { step: 'full publication', bytes: r.publishFull?.maxRssBytes },
    { step: 'first publication of both services', bytes: r.publishFirstBoth?.maxRssBytes },
    { step: 'publication, nothing changed', bytes: r.publishIncremental?.maxRssBytes },
    { step: 'publication, rows changed', bytes: r.publishChanged?.maxRssBytes },
  ];
}

