/**
 * Parallel reading of a SQLite table for a full raw extraction: worker threads, each with its own read-only
 * better-sqlite3 connection to the file, run the same row SQL as the in-thread path on consecutive key
 * ranges, so SQLite builds the rows' JSON on other cores. SQLite folds each range into one aggregate row
 * (sql.ts rangeBlockSql: the keys, the NDJSON bytes as a blob, the window rows); the worker copies the blob into
 * a shared slot (or transfers it when too large), packs the keys into a Float64Array and fingerprints the
 * window rows. This thread handles a few hundred rows per message, never a row at a time; the publisher hashes
 * and compresses the block as it is.
 *
 * Ranges: a worker first finds the end of its range, the `chunkSize`-th key after the start
 * (`LIMIT 1 OFFSET chunkSize − 1`, which walks keys only), reports it so the next range can be handed to
 * another worker at once, then reads the rows of `(after, end]` (`LIMIT chunkSize + 1`). The last range is
 * open. A range that comes back with `chunkSize + 1` rows (rows inserted meanwhile with keys inside it) is
 * continued after its last key before the next range is delivered. Chunks are delivered in key order; at most
 * `readers + 1` ranges are read ahead of the consumer, so memory stays bounded by a few chunks.
 *
 * Every statement is its own read transaction, exactly as the in-thread keyset chunks: the lines are the same
 * bytes, in the same order.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SourceError } from '../../errors.js';
import { READ_CACHE_KIB } from '../sources/sqlite.js';

/** One range of rows in key order, as a ready NDJSON block. */
export interface BlockChunk {
  /** The rows' keys in order, integers (their order is checked by the caller). */
  readonly keys: Float64Array;
  /** The rows' lines, each followed by `\n`, UTF-8; valid until the next chunk is asked for (reused memory). */
  readonly data: Buffer;
  /** The keys (ascending) of the rows whose `w` column is 1: those the next run reads again. */
  readonly again: readonly number[];
  /** The line fingerprints of `again`, in the same order (state/fingerprints.ts lineFingerprint). */
  readonly prints: readonly string[];
}

/** What one table's read needs: its statements and bound values. */
export interface RangeReadSpec {
  /** For messages. */
  readonly label: string;
  /**
   * One aggregate row per range (rangeBlockSql over chunkSql with `upto`, LIMIT `chunkSize + 1`): the rows of
   * `@after < key <= @upto` as `n`, `keys`, `data` [, `againKeys`, `againLines`].
   */
  readonly sql: string;
  /** rangeEndSql(table, chunkSize). */
  readonly endSql: string;
  /** Values already bound for SQLite (besides `after` and `upto`), only those the SQL names. */
  readonly params: Readonly<Record<string, string | number>>;
  readonly chunkSize: number;
}

export interface ParallelReadSpec extends RangeReadSpec {
  readonly file: string;
  readonly readers: number;
}

