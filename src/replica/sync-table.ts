/**
 * Bringing one replica table level with its source table.
 *
 * - **Build** (no copy yet, `--full`, or the columns changed): the bucket counts and checksums are read
 *   first, then the rows in keyset chunks (`WHERE cbMarq > @after ORDER BY cbMarq`) into a building copy, one
 *   transaction per chunk with the last key copied, so that an interrupted copy resumes there. The copy then
 *   replaces the table in one transaction (indexes included), and an update (below) from the watermark, last
 *   key and checksums read before the first row catches up at once with what changed during the copy.
 * - **Update**: in one transaction, (1) the rows stamped since the watermark (less the overlap window) or
 *   above the last key are merged: written, and stamped with this generation, only when they differ; (2) when
 *   checksums are due, every bucket whose count or checksum differs from the last sync's is read again whole
 *   and reconciled (this catches rows changed without cbModification moving, and deletions); otherwise, when
 *   the row counts disagree, the keys of the buckets whose counts differ are read and the missing ones deleted.
 * Checksums are always read before the rows they cover: a row changed between the two is therefore seen as
 * changed at the next sync, never missed.
 */
import { SourceError } from '../errors.js';
import { minusSeconds } from '../extract/sage/calendar.js';
import type { SqlParams, SqlSource } from '../sources/source.js';
import type { ReplicaFile, TableRecord } from './file.js';
import { BUCKET_KEYS, changedAfterSql, chunkAfterSql, MODIFIED, quoteIdent, rangeKeysSql, rangeRowsSql, ROW_KEY } from './reads.js';
import { copyChunkSql, withAttachedSource } from './sqlite-copy.js';
import { columnSignature, copiedColumns, createIndexesSql, createTableSql, generationIndexSql, type SourceColumn } from './schema.js';
import {
  type BucketState,
  changedBuckets,
  checkSignal,
  countsDiffer,
  keyOf,
  readRows,
  replicaBucketCounts,
  sourceBuckets,
  storedBuckets,
  type TableStats,
  tableStats,
  TableWriter,
  writeBuckets,
} from './table-io.js';

/**
 * Rows per chunk read through the source port: each row is a JS object until it is written, so a chunk is held
 * in memory whole (5,000 rows of F_DOCENTETE put a sync through SQL Server past 200 MB of peak RSS); 2,000 keep
 * the statements few (a round trip each over a VPN).
 */
export const DEFAULT_CHUNK_ROWS = 2000;
/** Re-read window below the watermark: smalldatetime stamps have minute precision, and rows change during a scan. */
export const DEFAULT_OVERLAP_SECONDS = 300;

export type TableAction = 'created' | 'rebuilt' | 'resumed' | 'updated' | 'unchanged' | 'missing' | 'dropped';
export type RebuildReason = 'requested' | 'columns-changed';

export interface TableSyncOptions {
  readonly replica: ReplicaFile;
  readonly source: SqlSource;
  readonly table: string;
  /** `accounting` or `commercial`: the database the table is read from. */
  readonly module: string;
  readonly generation: number;
  /** Compare the source's bucket checksums with the last sync's this time. */
  readonly checksums: boolean;
  readonly full?: boolean;
  readonly chunkRows?: number;
  readonly overlapSeconds?: number;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
  /** Rows read so far and the rows expected, after each chunk. */
  readonly onProgress?: (read: number, expected: number) => void;
  /** SQLite sources: copy with SQLite itself (default) rather than through the source port. */
  readonly fastCopy?: boolean;
  /**
   * After a first copy, compare the checksums read before it with the source's (default true): catches rows
   * changed without cbModification moving while the copy ran. The stamps and counts are compared in any case.
   */
  readonly checksumsAfterCopy?: boolean;
}

export interface TableSyncResult {
  readonly table: string;
  readonly action: TableAction;
  readonly reason?: RebuildReason;
  readonly rowsRead: number;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  /** Buckets read again because their count or checksum moved. */
  readonly bucketsReread: number;
  readonly rowCount: number;
  readonly checksummed: boolean;
  readonly ms: number;
}

const buildName = (table: string): string => `sbsync_build__${table}`;

interface BuildRow {
  columns: string;
  signature: string;
  epoch: number;
  resume_after: number;
  watermark: string | null;
  last_key: number | null;
  checksummed: number;
}

