/**
 * Raw (Data Manager) extraction of one Sage table, from the company's replica, into typed NDJSON lines.
 *
 *   const ex = await extractTable(source, 'F_ECRITUREC', state ? { mode: 'incremental', since: state } : { mode: 'full', stateDir });
 *   header(ex.columns);                       // the dataset's column metadata, once
 *   for await (const block of ex.blocks) …    // NDJSON blocks: one JSON array per row, in column order
 *                                             // (or `ex.lines`, one line at a time; read one of the two, once)
 *   const result = await ex.finish();         // counts, deleted keys, the pending state
 *   for await (const key of result.deletedKeys()) …
 *   … portal commit …  await commitState(result.pending)   (or discardState on failure)
 *
 * Rows are read in keyset chunks (`WHERE cbMarq > @after ORDER BY cbMarq LIMIT chunkSize`), each
 * chunk read completely before its lines are handed out, so no statement stays open while the consumer
 * uploads, memory is bounded by one chunk, and the database serialises every row (see raw/sql.ts).
 *
 * Incremental extraction (`since` = the committed state), exact because the replica stamps every row it
 * writes with the sync's generation (`__sbsync_gen`, only when a value changed) and does not move while a
 * publication reads it (both hold the company's run lock):
 * 1. before reading, `max(cbMarq)` and `max(__sbsync_gen)` are taken: they become the next state's `lastKey`
 *    and `replicaGeneration`;
 * 2. changed rows = `__sbsync_gen > replicaGeneration OR cbMarq > lastKey`: every row the replica wrote since
 *    the last committed publication, whatever changed it at the source (Sage, or a tool that does not move
 *    cbModification), and nothing else; a table the replica rebuilt is sent whole;
 * 3. after the rows, the current key set is read (keyset chunks of cbMarq only) and merged with the
 *    committed key set: deleted = (committed ∪ extracted) − current. Both sets are sorted files, so the
 *    merge runs in bounded memory whatever the table size.
 * A full extraction writes the key set while it reads the rows; it reports no deletions because a full
 * publication replaces the whole dataset. When the source names its file, a full extraction of a large table
 * is read by worker threads (see parallel.ts): same SQL, same lines, other cores.
 */
import { constants, copyFileSync, rmSync } from 'node:fs';
import { OperationError, SourceError } from '../../errors.js';
import { syncFile } from '../../durable.js';
import { requireReplica, type Row, type SqlParams, type SqlSource } from '../../sources/source.js';
import {
  cleanStaleFiles,
  ensureStateDir,
  loadState,
  newRunId,
  nextKeysFileName,
  pendingPath,
  type PendingState,
  type StateColumn,
  STATE_FORMAT,
  STATE_VERSION,
  type TableState,
} from '../state/store.js';
import { KeyFileError, KeyReader, KeyWriter, unionKeys, type KeyStream } from '../state/keys.js';
import {
  changedFilter,
  chunkSql,
  keyChunkSql,
  rangeBlockSql,
  rangeEndSql,
  rawColumns,
  ROW_KEY,
  statsSql,
  type RawColumn,
} from './sql.js';
import { readRangesInParallel, type BlockChunk, type RangeReaderPool } from './parallel.js';
import { findRawDataset, type RawDataset } from './tables.js';
import { keyValue } from '../../replica/table-io.js';

export const DEFAULT_CHUNK_SIZE = 5000;
export const DEFAULT_KEY_CHUNK_SIZE = 50_000;
/**
 * A full SQLite extraction of at least this many rows is read by worker threads (when the file is known).
 * Low on purpose: starting two readers costs a few tens of ms, while reading a mid-sized table on this thread
 * (a string per row) grew a publication's peak RSS by 30–50 MB (measured on the 100k-line demo).
 */
export const PARALLEL_MIN_ROWS = 5_000;
/**
 * Reader threads of a parallel extraction: two, so that SQLite builds the JSON on both cores while this thread
 * only checks keys, hashes and hands blocks to zlib (it has little to do). Each costs ~15 MB of RSS.
 */
