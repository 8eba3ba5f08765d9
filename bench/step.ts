/**
 * One benchmark step in a process of its own, so that each step's peak RSS (lib/peak-rss.ts) is its own:
 *
 *   node dist/bench/step.js generate '{"path":"/tmp/x/demo.sqlite","scale":5,"seed":1,"today":"2025-12-20"}'
 *   node dist/bench/step.js replica  '{"path":"/tmp/x/demo.sqlite","dataDirectory":"/tmp/x/data","code":"BENCH"}'
 *   node dist/bench/step.js replica  '{"server":{"host":"127.0.0.1","port":1433},"dataDirectory":"/tmp/x/tds","code":"BENCH"}'
 *   node dist/bench/step.js mutate   '{"path":"/tmp/x/demo.sqlite","fraction":0.001}'
 *   node dist/bench/step.js views    '{"path":"/tmp/x/data/replica/BENCH.sqlite","asOf":"2025-12-20","runs":3}'
 *   node dist/bench/step.js extract  '{"path":"/tmp/x/data/replica/BENCH.sqlite","stateDir":"/tmp/x/state"}'
 *
 * The last stdout line is `BENCH-RESULT {json}`: the step's figures plus `maxRssBytes` and CPU seconds.
 * Started by bench/run.ts; usable by hand to look at one step.
 */
import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createDemoDatabase } from '../src/extract/demo/index.js';
import { extractTable } from '../src/extract/raw/extract.js';
import { RAW_DATASETS } from '../src/extract/raw/tables.js';
import { openReplicaSource } from '../src/sources/sqlite.js';
import { VIEW_IDS } from '../src/extract/views/catalog.js';
import { computeView, computeViews } from '../src/extract/views/index.js';
import { peakRssBytes } from './lib/peak-rss.js';
import { RESULT_PREFIX } from './lib/proc.js';
import { changeDemoRows } from './lib/mutate.js';
import { syncBenchReplica } from './lib/replica.js';
import { tdsSource } from './lib/tds-source.js';

interface GenerateArgs {
  path: string;
  scale: number;
  seed: number;
  today: string;
}
interface ReplicaArgs {
  /** The demo file, or… */
  path?: string;
  /** …a TDS test server serving it (database SAGE, bench/lib/tds.ts), read through the mssql driver. */
  server?: { host: string; port: number };
  dataDirectory: string;
  /** Company code: the replica is `<dataDirectory>/replica/<code>.sqlite`. */
  code: string;
}
interface MutateArgs {
  /** The demo file, changed in place. */
  path: string;
  /** Share of each Data Manager table's rows changed (a third inserted, a third updated, a third deleted). */
  fraction: number;
}
interface ViewsArgs {
  /** The replica file. */
  path: string;
  asOf: string;
  runs: number;
}
interface ExtractArgs {
  /** The replica file. */
  path: string;
  /** With a state directory the key set is written while reading, exactly as a full publication does. */
  stateDir?: string;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

async function generate(a: GenerateArgs): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const r = await createDemoDatabase({ path: a.path, scale: a.scale, seed: a.seed, today: a.today });
  const wallMs = performance.now() - t0;
  const totalRows = Object.values(r.counts).reduce((n, c) => n + c, 0);
  return { seconds: seconds(wallMs), fileBytes: statSync(a.path).size, counts: r.counts, totalRows };
}

/** Bytes of a SQLite file on disk, with its write-ahead log and shared-memory index when present. */
function bytesOnDisk(file: string): number {
  return [file, `${file}-wal`, `${file}-shm`].reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0);
}

