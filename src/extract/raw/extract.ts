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
 * Incremental extraction (`since` = the committed state):
 * 1. before reading, `max(cbMarq)` and `max(cbModification)` are taken: they become the next state's
 *    `lastKey` and `watermark` (a row changed while the extraction runs is stamped at or after that
 *    watermark, so the next run sees it again);
 * 2. changed rows = `cbModification >= watermark − overlap OR cbMarq > lastKey` (new rows, and rows
 *    without a stamp inserted since);
 *    A re-read row whose line has the fingerprint kept in the state for it (the line already published,
 *    see state/fingerprints.ts) is skipped, so a run with nothing changed yields no line at all; a row
 *    changed within the same minute stamp has another line, hence another fingerprint, and is sent;
 * 3. after the rows, the current key set is read (keyset chunks of cbMarq only) and merged with the
 *    committed key set: deleted = (committed ∪ extracted) − current. Both sets are sorted files, so the
 *    merge runs in bounded memory whatever the table size.
 * Both kinds of extraction fingerprint the lines of the rows the next run will read again (the new window:
 * `cbModification >= next watermark − overlap`, or `cbMarq > next lastKey`) into the pending state.
 * A full extraction writes the key set while it reads the rows; it reports no deletions because a full
 * publication replaces the whole dataset. When the source names its file, a full extraction of a large table
 * is read by worker threads (see parallel.ts): same SQL, same lines, other cores.
 */
import { constants, copyFileSync, rmSync } from 'node:fs';
import { OperationError, SourceError } from '../../errors.js';
import { syncFile } from '../../durable.js';
import { formatDay, formatStoredDatetime, parseWallClock } from '../sage/calendar.js';
import { requireReplica, type Row, type SqlParams, type SqlSource } from '../source.js';
import {
  DEFAULT_OVERLAP_SECONDS,
  cleanStaleFiles,
  ensureStateDir,
  loadState,
  newRunId,
  nextKeysFileName,
  pendingPath,
  type PendingState,
  type StateColumn,
  type StateManifest,
  type StateWindow,
  STATE_FORMAT,
  STATE_VERSION,
  type TableState,
} from '../state/store.js';
import { decodeFingerprints, encodeFingerprints, lineFingerprint, MAX_FINGERPRINTS } from '../state/fingerprints.js';
import { KeyFileError, KeyReader, KeyWriter, unionKeys, type KeyStream } from '../state/keys.js';
import {
  changedFilter,
  chunkSql,
  keyChunkSql,
  MODIFIED,
  rangeBlockSql,
  rangeEndSql,
  rawColumns,
  ROW_KEY,
  statsSql,
  type RawColumn,
} from './sql.js';
import { readRangesInParallel, type BlockChunk, type RangeReaderPool } from './parallel.js';
import { findRawDataset, type RawDataset } from './tables.js';

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
      /** Re-read window below the watermark (default DEFAULT_OVERLAP_SECONDS). */
      overlapSeconds?: number;
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
export type FullReason = 'requested' | 'columns-changed' | 'no-modification-column' | 'state-unreadable';

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
  readonly watermark: string | null;
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

/** The watermark of a state without one: every stamped row is read. */
const NO_WATERMARK = '1753-01-01T00:00:00';

/** Wall-clock text as SQLite stores datetimes (`YYYY-MM-DD HH:MM:SS`), for parameters bound by the readers. */
function storedDatetime(text: string): string {
  const at = parseWallClock(text);
  if (!at) throw new OperationError(`Invalid wall-clock time: ${text}`);
  return formatStoredDatetime(at.days, at.seconds) + at.fraction;
}

/** `watermark − seconds` as `YYYY-MM-DDTHH:MM:SS` wall-clock text (never through a JS Date). */
export function minusSeconds(watermark: string, seconds: number): string {
  const at = parseWallClock(watermark);
  if (!at) throw new OperationError(`Invalid watermark in the incremental state: ${watermark}`);
  let total = at.days * 86400 + at.seconds - seconds;
  const days = Math.floor(total / 86400);
  total -= days * 86400;
  const hh = String(Math.floor(total / 3600)).padStart(2, '0');
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0');
  const ss = String(total % 60).padStart(2, '0');
  return `${formatDay(days)}T${hh}:${mm}:${ss}`;
}