export const DEFAULT_READERS = 2;
/**
 * Rows per key range of a reader thread (or chunkSize when smaller): as many as make a block of about
 * RANGE_BLOCK_BYTES, estimated at ~10 bytes per published column (the demo's rows measure 7–9.5), between
 * 100 and READER_CHUNK_ROWS. Each range costs two statements and a message, so larger ranges cost less
 * (1,000-row ranges saved ~0.5 CPU-s of 15 on the 1M-line demo against 500); a block must still fit a
 * reader's 1 MiB shared slot (parallel.ts), or it is handed over in a buffer of its own.
 */
export const READER_CHUNK_ROWS = 1000;
const RANGE_BLOCK_BYTES = 512 * 1024;

export function readerRangeRows(columnCount: number, chunkSize: number): number {
  const estimated = Math.floor(RANGE_BLOCK_BYTES / (10 * Math.max(1, columnCount)));
  return Math.min(chunkSize, Math.max(100, Math.min(READER_CHUNK_ROWS, estimated)));
}

export type ExtractOptions =
  | {
      mode: 'full';
      /** Where the table's state lives; without it no state is prepared (a one-off export). */
      stateDir?: string;
      chunkSize?: number;
      /**
       * Worker threads reading a SQLite file (`source.file`): 0 reads on this thread; default: DEFAULT_READERS
       * for tables of PARALLEL_MIN_ROWS rows or more, 0 below.
       */
      readers?: number;
      /**
       * Reader threads kept for the whole run on `source.file` (a publication reads many tables): used instead of
       * threads of this table's own when the table is read with threads.
       */
      readerPool?: RangeReaderPool;
    }
  | {
      mode: 'incremental';
      /** The committed state of the table (`loadState(dir, table)`). */
      since: TableState;
      chunkSize?: number;
      /** As for a full extraction; used only when the extraction turns full. */
      readers?: number;
      readerPool?: RangeReaderPool;
    };

/** Consecutive NDJSON lines of a dataset. */
export interface NdjsonBlock {
  readonly rows: number;
  /**
   * `rows` lines, each ending with `\n`, UTF-8. Valid until the next block is asked for (it may be a view of
   * memory reused for a later block): use it, or copy it, before that.
   */
  readonly data: Buffer;
}

/** Why an extraction is full. */
export type FullReason = 'requested' | 'columns-changed' | 'state-unreadable' | 'replica-rebuilt';

export interface RawExtraction {
  readonly table: string;
  /** The catalogue entry, when the table is one of the Data Manager datasets. */
  readonly dataset: RawDataset | undefined;
  /** What is actually done: an incremental request turns into a full extraction when it cannot be trusted. */
  readonly mode: 'full' | 'incremental';
  readonly fullReason: FullReason | undefined;
  /** The columns of every line, in order (the dataset header). */
  readonly columns: readonly RawColumn[];
  /**
   * The rows this extraction is about to read, as counted before reading: the table's rows (full), or the
   * changed rows (incremental). An estimate: rows may come and go meanwhile.
   */
  readonly rowsToRead: number;
  /**
   * The rows as NDJSON blocks (each line a JSON array followed by `\n`, UTF-8), in key order. Iterate once,
   * to the end: this or `lines`, not both.
   */
  readonly blocks: AsyncIterable<NdjsonBlock>;
  /** The same rows one line at a time (no trailing newline): convenient, but a string per row. */
  readonly lines: AsyncIterable<string>;
  /** After `blocks` or `lines` was consumed: counts, deletions and the state to commit. */
  finish(): Promise<RawExtractionResult>;
  /** Drops everything this extraction wrote (call when the publication is abandoned before `finish`). */
  abort(): Promise<void>;
}

