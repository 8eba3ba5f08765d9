import { InvalidArgumentError, Option, type Command } from 'commander';
import { isProcessAlive } from '../../process-alive.js';
import type { CommandModule } from '../../cli.js';
import type { CommandDeps } from '../../context.js';
import type { IO } from '../../io.js';
import { mark, table } from '../render.js';
import type { CompanySummary, JournalEntry, Outcome, RunSummary } from '../../journal/index.js';
import { formatDuration, localDateTime as localDateTimeOf, localTime, parseSince } from '../../journal/time.js';
import type { LogResult, RawLogOptions } from './run.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more.');
  return n;
}

/** Is the process of a run without an end still alive? A run older than two days is not (its pid was reused). */
function isRunning(run: { pid: number; start: string }, now: Date): boolean {
  const started = new Date(run.start).getTime();
  if (!Number.isFinite(started) || now.getTime() - started > 48 * 3600_000) return false;
  return isProcessAlive(run.pid);
}

export const logCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('log')
      .description('show the publication journal: ✓ published, ⚠ consistency warning, ✗ error')
      .addOption(new Option('--company <code>', 'only this company'))
      .addOption(new Option('--since <when>', 'from a date (YYYY-MM-DD) or a duration (24h, 7d)'))
      .addOption(new Option('--level <level>', 'minimum level').choices(['warning', 'error']))
      .addOption(new Option('--run <id>', 'the details of one run'))
      .addOption(new Option('--last <n>', 'the last N runs').argParser(positiveInteger))
      .addOption(new Option('--follow', 'keep printing new entries'))
      .addOption(new Option('--status', 'exit non-zero when the latest run of any company failed (for monitoring)'))
      .addHelpText(
        'after',
        `
✓ published · ⚠ consistency warning in the Sage data, publication continued · ✗ error, publication failed.
Times are local. Without --since, the last ${20} runs are listed.
Examples:
  sbsync log
  sbsync log --company ACME --since 7d --level warning
  sbsync log --run 20261127-070002-3fa9
  sbsync log --status          (exit 1 when the latest run of a company failed)`,
      )
      .action(async (opts: RawLogOptions, cmd: Command) =>
        runner.run(
          cmd,
          async (deps) => {
            const { runLog, resolveLogOptions } = await import('./run.js');
            const options = resolveLogOptions(opts, deps.clock.now(), deps.flags.json, parseSince);
            return runLog(options, deps, {
              isRunning: (run) => isRunning(run, deps.clock.now()),
              onEntry: (entry) => deps.io.out(`${renderEntry(deps.io, entry, true)}\n`),
            });
          },
          (result, deps) => render(result, deps),
        ),
      );
  },
};

function outcomeMark(io: IO, outcome: Outcome): string {
  switch (outcome) {
    case 'ok':
      return mark(io, 'ok');
    case 'warnings':
      return mark(io, 'warn');
    case 'running':
      return io.chalk.cyan('…');
    default:
      return mark(io, 'fail');
  }
}

