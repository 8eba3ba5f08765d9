/** The benchmark's figures, their targets, and their rendering (stdout and docs/benchmarks.md). */
import type { MachineFacts } from './machine.js';
import type { PipelineFigures, PublishFigures } from './publish.js';

export interface ScaleRun {
  scale: number;
  generate?: { seconds: number; fileBytes: number; counts: Record<string, number>; totalRows: number; maxRssBytes: number; cpuSeconds: number };
  replica?: { seconds: number; path: string; fileBytes: number; rows: number; rowsPerSecond: number; maxRssBytes: number; cpuSeconds: number };
  views?: { views: number; runs: number[]; medianSeconds: number; perView: { id: string; seconds: number }[]; maxRssBytes: number; cpuSeconds: number };
  extract?: {
    rows: number;
    bytes: number;
    seconds: number;
    rowsPerSecond: number;
    tables: { table: string; rows: number; bytes: number; seconds: number }[];
    maxRssBytes: number;
    cpuSeconds: number;
  };
  publishFull?: PublishFigures;
  publishIncremental?: PublishFigures;
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
  results: ScaleRun[];
  pipelineNotMeasured?: string;
}

const MB = 1e6;
export const TARGETS = {
  viewsSeconds: 3,
  extractRowsPerSecond: 300_000,
  extractPeakRssMB: 200,
  publishRowsPerSecond: 250_000,
  publishPeakRssMB: 200,
  incrementalSeconds: 2,
  /** Flat memory: peak RSS at the largest scale at most this much above the smallest scale's. */
  flatnessMB: 20,
} as const;