function toKey(value: unknown, table: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new SourceError(`${table}.cbMarq holds a value that is not an integer: ${String(value)}`);
  }
  return n;
}

async function firstRow(source: SqlSource, sql: string, params?: SqlParams): Promise<Row | undefined> {
  for await (const row of source.query(sql, params)) return row;
  return undefined;
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
  const stateColumns: StateColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  const hasModified = discovered.some((c) => c.name.toLowerCase() === MODIFIED.toLowerCase());

  // Full or incremental?
  let since: TableState | undefined;
  let fullReason: FullReason | undefined;
  if (options.mode === 'incremental') {
    since = options.since;
    if (since.manifest.table.toUpperCase() !== table.toUpperCase()) {
      throw new OperationError(`The state given for ${table} belongs to ${since.manifest.table}.`);
    }
    if (!hasModified) fullReason = 'no-modification-column';
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

  const overlap = options.mode === 'incremental' ? (options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) : 0;
  const filter = mode === 'incremental' ? changedFilter(hasModified) : undefined;
  const baseParams: SqlParams = {};
  if (mode === 'incremental' && since) {
    const m = since.manifest;
    baseParams.lastKey = { type: 'int', value: m.lastKey };
    // No watermark yet (an empty table, or no stamps): every stamped row counts as changed.
    baseParams.since = { type: 'datetime', value: m.watermark === null ? NO_WATERMARK : minusSeconds(m.watermark, overlap) };
  }

  const stats = await firstRow(source, statsSql(table, hasModified, filter), filter ? { ...baseParams } : undefined);
  const startKey = stats?.last_key === null || stats?.last_key === undefined ? 0 : toKey(stats.last_key, table);
  const startModified = typeof stats?.max_modified === 'string' && stats.max_modified >= '1901' ? stats.max_modified.slice(0, 19) : null;
  const rowCount = Number(stats?.row_count ?? 0);
  // Incremental: the key range holding the changed rows when the scan ran (none: nothing to read). Rows that
  // change later are stamped at or after the next watermark, or get keys above the next lastKey, so the next
  // run reads them; reading them now too would be harmless.
  const changedRange =
    filter === undefined ? undefined
    : Number(stats?.changed_count ?? 0) === 0 || stats?.changed_first === null || stats?.changed_first === undefined ? null
    : { first: toKey(stats.changed_first, table), last: toKey(stats.changed_last, table) };

  // The marks of the next state, known before reading: they define the rows the next run reads again.
  const nextWatermark =
    startModified === null ? (since?.manifest.watermark ?? null)
    : since?.manifest.watermark && since.manifest.watermark > startModified ? since.manifest.watermark
    : startModified;
  const nextLastKey = Math.max(startKey, mode === 'incremental' ? (since?.manifest.lastKey ?? 0) : 0);

  // Fingerprints of the lines the next run reads again (its overlap is assumed to be this run's, or the
  // default for a full extraction): only when there is a state to keep them and stamps to window on.
  const fingerprinting = stateDir !== undefined && hasModified;
  const windowFrom =
    nextWatermark === null ? NO_WATERMARK
    : minusSeconds(nextWatermark, options.mode === 'incremental' ? overlap : DEFAULT_OVERLAP_SECONDS);
  if (fingerprinting) {
    baseParams.window = { type: 'datetime', value: windowFrom };
    baseParams.nextKey = { type: 'int', value: nextLastKey };
  }
  const previousFingerprints =
    mode === 'incremental' && since?.manifest.window ? decodeFingerprints(since.manifest.window.fingerprints, since.manifest.window.count) : new Map<number, string>();
  const fingerprints = new Map<number, string>();

  const sqlOptions = { windowFlag: fingerprinting };
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
  async function* chunksInThread(): AsyncGenerator<{ keys: number[]; lines: string[]; again: number[] }> {
    if (changedRange === null) return; // nothing changed
    const sql = chunkSql(table, columns, chunkSize, filter, { ...sqlOptions, upto: changedRange !== undefined });
    let after = changedRange ? changedRange.first - 1 : -1;
    const upto: SqlParams = changedRange ? { upto: { type: 'int', value: changedRange.last } } : {};
    for (;;) {
      const params: SqlParams = { ...baseParams, ...upto, after: { type: 'int', value: after } };
      const keys: number[] = [];
      const lines: string[] = [];
      const again: number[] = [];
      for await (const row of source.query(sql, params)) {
        const key = toKey(row.k, table);
        keys.push(key);
        lines.push(row.j as string);
        if (fingerprinting && Number(row.w) === 1) again.push(key);
      }
      yield { keys, lines, again };
      if (keys.length < chunkSize) return;
      after = keys[keys.length - 1] as number;
    }
  }

  /** Key ranges read by worker threads with their own connections to the SQLite file. */
  function chunksInWorkers(): AsyncGenerator<BlockChunk> {
    const rangeRows = readerRangeRows(columns.length, chunkSize);
    const sql = rangeBlockSql(chunkSql(table, columns, rangeRows + 1, undefined, { ...sqlOptions, upto: true }), fingerprinting);
    const params: Record<string, string | number> = {};
    if (fingerprinting) {
      params.window = storedDatetime(windowFrom);
      params.nextKey = nextLastKey;
    }
    const spec = { label: source.label, sql, endSql: rangeEndSql(table, rangeRows), params, chunkSize: rangeRows };
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
    const key = toKey(value, table);
    if (key <= previousKey) throw new SourceError(`${table}: rows came back out of key order from ${source.label}.`);
    previousKey = key;
    return key;
  };
  const remember = (key: number, fingerprint: string): void => {
    if (fingerprints.size < MAX_FINGERPRINTS) fingerprints.set(key, fingerprint);
  };

  /** Worker blocks are handed on as they are; only their keys and fingerprints are looked at here. */
  async function* blocksFromWorkers(): AsyncGenerator<NdjsonBlock> {
    for await (const chunk of chunksInWorkers()) {
      const { keys, again, prints } = chunk;
      for (let i = 0; i < keys.length; i++) writer?.add(checkKey(keys[i]));
      for (let i = 0; i < again.length; i++) remember(again[i] as number, prints[i] as string);
      if (keys.length === 0) continue;
      rows += keys.length;
      yield { rows: keys.length, data: chunk.data };
    }
  }

  /** Rows read on this thread: re-read rows whose published line is unchanged are skipped here. */
  async function* blocksInThread(): AsyncGenerator<NdjsonBlock> {
    const skipping = previousFingerprints.size > 0;
    for await (const chunk of chunksInThread()) {
      const { keys, lines, again: next } = chunk;
      const out: string[] = [];
      let f = 0;
      for (let i = 0; i < lines.length; i++) {
        const key = checkKey(keys[i]);
        const line = lines[i] as string;
        while (f < next.length && (next[f] as number) < key) f++;
        const again = next[f] === key;
        let fingerprint: string | undefined;
        if (skipping) {
          const published = previousFingerprints.get(key);
          if (published !== undefined) {
            fingerprint = lineFingerprint(line);
            if (fingerprint === published) {
              // The portal holds this very line: nothing to send, but the next run reads it again.
              if (again) remember(key, fingerprint);
              continue;
            }
          }
        }
        if (again) remember(key, fingerprint ?? lineFingerprint(line));
        writer?.add(key);
        out.push(line);
      }
      if (out.length === 0) continue;
      rows += out.length;
      yield { rows: out.length, data: Buffer.from(`${out.join('\n')}\n`, 'utf8') };
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
    const watermark = nextWatermark;
    const lastKey = nextLastKey;
    try {
      if (stateDir === undefined || !writer) {
        return result({ deleted: 0, keyCount: rows, watermark, lastKey, deletedPath: undefined, pending: undefined });
      }
      const generation = (previous?.manifest.generation ?? 0) + 1;
      const windowOf = (kept: ReadonlyMap<number, string>): StateWindow | undefined =>
        kept.size === 0 ? undefined : { from: windowFrom, count: kept.size, fingerprints: encodeFingerprints(kept) };
      const manifestOf = (keyCount: number, sha256: string, kept: ReadonlyMap<number, string>): StateManifest => ({
        format: STATE_FORMAT,
        version: STATE_VERSION,
        table: table.toUpperCase(),
        generation,
        runId,
        watermark,
        lastKey,
        keyCount,
        keysFile: nextKeysFileName(table, generation),
        keysSha256: sha256,
        columns: stateColumns,
        committedAt: '',
        ...(windowOf(kept) ? { window: windowOf(kept) } : {}),
      });
      if (mode === 'full') {
        const keysPath = writer.path;
        const { count, sha256 } = writer.close();
        const pending: PendingState = {
          dir: stateDir,
          manifest: manifestOf(count, sha256, fingerprints),
          pendingKeysPath: keysPath,
          scratch: [],
          replacesGeneration: previous?.manifest.generation ?? 0,
        };
        return result({ deleted: 0, keyCount: count, watermark, lastKey, deletedPath: undefined, pending });
      }
      // Incremental: deleted = (committed ∪ extracted) − current.
      const extractedPath = writer.path;
      const extractedCount = writer.close().count;
      const committedState = since as TableState;
      if (extractedCount === 0 && rowCount === committedState.manifest.keyCount && startKey <= committedState.manifest.lastKey) {
        // Nothing extracted, no key above the committed lastKey, as many rows as committed keys: every current
        // key is a committed one (keys only grow; a row put back under an old key has a new stamp and would
        // have been extracted), so the two sets are equal. The committed key file is carried over as it is.
        rmSync(extractedPath, { force: true });
        const keysPath = newFile('keys');
        copyFileSync(committedState.keysPath, keysPath, constants.COPYFILE_EXCL);
        syncFile(keysPath);
        const pending: PendingState = {
          dir: stateDir,
          manifest: manifestOf(committedState.manifest.keyCount, committedState.manifest.keysSha256, fingerprints),
          pendingKeysPath: keysPath,
          scratch: [],
          replacesGeneration: previous?.manifest.generation ?? 0,
        };
        return result({ deleted: 0, keyCount: committedState.manifest.keyCount, watermark, lastKey, deletedPath: undefined, pending });
      }
      const committed = new KeyReader((since as TableState).keysPath);
      const extracted = new KeyReader(extractedPath);
      const known: KeyStream = unionKeys(committed, extracted);
      const newKeys = new KeyWriter(newFile('keys'));
      const deletedPath = newFile('deleted.keys');
      const deletedKeys = new KeyWriter(deletedPath);
      // Fingerprints are kept only for keys of the new key set (a row deleted meanwhile is forgotten).
      const kept = new Map<number, string>();
      try {
        let k = known.next();
        for await (const chunk of currentKeyChunks(source, table, DEFAULT_KEY_CHUNK_SIZE)) {
          for (const c of chunk) {
            newKeys.add(c);
            if (fingerprints.size > 0) {
              const fingerprint = fingerprints.get(c);
              if (fingerprint !== undefined) kept.set(c, fingerprint);
            }
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
      const deleted = deletedKeys.close().count;
      rmSync(extractedPath, { force: true });
      const pending: PendingState = {
        dir: stateDir,
        manifest: manifestOf(count, sha256, kept),
        pendingKeysPath: newKeys.path,
        scratch: [deletedPath],
        replacesGeneration: previous?.manifest.generation ?? 0,
      };
      return result({ deleted, keyCount: count, watermark, lastKey, deletedPath, pending });
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

  function result(r: {
    deleted: number;
    keyCount: number;
    watermark: string | null;
    lastKey: number;
    deletedPath: string | undefined;
    pending: PendingState | undefined;
  }): RawExtractionResult {
    return Object.freeze({
      table,
      mode,
      rows,
      deleted: r.deleted,
      keyCount: r.keyCount,
      watermark: r.watermark,
      lastKey: r.lastKey,
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
