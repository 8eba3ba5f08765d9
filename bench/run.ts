/**
 * `npm run bench`: the performance figures of sbsync on this machine, printed and written to
 * docs/benchmarks.md (regenerated on every full run).
 *
 * For each scale (default 5 and 50, about 100k and 1M ledger lines; SBSYNC_BENCH_SCALES=5,50 overrides;
 * SBSYNC_BENCH_QUICK=1 is a smoke run at 0.5 and 2), in a fresh temporary directory:
 *   1. generate the demo company (child process);
 *   2. compute the 18 views, median of 3 (child process);
 *   3. extract every Data Manager table into NDJSON blocks (child process: its own peak RSS);
 *   4. publish it in full through the real CLI to a reference portal on 127.0.0.1, and, side by side, the
 *      plain `sqlite3 -json | gzip -1 | curl` pipeline on the same tables;
 *   5. publish again, incrementally, with nothing changed.
 * Then memory flatness (peak RSS smallest vs largest scale). Every figure is compared with its target.
 *
 * Environment: SBSYNC_BENCH_SCALES, SBSYNC_BENCH_QUICK, SBSYNC_BENCH_OUT (the Markdown file; default
 * docs/benchmarks.md, or a temporary file for a quick run), SBSYNC_BENCH_KEEP=1 (keep the temp dir).
 * Exit code 0 when every step ran (whatever the verdicts: timings are never asserted), 1 when a step
 * failed, 130 when interrupted.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineFacts } from './lib/machine.js';
import { hasCommand, killAllChildren, parseStepResult, runChild } from './lib/proc.js';
import { runCliPublish, runPipeline, startBenchPortal, writeBenchConfig, type BenchPortal } from './lib/publish.js';
import { renderMarkdown, renderText, type BenchRun, type ScaleRun } from './lib/report.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = path.resolve(BENCH_DIR, '..', '..');
const STEP = path.join(BENCH_DIR, 'step.js');
const PROBE = path.join(BENCH_DIR, 'rss-probe.js');
/** Fixed, so every run generates the same companies (scale 50 → about 1.03M ledger lines). */
const TODAY = '2025-12-20';
const SEED = 1;
const VIEW_RUNS = 3;

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

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function step(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
  const r = await runChild(process.execPath, ['--expose-gc', STEP, name, JSON.stringify(args)], { cwd: ROOT, timeoutMs });
  const result = parseStepResult(r.stdout);
  if (r.code !== 0 || !result) throw new Error(`step ${name} failed (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ${r.stderr.trim().slice(-800)}`);
  return result;
}

function companyCode(index: number): string {
  return `BENCH${index + 1}`;
}