export async function syncTable(options: TableSyncOptions): Promise<TableSyncResult> {
  const started = Date.now();
  const { replica, source, table } = options;
  checkSignal(options.signal);
  let discovered;
  try {
    discovered = await source.columns(table);
  } catch (error) {
    throw new SourceError(`Cannot read the columns of ${table} from ${source.label}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const existing = replica.table(table);
  if (discovered.length === 0) return dropMissing(options, existing !== undefined, started);
  if (!discovered.some((c) => c.name.toLowerCase() === ROW_KEY.toLowerCase())) {
    throw new SourceError(`Table ${table} in ${source.label} has no cbMarq column, so it cannot be copied by key.`);
  }
  const columns = copiedColumns(discovered);
  const signature = columnSignature(columns);
  const building = replica.db.prepare('SELECT signature FROM sbsync_builds WHERE name = ?').pluck().get(table) as string | undefined;
  // An interrupted copy of these very columns is resumed, even over a live table (an interrupted --full).
  const resumable = building === signature && !options.full;
  if (!resumable && existing !== undefined && !options.full && existing.signature === signature) {
    if (building !== undefined) discardBuild(replica, table);
    return updateTable(options, existing, started);
  }
  const reason: RebuildReason | undefined = existing === undefined ? undefined : options.full ? 'requested' : 'columns-changed';
  return buildTable(options, columns, signature, existing, reason, started);
}

/** Drops an interrupted copy that will not be resumed (its columns are no longer the source's). */
function discardBuild(replica: ReplicaFile, table: string): void {
  replica.db.transaction(() => {
    replica.db.exec(`DROP TABLE IF EXISTS ${quoteIdent('sqlite', buildName(table))}`);
    replica.db.prepare('DELETE FROM sbsync_builds WHERE name = ?').run(table);
    replica.db.prepare('DELETE FROM sbsync_build_buckets WHERE tbl = ?').run(table);
  })();
}

function dropMissing(options: TableSyncOptions, existed: boolean, started: number): TableSyncResult {
  const { replica, table } = options;
  if (existed || replica.db.prepare('SELECT 1 FROM sbsync_builds WHERE name = ?').get(table)) {
    replica.db.transaction(() => {
      replica.db.exec(`DROP TABLE IF EXISTS ${quoteIdent('sqlite', table)}; DROP TABLE IF EXISTS ${quoteIdent('sqlite', buildName(table))}`);
      for (const meta of ['sbsync_tables', 'sbsync_builds']) replica.db.prepare(`DELETE FROM ${meta} WHERE name = ?`).run(table);
      for (const meta of ['sbsync_buckets', 'sbsync_build_buckets']) replica.db.prepare(`DELETE FROM ${meta} WHERE tbl = ?`).run(table);
    })();
  }
  return result(table, existed ? 'dropped' : 'missing', 0, { inserted: 0, updated: 0, deleted: 0 }, 0, 0, false, started);
}

function result(
  table: string,
  action: TableAction,
  rowsRead: number,
  counts: { inserted: number; updated: number; deleted: number },
  bucketsReread: number,
  rowCount: number,
  checksummed: boolean,
  started: number,
  reason?: RebuildReason,
): TableSyncResult {
  return Object.freeze({
    table,
    action,
    ...(reason === undefined ? {} : { reason }),
    rowsRead,
    inserted: counts.inserted,
    updated: counts.updated,
    deleted: counts.deleted,
    bucketsReread,
    rowCount,
    checksummed,
    ms: Date.now() - started,
  });
}

const hasModified = (columns: readonly SourceColumn[]): boolean => columns.some((c) => c.name.toLowerCase() === MODIFIED.toLowerCase());

async function buildTable(
  options: TableSyncOptions,
  columns: readonly SourceColumn[],
  signature: string,
  existing: TableRecord | undefined,
  reason: RebuildReason | undefined,
  started: number,
): Promise<TableSyncResult> {
  const { replica, source, table, generation } = options;
  const db = replica.db;
  let build = db.prepare('SELECT * FROM sbsync_builds WHERE name = ?').get(table) as BuildRow | undefined;
  const resumed = build !== undefined && build.signature === signature && !options.full;
  let stats: TableStats;
  if (!resumed) {
    stats = await tableStats(source, table, hasModified(columns));
    const buckets = await sourceBuckets(source, table, columns, stats.lastKey, true, options.signal);
    db.transaction(() => {
      db.exec(`DROP TABLE IF EXISTS ${quoteIdent('sqlite', buildName(table))}`);
      db.exec(createTableSql(buildName(table), columns));
      db.prepare(
        `INSERT OR REPLACE INTO sbsync_builds (name, columns, signature, epoch, resume_after, watermark, last_key, checksummed, started_at)
         VALUES (?, ?, ?, ?, -1, ?, ?, 1, ?)`,
      ).run(table, JSON.stringify(columns), signature, generation, stats.maxModified, stats.lastKey, options.now().toISOString());
      writeBuckets(db, 'sbsync_build_buckets', table, buckets);
    })();
    build = db.prepare('SELECT * FROM sbsync_builds WHERE name = ?').get(table) as BuildRow;
  } else {
    stats = { rowCount: 0, lastKey: build!.last_key, maxModified: build!.watermark };
  }
  const expected = resumed ? (await tableStats(source, table, false)).rowCount : stats.rowCount;
  const copiedBefore = resumed ? (db.prepare(`SELECT count(*) FROM ${quoteIdent('sqlite', buildName(table))}`).pluck().get() as number) : 0;
  const copy = { columns, epoch: build!.epoch, after: build!.resume_after, copiedBefore, expected };
  const copied = source.dialect === 'sqlite' && source.file !== undefined && options.fastCopy !== false
    ? await copyWithSqlite(options, copy, source.file)
    : await copyThroughSource(options, copy);
  checkSignal(options.signal);
  swapIn(options, columns, signature, build!, existing);
  // Rows changed or deleted while the copy ran (or while it was interrupted) are caught up at once, from the
  // marks and checksums read before its first row: the replica equals its source when the sync ends.
  const caughtUp = await updateTable({ ...options, checksums: options.checksumsAfterCopy ?? true }, replica.table(table)!, started);
  const action: TableAction = resumed ? 'resumed' : existing === undefined ? 'created' : 'rebuilt';
  const counts = { inserted: copied + caughtUp.inserted, updated: caughtUp.updated, deleted: caughtUp.deleted };
  return result(table, action, copied + caughtUp.rowsRead, counts, caughtUp.bucketsReread, caughtUp.rowCount, true, started, reason);
}

interface CopyState {
  readonly columns: readonly SourceColumn[];
  readonly epoch: number;
  /** The last key copied before this run (-1 for none). */
  readonly after: number;
  readonly copiedBefore: number;
  readonly expected: number;
}

/** Copies the rest of the table into its building copy through the source port; returns rows copied. */
async function copyThroughSource(options: TableSyncOptions, copy: CopyState): Promise<number> {
  const { replica, source, table } = options;
  const db = replica.db;
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const writer = new TableWriter(db, buildName(table), table, copy.columns, copy.epoch);
  const sql = chunkAfterSql(source.dialect, table, copy.columns, chunkRows);
  const saveProgress = db.prepare('UPDATE sbsync_builds SET resume_after = ? WHERE name = ?');
  let after = copy.after;
  let copied = 0;
  for (;;) {
    checkSignal(options.signal);
    const rows = await readRows(source, sql, { after: { type: 'int', value: after } }, table, `the chunk after cbMarq ${after}`);
    if (rows.length === 0) break;
    db.transaction(() => {
      for (const row of rows) {
        const key = keyOf(row, table);
        if (key <= after) throw new SourceError(`${table}: rows came back out of key order from ${source.label}.`);
        writer.add(row, key);
        after = key;
      }
      saveProgress.run(after, table);
    })();
    copied += rows.length;
    options.onProgress?.(copy.copiedBefore + copied, Math.max(copy.expected, copy.copiedBefore + copied));
    if (rows.length < chunkRows) break;
  }
  return copied;
}

/** Rows per chunk of a SQLite-to-SQLite copy: larger, since no row crosses into JS. */
const SQLITE_COPY_ROWS = 20_000;

/** The same copy done by SQLite with the source file attached (sqlite-copy.ts); returns rows copied. */
async function copyWithSqlite(options: TableSyncOptions, copy: CopyState, file: string): Promise<number> {
  const { replica, table } = options;
  const db = replica.db;
  const chunkRows = options.chunkRows ?? SQLITE_COPY_ROWS;
  const target = buildName(table);
  const lastKey = db.prepare(`SELECT max(${quoteIdent('sqlite', ROW_KEY)}) FROM ${quoteIdent('sqlite', target)}`).pluck();
  const saveProgress = db.prepare('UPDATE sbsync_builds SET resume_after = ? WHERE name = ?');
  let after = copy.after;
  let copied = 0;
  await withAttachedSource(db, file, async () => {
    const insert = db.prepare(copyChunkSql(target, table, copy.columns, chunkRows));
    for (;;) {
      checkSignal(options.signal);
      const added = db.transaction(() => {
        const n = insert.run({ after, generation: copy.epoch }).changes;
        if (n > 0) {
          after = Number(lastKey.get());
          saveProgress.run(after, table);
        }
        return n;
      })();
      copied += added;
      options.onProgress?.(copy.copiedBefore + copied, Math.max(copy.expected, copy.copiedBefore + copied));
      if (added < chunkRows) break;
      // Let a Ctrl-C (or a progress redraw) in between two chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  });
  return copied;
}

/** Replaces the table by its finished copy, with its indexes and bookkeeping, in one transaction. */
function swapIn(options: TableSyncOptions, columns: readonly SourceColumn[], signature: string, build: BuildRow, existing: TableRecord | undefined): void {
  const { replica, table } = options;
  const db = replica.db;
  db.transaction(() => {
    db.exec(`DROP TABLE IF EXISTS ${quoteIdent('sqlite', table)}`);
    db.exec(`ALTER TABLE ${quoteIdent('sqlite', buildName(table))} RENAME TO ${quoteIdent('sqlite', table)}`);
    for (const statement of createIndexesSql(table, columns)) db.exec(statement);
    // Planner statistics (a sample of each index, see file.ts): without them SQLite joins document lines to
    // headers the wrong way round (a sales view took 1.2 s instead of 10 ms on the demo).
    db.exec(`ANALYZE ${quoteIdent('sqlite', table)}`);
    db.prepare('DELETE FROM sbsync_buckets WHERE tbl = ?').run(table);
    db.prepare('INSERT INTO sbsync_buckets (tbl, bucket, row_count, checksum) SELECT tbl, bucket, row_count, checksum FROM sbsync_build_buckets WHERE tbl = ?').run(table);
    db.prepare('DELETE FROM sbsync_build_buckets WHERE tbl = ?').run(table);
    db.prepare('DELETE FROM sbsync_builds WHERE name = ?').run(table);
    const rowCount = db.prepare(`SELECT count(*) FROM ${quoteIdent('sqlite', table)}`).pluck().get() as number;
    const now = options.now().toISOString();
    replica.putTable({
      name: table,
      module: options.module,
      columns,
      signature,
      epoch: build.epoch,
      changedGeneration: build.epoch,
      watermark: build.watermark,
      lastKey: build.last_key,
      rowCount,
      syncedAt: now,
      syncMs: null,
      checksummedAt: build.checksummed === 1 ? now : null,
      verifiedAt: existing?.verifiedAt ?? null,
      verifiedEqual: existing?.verifiedEqual ?? null,
    });
  })();
}

async function updateTable(options: TableSyncOptions, record: TableRecord, started: number): Promise<TableSyncResult> {
  const { replica, source, table, generation } = options;
  const columns = record.columns;
  const stamped = hasModified(columns);
  const stats = await tableStats(source, table, stamped);
  replica.db.exec(generationIndexSql(table));
  const writer = new TableWriter(replica.db, table, table, columns, generation);
  const highestKey = Math.max(stats.lastKey ?? -1, record.lastKey ?? -1);
  // Read before any row, so that a row changed meanwhile shows as a changed bucket next time (never missed).
  const checksums = options.checksums ? await sourceBuckets(source, table, columns, highestKey, true, options.signal) : undefined;
  let rowsRead = 0;
  let bucketsReread = 0;
  await replica.transaction(async () => {
    rowsRead += await mergeChanged(options, record, writer, stamped);
    // Counted per bucket only when they are compared (a GROUP BY over the whole table); a plain count walks
    // the small generation index.
    const replicaRows = replica.db.prepare(`SELECT count(*) FROM ${quoteIdent('sqlite', table)}`).pluck().get() as number;
    if (checksums) {
      // A moved checksum may hide any change: the bucket is read again whole.
      const differing = changedBuckets(checksums, storedBuckets(replica.db, 'sbsync_buckets', table), replicaBucketCounts(replica.db, table));
      writeBuckets(replica.db, 'sbsync_buckets', table, checksums);
      for (const bucket of differing) {
        checkSignal(options.signal);
        rowsRead += await rereadBucket(options, columns, writer, bucket);
      }
      bucketsReread = differing.length;
    } else if (replicaRows !== stats.rowCount) {
      // Only counts moved (the stamped rows are merged): deletions, found from the bucket's keys alone.
      const differing = countsDiffer(await sourceBuckets(source, table, columns, highestKey, false, options.signal), replicaBucketCounts(replica.db, table));
      for (const bucket of differing) {
        checkSignal(options.signal);
        rowsRead += await reconcileKeys(options, columns, writer, bucket);
      }
      bucketsReread = differing.length;
    }
    const rowCount = replica.db.prepare(`SELECT count(*) FROM ${quoteIdent('sqlite', table)}`).pluck().get() as number;
    replica.putTable({
      ...record,
      changedGeneration: writer.inserted + writer.updated + writer.deleted > 0 ? generation : record.changedGeneration,
      watermark: stats.maxModified ?? record.watermark,
      lastKey: stats.lastKey ?? record.lastKey,
      rowCount,
      syncedAt: options.now().toISOString(),
      syncMs: Date.now() - started,
      checksummedAt: options.checksums ? options.now().toISOString() : record.checksummedAt,
    });
  });
  const changed = writer.inserted + writer.updated + writer.deleted > 0;
  const rowCount = replica.table(table)?.rowCount ?? 0;
  return result(table, changed ? 'updated' : 'unchanged', rowsRead, writer, bucketsReread, rowCount, options.checksums, started);
}

/** Merges the rows stamped since the watermark (less the overlap) or above the last key; returns rows read. */
async function mergeChanged(options: TableSyncOptions, record: TableRecord, writer: TableWriter, stamped: boolean): Promise<number> {
  const { source, table } = options;
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const lastKey = record.lastKey ?? -1;
  const byStamp = stamped && record.watermark !== null;
  const sql = byStamp ? changedAfterSql(source.dialect, table, record.columns, chunkRows) : chunkAfterSql(source.dialect, table, record.columns, chunkRows);
  const since = byStamp ? minusSeconds(record.watermark!.replace(' ', 'T'), options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) : undefined;
  let after = byStamp ? -1 : lastKey;
  let read = 0;
  for (;;) {
    checkSignal(options.signal);
    const params: SqlParams = { after: { type: 'int', value: after } };
    if (byStamp) {
      params.since = { type: 'datetime', value: since! };
      params.lastKey = { type: 'int', value: lastKey };
    }
    const rows = await readRows(source, sql, params, table, `the changed rows after cbMarq ${after}`);
    for (const row of rows) {
      const key = keyOf(row, table);
      writer.merge(row, key);
      after = key;
    }
    read += rows.length;
    if (rows.length < chunkRows) return read;
  }
}

/**
 * Deletes the replica's keys of one bucket that the source no longer has; a key the source has and the replica
 * lacks (a row put back under an old key without a stamp) makes the bucket read again whole. Returns rows read.
 */
async function reconcileKeys(options: TableSyncOptions, columns: readonly SourceColumn[], writer: TableWriter, bucket: number): Promise<number> {
  const { source, table } = options;
  const after = bucket * BUCKET_KEYS - 1;
  const upto = after + BUCKET_KEYS;
  const params = { after: { type: 'int' as const, value: after }, upto: { type: 'int' as const, value: upto } };
  const keys = new Set((await readRows(source, rangeKeysSql(source.dialect, table), params, table, `the keys ${after + 1} to ${upto}`)).map((row) => keyOf(row, table)));
  const mine = writer.keysBetween(after, upto);
  for (const key of mine) if (!keys.has(key)) writer.delete(key);
  const held = new Set(mine);
  for (const key of keys) if (!held.has(key)) return rereadBucket(options, columns, writer, bucket);
  return 0;
}

/** Reads one bucket whole and makes the replica's bucket equal to it; returns rows read. */
async function rereadBucket(options: TableSyncOptions, columns: readonly SourceColumn[], writer: TableWriter, bucket: number): Promise<number> {
  const { source, table } = options;
  const after = bucket * BUCKET_KEYS - 1;
  const upto = after + BUCKET_KEYS;
  const rows = await readRows(
    source,
    rangeRowsSql(source.dialect, table, columns),
    { after: { type: 'int', value: after }, upto: { type: 'int', value: upto } },
    table,
    `keys ${after + 1} to ${upto}`,
  );
  const present = new Set<number>();
  for (const row of rows) {
    const key = keyOf(row, table);
    present.add(key);
    writer.merge(row, key);
  }
  for (const key of writer.keysBetween(after, upto)) if (!present.has(key)) writer.delete(key);
  return rows.length;
}