function doneWord(command: string): string {
  if (command === 'publish') return 'published';
  if (command === 'unpublish') return 'unpublished';
  if (command.startsWith('companies')) return 'removed';
  return 'done';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function companyText(c: CompanySummary, command: string): string {
  const done = doneWord(command);
  switch (c.outcome) {
    case 'ok':
      return done;
    case 'warnings':
      return `${done} with ${plural(c.warnings, 'consistency warning')}`;
    case 'failed':
      return `failed${c.message ? `: ${c.message}` : ''}`;
    case 'interrupted':
      return 'interrupted before committing (the previous publication stays visible)';
    case 'unfinished':
      return `no end recorded${c.message ? `: ${c.message}` : ''}`;
    case 'running':
      return 'running';
  }
}

function companyFigures(c: CompanySummary): string {
  const parts: string[] = [];
  if (c.datasets > 0) parts.push(plural(c.datasets, 'dataset'));
  if (c.views > 0) parts.push(plural(c.views, 'view'));
  if (c.counts.rows !== undefined) parts.push(`${c.counts.rows} rows`);
  if (c.counts.deleted) parts.push(`${c.counts.deleted} deleted`);
  return parts.join(', ');
}

function runHeader(io: IO, run: RunSummary): string {
  const c = io.chalk;
  const parts = [c.bold(localDateTime(run.start)), run.command, c.dim(run.runId)];
  if (run.durationMs !== undefined) parts.push(formatDuration(run.durationMs));
  if (run.exitCode !== undefined) parts.push(`exit ${run.exitCode}`);
  else if (run.outcome === 'running') parts.push(c.cyan('running'));
  return parts.join('  ');
}

function companyRows(io: IO, run: RunSummary): string[][] {
  const rows = run.companies.map((c) => [`  ${outcomeMark(io, c.outcome)}`, c.company, companyText(c, run.command), io.chalk.dim(companyFigures(c))]);
  if (run.companies.length === 0) {
    const text = run.runErrors[0] ?? (run.outcome === 'running' ? 'running' : run.outcome === 'unfinished' ? 'no end recorded' : doneWord(run.command));
    rows.push([`  ${outcomeMark(io, run.outcome)}`, '', text, '']);
  } else {
    for (const error of run.runErrors) rows.push([`  ${mark(io, 'fail')}`, '', error, '']);
  }
  return rows;
}

const LEGEND = '✓ published · ⚠ consistency warning in the Sage data, publication continued · ✗ error, publication failed';

function entryMark(io: IO, entry: JournalEntry): string {
  if (entry.level === 'error') return mark(io, 'fail');
  if (entry.level === 'warning') return mark(io, 'warn');
  if (entry.event === 'publication-committed') return mark(io, 'ok');
  return io.chalk.dim('·');
}

/** One journal entry on one line, in local time. */
export function renderEntry(io: IO, entry: JournalEntry, withDate: boolean): string {
  const c = io.chalk;
  const when = new Date(entry.time);
  const where = [entry.company, entry.service, entry.dataset ?? entry.view, entry.table && entry.table !== entry.dataset ? entry.table : undefined].filter(Boolean).join(' ');
  const figures: string[] = [];
  if (entry.counts?.rows !== undefined) figures.push(`${entry.counts.rows} rows`);
  if (entry.counts?.deleted) figures.push(`${entry.counts.deleted} deleted`);
  if (entry.bytes !== undefined) figures.push(formatBytes(entry.bytes));
  if (entry.durationMs !== undefined) figures.push(formatDuration(entry.durationMs));
  const parts = [c.dim(withDate ? localDateTime(entry.time) : localTime(when)), entryMark(io, entry)];
  if (withDate) parts.push(c.dim(entry.runId));
  if (where) parts.push(c.bold(where));
  parts.push(c.dim(entry.event), entry.message);
  if (figures.length > 0) parts.push(c.dim(`(${figures.join(', ')})`));
  return parts.join(' ');
}

const localDateTime = (time: string) => localDateTimeOf(new Date(time));

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function render(result: LogResult, deps: CommandDeps): void {
  const { io } = deps;
  const c = io.chalk;
  for (const s of result.skipped) deps.logger.warn(`skipped line ${s.line} of ${s.file}: ${s.reason}`);
  switch (result.mode) {
    case 'follow':
      return;
    case 'status':
      io.out(`${result.summary}\n`);
      if (result.status === 'failed') io.out(`${c.dim('Details: sbsync log --run <id>')}\n`);
      return;
    case 'runs': {
      if (result.runs.length === 0) {
        io.out(result.total === 0 ? `No run recorded in ${result.journal} yet: \`sbsync publish\` records each run there.\n` : `No run in ${result.journal} matches (${result.total} run(s) without the filters).\n`);
        return;
      }
      const blocks = result.runs.map((run) => `${runHeader(io, run)}\n${table(companyRows(io, run), 2)}`);
      io.out(`${blocks.join('\n')}\n`);
      const footer: string[] = ['', c.dim(LEGEND)];
      if (result.matching > result.runs.length) footer.push(c.dim(`${result.runs.length} most recent of ${result.matching} runs; --last N or --since for more.`));
      footer.push(c.dim('Details and what to do: sbsync log --run <id>'));
      io.out(`${footer.join('\n')}\n`);
      return;
    }
    case 'run': {
      const run = result.run;
      const lines: string[] = [runHeader(io, run), table(companyRows(io, run), 2)];
      for (const note of run.notes) lines.push(`  ${c.dim(`note: ${note}`)}`);
      lines.push('', c.bold('Entries'));
      for (const entry of result.entries) lines.push(`  ${renderEntry(io, entry, false)}`);
      if (result.advice.length > 0) {
        lines.push('', c.bold('What to do'));
        for (const a of result.advice) lines.push(`  ${a.company ? `${c.bold(a.company)}: ` : ''}${a.text}`);
      }
      lines.push('', c.dim(LEGEND));
      io.out(`${lines.join('\n')}\n`);
      return;
    }
  }
}