async function runScale(scale: number, index: number, work: string, pipelineTools: boolean, run: BenchRun): Promise<ScaleRun> {
  const dir = path.join(work, `scale-${scale}`);
  mkdirSync(dir, { recursive: true });
  const sqlite = path.join(dir, 'demo.sqlite');
  const result: ScaleRun = { scale, errors: [] };
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    log(`scale ${scale}: ${what}…`);
    try {
      const value = await fn();
      return value;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`scale ${scale}: ${what} FAILED: ${message}`);
      result.errors.push(`${what}: ${message}`);
      return undefined;
    }
  };

  // 1. Demo generation.
  result.generate = (await attempt('demo generation', () => step('generate', { path: sqlite, scale, seed: SEED, today: TODAY }, 60 * 60_000))) as ScaleRun['generate'];
  if (!result.generate) return result;
  log(`scale ${scale}: ${result.generate.counts['F_ECRITUREC'] ?? '?'} ledger lines, ${result.generate.totalRows} rows in ${result.generate.seconds} s`);

  // The replica the views and datasets read (its own data directory: the publications below sync theirs).
  result.replica = (await attempt('replica sync', () => step('replica', { path: sqlite, dataDirectory: path.join(dir, 'replica-data') }, 60 * 60_000))) as ScaleRun['replica'];
  if (!result.replica) return result;
  const replica = result.replica.path;
  log(`scale ${scale}: replica ${result.replica.rows} rows in ${result.replica.seconds} s`);

  // 2. Views.
  result.views = (await attempt('views', () => step('views', { path: replica, asOf: TODAY, runs: VIEW_RUNS }, 30 * 60_000))) as ScaleRun['views'];
  if (result.views) log(`scale ${scale}: views median ${result.views.medianSeconds} s`);

  // 3. Raw extraction (writes the key set like a full publication; its state directory is thrown away).
  result.extract = (await attempt('raw extraction', () => step('extract', { path: replica, stateDir: path.join(dir, 'extract-state') }, 30 * 60_000))) as ScaleRun['extract'];
  rmSync(path.join(dir, 'extract-state'), { recursive: true, force: true });
  if (result.extract) log(`scale ${scale}: extraction ${result.extract.rows} rows in ${result.extract.seconds} s`);

  // 4 + 5. Publication through the CLI, then the shell pipeline, then the incremental publication.
  let portal: BenchPortal | undefined;
  try {
    portal = await attempt('portal start', () => startBenchPortal(path.join(dir, 'portal-store')));
    if (portal) {
      const config = writeBenchConfig(dir, companyCode(index), sqlite, portal.url);
      const common = { root: ROOT, probe: PROBE, config, asOf: TODAY, cwd: dir };
      result.publishFull = await attempt('full publication', () => runCliPublish({ ...common, full: true, usageFile: path.join(dir, 'usage-full.json') }));
      if (result.publishFull?.error) result.errors.push(`full publication: ${result.publishFull.error}`);
      if (result.publishFull) log(`scale ${scale}: full publication ${result.publishFull.rows ?? '?'} rows in ${result.publishFull.wallSeconds} s`);
      // Right after the full one: nothing changed in between.
      result.publishIncremental = await attempt('incremental publication', () => runCliPublish({ ...common, full: false, usageFile: path.join(dir, 'usage-incremental.json') }));
      if (result.publishIncremental?.error) result.errors.push(`incremental publication: ${result.publishIncremental.error}`);
      if (result.publishIncremental) log(`scale ${scale}: incremental publication (${result.publishIncremental.mode ?? '?'}) in ${result.publishIncremental.wallSeconds} s`);
    }
  } finally {
    await portal?.close().catch(() => undefined);
    rmSync(path.join(dir, 'portal-store'), { recursive: true, force: true });
  }
  if (pipelineTools) {
    const rows = new Map((result.extract?.tables ?? []).map((t) => [t.table, t.rows]));
    result.pipeline = await attempt('sqlite3 | gzip | curl pipeline', () => runPipeline(sqlite, (t) => rows.get(t) ?? result.generate?.counts[t] ?? 0));
    if (result.pipeline?.error) result.errors.push(`pipeline: ${result.pipeline.error}`);
    if (result.pipeline) log(`scale ${scale}: pipeline ${result.pipeline.rows} rows in ${result.pipeline.seconds} s`);
  } else {
    result.pipelineNotMeasured = run.pipelineNotMeasured;
  }
  rmSync(sqlite, { force: true });
  rmSync(path.join(dir, 'replica-data'), { recursive: true, force: true });
  return result;
}

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
    const run = JSON.parse(readFileSync(file, 'utf8')) as BenchRun;
    publishReport(run, outputFile(run.quick));
    return 0;
  }
  const { scales, quick } = scalesFromEnv();
  const out = outputFile(quick);
  const missing: string[] = [];
  for (const tool of ['sqlite3', 'gzip', 'curl', 'bash']) if (!(await hasCommand(tool))) missing.push(tool);
  const run: BenchRun = {
    machine: await machineFacts(),
    quick,
    scales,
    today: TODAY,
    seed: SEED,
    viewRuns: VIEW_RUNS,
    results: [],
    ...(missing.length > 0 ? { pipelineNotMeasured: `not measured: install ${missing.join(' ')}` } : {}),
  };
  const work = mkdtempSync(path.join(os.tmpdir(), 'sbsync-bench-'));
  log(`scales ${scales.join(', ')}${quick ? ' (quick smoke run)' : ''}; working in ${work}`);
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
      run.results.push(await runScale(scale, index, work, missing.length === 0, run));
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
