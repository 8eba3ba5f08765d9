/**
 * One scale of `npm run bench`, in a directory of its own: the demo, its replica (synced from the file, and
 * through the TDS test server with FreeTDS bsqldb beside it), the views and the raw extraction on the replica,
 * then the publications through the real CLI (full, first of both services, nothing changed, 0.1% changed)
 * with the shell pipeline beside the full one. Each step that fails is recorded and the others still run.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ReceivedQuery } from '../../test/support/tds/server.js';
import { parseStepResult, runChild } from './proc.js';
import { benchDataDirectory, runCliPublish, runPipeline, startBenchPortal, writeBenchConfig, type BenchPortal, type PublishOptions } from './publish.js';
import type { BenchRun, ReplicaFigures, ScaleRun } from './report.js';
import { replayWithBsqldb, startBenchTds, type TdsTestServer } from './tds.js';

export interface ScaleContext {
  scale: number;
  /** Company code of this scale (the replica's file name). */
  company: string;
  /** The scale's own directory (created here, left for the caller to remove). */
  dir: string;
  root: string;
  /** dist/bench/step.js and dist/bench/rss-probe.js. */
  stepScript: string;
  probe: string;
  today: string;
  seed: number;
  viewRuns: number;
  /** Share of the Data Manager rows changed for the incremental figure. */
  changeFraction: number;
  /** The TDS test server figures are measured at scales up to this one (the server is slow). */
  tdsMaxScale: number;
  run: BenchRun;
  /** Why the pipeline, bsqldb cannot run here (missing tools), when they cannot. */
  pipelineNotMeasured?: string;
  bsqldbNotMeasured?: string;
  log: (message: string) => void;
}

type Attempt = <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>;

async function step(ctx: ScaleContext, name: string, args: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
  const r = await runChild(process.execPath, ['--expose-gc', ctx.stepScript, name, JSON.stringify(args)], { cwd: ctx.root, timeoutMs });
  const result = parseStepResult(r.stdout);
  if (r.code !== 0 || !result) throw new Error(`step ${name} failed (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ${r.stderr.trim().slice(-800)}`);
  return result;
}

const MINUTES = 60_000;

export async function runScale(ctx: ScaleContext): Promise<ScaleRun> {
  mkdirSync(ctx.dir, { recursive: true });
  const sqlite = path.join(ctx.dir, 'demo.sqlite');
  const result: ScaleRun = { scale: ctx.scale, errors: [] };
  const attempt: Attempt = async (what, fn) => {
    ctx.log(`scale ${ctx.scale}: ${what}…`);
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`scale ${ctx.scale}: ${what} FAILED: ${message}`);
      result.errors.push(`${what}: ${message}`);
      return undefined;
    }
  };
  try {
    result.generate = (await attempt('demo generation', () => step(ctx, 'generate', { path: sqlite, scale: ctx.scale, seed: ctx.seed, today: ctx.today }, 60 * MINUTES))) as ScaleRun['generate'];
    if (!result.generate) return result;
    ctx.log(`scale ${ctx.scale}: ${result.generate.counts['F_ECRITUREC'] ?? '?'} ledger lines, ${result.generate.totalRows} rows in ${result.generate.seconds} s`);
    // The replica the views, the datasets and every publication below read: the CLI's own (same data
    // directory, company and source), so that its publications find it synced.
    const replicaArgs = { path: sqlite, dataDirectory: benchDataDirectory(ctx.dir), code: ctx.company };
    result.replica = (await attempt('replica first sync (SQLite demo)', () => step(ctx, 'replica', replicaArgs, 60 * MINUTES))) as ReplicaFigures | undefined;
    if (!result.replica) return result;
    ctx.log(`scale ${ctx.scale}: replica ${result.replica.rows} rows in ${result.replica.seconds} s, ${Math.round(result.replica.fileBytes / 1e6)} MB`);
    await readsOfTheReplica(ctx, result, attempt);
    await syncThroughTds(ctx, sqlite, result, attempt);
    await publications(ctx, sqlite, result, attempt);
    return result;
  } finally {
    rmSync(sqlite, { force: true });
    rmSync(benchDataDirectory(ctx.dir), { recursive: true, force: true });
  }
}

/** The views (median of a few runs) and the raw extraction, each in a child of its own, on the replica. */
async function readsOfTheReplica(ctx: ScaleContext, result: ScaleRun, attempt: Attempt): Promise<void> {
  const replica = result.replica!.path;
  result.views = (await attempt('views', () => step(ctx, 'views', { path: replica, asOf: ctx.today, runs: ctx.viewRuns }, 30 * MINUTES))) as ScaleRun['views'];
  if (result.views) ctx.log(`scale ${ctx.scale}: views median ${result.views.medianSeconds} s`);
  // Writes the key set like a full publication; its state directory is thrown away.
  const stateDir = path.join(ctx.dir, 'extract-state');
  result.extract = (await attempt('raw extraction', () => step(ctx, 'extract', { path: replica, stateDir }, 30 * MINUTES))) as ScaleRun['extract'];
  rmSync(stateDir, { recursive: true, force: true });
  if (result.extract) ctx.log(`scale ${ctx.scale}: extraction ${result.extract.rows} rows in ${result.extract.seconds} s`);
}

/** uniqueidentifier columns of each table of the demo file (bsqldb reads them as text). */
function guidColumnsOf(sqlite: string): (table: string) => string[] {
  const db = new Database(sqlite, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(`SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND lower(p.type) LIKE 'uniqueidentifier%'`)
      .all() as { t: string; c: string }[];
    const byTable = new Map<string, string[]>();
    for (const { t, c } of rows) byTable.set(t, [...(byTable.get(t) ?? []), c]);
    return (table) => byTable.get(table) ?? [];
  } finally {
    db.close();
  }
}

