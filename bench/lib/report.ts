/** The benchmark's figures, their targets, and their rendering (stdout and docs/benchmarks.md). */
import type { MachineFacts } from './machine.js';
import type { ChangeFigures } from './mutate.js';
import type { PipelineFigures, PublishFigures } from './publish.js';
import { details } from './report-details.js';
import { MB, TARGETS, int, mb, mbPerMillionRows, pipelineRatios, rate, ratio, scaleLabel, sec, stepPeaks, table, tdsRatio, verdict, viewsTargetSeconds } from './report-figures.js';
import { HOW_TO_READ, method, reproduce } from './report-text.js';
import type { BsqldbFigures } from './tds.js';

interface StepUsage {
  maxRssBytes: number;
  cpuSeconds: number;
}

/** A replica sync in a step process of its own (bench/step.ts `replica`). */
export interface ReplicaFigures extends StepUsage {
  seconds: number;
  path: string;
  /** The replica file on disk (with its WAL and shared-memory files when present), after the sync closed it. */
  fileBytes: number;
  /** Rows in the replica once synced (rows/s counts these). */
  rows: number;
  /** Rows read from the source (a few more: the stamps' overlap window is read again after a first copy). */
  read: number;
  rowsPerSecond: number;
  tables: { table: string; action: string; rows: number; read: number; changed: number; seconds: number }[];
}

export interface ScaleRun {
  scale: number;
  generate?: StepUsage & { seconds: number; fileBytes: number; counts: Record<string, number>; totalRows: number };
  /** The first sync of the replica from the SQLite demo (the replica everything after reads). */
  replica?: ReplicaFigures;
  /** The first sync of the same demo through the TDS test server, and bsqldb replaying its statements. */
  tds?: { sync: ReplicaFigures; bsqldb?: BsqldbFigures; bsqldbNotMeasured?: string };
  tdsNotMeasured?: string;
  views?: StepUsage & { views: number; runs: number[]; medianSeconds: number; perView: { id: string; seconds: number }[] };
  extract?: StepUsage & { rows: number; bytes: number; seconds: number; rowsPerSecond: number; tables: { table: string; rows: number; bytes: number; seconds: number }[] };
  /** `publish --service data-manager --full`, the replica already synced. */
  publishFull?: PublishFigures;
  /** `publish` (both services) right after: the first Business Mobile publication. */
  publishFirstBoth?: PublishFigures;
  /** `publish` (both services) again, nothing changed. */
  publishIncremental?: PublishFigures;
  /** The rows changed in the demo file, then `publish` (both services). */
  mutation?: ChangeFigures & StepUsage & { seconds: number };
  publishChanged?: PublishFigures;
  pipeline?: PipelineFigures;
  pipelineNotMeasured?: string;
  errors: string[];
}

export interface BenchRun {
  machine: MachineFacts;
  quick: boolean;
  scales: number[];
  today: string;
  seed: number;
  viewRuns: number;
  /** Share of the Data Manager rows changed before the incremental publication. */
  changeFraction: number;
  /** The TDS test server figures are measured at the scales up to this one. */
  tdsMaxScale: number;
  results: ScaleRun[];
  pipelineNotMeasured?: string;
}

function cell(value: string | undefined, ok?: boolean): string {
  if (value === undefined) return 'not measured';
  return ok === undefined ? value : `${value} — ${verdict(ok)}`;
}

/** The publication figures of a run that completed, or undefined. */
const ok = (f: PublishFigures | undefined) => (f && !f.error ? f : undefined);

function incrementalCell(f: PublishFigures | undefined, target: number): string {
  const done = ok(f);
  if (!done) return cell(undefined);
  const dm = `data-manager ${done.status === 'up-to-date' ? 'up to date' : `${int(done.rows ?? 0)} rows, ${int(done.deleted ?? 0)} deleted`}`;
  const views = done.viewsSeconds === undefined ? '' : `; business-mobile ${done.viewsStatus === 'up-to-date' ? 'up to date, ' : ''}${sec(done.viewsSeconds)}`;
  return cell(`${sec(done.wallSeconds)} (${dm}${views})`, done.wallSeconds < target);
}