// Workers are never terminated from outside while SQLite may be running (a termination that lands while
// better-sqlite3 builds an error aborts the whole process): they are asked to close and exit by themselves.
// The fingerprint is lineFingerprint's (state/fingerprints.ts): the first 16 hex digits of the line's SHA-1.
//
// Each range's block comes out of better-sqlite3 as a new Buffer, dead once copied into the slot. V8 frees
// such external memory only when a collection runs, and this thread allocates so little on its own heap that
// none would run before ~64 MB of spent blocks had piled up (per thread: the RSS target could not be met). A
// young-generation collection after every MB of blocks frees them at once and costs a fraction of a
// millisecond (the live heap is tiny): ~0.2 CPU-s per GB, for ~20 MB less RSS than every 4 MB (measured on the
// 1M-line demo). The \`gc\` function is exposed to this thread only for that (memory.ts says more).
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
require('node:v8').setFlagsFromString('--expose-gc');
const collect = typeof globalThis.gc === 'function' ? globalThis.gc : require('node:vm').runInNewContext('gc');
const COLLECT_EVERY_BYTES = 1024 * 1024;
let spentBytes = 0;
const slots = workerData.slots.map((shared) => new Uint8Array(shared));
const Database = require(workerData.driver);
const describe = (error) => (error && error.message ? error.message : String(error));
// The connection lives as long as the thread; the statements are those of the table being read (a 'spec'
// message precedes its first range).
let db, rows, end, params, setupError, specError;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('cache_size = -' + workerData.cacheKib);
} catch (error) {
  setupError = describe(error);
}
const OPEN = 9223372036854775807n;
// A block too large for its slot: the lines and their final newline, in a buffer of its own (transferred).
function ownBlock(lines) {
  const block = new Uint8Array(lines.length + 1);
  block.set(lines);
  block[lines.length] = 10;
  return block.buffer;
}
parentPort.on('message', (task) => {
  if (task.kind === 'close') {
    try { if (db) db.close(); } catch {}
    parentPort.close();
    return;
  }
  if (task.kind === 'spec') {
    rows = end = undefined;
    specError = undefined;
    params = task.params;
    if (setupError !== undefined) return;
    try {
      rows = db.prepare(task.sql);
      end = db.prepare(task.endSql).pluck(true);
    } catch (error) {
      specError = describe(error);
    }
    return;
  }
  const id = task.id;
  if (setupError !== undefined || specError !== undefined) {
    parentPort.postMessage({ id, kind: 'error', message: setupError ?? specError });
    return;
  }
  try {
    let upto = task.upto;
    if (task.findEnd) {
      const k = end.get({ after: task.after });
      upto = k === undefined || k === null ? null : k;
      parentPort.postMessage({ id, kind: 'end', end: upto });
    }
    const got = rows.get(Object.assign({}, params, { after: task.after, upto: upto === null ? OPEN : upto }));
    const n = got.n;
    const keys = new Float64Array(n);
    const again = [];
    const prints = [];
    let data = null;
    let length = 0;
    if (n > 0) {
      const parsed = JSON.parse(got.keys);
      for (let i = 0; i < n; i++) {
        const key = parsed[i];
        if (!Number.isSafeInteger(key)) throw new Error('cbMarq holds a value that is not an integer: ' + JSON.stringify(key));
        keys[i] = key;
      }
      // The lines joined by newlines; the block ends with one more.
      const blob = got.data;
      const slot = task.slot >= 0 ? slots[task.slot] : undefined;
      if (slot !== undefined && blob.length < slot.length) {
        slot.set(blob);
        slot[blob.length] = 10;
        length = blob.length + 1;
        spentBytes += blob.length;
        if (spentBytes >= COLLECT_EVERY_BYTES) {
          spentBytes = 0;
          collect({ type: 'minor' });
        }
      } else {
        data = ownBlock(blob);
      }
      const flagged = got.againKeys ? JSON.parse(got.againKeys) : [];
      if (flagged.length > 0) {
        const text = got.againLines.toString('utf8');
        let start = 0;
        for (const key of flagged) {
          const end = text.indexOf('\\n', start);
          again.push(key);
          prints.push(hash('sha1', text.slice(start, end), 'hex').slice(0, 16));
          start = end + 1;
        }
      }
    }
    parentPort.postMessage({ id, kind: 'rows', n, keys, data, length, again, prints, upto }, data ? [keys.buffer, data] : [keys.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, kind: 'error', message: describe(error) });
  }
});
`;

interface RangeResult {
  readonly n: number;
  readonly keys: Float64Array;
  /** The block, when it did not fit in the task's slot; otherwise it is the slot's first `length` bytes. */
  readonly data: ArrayBuffer | null;
  readonly length: number;
  /** The keys of the rows flagged `w`, and their lines' fingerprints. */
  readonly again: number[];
  readonly prints: string[];
  readonly upto: number | null;
}

/** Room for the block of one range (a few hundred KB in Sage tables); a larger block is transferred instead. */
const SLOT_BYTES = 1024 * 1024;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // rejections are observed by whoever awaits; never unhandled
  return { promise, resolve, reject };
}

interface Task {
  readonly id: number;
  readonly after: number;
  readonly upto: number | null;
  readonly findEnd: boolean;
  /** The slot (index) where the worker copies the block; -1: none free, the block is transferred. */
  readonly slot: number;
  readonly end: Deferred<number | null>;
  readonly rows: Deferred<RangeResult>;
}

class ReaderPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Task[] = [];
  private readonly running = new Map<Worker, Task>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing = false;
  /** The label of the table being read, for messages. */
  private label: string;
  private idleWaiter: (() => void) | undefined;

  constructor(
    readonly file: string,
    readonly readers: number,
  ) {
    this.label = file;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // One slot per range read ahead, one for the block being consumed, one for a continuation.
    this.slots = Array.from({ length: readers + 3 }, () => new SharedArrayBuffer(SLOT_BYTES));
    this.freeSlots = this.slots.map((_, i) => i);
    const workerData = { driver, file, slots: this.slots, cacheKib: READ_CACHE_KIB };
    for (let i = 0; i < readers; i++) {
      // A small young generation: a reader's garbage is a few hundred rows at a time.
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      worker.on('message', (message: Record<string, unknown>) => this.message(worker, message));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a reader thread stopped (exit code ${code})`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /**
   * Blocks travel through a few shared buffers reused from range to range (handed to the workers once), not
   * through a new buffer each: V8 frees a dead transferred buffer only at a full collection, and this thread
   * allocates too little to cause one, so 60 MB of spent blocks would pile up before it came.
   */
  private readonly slots: SharedArrayBuffer[];
  private readonly freeSlots: number[];

  /** Hands the workers the statements of the next table; the pool must be idle (see drain). */
  begin(spec: RangeReadSpec): void {
    if (this.running.size > 0 || this.waiting.length > 0) throw new Error('the reader threads are still reading another table');
    this.label = spec.label;
    this.freeSlots.length = 0;
    this.freeSlots.push(...this.slots.map((_, i) => i));
    for (const worker of this.workers) worker.postMessage({ kind: 'spec', sql: spec.sql, endSql: spec.endSql, params: spec.params });
  }

  /** Forgets the ranges not started and waits for those running (a read stopped early), so the next table can begin. */
  async drain(): Promise<void> {
    const stopped = new Error('reading stopped');
    for (const task of this.waiting.splice(0)) {
      task.end.reject(stopped);
      task.rows.reject(stopped);
    }
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => (this.idleWaiter = resolve));
  }

  slotBytes(slot: number, length: number): Buffer {
    return Buffer.from(this.slots[slot] as SharedArrayBuffer, 0, length);
  }

  release(slot: number): void {
    if (slot >= 0) this.freeSlots.push(slot);
  }

  submit(after: number, upto: number | null, findEnd: boolean, first = false): Task {
    const slot = this.freeSlots.pop() ?? -1;
    const task: Task = { id: this.nextId++, after, upto, findEnd, slot, end: deferred(), rows: deferred() };
    if (this.failure) {
      task.end.reject(this.failure);
      task.rows.reject(this.failure);
      return task;
    }
    if (first) this.waiting.unshift(task);
    else this.waiting.push(task);
    this.pump();
    return task;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.pop() as Worker;
      const task = this.waiting.shift() as Task;
      this.running.set(worker, task);
      worker.postMessage({ id: task.id, after: task.after, upto: task.upto, findEnd: task.findEnd, slot: task.slot });
    }
  }

  private message(worker: Worker, message: Record<string, unknown>): void {
    const task = this.running.get(worker);
    if (!task || task.id !== message.id) return;
    if (message.kind === 'end') {
      task.end.resolve(message.end as number | null);
      return;
    }
    this.running.delete(worker);
    this.idle.push(worker);
    if (this.running.size === 0 && this.idleWaiter) {
      this.idleWaiter();
      this.idleWaiter = undefined;
    }
    if (message.kind === 'error') {
      const error = new SourceError(`Query failed on ${this.label}: ${String(message.message)}`);
      task.end.reject(error);
      task.rows.reject(error);
    } else {
      if (!task.findEnd) task.end.resolve(task.upto);
      task.rows.resolve(message as unknown as RangeResult);
    }
    this.pump();
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = new SourceError(`Reading ${this.label} in a worker thread failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    for (const task of [...this.running.values(), ...this.waiting]) {
      task.end.reject(this.failure);
      task.rows.reject(this.failure);
    }
    this.running.clear();
    this.waiting.length = 0;
    this.idleWaiter?.();
    this.idleWaiter = undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.threadId === -1) return resolve(); // already gone
            // A worker finishes the statement it is running, closes its connection and exits; only one that
            // does not within a few seconds (stuck) is terminated.
            const timer = setTimeout(() => void worker.terminate().finally(resolve), 5000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.postMessage({ kind: 'close' });
          }),
      ),
    );
  }
}

/**
 * Reader threads on one SQLite file, kept from table to table: a thread costs ~30 ms of CPU to start (and
 * its code is compiled again in each), and a publication reads a dozen tables. Threads start with the first
 * read; one table at a time; `close()` ends them.
 */
export class RangeReaderPool {
  #pool: ReaderPool | undefined;
  #reading = false;

  constructor(
    readonly file: string,
    readonly readers: number,
  ) {}

  /** Every row of a table in key order, in chunks (see readRangesInParallel). */
  async *read(spec: RangeReadSpec): AsyncGenerator<BlockChunk> {
    if (this.#reading) throw new Error(`The reader threads of ${this.file} are already reading a table.`);
    this.#reading = true;
    try {
      this.#pool ??= new ReaderPool(this.file, this.readers);
      yield* readRanges(this.#pool, spec);
    } finally {
      this.#reading = false;
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }
}

/** Reads every row of the table in key order, in chunks, with `spec.readers` worker threads of its own. */
export async function* readRangesInParallel(spec: ParallelReadSpec): AsyncGenerator<BlockChunk> {
  const pool = new RangeReaderPool(spec.file, spec.readers);
  try {
    yield* pool.read(spec);
  } finally {
    await pool.close();
  }
}

async function* readRanges(pool: ReaderPool, spec: RangeReadSpec): AsyncGenerator<BlockChunk> {
  pool.begin(spec);
  const limit = spec.chunkSize + 1;
  const ahead = pool.readers + 1;
  const queue: Task[] = [];
  // Set when this read ends: a range end reported afterwards must not launch ranges into the pool, which
  // may already be reading the next table.
  let over = false;
  // The start of the next range to hand out: a key, undefined while the previous range's end is being
  // found, null when the last (open) range was handed out.
  let next: number | null | undefined = -1;
  const launch = (): void => {
    while (!over && typeof next === 'number' && queue.length < ahead) {
      const task = pool.submit(next, null, true);
      next = undefined;
      queue.push(task);
      task.end.promise.then(
        (end) => {
          next = end;
          launch();
        },
        () => undefined,
      );
    }
  };
  try {
    launch();
    for (;;) {
      const task = queue.shift();
      if (!task) {
        if (next === null) return;
        throw new SourceError(`Reading ${spec.label}: the key ranges went out of step.`); // cannot happen
      }
      let current = task;
      let result = await current.rows.promise;
      launch();
      for (;;) {
        const n = Number(result.n);
        const { keys } = result;
        const data =
          result.data !== null ? Buffer.from(result.data)
          : result.length === 0 ? Buffer.alloc(0)
          : pool.slotBytes(current.slot, result.length);
        yield { keys, data, again: result.again, prints: result.prints };
        // The consumer asked for the next block: it is done with this one.
        pool.release(current.slot);
        if (n < limit) break;
        // More rows than the range held when its end was found: continue it before the next range.
        const last = keys[n - 1] as number;
        current = pool.submit(last, result.upto, false, true);
        result = await current.rows.promise;
      }
    }
  } finally {
    over = true;
    await pool.drain();
  }
}