export interface RawExtractionResult {
  readonly table: string;
  readonly mode: 'full' | 'incremental';
  /** Lines produced (new and changed rows for an incremental extraction). */
  readonly rows: number;
  /** Keys (cbMarq) deleted since the committed state; always 0 for a full extraction. */
  readonly deleted: number;
  /** Rows in the table after this extraction (size of the new key set). */
  readonly keyCount: number;
  /** The replica generation the rows were read at (the next incremental extraction reads what came after). */
  readonly replicaGeneration: number;
  readonly lastKey: number;
  /** The deleted cbMarq values, ascending; readable until the pending state is committed or discarded. */
  deletedKeys(): AsyncIterable<number>;
  /** The state to commit after the portal commit; undefined for a full extraction without `stateDir`. */
  readonly pending: PendingState | undefined;
}

// ---------------------------------------------------------------------------------------------------------

function columnSignature(columns: readonly { name: string; type: string }[]): string {
  return JSON.stringify(columns.map((c) => [c.name, c.type]));
}

async function firstRow(source: SqlSource, sql: string, params?: SqlParams): Promise<Row | undefined> {
  for await (const row of source.query(sql, params)) return row;
  return undefined;
}

/** The id of the replica the source reads (src/replica/file.ts); a replica without one reads as a new replica. */
async function readReplicaId(source: SqlSource): Promise<string> {
  const row = await firstRow(source, `SELECT value AS id FROM sbsync_replica WHERE key = 'id'`);
  return typeof row?.id === 'string' ? row.id : '';
}

/** Verifies a committed key file against its manifest (count and SHA-256) without keeping the keys. */
function keyFileIsIntact(state: TableState): boolean {
  try {
    const reader = new KeyReader(state.keysPath);
    try {
      while (reader.next() !== undefined);
      return reader.count === state.manifest.keyCount && reader.digest() === state.manifest.keysSha256;
    } finally {
      reader.close();
    }
  } catch {
    return false;
  }
}