type Verdict = 'PASS' | 'MISS';
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / MB).toFixed(bytes >= 100 * MB ? 0 : 1)} MB`;
const sec = (s: number) => `${s.toFixed(s >= 100 ? 0 : 2)} s`;
const rate = (rows: number, seconds: number) => (seconds > 0 ? rows / seconds : 0);
const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function scaleLabel(r: ScaleRun): string {
  const ledger = r.generate?.counts['F_ECRITUREC'];
  return `scale ${r.scale}${ledger !== undefined ? ` (${int(ledger)} ledger lines)` : ''}`;
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(escape).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

interface SummaryRow {
  figure: string;
  target: string;
  cells: string[];
}

function cell(value: string | undefined, ok?: boolean): string {
  if (value === undefined) return 'not measured';
  return ok === undefined ? value : `${value} — ${verdict(ok)}`;
}

function summaryRows(run: BenchRun): SummaryRow[] {
  const rs = run.results;
  const per = (f: (r: ScaleRun) => string): string[] => rs.map(f);
  const rows: SummaryRow[] = [
    {
      figure: 'Demo generation (time; SQLite file)',
      target: '—',
      cells: per((r) => (r.generate ? `${sec(r.generate.seconds)}; ${mb(r.generate.fileBytes)}` : 'not measured')),
    },
    {
      figure: `All ${rs.find((r) => r.views)?.views?.views ?? 18} views, median of ${run.viewRuns}`,
      target: `< ${TARGETS.viewsSeconds} s at 1M`,
      cells: per((r) => cell(r.views && sec(r.views.medianSeconds), r.views && r.views.medianSeconds < TARGETS.viewsSeconds)),
    },
    {
      figure: 'Raw extraction to NDJSON, rows/s',
      target: `≥ ${int(TARGETS.extractRowsPerSecond)} rows/s`,
      cells: per((r) => cell(r.extract && `${int(r.extract.rowsPerSecond)} rows/s`, r.extract && r.extract.rowsPerSecond >= TARGETS.extractRowsPerSecond)),
    },
    {
      figure: 'Raw extraction, peak RSS',
      target: `< ${TARGETS.extractPeakRssMB} MB`,
      cells: per((r) => cell(r.extract && mb(r.extract.maxRssBytes), r.extract && r.extract.maxRssBytes < TARGETS.extractPeakRssMB * MB)),
    },
  ];
  const full = (r: ScaleRun) => (r.publishFull && !r.publishFull.error && r.publishFull.rows !== undefined ? r.publishFull : undefined);
  rows.push(
    {
      figure: 'Full Data Manager publication, end to end (CLI process wall), rows/s',
      target: `≥ ${int(TARGETS.publishRowsPerSecond)} rows/s`,
      cells: per((r) => {
        const f = full(r);
        const v = f && rate(f.rows!, f.wallSeconds);
        return cell(f && `${int(v!)} rows/s`, f && v! >= TARGETS.publishRowsPerSecond);
      }),
    },
    {
      figure: 'Full publication, client peak RSS',
      target: `< ${TARGETS.publishPeakRssMB} MB`,
      cells: per((r) => {
        const f = r.publishFull;
        return cell(f?.maxRssBytes !== undefined ? mb(f.maxRssBytes) : undefined, f?.maxRssBytes !== undefined ? f.maxRssBytes < TARGETS.publishPeakRssMB * MB : undefined);
      }),
    },
    {
      figure: 'sbsync ÷ `sqlite3 -json | gzip -1 | curl` (wall time ratio; CLI process / data-manager service alone)',
      target: '— (informative)',
      cells: per((r) => {
        if (!r.pipeline || r.pipeline.error) return r.pipelineNotMeasured ?? run.pipelineNotMeasured ?? 'not measured';
        const f = full(r);
        if (!f) return `pipeline ${sec(r.pipeline.seconds)}; sbsync not measured`;
        const svc = f.serviceSeconds !== undefined ? ` / ${(f.serviceSeconds / r.pipeline.seconds).toFixed(2)}×` : '';
        return `${(f.wallSeconds / r.pipeline.seconds).toFixed(2)}×${svc} (pipeline ${sec(r.pipeline.seconds)}, ${int(rate(r.pipeline.rows, r.pipeline.seconds))} rows/s)`;
      }),
    },
    {
      figure: 'Incremental publication, nothing changed (CLI process wall)',
      target: `< ${TARGETS.incrementalSeconds} s`,
      cells: per((r) => {
        const f = r.publishIncremental;
        const ok = f && !f.error;
        return cell(ok ? `${sec(f.wallSeconds)} (${f.mode ?? f.status ?? '?'}, ${int(f.rows ?? 0)} rows)` : undefined, ok ? f.wallSeconds < TARGETS.incrementalSeconds : undefined);
      }),
    },
  );
  return rows;
}

interface FlatRow {
  figure: string;
  value: string;
  verdict: string;
}

function flatness(run: BenchRun): FlatRow[] {
  const rs = run.results;
  const first = rs[0];
  const last = rs[rs.length - 1];
  const row = (figure: string, pick: (r: ScaleRun) => number | undefined): FlatRow => {
    const a = first && pick(first);
    const b = last && pick(last);
    if (rs.length < 2 || a === undefined || b === undefined) return { figure, value: 'not measured (needs two scales)', verdict: '—' };
    return { figure, value: `${mb(a)} at ${scaleLabel(first!)} → ${mb(b)} at ${scaleLabel(last!)} (${b >= a ? '+' : ''}${mb(b - a)})`, verdict: verdict(b - a <= TARGETS.flatnessMB * MB) };
  };
  return [
    row('Raw extraction, peak RSS', (r) => r.extract?.maxRssBytes),
    row('Full publication, client peak RSS', (r) => r.publishFull?.maxRssBytes),
    row('Incremental publication, client peak RSS', (r) => r.publishIncremental?.maxRssBytes),
  ];
}

const HOW_TO_READ = `Each line of the summary is one figure, measured at each scale, with its target and PASS or MISS.
The figures that matter are those of the largest scale (scale 50: about a million ledger lines and
2.5 million rows in all); the smaller scale is there to show that memory stays flat as the data grows
tenfold. Throughputs count **rows of every Data Manager table** (ledger lines, document lines, headers, third parties…), not
ledger lines only. The end-to-end publication figure is the wall time of the \`sbsync publish\` process,
so it includes Node's start-up, the config, the consistency checks and the commit; the "data-manager
service" column of the details is the extraction, compression and upload alone. The pipeline ratio
compares sbsync with the cheapest way to move the same tables (the Debian tools, no typing, no
incremental state, keys repeated on every row): 1.5× means sbsync took one and a half times as long.
Peak RSS is each process's \`maxRSS\` (one process per step), in MB of 10⁶ bytes. The machine is small
(2 cores) and may be shared: compare figures of the same run rather than across runs, look at the load
average below, and rerun before concluding that a change made something slower. Close to a target, one
run's PASS or MISS can flip: within a day here, the same build's full publication at scale 50 measured from
9.5 s to 12.4 s on an otherwise idle machine, and the Debian pipeline moved alike (14.6 s to 16.8 s): the
host gives more or less CPU from hour to hour. The pipeline ratio is the steadier figure.`;

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
    ],
  );
}