function summaryRows(run: BenchRun): { figure: string; target: string; cells: string[] }[] {
  const per = (f: (r: ScaleRun) => string): string[] => run.results.map(f);
  const changed = `${run.changeFraction * 100}%`;
  return [
    { figure: 'Demo generation (time; SQLite file)', target: '—', cells: per((r) => (r.generate ? `${sec(r.generate.seconds)}; ${mb(r.generate.fileBytes)}` : 'not measured')) },
    {
      figure: 'Replica first sync from the SQLite demo, rows/s (time; peak RSS)',
      target: '— (informative)',
      cells: per((r) => cell(r.replica && `${int(r.replica.rowsPerSecond)} rows/s (${sec(r.replica.seconds)}; ${mb(r.replica.maxRssBytes)})`)),
    },
    {
      figure: 'Replica size on disk (MB per million rows)',
      target: '— (informative)',
      cells: per((r) => cell(r.replica && `${mb(r.replica.fileBytes)} (${mbPerMillionRows(r.replica.fileBytes, r.replica.rows).toFixed(0)} MB per million rows)`)),
    },
    {
      figure: 'Replica first sync through the TDS test server (mssql driver) ÷ FreeTDS `bsqldb` on the same statements, rows/s',
      target: `≥ ${ratio(TARGETS.tdsVsBsqldb)}`,
      cells: per((r) => {
        if (!r.tds) return r.tdsNotMeasured ?? 'not measured';
        const t = tdsRatio(r);
        if (!t) return `sync ${int(r.tds.sync.rowsPerSecond)} rows/s; bsqldb ${r.tds.bsqldbNotMeasured ?? 'not measured'}`;
        return cell(`${ratio(t.ratio)} (${int(t.sync)} vs ${int(t.bsqldb)} rows/s; sync peak RSS ${mb(r.tds.sync.maxRssBytes)})`, t.ratio >= TARGETS.tdsVsBsqldb);
      }),
    },
    {
      figure: `All ${run.results.find((r) => r.views)?.views?.views ?? 18} views on the replica, median of ${run.viewRuns}`,
      target: '< 1.5 s at 1M ledger lines, < 6 s at 4M (1.5 s per million, at least 1.5 s)',
      cells: per((r) => cell(r.views && sec(r.views.medianSeconds), r.views && r.views.medianSeconds < viewsTargetSeconds(r.generate?.counts['F_ECRITUREC'] ?? 0))),
    },
    {
      figure: 'Raw extraction to NDJSON from the replica, rows/s',
      target: `≥ ${int(TARGETS.extractRowsPerSecond)} rows/s`,
      cells: per((r) => cell(r.extract && `${int(r.extract.rowsPerSecond)} rows/s`, r.extract && r.extract.rowsPerSecond >= TARGETS.extractRowsPerSecond)),
    },
    {
      figure: 'Full Data Manager publication from the replica, end to end (CLI process wall), rows/s',
      target: `≥ ${int(TARGETS.publishRowsPerSecond)} rows/s`,
      cells: per((r) => {
        const f = ok(r.publishFull);
        const v = f && rate(f.rows ?? 0, f.wallSeconds);
        return cell(f && `${int(v!)} rows/s`, f && v! >= TARGETS.publishRowsPerSecond);
      }),
    },
    {
      figure: 'Full publication ÷ `sqlite3 -json | gzip -1 | curl` (wall time; CLI process / data-manager service alone)',
      target: `≤ ${ratio(TARGETS.pipelineRatio)} (CLI process)`,
      cells: per((r) => {
        if (!r.pipeline || r.pipeline.error) return r.pipelineNotMeasured ?? run.pipelineNotMeasured ?? 'not measured';
        const q = pipelineRatios(r);
        if (!q) return `pipeline ${sec(r.pipeline.seconds)}; sbsync not measured`;
        return cell(`${ratio(q.process)} / ${q.service !== undefined ? ratio(q.service) : '?'} (pipeline ${sec(r.pipeline.seconds)})`, q.process <= TARGETS.pipelineRatio);
      }),
    },
    {
      figure: `Sync + publication of both services, ${changed} of the rows changed (CLI process wall)`,
      target: `< ${TARGETS.changedSeconds} s at 1M`,
      cells: per((r) => incrementalCell(r.publishChanged, TARGETS.changedSeconds)),
    },
    {
      figure: 'Sync + publication of both services, nothing changed (CLI process wall)',
      target: `< ${TARGETS.nothingChangedSeconds} s at 1M`,
      cells: per((r) => incrementalCell(r.publishIncremental, TARGETS.nothingChangedSeconds)),
    },
    {
      figure: 'Client peak RSS, highest of every step (which)',
      target: `< ${TARGETS.peakRssMB} MB`,
      cells: per((r) => {
        const peaks = stepPeaks(r).filter((p): p is { step: string; bytes: number } => p.bytes !== undefined);
        if (peaks.length === 0) return 'not measured';
        const top = peaks.reduce((a, b) => (b.bytes > a.bytes ? b : a));
        return cell(`${mb(top.bytes)} (${top.step})`, top.bytes < TARGETS.peakRssMB * MB);
      }),
    },
  ];
}