/** Streams the current keys of a table in ascending chunks. */
async function* currentKeyChunks(source: SqlSource, table: string, chunkSize: number): AsyncGenerator<number[]> {
  const sql = keyChunkSql(table, chunkSize);
  let after = -1;
  for (;;) {
    const row = await firstRow(source, sql, { after: { type: 'int', value: after } });
    const keys = row && Number(row.n) > 0 ? (JSON.parse(String(row.keys)) as number[]) : [];
    if (keys.length === 0) return;
    for (let i = 1; i < keys.length; i++) {
      if ((keys[i] as number) <= (keys[i - 1] as number)) {
        throw new SourceError(`${table}: keys came back out of order from ${source.label}.`);
      }
    }
    yield keys;
    after = keys[keys.length - 1] as number;
    if (keys.length < chunkSize) return;
  }
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Prepares the extraction of one table: discovers and types its columns, decides full vs incremental and
 * reads the starting marks. Reading the rows starts when `lines` is iterated.
 */
export async function extractTable(
  source: SqlSource,
  tableOrDataset: string | RawDataset,
  options: ExtractOptions,
): Promise<RawExtraction> {
  requireReplica(source, 'A Data Manager extraction');
  const dataset = typeof tableOrDataset === 'string' ? findRawDataset(tableOrDataset) : tableOrDataset;
  const table = typeof tableOrDataset === 'string' ? (dataset?.table ?? tableOrDataset) : tableOrDataset.table;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);

  const discovered = await source.columns(table);
  if (discovered.length === 0) {
    throw new SourceError(`Table ${table} does not exist in ${source.label}.`, {
      hint: 'Check the company database, or leave this dataset out of the publication.',
    });
  }
  if (!discovered.some((c) => c.name.toLowerCase() === ROW_KEY.toLowerCase())) {
    throw new SourceError(`Table ${table} in ${source.label} has no cbMarq column, so it cannot be extracted by key.`);
  }
  const columns = rawColumns(discovered);
  const replicaId = await readReplicaId(source);
  const stateColumns: StateColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  // Full or incremental?
  let since: TableState | undefined;
  let fullReason: FullReason | undefined;
  if (options.mode === 'incremental') {
    since = options.since;
    if (since.manifest.table.toUpperCase() !== table.toUpperCase()) {
      throw new OperationError(`The state given for ${table} belongs to ${since.manifest.table}.`);
    }
    if (since.manifest.replicaId !== replicaId) fullReason = 'replica-rebuilt';
    else if (columnSignature(since.manifest.columns) !== columnSignature(stateColumns)) fullReason = 'columns-changed';
    else if (!keyFileIsIntact(since)) fullReason = 'state-unreadable';
  } else {
    fullReason = 'requested';
  }
  const mode: 'full' | 'incremental' = fullReason === undefined ? 'incremental' : 'full';
  const stateDir = options.mode === 'incremental' ? options.since.dir : options.stateDir;
  // The generation this extraction will replace (0 = none); re-read so that a full run over an existing
  // state continues its numbering.
  let previous: TableState | undefined = since;
  if (stateDir !== undefined) {
    ensureStateDir(stateDir);
    cleanStaleFiles(stateDir, table);
    if (!previous) previous = await loadState(stateDir, table).catch(() => undefined);
  }

  const filter = mode === 'incremental' ? changedFilter() : undefined;
  const baseParams: SqlParams = {};
  if (mode === 'incremental' && since) {
    baseParams.lastKey = { type: 'int', value: since.manifest.lastKey };
    baseParams.since = { type: 'bigint', value: since.manifest.replicaGeneration };
  }

  const stats = await firstRow(source, statsSql(table, filter !== undefined), filter ? { ...baseParams } : undefined);
  const startKey = stats?.last_key === null || stats?.last_key === undefined ? 0 : keyValue(stats.last_key, table);
  const startGeneration = stats?.max_generation === null || stats?.max_generation === undefined ? 0 : Number(stats.max_generation);
  const rowCount = Number(stats?.row_count ?? 0);
  // Incremental: the key range holding the changed rows (none: nothing to read).
  const changedRange =
    filter === undefined ? undefined
    : Number(stats?.changed_count ?? 0) === 0 || stats?.changed_first === null || stats?.changed_first === undefined ? null
    : { first: keyValue(stats.changed_first, table), last: keyValue(stats.changed_last, table) };

  // The marks of the next state.
  const nextGeneration = Math.max(startGeneration, since?.manifest.replicaGeneration ?? 0);
  const nextLastKey = Math.max(startKey, mode === 'incremental' ? (since?.manifest.lastKey ?? 0) : 0);

  const requestedReaders = options.readers ?? (rowCount >= PARALLEL_MIN_ROWS ? (options.readerPool?.readers ?? DEFAULT_READERS) : 0);
  const readers = mode === 'full' && source.file !== undefined ? Math.max(0, Math.floor(requestedReaders)) : 0;

  const runId = newRunId();
  const files: string[] = [];
  const newFile = (what: string): string => {
    const path = pendingPath(stateDir as string, table, what);
    files.push(path);
    return path;
  };
  // Full + state: the rows' keys are the new key set. Incremental: the extracted keys (merged later).
  let writer: KeyWriter | undefined;
  let rows = 0;
  let consumed = false;
  let started = false;
  let finished: Promise<RawExtractionResult> | undefined;

  const removeFiles = (): void => {
    writer?.abandon();
    for (const f of files) rmSync(f, { force: true });
  };

  /** Keyset chunks read through the source, on this thread. */
  async function* chunksInThread(): AsyncGenerator<{ keys: number[]; lines: string[] }> {
    if (changedRange === null) return; // nothing changed
    const sql = chunkSql(table, columns, chunkSize, filter, { upto: changedRange !== undefined });
    let after = changedRange ? changedRange.first - 1 : -1;
    const upto: SqlParams = changedRange ? { upto: { type: 'int', value: changedRange.last } } : {};
    for (;;) {
      const params: SqlParams = { ...baseParams, ...upto, after: { type: 'int', value: after } };
      const keys: number[] = [];
      const lines: string[] = [];
      for await (const row of source.query(sql, params)) {
        keys.push(keyValue(row.k, table));
        lines.push(row.j as string);
      }
      yield { keys, lines };
      if (keys.length < chunkSize) return;
      after = keys[keys.length - 1] as number;
    }
  }

  /** Key ranges read by worker threads with their own connections to the SQLite file. */
  function chunksInWorkers(): AsyncGenerator<BlockChunk> {
    const rangeRows = readerRangeRows(columns.length, chunkSize);
    const sql = rangeBlockSql(chunkSql(table, columns, rangeRows + 1, undefined, { upto: true }));
    const spec = { label: source.label, sql, endSql: rangeEndSql(table, rangeRows), params: {}, chunkSize: rangeRows };
    const pool = options.readerPool;
    return pool !== undefined && pool.file === source.file && pool.readers === readers
      ? pool.read(spec)
      : readRangesInParallel({ ...spec, file: source.file as string, readers });
  }

  async function* generateBlocks(): AsyncGenerator<NdjsonBlock> {
    if (started) throw new OperationError(`The rows of ${table} can be read only once.`);
    started = true;
    let ok = false;
    try {
      if (stateDir !== undefined) writer = new KeyWriter(newFile(mode === 'full' ? 'keys' : 'extracted.keys'));
      yield* readers > 0 ? blocksFromWorkers() : blocksInThread();
      consumed = true;
      ok = true;
    } finally {
      if (!ok) removeFiles();
    }
  }

  let previousKey = -1;
  const checkKey = (value: unknown): number => {
    const key = keyValue(value, table);
    if (key <= previousKey) throw new SourceError(`${table}: rows came back out of key order from ${source.label}.`);
    previousKey = key;
    return key;
  };

  /** Worker blocks are handed on as they are; only their keys are looked at here. */
  async function* blocksFromWorkers(): AsyncGenerator<NdjsonBlock> {
    for await (const chunk of chunksInWorkers()) {
      const { keys } = chunk;
      for (let i = 0; i < keys.length; i++) writer?.add(checkKey(keys[i]));
      if (keys.length === 0) continue;
      rows += keys.length;
      yield { rows: keys.length, data: chunk.data };
    }
  }

  /** Rows read on this thread (incremental extractions, small tables). */
  async function* blocksInThread(): AsyncGenerator<NdjsonBlock> {
    for await (const { keys, lines } of chunksInThread()) {
      for (const key of keys) writer?.add(checkKey(key));
      if (lines.length === 0) continue;
      rows += lines.length;
      yield { rows: lines.length, data: Buffer.from(`${lines.join('\n')}\n`, 'utf8') };
    }
  }

  /** The blocks cut into lines. */
  async function* generateLines(): AsyncGenerator<string> {
    for await (const block of generateBlocks()) {
      const text = block.data.toString('utf8');
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        yield text.slice(start, end);
        start = end + 1;
      }
    }
  }

  async function finishExtraction(): Promise<RawExtractionResult> {
    if (!consumed) throw new OperationError(`finish() was called before all lines of ${table} were read.`);
    try {
      if (stateDir === undefined || !writer) return result({ deleted: 0, keyCount: rows, deletedPath: undefined, pending: undefined });
      const generation = (previous?.manifest.generation ?? 0) + 1;
      const pendingOf = (keyCount: number, sha256: string, keysPath: string, scratch: string[]): PendingState => ({
        dir: stateDir,
        manifest: {
          format: STATE_FORMAT,
          version: STATE_VERSION,
          table: table.toUpperCase(),
          generation,
          runId,
          replicaGeneration: nextGeneration,
          replicaId,
          lastKey: nextLastKey,
          keyCount,
          keysFile: nextKeysFileName(table, generation),
          keysSha256: sha256,
          columns: stateColumns,
          committedAt: '',
        },
        pendingKeysPath: keysPath,
        scratch,
        replacesGeneration: previous?.manifest.generation ?? 0,
      });
      if (mode === 'full') {
        const keysPath = writer.path;
        const { count, sha256 } = writer.close();
        return result({ deleted: 0, keyCount: count, deletedPath: undefined, pending: pendingOf(count, sha256, keysPath, []) });
      }
      // Incremental: deleted = (committed ∪ extracted) − current.
      const extractedPath = writer.path;
      const extractedCount = writer.close().count;
      const committed = (since as TableState).manifest;
      if (extractedCount === 0 && rowCount === committed.keyCount && startKey <= committed.lastKey) {
        // Nothing extracted, no key above the committed lastKey, as many rows as committed keys: every current
        // key is a committed one (keys only grow; a row put back under an old key has a new generation and
        // would have been extracted), so the two sets are equal. The committed key file is carried over.
        rmSync(extractedPath, { force: true });
        const keysPath = newFile('keys');
        copyFileSync((since as TableState).keysPath, keysPath, constants.COPYFILE_EXCL);
        syncFile(keysPath);
        return result({ deleted: 0, keyCount: committed.keyCount, deletedPath: undefined, pending: pendingOf(committed.keyCount, committed.keysSha256, keysPath, []) });
      }
      const merged = await mergeKeySets((since as TableState).keysPath, extractedPath, newFile('keys'), newFile('deleted.keys'));
      rmSync(extractedPath, { force: true });
      return result({
        deleted: merged.deleted,
        keyCount: merged.count,
        deletedPath: merged.deletedPath,
        pending: pendingOf(merged.count, merged.sha256, merged.keysPath, [merged.deletedPath]),
      });
    } catch (error) {
      removeFiles();
      if (error instanceof KeyFileError) {
        throw new OperationError(`The incremental state of ${table} is damaged: ${error.message}`, {
          hint: 'Publish this company with --full to rebuild it.',
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The new key set (the table's current keys) and the deleted keys: (committed ∪ extracted) − current. */
  async function mergeKeySets(committedPath: string, extractedPath: string, keysPath: string, deletedPath: string) {
    const committed = new KeyReader(committedPath);
    const extracted = new KeyReader(extractedPath);
    const known: KeyStream = unionKeys(committed, extracted);
    const newKeys = new KeyWriter(keysPath);
    const deletedKeys = new KeyWriter(deletedPath);
    try {
      let k = known.next();
      for await (const chunk of currentKeyChunks(source, table, DEFAULT_KEY_CHUNK_SIZE)) {
        for (const c of chunk) {
          newKeys.add(c);
          while (k !== undefined && k < c) {
            deletedKeys.add(k);
            k = known.next();
          }
          if (k === c) k = known.next();
        }
      }
      while (k !== undefined) {
        deletedKeys.add(k);
        k = known.next();
      }
    } catch (error) {
      newKeys.abandon();
      deletedKeys.abandon();
      throw error;
    } finally {
      committed.close();
      extracted.close();
    }
    const { count, sha256 } = newKeys.close();
    return { count, sha256, keysPath, deletedPath, deleted: deletedKeys.close().count };
  }

  function result(r: { deleted: number; keyCount: number; deletedPath: string | undefined; pending: PendingState | undefined }): RawExtractionResult {
    return Object.freeze({
      table,
      mode,
      rows,
      deleted: r.deleted,
      keyCount: r.keyCount,
      replicaGeneration: nextGeneration,
      lastKey: nextLastKey,
      pending: r.pending,
      deletedKeys: () => readKeys(r.deletedPath),
    });
  }

  return Object.freeze({
    table,
    dataset,
    mode,
    fullReason,
    columns,
    rowsToRead: filter === undefined ? rowCount : Number(stats?.changed_count ?? 0),
    blocks: { [Symbol.asyncIterator]: () => generateBlocks() },
    lines: { [Symbol.asyncIterator]: () => generateLines() },
    finish: () => (finished ??= finishExtraction()),
    abort: async () => removeFiles(),
  });
}

async function* readKeys(path: string | undefined): AsyncGenerator<number> {
  if (path === undefined) return;
  const reader = new KeyReader(path);
  try {
    for (let k = reader.next(); k !== undefined; k = reader.next()) yield k;
  } finally {
    reader.close();
  }
}
