/**
 * Raw (Data Manager) extraction benchmark on a SQLite demo company (from its replica, synced first).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/raw-extract.js /tmp/demo-1m.sqlite [options]
 *
 * Options:
 *   --tables F_ECRITUREC,F_DOCLIGNE   only these tables (default: every Data Manager dataset)
 *   --sink lines|spool                 consume the lines only, or spool them as the publisher does (gzip -1
 *                                      NDJSON + SHA-256, default)
 *   --incremental                      after the full run, commit its state and run an incremental one
 *                                      (nothing changed in between): reports lines, deletions and time
 *   --in-thread                        hide the file path from the extraction (forces the in-thread path)
 *   --readers N                        reader threads (the `readers` option; default: automatic)
 *
 * Prints one JSON line per table and a total: rows, wall seconds, rows/s, CPU seconds, and the RSS seen at
 * 100k lines and at the end (peak RSS of the process is reported by the total line).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { extractTable, type NdjsonBlock } from '../src/extract/raw/extract.js';
import { RAW_DATASETS } from '../src/extract/raw/tables.js';
import { openReplicaSource } from '../src/sources/sqlite.js';
import type { SqlSource } from '../src/sources/source.js';
import { commitState, loadState } from '../src/extract/state/store.js';
import { spoolBlocks } from '../src/publish/spool.js';
import { peakRssBytes } from './lib/peak-rss.js';
import { syncDemoReplica } from './lib/replica.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? '/tmp/demo-1m.sqlite';
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sink = option('--sink') ?? 'spool';
const only = option('--tables')?.split(',').map((t) => t.trim().toUpperCase());
const incremental = args.includes('--incremental');
const inThread = args.includes('--in-thread');
const readers = option('--readers') === undefined ? undefined : Number(option('--readers'));

const work = mkdtempSync(join(tmpdir(), 'sbsync-bench-raw-'));
const stateDir = join(work, 'state');
const spoolDir = join(work, 'spool');
let rssAt100k = 0;
let rssMax = 0;
const sample = (rows: number): void => {
  const rss = process.memoryUsage.rss();
  rssMax = Math.max(rssMax, rss);
  if (rows <= 100_000) rssAt100k = Math.max(rssAt100k, rss);
};
const mb = (n: number): number => Math.round(n / 1e5) / 10;

// The replica the extraction reads, synced once before the runs (not timed).
const replica = (await syncDemoReplica(file, join(work, 'data'))).path;

function openSource(): SqlSource {
  const source = openReplicaSource(replica);
  // The same source with `file` set (worker path) or without it (the extraction cannot open its own reader).
  const wrapped: SqlSource = { dialect: source.dialect, label: source.label, replica: true, query: (s, p) => source.query(s, p), columns: (t) => source.columns(t), close: () => source.close() };
  return inThread ? wrapped : { ...wrapped, file: replica };
}

async function consume(blocks: AsyncIterable<NdjsonBlock>, name: string): Promise<number> {
  if (sink === 'spool') {
    const spooled = await spoolBlocks(spoolDir, name, blocks, { onProgress: sample });
    rmSync(spooled.file, { force: true });
    return spooled.rows;
  }
  let rows = 0;
  for await (const block of blocks) {
    if (block.data.length === 0) throw new Error('empty block');
    rows += block.rows;
    if (rows % 10_000 < block.rows) sample(rows);
  }
  return rows;
}

async function pass(mode: 'full' | 'incremental'): Promise<void> {
  const datasets = RAW_DATASETS.filter((d) => !only || only.includes(d.table));
  const source = openSource();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let total = 0;
  let deleted = 0;
  try {
    for (const d of datasets) {
      const c0 = process.cpuUsage();
      const s0 = performance.now();
      const since = mode === 'incremental' ? await loadState(stateDir, d.table) : undefined;
      const extra = readers === undefined ? {} : { readers };
      const ex = await extractTable(source, d, since ? { mode: 'incremental', since, ...extra } : { mode: 'full', stateDir, ...extra });
      const rows = await consume(ex.blocks, d.id);
      const result = await ex.finish();
      if (result.pending) await commitState(result.pending);
      sample(rows);
      const seconds = (performance.now() - s0) / 1000;
      const c = process.cpuUsage(c0);
      total += rows;
      deleted += result.deleted;
      if (rows >= 100_000 || mode === 'incremental') {
        console.log(JSON.stringify({ mode: ex.mode, table: d.table, rows, deleted: result.deleted, seconds: +seconds.toFixed(3), rowsPerSecond: Math.round(rows / seconds), cpuSeconds: +((c.user + c.system) / 1e6).toFixed(2) }));
      }
    }
  } finally {
    await source.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    mode, sink, tables: datasets.length, rows: total, deleted, seconds: +seconds.toFixed(3), rowsPerSecond: Math.round(total / seconds),
    cpuSeconds: +((c.user + c.system) / 1e6).toFixed(2), rssAt100kMB: mb(rssAt100k), rssEndMB: mb(rssMax),
    peakRssMB: mb(peakRssBytes()),
  }));
}

try {
  await pass('full');
  if (incremental) await pass('incremental');
} finally {
  rmSync(work, { recursive: true, force: true });
}
