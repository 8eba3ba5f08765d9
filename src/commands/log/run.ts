/**
 * `sbsync log` — the publication journal for people and monitoring: one line per run and company
 * (✓ published, ⚠ consistency warnings in the Sage data, ✗ failed), the details of one run with what to do,
 * `--follow` to watch a run, `--status` for monitoring (exit 1 when a company's latest run failed).
 */
import type { CommandDeps } from '../../context.js';
import { ExitCode, UsageError } from '../../errors.js';
import {
  FAILING_OUTCOMES,
  followJournal,
  latestByCompany,
  listJournalFiles,
  readJournal,
  RunSummariser,
  type CompanyStatus,
  type JournalEntry,
  type JournalLevel,
  type RunSummary,
  type SkippedLine,
} from '../../journal/index.js';

export interface LogOptions {
  company?: string;
  since?: Date;
  level?: Extract<JournalLevel, 'warning' | 'error'>;
  run?: string;
  last?: number;
  follow: boolean;
  status: boolean;
}

export interface LogExtras {
  /** Is the process of a run without `run-end` still alive? (default: no) */
  isRunning?: (run: { runId: string; pid: number; start: string }) => boolean;
  /** --follow: called for each new entry as it arrives (rendering lives in command.ts). */
  onEntry?: (entry: JournalEntry) => void;
  /** --follow polling period. */
  pollMs?: number;
}

export interface Advice {
  company?: string;
  text: string;
}

interface Base {
  journal: string;
  /** Lines skipped while reading (torn by a crash, or foreign). */
  skipped: SkippedLine[];
  exitCode: number;
}

export interface RunsResult extends Base {
  mode: 'runs';
  runs: RunSummary[];
  /** Runs matching the filters before --last cut the list. */
  matching: number;
  /** Runs in the journal (read since --since's day), before any filter. */
  total: number;
}

export interface RunDetailsResult extends Base {
  mode: 'run';
  run: RunSummary;
  entries: JournalEntry[];
  advice: Advice[];
}

export interface StatusResult extends Base {
  mode: 'status';
  status: 'ok' | 'failed' | 'empty';
  summary: string;
  companies: CompanyStatus[];
}

export interface FollowResult extends Base {
  mode: 'follow';
  followed: number;
}

export type LogResult = RunsResult | RunDetailsResult | StatusResult | FollowResult;

export const DEFAULT_LAST = 20;

export interface RawLogOptions {
  company?: string;
  since?: string;
  level?: string;
  run?: string;
  last?: number;
  follow?: boolean;
  status?: boolean;
}

/** Flags → options, every combination checked here. */
export function resolveLogOptions(raw: RawLogOptions, now: Date, json: boolean, parseSince: (text: string, now: Date) => Date | undefined): LogOptions {
  const options: LogOptions = { follow: raw.follow === true, status: raw.status === true };
  if (raw.company !== undefined) options.company = raw.company.toUpperCase();
  if (raw.since !== undefined) {
    const since = parseSince(raw.since, now);
    if (!since) throw new UsageError(`--since must be a date (2026-11-27, 2026-11-27T08:00) or a duration (30m, 24h, 7d, 2w), got "${raw.since}"`);
    options.since = since;
  }
  if (raw.level !== undefined) options.level = raw.level as 'warning' | 'error';
  if (raw.run !== undefined) options.run = raw.run;
  if (raw.last !== undefined) {
    if (!Number.isInteger(raw.last) || raw.last < 1) throw new UsageError('--last must be a whole number of runs, 1 or more');
    options.last = raw.last;
  }
  const conflicts: [boolean, string, string][] = [
    [options.follow && json, '--follow', '--json (the journal files are already NDJSON: read them, or poll `sbsync log --json --since 10m`)'],
    [options.follow && options.status, '--follow', '--status'],
    [options.follow && options.run !== undefined, '--follow', '--run'],
    [options.follow && options.last !== undefined, '--follow', '--last'],
    [options.status && options.run !== undefined, '--status', '--run'],
    [options.status && options.last !== undefined, '--status', '--last'],
    [options.run !== undefined && options.last !== undefined, '--run', '--last'],
  ];
  for (const [clash, a, b] of conflicts) if (clash) throw new UsageError(`${a} cannot be combined with ${b}`);
  return options;
}

function keepRun(run: RunSummary, options: LogOptions): RunSummary | undefined {
  let companies = run.companies;
  if (options.company !== undefined) {
    companies = companies.filter((c) => c.company.toUpperCase() === options.company);
    if (companies.length === 0) return undefined;
  }
  if (options.level === 'warning') {
    const kept = companies.filter((c) => c.outcome !== 'ok' && c.outcome !== 'running');
    if (kept.length === 0 && run.warnings + run.errors === 0) return undefined;
    if (kept.length > 0) companies = kept;
  }
  if (options.level === 'error') {
    const kept = companies.filter((c) => FAILING_OUTCOMES.includes(c.outcome));
    if (kept.length === 0 && !FAILING_OUTCOMES.includes(run.outcome)) return undefined;
    if (kept.length > 0) companies = kept;
  }
  if (options.since && new Date(run.start).getTime() < options.since.getTime()) return undefined;
  return companies === run.companies ? run : { ...run, companies };
}