/**
 * The first sync of the same demo through the TDS test server (in this process, playing SQL Server 2008 R2)
 * with the real mssql driver, in a child; then FreeTDS bsqldb replays every statement the server received
 * from that sync, in order, in one session: the same reads through a C client.
 */
async function syncThroughTds(ctx: ScaleContext, sqlite: string, result: ScaleRun, attempt: Attempt): Promise<void> {
  if (ctx.scale > ctx.tdsMaxScale) {
    result.tdsNotMeasured = `not measured above scale ${ctx.tdsMaxScale} (SBSYNC_BENCH_TDS_MAX_SCALE): the TDS test server is slow`;
    return;
  }
  let server: TdsTestServer | undefined;
  const dataDirectory = path.join(ctx.dir, 'tds-data');
  try {
    server = await attempt('TDS test server start', () => startBenchTds(sqlite));
    if (!server) return;
    const args = { server: { host: server.host, port: server.port }, dataDirectory, code: ctx.company };
    const sync = (await attempt('replica first sync (TDS test server, mssql driver)', () => step(ctx, 'replica', args, 60 * MINUTES))) as ReplicaFigures | undefined;
    const statements: ReceivedQuery[] = server.queries.splice(0);
    if (!sync) return;
    result.tds = { sync };
    ctx.log(`scale ${ctx.scale}: TDS sync ${sync.rows} rows in ${sync.seconds} s (${statements.length} statements)`);
    if (ctx.bsqldbNotMeasured) {
      result.tds.bsqldbNotMeasured = ctx.bsqldbNotMeasured;
      return;
    }
    const guids = guidColumnsOf(sqlite);
    const script = path.join(ctx.dir, 'bsqldb-replay.sql');
    result.tds.bsqldb = await attempt('bsqldb replay', () => replayWithBsqldb(server!, statements, guids, script));
    if (result.tds.bsqldb?.error) result.errors.push(`bsqldb: ${result.tds.bsqldb.error}`);
    if (result.tds.bsqldb) ctx.log(`scale ${ctx.scale}: bsqldb ${result.tds.bsqldb.statements} statements in ${result.tds.bsqldb.seconds} s`);
    rmSync(script, { force: true });
  } finally {
    await server?.stop().catch(() => undefined);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

/**
 * Through the real CLI, to a reference portal in this process: the full Data Manager publication (the
 * replica already synced), the shell pipeline on the same tables, the first publication of both services,
 * the same with nothing changed, then with a share of the rows changed in the demo file.
 */
async function publications(ctx: ScaleContext, sqlite: string, result: ScaleRun, attempt: Attempt): Promise<void> {
  let portal: BenchPortal | undefined;
  const storeDir = path.join(ctx.dir, 'portal-store');
  try {
    portal = await attempt('portal start', () => startBenchPortal(storeDir));
    if (!portal) return;
    const config = writeBenchConfig(ctx.dir, ctx.company, sqlite, portal.url);
    const publish = async (what: string, key: 'publishFull' | 'publishFirstBoth' | 'publishIncremental' | 'publishChanged', options: Pick<PublishOptions, 'service' | 'full'>) => {
      const usageFile = path.join(ctx.dir, `usage-${key}.json`);
      const figures = await attempt(what, () => runCliPublish({ root: ctx.root, probe: ctx.probe, config, asOf: ctx.today, cwd: ctx.dir, usageFile, ...options }));
      result[key] = figures;
      if (figures?.error) result.errors.push(`${what}: ${figures.error}`);
      if (figures) ctx.log(`scale ${ctx.scale}: ${what}: ${figures.rows ?? '?'} rows in ${figures.wallSeconds} s`);
    };
    await publish('full Data Manager publication', 'publishFull', { service: 'data-manager', full: true });
    await pipelineRun(ctx, sqlite, result, attempt);
    await publish('first publication of both services', 'publishFirstBoth', { full: false });
    await publish('publication of both services, nothing changed', 'publishIncremental', { full: false });
    const fraction = ctx.changeFraction;
    result.mutation = (await attempt(`change ${fraction * 100}% of the rows`, () => step(ctx, 'mutate', { path: sqlite, fraction }, 30 * MINUTES))) as ScaleRun['mutation'];
    if (result.mutation) await publish(`publication of both services, ${fraction * 100}% changed`, 'publishChanged', { full: false });
  } finally {
    await portal?.close().catch(() => undefined);
    rmSync(storeDir, { recursive: true, force: true });
  }
}

/** `sqlite3 -json | gzip -1 | curl` on the demo's Data Manager tables (before any change). */
async function pipelineRun(ctx: ScaleContext, sqlite: string, result: ScaleRun, attempt: Attempt): Promise<void> {
  if (ctx.pipelineNotMeasured) {
    result.pipelineNotMeasured = ctx.pipelineNotMeasured;
    return;
  }
  const rows = new Map((result.extract?.tables ?? []).map((t) => [t.table, t.rows]));
  result.pipeline = await attempt('sqlite3 | gzip | curl pipeline', () => runPipeline(sqlite, (t) => rows.get(t) ?? result.generate?.counts[t] ?? 0));
  if (result.pipeline?.error) result.errors.push(`pipeline: ${result.pipeline.error}`);
  if (result.pipeline) ctx.log(`scale ${ctx.scale}: pipeline ${result.pipeline.rows} rows in ${result.pipeline.seconds} s`);
}
