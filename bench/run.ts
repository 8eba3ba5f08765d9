/**
 * `npm run bench`: the performance figures of sbsync on this machine, printed and written to
 * docs/benchmarks.md (regenerated on every full run).
 *
 * For each scale (default 5 and 50, about 100k and 1M ledger lines; SBSYNC_BENCH_SCALES=5,50,200 adds 4M;
 * SBSYNC_BENCH_QUICK=1 is a smoke run at 0.5 and 2), in a fresh temporary directory (bench/lib/scale.ts):
 *   1. generate the demo company (child process);
 *   2. first sync of its replica from the SQLite file (child process), the replica everything after reads;
 *   3. at scales up to SBSYNC_BENCH_TDS_MAX_SCALE (default 5), the same first sync through the TDS test server
 *      with the mssql driver, and FreeTDS bsqldb replaying the statements it sent;
 *   4. the 18 views on the replica, median of 3; the raw extraction of every Data Manager table (children);
 *   5. through the real CLI to a reference portal on 127.0.0.1: the full Data Manager publication, and beside it
 *      the plain `sqlite3 -json | gzip -1 | curl` pipeline on the same tables; then both services, first,
 *      with nothing changed, and with 0.1% of the rows changed.
 * Then memory flatness (peak RSS smallest vs largest scale, every step). Every figure is compared with its target.
 *
 * Environment: SBSYNC_BENCH_SCALES, SBSYNC_BENCH_QUICK, SBSYNC_BENCH_TDS_MAX_SCALE, SBSYNC_BENCH_OUT (the
 * Markdown file; default docs/benchmarks.md, or a temporary file for a quick run), SBSYNC_BENCH_KEEP=1 (keep
 * the temp dir). Exit code 0 when every step ran (whatever the verdicts: timings are never asserted), 1 when a
 * step failed, 130 when interrupted.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineFacts } from './lib/machine.js';
import { hasCommand, killAllChildren } from './lib/proc.js';
import { renderMarkdown, renderText, type BenchRun } from './lib/report.js';
import { runScale } from './lib/scale.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = path.resolve(BENCH_DIR, '..', '..');
const STEP = path.join(BENCH_DIR, 'step.js');
const PROBE = path.join(BENCH_DIR, 'rss-probe.js');
/** Fixed, so every run generates the same companies (scale 50 → about 1.03M ledger lines). */
const TODAY = '2025-12-20';
const SEED = 1;
const VIEW_RUNS = 3;
/** Share of the Data Manager rows changed before the incremental publication (the 0.1%). */
const CHANGE_FRACTION = 0.001;
const DEFAULT_TDS_MAX_SCALE = 5;

function scalesFromEnv(): { scales: number[]; quick: boolean } {
  const quick = process.env.SBSYNC_BENCH_QUICK === '1' || process.env.SBSYNC_BENCH_QUICK === 'true';
  const raw = process.env.SBSYNC_BENCH_SCALES;
  if (raw && raw.trim()) {
    const scales = raw.split(',').map((s) => Number(s.trim()));
    if (scales.some((s) => !Number.isFinite(s) || s <= 0 || s > 500)) {
      throw new Error(`SBSYNC_BENCH_SCALES must be a comma-separated list of numbers in (0, 500], got ${JSON.stringify(raw)}`);
    }
    return { scales, quick };
  }
  return { scales: quick ? [0.5, 2] : [5, 50], quick };
}

/** The TDS test server figures are measured at the scales up to this one (default 5: the server is slow). */
function tdsMaxScaleFromEnv(): number {
  const raw = process.env.SBSYNC_BENCH_TDS_MAX_SCALE;
  if (!raw || !raw.trim()) return DEFAULT_TDS_MAX_SCALE;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`SBSYNC_BENCH_TDS_MAX_SCALE must be a number ≥ 0, got ${JSON.stringify(raw)}`);
  return n;
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function outputFile(quick: boolean): string {
  if (process.env.SBSYNC_BENCH_OUT) return path.resolve(process.env.SBSYNC_BENCH_OUT);
  return quick ? path.join(os.tmpdir(), 'sbsync-benchmarks-quick.md') : path.join(ROOT, 'docs', 'benchmarks.md');
}

/** The raw figures of the last run, so that the report can be rendered again (`run.js --render FILE`). */
const rawFile = (quick: boolean) => path.join(os.tmpdir(), quick ? 'sbsync-bench-last-quick.json' : 'sbsync-bench-last.json');

function publishReport(run: BenchRun, out: string): void {
  process.stdout.write(renderText(run));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, renderMarkdown(run));
  log(`written ${out}`);
}

async function main(): Promise<number> {
  const renderIndex = process.argv.indexOf('--render');
  if (renderIndex >= 0) {
    const file = process.argv[renderIndex + 1] ?? rawFile(false);
    const run = { changeFraction: CHANGE_FRACTION, tdsMaxScale: DEFAULT_TDS_MAX_SCALE, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchRun>) } as BenchRun;
    publishReport(run, outputFile(run.quick));
    return 0;
  }
  const { scales, quick } = scalesFromEnv();
  const tdsMaxScale = tdsMaxScaleFromEnv();
  const out = outputFile(quick);
  const missing: string[] = [];
  for (const tool of ['sqlite3', 'gzip', 'curl', 'bash']) if (!(await hasCommand(tool))) missing.push(tool);
  const pipelineNotMeasured = missing.length > 0 ? `not measured: install ${missing.join(' ')}` : undefined;
  const bsqldbNotMeasured = (await hasCommand('bsqldb')) ? undefined : 'not measured: install freetds-bin (bsqldb)';
  const run: BenchRun = {
    machine: await machineFacts(),
    quick,
    scales,
    today: TODAY,
    seed: SEED,
    viewRuns: VIEW_RUNS,
    changeFraction: CHANGE_FRACTION,
    tdsMaxScale,
    results: [],
    ...(pipelineNotMeasured ? { pipelineNotMeasured } : {}),
  };
  const work = mkdtempSync(path.join(os.tmpdir(), 'sbsync-bench-'));
  log(`scales ${scales.join(', ')}${quick ? ' (quick smoke run)' : ''}, TDS test server up to scale ${tdsMaxScale}; working in ${work}`);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: stopping the children…');
    void killAllChildren().finally(() => {
      if (!process.env.SBSYNC_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const [index, scale] of scales.entries()) {
      if (interrupted) break;
      run.results.push(
        await runScale({
          scale,
          company: `BENCH${index + 1}`,
          dir: path.join(work, `scale-${scale}`),
          root: ROOT,
          stepScript: STEP,
          probe: PROBE,
          today: TODAY,
          seed: SEED,
          viewRuns: VIEW_RUNS,
          changeFraction: CHANGE_FRACTION,
          tdsMaxScale,
          run,
          ...(pipelineNotMeasured ? { pipelineNotMeasured } : {}),
          ...(bsqldbNotMeasured ? { bsqldbNotMeasured } : {}),
          log,
        }),
      );
    }
  } finally {
    await killAllChildren();
    if (process.env.SBSYNC_BENCH_KEEP) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  run.machine.loadAverageEnd = os.loadavg().map((n) => Math.round(n * 100) / 100);
  writeFileSync(rawFile(quick), `${JSON.stringify(run, null, 1)}\n`);
  log(`raw figures in ${rawFile(quick)} (node dist/bench/run.js --render ${rawFile(quick)} renders them again)`);
  publishReport(run, out);
  return run.results.some((r) => r.errors.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await killAllChildren();
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
