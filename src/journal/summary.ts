/**
 * From journal entries to what people ask: per run, per company — published (✓), published with consistency
 * warnings (⚠), failed (✗) — with counts and the messages that explain a failure.
 */
import { entryTime } from './reader.js';
import type { JournalEntry, JournalService } from './types.js';

/**
 * ok: published (or unpublished/removed) without warning · warnings: done, with consistency warnings ·
 * failed: an error stopped it · interrupted: stopped by Ctrl-C / Task Scheduler before committing ·
 * running: no end yet and the process is alive · unfinished: no end and the process is gone (killed, crashed).
 */
export type Outcome = 'ok' | 'warnings' | 'failed' | 'interrupted' | 'running' | 'unfinished';

export const FAILING_OUTCOMES: readonly Outcome[] = ['failed', 'interrupted', 'unfinished'];

export interface CompanySummary {
  company: string;
  outcome: Outcome;
  services: JournalService[];
  warnings: number;
  errors: number;
  /** Sum of the `counts` of the company's entries (rows, deleted…). */
  counts: Record<string, number>;
  bytes: number;
  /** Datasets (Data Manager) and views (Business Mobile) uploaded. */
  datasets: number;
  views: number;
  /** Why it failed (the first error), or the commit message. */
  message?: string;
  /** The next step given by the error entry (`details.hint`). */
  hint?: string;
}

export interface RunSummary {
  runId: string;
  command: string;
  pid: number;
  /** Local wall-clock times, as written. */
  start: string;
  end?: string;
  durationMs?: number;
  exitCode?: number;
  outcome: Outcome;
  companies: CompanySummary[];
  warnings: number;
  errors: number;
  /** Errors not tied to a company (e.g. the portal refused the login). */
  runErrors: string[];
  /** Set when the run took over a stale lock or was interrupted. */
  notes: string[];
}

export interface SummariseOptions {
  /** For runs without a `run-end`: is the process still alive? Default: no (the run is `unfinished`). */
  isRunning?: (run: { runId: string; pid: number; start: string }) => boolean;
}

interface RunState {
  runId: string;
  command: string;
  pid: number;
  start: string;
  end?: string;
  exitCode?: number;
  declared: string[];
  companies: Map<string, CompanyState>;
  runErrors: JournalEntry[];
  interrupted: boolean;
  notes: string[];
  warnings: number;
  errors: number;
}

interface CompanyState {
  company: string;
  services: Set<JournalService>;
  warnings: number;
  errors: number;
  failedBy?: JournalEntry;
  committed?: JournalEntry;
  counts: Record<string, number>;
  bytes: number;
  datasets: number;
  views: number;
}

const SUCCESS_EVENTS = new Set(['publication-committed', 'unpublished', 'company-removed']);

/** Incremental: add entries one by one (constant memory per run), then `finish()`. */
export class RunSummariser {
  readonly #runs = new Map<string, RunState>();

  add(entry: JournalEntry): void {
    let run = this.#runs.get(entry.runId);
    if (!run) {
      run = { runId: entry.runId, command: entry.command, pid: entry.pid, start: entry.time, declared: [], companies: new Map(), runErrors: [], interrupted: false, notes: [], warnings: 0, errors: 0 };
      this.#runs.set(entry.runId, run);
    }
    // ⚠ means a consistency warning in the Sage data; other warnings (a lock taken over) are notes.
    if (entry.event === 'consistency-warning') run.warnings += 1;
    if (entry.level === 'error') run.errors += 1;
    if (entry.event === 'run-start') {
      run.start = entry.time;
      const companies = entry.details?.companies;
      if (Array.isArray(companies)) for (const c of companies) if (typeof c === 'string' && !run.declared.includes(c)) run.declared.push(c);
    }
    if (entry.event === 'run-end') {
      run.end = entry.time;
      const code = entry.details?.exitCode;
      if (typeof code === 'number') run.exitCode = code;
    }
    if (entry.event === 'interrupted') run.interrupted = true;
    if (entry.event === 'lock-taken-over' || entry.event === 'interrupted') run.notes.push(entry.message);
    if (entry.company === undefined) {
      // run-end only repeats the outcome; the causes are the other error entries.
      if (entry.level === 'error' && entry.event !== 'run-end') run.runErrors.push(entry);
      return;
    }
    let company = run.companies.get(entry.company);
    if (!company) {
      company = { company: entry.company, services: new Set(), warnings: 0, errors: 0, counts: {}, bytes: 0, datasets: 0, views: 0 };
      run.companies.set(entry.company, company);
    }
    if (entry.service) company.services.add(entry.service);
    if (entry.event === 'consistency-warning') company.warnings += 1;
    if (entry.level === 'error' || entry.event === 'publication-failed') {
      if (entry.level === 'error') company.errors += 1;
      company.failedBy ??= entry;
    }
    if (SUCCESS_EVENTS.has(entry.event)) company.committed = entry;
    if (entry.event === 'dataset-uploaded') company.datasets += 1;
    if (entry.event === 'view-uploaded') company.views += 1;
    if (entry.event !== 'publication-committed') {
      for (const [name, value] of Object.entries(entry.counts ?? {})) if (typeof value === 'number') company.counts[name] = (company.counts[name] ?? 0) + value;
      if (typeof entry.bytes === 'number') company.bytes += entry.bytes;
    }
  }