function method(run: BenchRun): string {
  return `For each scale, in a fresh temporary directory (removed at the end):

1. **Demo generation**: \`createDemoDatabase({ scale, seed: ${run.seed}, today: '${run.today}' })\` into a SQLite file, in a
   child process; the file is reused by the next steps.
2. **Views**: \`computeViews\` of all ${run.results.find((r) => r.views)?.views?.views ?? 18} views (as of ${run.today}) on one read-only source, ${run.viewRuns} times in
   a row in one child process; the figure is the median. A further pass computes each view alone
   (\`computeView\`, fresh context) to list the slowest ones.
3. **Raw extraction**: \`extractTable(source, dataset, { mode: 'full', stateDir })\` over every \`RAW_DATASETS\` entry,
   consuming \`blocks\` (NDJSON bytes, as the publisher reads them) and counting rows and bytes, in a child process of its own:
   rows/s = all rows ÷ wall time of the loop; peak RSS = \`process.resourceUsage().maxRSS\` of that process.
   The key set is written as a full publication does (stateDir in the temp dir).
4. **Full publication**: a reference portal (\`startPortalServer\`, store in the temp dir) listens on 127.0.0.1
   in the benchmark process; \`node bin/sbsync.js publish --config <generated yaml> --service data-manager
   --full --as-of ${run.today} --json\` runs as a child with \`--import dist/bench/rss-probe.js\`, which writes the
   process's \`resourceUsage()\` at exit. Rows and bytes come from the CLI's JSON report; rows/s = rows ÷ the
   process's wall time (spawn to exit). The portal's own work (gunzip, checks, store) runs on the same two
   cores meanwhile, as the sink does for the pipeline.
5. **Incremental publication**: the same command without \`--full\`, right after, nothing changed.
6. **Pipeline**: for every Data Manager table in turn, \`sqlite3 -json <db> "SELECT <the published columns> FROM
   <table> ORDER BY cbMarq" | gzip -1 | curl -T - http://127.0.0.1:<port>/sink/<table>\` in one \`bash -o pipefail\`
   (the kernel pipes the bytes), to a sink in the benchmark process that counts the bytes. \`curl -T -\` streams
   the upload; \`--data-binary @-\` would first read the whole body into memory.
7. **Memory flatness**: peak RSS at the largest scale minus peak RSS at the smallest, target ≤ ${TARGETS.flatnessMB} MB.

Nothing here asserts a timing: \`npm run bench\` fails only when a step could not run.
`;
}

function reproduce(): string {
  return `\`\`\`sh
npm ci
npm run bench                                  # scales 5 and 50 (≈ 100k and ≈ 1M ledger lines), 4–8 minutes; rewrites this file
SBSYNC_BENCH_SCALES=1,10 npm run bench         # other scales
SBSYNC_BENCH_QUICK=1 npm run bench             # smoke run at scales 0.5 and 2 (about a minute), written to $TMPDIR/sbsync-benchmarks-quick.md
SBSYNC_BENCH_OUT=/tmp/b.md npm run bench       # write the report elsewhere
SBSYNC_BENCH_KEEP=1 npm run bench              # keep the temporary directory (databases, journals, configs)
node dist/bench/run.js --render /tmp/sbsync-bench-last.json   # render the last full run's raw figures again
node dist/bench/step.js views '{"path":"demo.sqlite","asOf":"${'2025-12-20'}","runs":3}'   # one step by hand (after a build)
\`\`\`

The pipeline needs the Debian packages \`sqlite3\` and \`curl\` (and \`gzip\`, \`bash\`); without them it is reported as
"not measured". \`.ci/run\` installs them.
`;
}