/** A sync of the demo's replica, from the file or through the TDS test server (a first sync on an empty data directory). */
async function replica(a: ReplicaArgs): Promise<Record<string, unknown>> {
  if (!a.path === !a.server) throw new Error('replica: give either path or server');
  const source = a.server ? tdsSource(a.server) : { type: 'sqlite' as const, path: a.path! };
  const t0 = performance.now();
  const r = await syncBenchReplica(source, a.dataDirectory, a.code);
  const wallMs = performance.now() - t0;
  // Rows in the replica once synced (rows read also counts those read twice: the stamps' overlap window).
  const rows = r.tables.reduce((n, t) => n + t.rowCount, 0);
  const read = r.tables.reduce((n, t) => n + t.rowsRead, 0);
  const tables = r.tables.map((t) => ({ table: t.table, action: t.action, rows: t.rowCount, read: t.rowsRead, changed: t.inserted + t.updated + t.deleted, seconds: t.ms / 1000 }));
  return { seconds: seconds(wallMs), path: r.path, fileBytes: bytesOnDisk(r.path), rows, read, rowsPerSecond: Math.round(rows / (wallMs / 1000)), tables };
}

async function mutate(a: MutateArgs): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const r = changeDemoRows(a.path, a.fraction, new Date());
  return { ...r, seconds: seconds(performance.now() - t0) };
}

async function views(a: ViewsArgs): Promise<Record<string, unknown>> {
  const source = openReplicaSource(a.path);
  try {
    const runs: number[] = [];
    let count = 0;
    for (let i = 0; i < a.runs; i++) {
      const t0 = performance.now();
      const results = await computeViews(source, VIEW_IDS, { asOf: a.asOf });
      runs.push(seconds(performance.now() - t0));
      count = results.length;
    }
    // One more pass, view by view (each on a fresh context, so shared reads are counted in every view):
    // where the time goes, for whoever works on the views.
    const perView: { id: string; seconds: number }[] = [];
    for (const id of VIEW_IDS) {
      const t0 = performance.now();
      await computeView(source, id, { asOf: a.asOf });
      perView.push({ id, seconds: seconds(performance.now() - t0) });
    }
    perView.sort((x, y) => y.seconds - x.seconds);
    const sorted = [...runs].sort((x, y) => x - y);
    return { views: count, runs, medianSeconds: sorted[Math.floor(sorted.length / 2)], perView };
  } finally {
    await source.close();
  }
}

async function extract(a: ExtractArgs): Promise<Record<string, unknown>> {
  const source = openReplicaSource(a.path);
  const tables: { table: string; rows: number; bytes: number; seconds: number }[] = [];
  let rows = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    for (const d of RAW_DATASETS) {
      const s0 = performance.now();
      const ex = await extractTable(source, d, a.stateDir ? { mode: 'full', stateDir: a.stateDir } : { mode: 'full' });
      let n = 0;
      let b = 0;
      try {
        // Blocks, as the publisher reads them (NDJSON bytes with their newlines).
        for await (const block of ex.blocks) {
          n += block.rows;
          b += block.data.length;
        }
        await ex.finish();
      } catch (error) {
        await ex.abort().catch(() => undefined);
        throw error;
      }
      tables.push({ table: d.table, rows: n, bytes: b, seconds: seconds(performance.now() - s0) });
      rows += n;
      bytes += b;
    }
  } finally {
    await source.close();
  }
  const wall = seconds(performance.now() - t0);
  return { rows, bytes, seconds: wall, rowsPerSecond: Math.round(rows / wall), tables };
}

const STEPS: Record<string, (args: never) => Promise<Record<string, unknown>>> = { generate, replica, mutate, views, extract };

const [name, json] = process.argv.slice(2);
const step = name ? STEPS[name] : undefined;
if (!step || !json) {
  process.stderr.write(`usage: node dist/bench/step.js ${Object.keys(STEPS).join('|')} '<json arguments>'\n`);
  process.exit(2);
}
try {
  const figures = await step(JSON.parse(json) as never);
  const usage = process.resourceUsage();
  const result = {
    ...figures,
    maxRssBytes: peakRssBytes(),
    cpuSeconds: seconds((usage.userCPUTime + usage.systemCPUTime) / 1000),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`bench step ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
