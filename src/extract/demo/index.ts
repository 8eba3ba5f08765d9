/**
 * The demo company generator: a deterministic, realistic Sage 100 database in a SQLite file (real table
 * and column names, types and coded values; see sage/tables.ts and the flows in flows.ts).
 *
 * The same (seed, scale, today) always gives the same content. Nothing here reads the clock: `today`
 * is an input and `now` (a monotonic millisecond counter) only measures the duration it reports.
 * See scale.ts for how `scale` maps to sizes; scale 50 gives about a million ledger lines.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { OperationError, UsageError } from '../../errors.js';
import { syncDir, syncFile } from '../../durable.js';
import { civilFromDays, parseWallClock } from '../sage/calendar.js';
import { SAGE_TABLES, sqliteSchemaDdl } from '../sage/tables.js';
import { runFlows } from './flows.js';
import { buildMasterData, fiscalYears, writeMasterData, type FiscalYear } from './master.js';
import { createRandom } from './random.js';
import { demoSizes, MAX_DEMO_SCALE } from './scale.js';
import { writeStock } from './stock.js';
import { DemoWriter } from './writer.js';

export { DEMO_INCONSISTENCIES, type DemoInconsistencies } from './inconsistencies.js';
export { demoSizes, MAX_DEMO_SCALE, type DemoSizes } from './scale.js';
export { COMPANY as DEMO_COMPANY, JOURNAL as DEMO_JOURNALS, ACCOUNT as DEMO_ACCOUNTS } from './master.js';

export interface DemoDatabaseOptions {
  /** The SQLite file to write; replaced if it exists. Its folder is created. */
  path: string;
  /** Size multiplier (0 < scale ≤ 500): 1 ≈ 20,000 ledger lines, 50 ≈ 1,000,000. */
  scale?: number;
  seed?: number;
  /** The company's "today", `YYYY-MM-DD`: the last day of activity, in the third fiscal year. */
  today: string;
  /** Monotonic clock in milliseconds, only for `durationMs` (default: performance.now). */
  now?: () => number;
}

export interface DemoDatabaseResult {
  path: string;
  /** Rows per Sage table. */
  counts: Record<string, number>;
  durationMs: number;
}

function checkOptions(options: DemoDatabaseOptions): { scale: number; seed: number; today: number } {
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_DEMO_SCALE) {
    throw new UsageError(`The demo scale must be a number greater than 0 and at most ${MAX_DEMO_SCALE}, got ${scale}.`, {
      hint: 'Use --scale 1 for a small company (about 20,000 ledger lines) or --scale 50 for about a million.',
    });
  }
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(`The demo seed must be an integer, got ${seed}.`);
  }
  const parsed = parseWallClock(options.today);
  if (!parsed || options.today.length !== 10) {
    throw new UsageError(`The demo "today" must be a date written YYYY-MM-DD, got ${JSON.stringify(options.today)}.`);
  }
  return { scale, seed, today: parsed.days };
}

/** Generates the demo company into `options.path` (written to `<path>.partial`, then renamed). */
export async function createDemoDatabase(options: DemoDatabaseOptions): Promise<DemoDatabaseResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { scale, seed, today } = checkOptions(options);
  const path = options.path;
  const partial = `${path}.partial`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(partial, { force: true });
  } catch (error) {
    throw new OperationError(`Cannot prepare ${path} for the demo database: ${(error as Error).message}`, {
      hint: 'Check that the folder exists or can be created, and that this user may write to it.',
      cause: error,
    });
  }

  const db = new Database(partial);
  let counts: Record<string, number>;
  try {
    // 16 KB pages (SQLite's default is 4 KB): the file is read in long scans, a quarter of the page reads and
    // b-tree steps; a full publication of the 1M-line demo measured ~0.5 CPU-s less. Set before any table.
    db.pragma('page_size = 16384');
    // A throw-away file being built in one transaction: no journal and no fsync until the end.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    const ddl = sqliteSchemaDdl(SAGE_TABLES);
    for (const statement of ddl.tables) db.exec(statement);

    const writer = new DemoWriter(db);
    for (const table of SAGE_TABLES) writer.counts[table.name] = 0;
    const random = createRandom(seed);
    const sizes = demoSizes(scale);
    const years = fiscalYears(today, (day) => civilFromDays(day).year);
    const firstDay = (years[0] as FiscalYear).start;
    const master = buildMasterData(random.fork('master'), sizes, firstDay, today);

    db.exec('BEGIN');
    writeMasterData(writer, random.fork('master-rows'), master, years, today);
    const flows = runFlows({ writer, random: random.fork('flows'), master, sizes, years, today });
    writeStock(writer, random.fork('stock'), master, flows, Math.max(1, (today - firstDay) / 30.4), today);
    writer.flush();
    db.exec('COMMIT');

    // Indexes are built once the data is in (much faster than maintaining them row by row); a sampled
    // ANALYZE gives the query planner statistics for the views without scanning every table.
    for (const statement of ddl.indexes) db.exec(statement);
    db.pragma('analysis_limit = 1000');
    db.exec('ANALYZE');
    db.pragma('journal_mode = DELETE');
    counts = { ...writer.counts };
  } catch (error) {
    db.close();
    rmSync(partial, { force: true });
    throw error;
  }
  db.close();
  try {
    // Built without syncs: flushed once, before it takes the final name (a crash never leaves a named but
    // partly written file), and so that the next program to read it does not share the machine with the
    // write-back of a gigabyte of dirty pages (which slowed a publication started right after by ~0.5 s).
    syncFile(partial);
    if (existsSync(path)) rmSync(path, { force: true });
    renameSync(partial, path);
    syncDir(dirname(path));
  } catch (error) {
    throw new OperationError(`Cannot move the demo database into place at ${path}: ${(error as Error).message}`, {
      hint: 'Close any program that holds the file open, then run the command again.',
      cause: error,
    });
  }
  return { path, counts, durationMs: Math.round(now() - started) };
}