function details(run: BenchRun): string {
  const rs = run.results;
  const largest = [...rs].reverse().find((r) => r.extract) ?? rs[rs.length - 1];
  let s = '';
  s += '### Demo generation\n\n';
  s += table(
    ['scale', 'ledger lines', 'document lines', 'rows, all tables', 'SQLite file', 'time', 'peak RSS'],
    rs.map((r) =>
      r.generate
        ? [String(r.scale), int(r.generate.counts['F_ECRITUREC'] ?? 0), int(r.generate.counts['F_DOCLIGNE'] ?? 0), int(r.generate.totalRows), mb(r.generate.fileBytes), sec(r.generate.seconds), mb(r.generate.maxRssBytes)]
        : [String(r.scale), 'not measured', '', '', '', '', ''],
    ),
  );
  s += '\n### Views\n\n';
  s += table(
    ['scale', 'runs', 'median', 'peak RSS', 'slowest views, each alone'],
    rs.map((r) =>
      r.views
        ? [String(r.scale), r.views.runs.map(sec).join(', '), sec(r.views.medianSeconds), mb(r.views.maxRssBytes), r.views.perView.slice(0, 5).map((v) => `${v.id} ${sec(v.seconds)}`).join(', ')]
        : [String(r.scale), 'not measured', '', '', ''],
    ),
  );
  s += '\n### Raw extraction\n\n';
  s += table(
    ['scale', 'rows', 'NDJSON', 'wall', 'rows/s', 'CPU (process)', 'rows per CPU-second', 'peak RSS'],
    rs.map((r) =>
      r.extract
        ? [String(r.scale), int(r.extract.rows), mb(r.extract.bytes), sec(r.extract.seconds), int(r.extract.rowsPerSecond), sec(r.extract.cpuSeconds), int(rate(r.extract.rows, r.extract.cpuSeconds)), mb(r.extract.maxRssBytes)]
        : [String(r.scale), 'not measured', '', '', '', '', '', ''],
    ),
  );
  if (largest?.extract) {
    s += `\nPer table at scale ${largest.scale} (tables under 1,000 rows omitted):\n\n`;
    s += table(
      ['table', 'rows', 'NDJSON', 'time', 'rows/s'],
      largest.extract.tables.filter((t) => t.rows >= 1000).map((t) => [t.table, int(t.rows), mb(t.bytes), sec(t.seconds), int(rate(t.rows, t.seconds))]),
    );
  }
  s += '\nCPU is the whole step process (start-up and the SQLite reads included; the extraction reads with two worker threads, so CPU can exceed wall). Rows per CPU-second depends less on a loaded machine than rows/s.\n';
  s += '\n### Publication through the CLI\n\n';
  const pubRow = (r: ScaleRun, kind: string, f: PublishFigures | undefined): string[] => {
    if (!f) return [String(r.scale), kind, 'not measured', '', '', '', '', '', '', '', '', ''];
    const rows = f.rows ?? 0;
    return [
      String(r.scale),
      `${kind}${f.mode && f.mode !== kind ? ` (ran ${f.mode})` : ''}${f.status === 'up-to-date' ? ' (up to date)' : ''}${f.error ? ' — FAILED' : ''}`,
      int(rows),
      f.bytes !== undefined ? mb(f.bytes) : '?',
      f.storedBytes !== undefined ? mb(f.storedBytes) : '?',
      sec(f.wallSeconds),
      f.serviceSeconds !== undefined ? sec(f.serviceSeconds) : '?',
      f.checksSeconds !== undefined ? sec(f.checksSeconds) : '?',
      int(rate(rows, f.wallSeconds)),
      f.serviceSeconds ? int(rate(rows, f.serviceSeconds)) : '?',
      f.cpuSeconds !== undefined ? sec(f.cpuSeconds) : '?',
      f.maxRssBytes !== undefined ? mb(f.maxRssBytes) : '?',
    ];
  };
  s += table(
    ['scale', 'run', 'rows', 'NDJSON', 'gzip sent', 'process wall', 'data-manager service', 'checks + lock', 'rows/s (wall)', 'rows/s (service)', 'client CPU', 'client peak RSS'],
    rs.flatMap((r) => [pubRow(r, 'full', r.publishFull), pubRow(r, 'incremental', r.publishIncremental)]),
  );
  s += '\n"checks + lock" is the company time outside the data-manager service: the lock, and the consistency checks (which every publication runs, alongside the extraction) when they outlast it.\n';
  s += '\n### `sqlite3 -json | gzip -1 | curl` pipeline\n\n';
  s += table(
    ['scale', 'rows', 'gzip sent', 'wall', 'rows/s', 'sbsync full publication ÷ pipeline (process / service)'],
    rs.map((r) => {
      if (!r.pipeline) return [String(r.scale), r.pipelineNotMeasured ?? run.pipelineNotMeasured ?? 'not measured', '', '', '', ''];
      const p = r.pipeline;
      const f = r.publishFull;
      const ratio = f && !f.error ? `${(f.wallSeconds / p.seconds).toFixed(2)}× / ${f.serviceSeconds !== undefined ? `${(f.serviceSeconds / p.seconds).toFixed(2)}×` : '?'}` : 'not measured';
      return [String(r.scale), `${int(p.rows)}${p.error ? ' (FAILED)' : ''}`, mb(p.gzipBytes), sec(p.seconds), int(rate(p.rows, p.seconds)), ratio];
    }),
  );
  const errors = rs.flatMap((r) => r.errors.map((e) => `- scale ${r.scale}: ${e}`));
  if (errors.length > 0) s += `\n### Errors\n\n${errors.join('\n')}\n`;
  return s;
}

function summary(run: BenchRun): string {
  const rows = summaryRows(run);
  let s = table(
    ['figure', 'target', ...run.results.map(scaleLabel)],
    rows.map((r) => [r.figure, r.target, ...r.cells]),
  );
  s += '\n';
  s += table(
    ['memory flatness', 'largest − smallest scale', `target ≤ +${TARGETS.flatnessMB} MB`],
    flatness(run).map((f) => [f.figure, f.value, f.verdict]),
  );
  return s;
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