/** Per step: peak RSS at the largest scale it ran at minus at the smallest. */
function flatness(run: BenchRun): string[][] {
  const rs = run.results;
  const steps = rs[0] ? stepPeaks(rs[0]).map((p) => p.step) : [];
  return steps.map((name) => {
    const measured = rs.flatMap((r) => {
      const bytes = stepPeaks(r).find((p) => p.step === name)?.bytes;
      return bytes === undefined ? [] : [{ r, bytes }];
    });
    const first = measured[0];
    const last = measured[measured.length - 1];
    if (!first || !last || measured.length < 2) return [name, `not measured (needs two scales; ${measured.length === 1 ? `${mb(first!.bytes)} at ${scaleLabel(first!.r)}` : 'none'})`, '—'];
    const delta = last.bytes - first.bytes;
    return [name, `${mb(first.bytes)} at ${scaleLabel(first.r)} → ${mb(last.bytes)} at ${scaleLabel(last.r)} (${delta >= 0 ? '+' : ''}${mb(delta)})`, verdict(delta <= TARGETS.flatnessMB * MB)];
  });
}

function summary(run: BenchRun): string {
  const rows = summaryRows(run);
  let s = table(['figure', 'target', ...run.results.map(scaleLabel)], rows.map((r) => [r.figure, r.target, ...r.cells]));
  s += '\n';
  s += table(['memory flatness (peak RSS)', 'largest − smallest scale measured', `target ≤ +${TARGETS.flatnessMB} MB`], flatness(run));
  return s;
}

function machineSection(run: BenchRun): string {
  const m = run.machine;
  return table(
    ['fact', 'value'],
    [
      ['CPU', m.cpuModel],
      ['cores', String(m.cores)],
      ['RAM', `${(m.ramBytes / 1024 ** 3).toFixed(1)} GiB`],
      ['Node.js', m.node],
      ['OS', m.platform],
      ['date', m.date],
      ['load average at start / end (1, 5, 15 min)', `${m.loadAverageStart.join(', ')} / ${m.loadAverageEnd?.join(', ') ?? '?'}`],
      ['sqlite3', m.tools.sqlite3 ?? 'missing'],
      ['gzip', m.tools.gzip ?? 'missing'],
      ['curl', m.tools.curl ?? 'missing'],
      ['FreeTDS (bsqldb)', m.tools.freetds ?? 'missing'],
    ],
  );
}

/** A warning when the machine was busy with other work during the run (load average above the cores). */
function loadWarning(run: BenchRun): string | undefined {
  const m = run.machine;
  const peak = Math.max(m.loadAverageStart[0] ?? 0, m.loadAverageEnd?.[0] ?? 0);
  if (peak <= m.cores) return undefined;
  return `The machine was busy during this run (1-minute load average up to ${peak} on ${m.cores} cores): wall times and rates are pessimistic; rerun on an idle machine before drawing conclusions.`;
}

export function renderMarkdown(run: BenchRun): string {
  const load = loadWarning(run);
  const quick =
    (run.quick ? '\n> **Quick smoke run** (`SBSYNC_BENCH_QUICK=1`): sizes far below the targets\' million rows, so the verdicts say little.\n' : '') +
    (load ? `\n> **Warning.** ${load}\n` : '');
  return `# Benchmarks

<!-- Generated by \`npm run bench\` (bench/run.ts); do not edit by hand: rerun it. -->

> Generated by \`npm run bench\` on ${run.machine.date}. Every run replaces this file; previous results
> are not kept (they live in the git history).
${quick}
## How to read these figures

${HOW_TO_READ}

## Summary

${summary(run)}
## Machine

${machineSection(run)}
## Method

${method(run)}
## How to reproduce

${reproduce()}
## Details

${details(run)}
## Mobile dashboard

The dashboard's figures (first meaningful render of a view in headless Chromium on the 1M-line demo, and
the app's compressed weight) are measured with a browser, not by this script: see
[dashboard.md](dashboard.md#performance).
`;
}

export function renderText(run: BenchRun): string {
  const m = run.machine;
  return `
sbsync benchmark — ${m.date}${run.quick ? ' — QUICK smoke run' : ''}
${m.cpuModel}, ${m.cores} cores, ${(m.ramBytes / 1024 ** 3).toFixed(1)} GiB, Node ${m.node}, load ${m.loadAverageStart.join(' ')} → ${m.loadAverageEnd?.join(' ') ?? '?'}
${loadWarning(run) ? `WARNING: ${loadWarning(run)}\n` : ''}
${summary(run)}
${details(run)}`;
}
