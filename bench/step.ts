/**
 * One benchmark step in a process of its own, so that each step's peak RSS (`maxRSS`) is its own:
 *
 *   node dist/bench/step.js generate '{"path":"/tmp/x/demo.sqlite","scale":5,"seed":1,"today":"2025-12-20"}'
 *   node dist/bench/step.js replica  '{"path":"/tmp/x/demo.sqlite","dataDirectory":"/tmp/x/data"}'
 *   node dist/bench/step.js views    '{"path":"/tmp/x/data/replica/BENCH.sqlite","asOf":"2025-12-20","runs":3}'
 *   node dist/bench/step.js extract  '{"path":"/tmp/x/data/replica/BENCH.sqlite","stateDir":"/tmp/x/state"}'
 *
 * The last stdout line is `BENCH-RESULT {json}`: the step's figures plus `maxRssBytes` and CPU seconds.
 * Started by bench/run.ts; usable by hand to look at one step.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createDemoDatabase } from '../src/extract/demo/index.js';
import { extractTable } from '../src/extract/raw/extract.js';
import { RAW_DATASETS } from '../src/extract/raw/tables.js';
import { openReplicaSource } from '../src/extract/sources/sqlite.js';
import { VIEW_IDS } from '../src/extract/views/catalog.js';
import { computeView, computeViews } from '../src/extract/views/index.js';
import { RESULT_PREFIX } from './lib/proc.js';
import { syncDemoReplica } from './lib/replica.js';

interface GenerateArgs {
  path: string;
  scale: number;
  seed: number;
  today: string;
}
interface ReplicaArgs {
  /** The demo file. */
  path: string;
  dataDirectory: string;
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

/** A first sync of the demo's replica (what the views and datasets read). */
async function replica(a: ReplicaArgs): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const r = await syncDemoReplica(a.path, a.dataDirectory);
  const wallMs = performance.now() - t0;
  const rows = r.tables.reduce((n, t) => n + t.rowsRead, 0);
  return { seconds: seconds(wallMs), path: r.path, fileBytes: r.sizeBytes, rows, rowsPerSecond: Math.round(rows / (wallMs / 1000)) };
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

const STEPS: Record<string, (args: never) => Promise<Record<string, unknown>>> = { generate, replica, views, extract };

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
    maxRssBytes: usage.maxRSS * 1024, // kilobytes on Linux
    cpuSeconds: seconds((usage.userCPUTime + usage.systemCPUTime) / 1000),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`bench step ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