export function adviceFor(run: RunSummary): Advice[] {
  const advice: Advice[] = [];
  const publish = (company: string) => `sbsync publish --company ${company}`;
  for (const c of run.companies) {
    switch (c.outcome) {
      case 'failed':
        advice.push({ company: c.company, text: `${c.hint ? `${c.hint.replace(/\.?$/, '.')} Then run` : 'Fix the cause shown above, then run'} \`${publish(c.company)}\`. Nothing of this run is visible on the portal: the previous publication stays until a new one is committed.` });
        break;
      case 'interrupted':
        advice.push({ company: c.company, text: `Run \`${publish(c.company)}\` again: it resumes where it stopped. Nothing half-published is visible.` });
        break;
      case 'unfinished':
        advice.push({ company: c.company, text: `The process stopped without writing its end (killed, machine restarted, Task Scheduler time limit?). Check the task's history, then run \`${publish(c.company)}\`.` });
        break;
      case 'warnings':
        advice.push({ company: c.company, text: `Published. The ${c.warnings} consistency warning(s) above come from the Sage data itself: correct them in Sage 100; they never stop a publication.` });
        break;
      default:
        break;
    }
  }
  if (run.companies.length === 0 && run.runErrors.length > 0) advice.push({ text: 'Fix the error above, then run the command again (`sbsync check` tests every setting and connection).' });
  return advice;
}

async function journalExists(dir: string): Promise<boolean> {
  return (await listJournalFiles(dir)).length > 0;
}

export async function runLog(options: LogOptions, deps: CommandDeps, extras: LogExtras = {}): Promise<LogResult> {
  const config = await deps.loadConfig();
  const dir = config.journal.path;
  const skipped: SkippedLine[] = [];
  const onSkipped = (s: SkippedLine) => skipped.push(s);
  const isRunning = extras.isRunning;
  const summariseOptions = isRunning ? { isRunning } : {};

  if (options.follow) {
    let followed = 0;
    const filter = {
      ...(options.company !== undefined ? { company: options.company } : {}),
      ...(options.level !== undefined ? { level: options.level } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
    };
    for await (const entry of followJournal(dir, filter, {
      signal: deps.signal,
      fromStart: options.since !== undefined,
      onSkipped: (s) => deps.logger.warn(`skipped line ${s.line} of ${s.file}: ${s.reason}`),
      ...(extras.pollMs !== undefined ? { pollMs: extras.pollMs } : {}),
    })) {
      followed += 1;
      extras.onEntry?.(entry);
    }
    return { mode: 'follow', journal: dir, skipped, followed, exitCode: ExitCode.ok };
  }

  if (options.run !== undefined) {
    const prefix = options.run;
    const entries: JournalEntry[] = [];
    const ids = new Set<string>();
    for await (const entry of readJournal(dir, { runId: prefix }, { onSkipped })) {
      ids.add(entry.runId);
      entries.push(entry);
    }
    if (ids.size === 0) {
      throw new UsageError(`no run "${prefix}" in the journal ${dir}`, { hint: '`sbsync log` lists the runs with their ids.' });
    }
    if (ids.size > 1) {
      throw new UsageError(`"${prefix}" matches ${ids.size} runs: ${[...ids].slice(0, 5).join(', ')}${ids.size > 5 ? ', …' : ''}`, { hint: 'Give more of the run id.' });
    }
    const summariser = new RunSummariser();
    for (const entry of entries) summariser.add(entry);
    const run = summariser.finish(summariseOptions)[0]!;
    const shown = entries.filter((e) => (options.company === undefined || e.company === undefined || e.company.toUpperCase() === options.company) && (options.level === undefined || (options.level === 'warning' ? e.level !== 'info' : e.level === 'error')));
    return { mode: 'run', journal: dir, skipped, run, entries: shown, advice: adviceFor(run), exitCode: ExitCode.ok };
  }

  const summariser = new RunSummariser();
  if (await journalExists(dir)) {
    for await (const entry of readJournal(dir, {}, { onSkipped, ...(options.since ? { filesSince: options.since } : {}) })) summariser.add(entry);
  }
  const runs = summariser.finish(summariseOptions);

  if (options.status) {
    const companies = latestByCompany(runs).filter((c) => options.company === undefined || c.company.toUpperCase() === options.company);
    const failing = companies.filter((c) => FAILING_OUTCOMES.includes(c.outcome));
    const warned = companies.filter((c) => c.outcome === 'warnings');
    let status: StatusResult['status'];
    let summary: string;
    if (companies.length === 0) {
      status = 'empty';
      summary = `no publication recorded${options.company ? ` for ${options.company}` : ''} in ${dir}`;
    } else if (failing.length > 0) {
      status = 'failed';
      summary = `FAILED: ${failing.map((c) => `${c.company} (${c.outcome} in run ${c.runId}${c.message ? `: ${c.message}` : ''})`).join('; ')}`;
    } else {
      status = 'ok';
      summary = `OK: latest publication of ${companies.map((c) => c.company).join(', ')} succeeded${warned.length > 0 ? ` (with consistency warnings: ${warned.map((c) => c.company).join(', ')})` : ''}`;
    }
    return { mode: 'status', journal: dir, skipped, status, summary, companies, exitCode: status === 'failed' ? ExitCode.failed : ExitCode.ok };
  }

  const kept = runs.map((r) => keepRun(r, options)).filter((r): r is RunSummary => r !== undefined);
  const last = options.last ?? (options.since ? undefined : DEFAULT_LAST);
  return { mode: 'runs', journal: dir, skipped, runs: last === undefined ? kept : kept.slice(-last), matching: kept.length, total: runs.length, exitCode: ExitCode.ok };
}