  finish(options: SummariseOptions = {}): RunSummary[] {
    return [...this.#runs.values()].map((run) => finishRun(run, options));
  }
}

function hintOf(entry: JournalEntry | undefined): string | undefined {
  const hint = entry?.details?.hint;
  return typeof hint === 'string' ? hint : undefined;
}

function finishRun(run: RunState, options: SummariseOptions): RunSummary {
  const ended = run.end !== undefined;
  const alive = !ended && (options.isRunning?.({ runId: run.runId, pid: run.pid, start: run.start }) ?? false);
  // 0 success, 3 success with warnings (--strict), 130 interrupted; anything else is a failure.
  const failedExit = run.exitCode !== undefined && ![0, 3, 130].includes(run.exitCode);
  if (run.exitCode === 130) run.interrupted = true;
  const names = [...run.declared, ...[...run.companies.keys()].filter((c) => !run.declared.includes(c))];
  const companies = names.map((name): CompanySummary => {
    const c = run.companies.get(name) ?? { company: name, services: new Set<JournalService>(), warnings: 0, errors: 0, counts: {}, bytes: 0, datasets: 0, views: 0 };
    let outcome: Outcome;
    let message: string | undefined;
    let hint: string | undefined;
    if (c.failedBy) {
      outcome = 'failed';
      message = c.failedBy.message;
      hint = hintOf(c.failedBy);
    } else if (c.committed) {
      outcome = c.warnings > 0 ? 'warnings' : 'ok';
      message = c.committed.message;
    } else if (run.runErrors.length > 0) {
      outcome = 'failed';
      message = run.runErrors[0]!.message;
      hint = hintOf(run.runErrors[0]);
    } else if (run.interrupted) {
      outcome = 'interrupted';
      message = 'interrupted before its publication was committed; the previous publication stays visible';
    } else if (!ended) {
      outcome = alive ? 'running' : 'unfinished';
      if (!alive) message = 'the run stopped without a trace (process killed, machine restarted?)';
    } else if (failedExit) {
      outcome = 'failed';
      message = `the run ended with exit code ${run.exitCode}`;
    } else {
      outcome = c.warnings > 0 ? 'warnings' : 'ok';
    }
    const summary: CompanySummary = {
      company: name,
      outcome,
      services: [...c.services],
      warnings: c.warnings,
      errors: c.errors,
      counts: c.counts,
      bytes: c.bytes,
      datasets: c.datasets,
      views: c.views,
    };
    if (message !== undefined) summary.message = message;
    if (hint !== undefined) summary.hint = hint;
    return summary;
  });

  let outcome: Outcome;
  const has = (o: Outcome) => companies.some((c) => c.outcome === o);
  if (has('failed') || run.runErrors.length > 0 || failedExit) outcome = 'failed';
  else if (has('interrupted') || run.interrupted) outcome = 'interrupted';
  else if (!ended) outcome = alive ? 'running' : 'unfinished';
  else if (has('warnings') || run.warnings > 0) outcome = 'warnings';
  else outcome = 'ok';

  const summary: RunSummary = {
    runId: run.runId,
    command: run.command,
    pid: run.pid,
    start: run.start,
    outcome,
    companies,
    warnings: run.warnings,
    errors: run.errors,
    runErrors: run.runErrors.map((e) => e.message),
    notes: run.notes,
  };
  if (run.end !== undefined) {
    summary.end = run.end;
    summary.durationMs = entryTime({ time: run.end }).getTime() - entryTime({ time: run.start }).getTime();
  }
  if (run.exitCode !== undefined) summary.exitCode = run.exitCode;
  return summary;
}

/** Summaries of the runs found in `entries`, in the order the runs started. */
export function summariseRuns(entries: Iterable<JournalEntry>, options: SummariseOptions = {}): RunSummary[] {
  const summariser = new RunSummariser();
  for (const entry of entries) summariser.add(entry);
  return summariser.finish(options);
}

export interface CompanyStatus {
  company: string;
  outcome: Outcome;
  runId: string;
  time: string;
  message?: string;
}

/**
 * The latest conclusive outcome of every company (a run still in progress does not hide the one before it),
 * for `sbsync log --status`.
 */
export function latestByCompany(runs: readonly RunSummary[]): CompanyStatus[] {
  const latest = new Map<string, CompanyStatus>();
  for (const run of runs) {
    for (const c of run.companies) {
      if (c.outcome === 'running') continue;
      const status: CompanyStatus = { company: c.company, outcome: c.outcome, runId: run.runId, time: run.end ?? run.start };
      if (c.message !== undefined) status.message = c.message;
      latest.set(c.company, status);
    }
  }
  return [...latest.values()].sort((a, b) => a.company.localeCompare(b.company));
}
