/**
 * Parallel reading of a SQLite table for a full raw extraction: worker threads, each with its own read-only
 * better-sqlite3 connection to the file, run the same row SQL as the in-thread path on consecutive key
 * ranges, so SQLite builds the rows' JSON on other cores. SQLite folds each range into one aggregate row
 * (sql.ts rangeBlockSql: the keys and the NDJSON bytes as a blob); the worker copies the blob into a shared slot
 * (or transfers it when too large) and packs the keys into a Float64Array. This thread handles a few hundred
 * rows per message, never a row at a time; the publisher hashes and compresses the block as it is.
 *
 * Ranges: a "scout" task walks the keys (`LIMIT 1 OFFSET chunkSize − 1`, keys only, a fraction of the cost of
 * the rows) to find the ends of the next SCOUT_RANGES ranges at once; rows tasks then read `(after, end]`
 * (`LIMIT chunkSize + 1`). The range after the last end a scout could find is open. A range that comes back
 * with `chunkSize + 1` rows (rows inserted meanwhile with keys inside it) is continued after its last key
 * before the next range is delivered. Chunks are delivered in key order; at most `readers × TASKS_PER_READER
 * + 1` ranges are read ahead of the consumer, so memory stays bounded by a few chunks.
 *
 * Why ends are found ahead and each thread gets its next task before it finishes the current one: the
 * machine's cores are shared by the readers, zlib and the portal, so this thread is often scheduled a few
 * milliseconds late. When each range's end went through it before the next range could start, the readers
 * waited for it ~15% of their time on the 1M-line demo.
 *
 * Every statement is its own read transaction, exactly as the in-thread keyset chunks: the lines are the same
 * bytes, in the same order.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SourceError } from '../../errors.js';
import { READ_CACHE_KIB } from '../../sources/sqlite.js';

/** One range of rows in key order, as a ready NDJSON block. */
export interface BlockChunk {
  /** The rows' keys in order, integers (their order is checked by the caller). */
  readonly keys: Float64Array;
  /** The rows' lines, each followed by `\n`, UTF-8; valid until the next chunk is asked for (reused memory). */
  readonly data: Buffer;
}

/** What one table's read needs: its statements and bound values. */
export interface RangeReadSpec {
  /** For messages. */
  readonly label: string;
  /**
   * One aggregate row per range (rangeBlockSql over chunkSql with `upto`, LIMIT `chunkSize + 1`): the rows of
   * `@after < key <= @upto` as `n`, `keys`, `data`.
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
//
// Each range's block comes out of better-sqlite3 as a new Buffer, dead once copied into the slot. V8 frees
// such external memory only when a collection runs, and this thread allocates so little on its own heap that
// none would run before ~64 MB of spent blocks had piled up (per thread: the RSS target could not be met). A
// young-generation collection after every MB of blocks frees them at once and costs a fraction of a
// millisecond (the live heap is tiny): ~0.2 CPU-s per GB, for ~20 MB less RSS than every 4 MB (measured on the
// 1M-line demo). The \`gc\` function is exposed to this thread only for that (memory.ts says more).
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
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
    if (task.kind === 'scout') {
      // The ends of up to task.count consecutive ranges after task.after; fewer: the table ends before.
      const ends = [];
      let after = task.after;
      while (ends.length < task.count) {
        const k = end.get({ after });
        if (k === undefined || k === null) break;
        if (!Number.isSafeInteger(k)) throw new Error('cbMarq holds a value that is not an integer: ' + JSON.stringify(k));
        ends.push(k);
        after = k;
      }
      parentPort.postMessage({ id, kind: 'ends', ends });
      return;
    }
    const upto = task.upto;
    const got = rows.get(Object.assign({}, params, { after: task.after, upto: upto === null ? OPEN : upto }));
    const n = got.n;
    const keys = new Float64Array(n);
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
    }
    parentPort.postMessage({ id, kind: 'rows', n, keys, data, length, upto }, data ? [keys.buffer, data] : [keys.buffer]);
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
  readonly upto: number | null;
}

/** Room for the block of one range (a few hundred KB in Sage tables); a larger block is transferred instead. */
const SLOT_BYTES = 1024 * 1024;
/**
 * Tasks a reader thread holds at once (the one it runs and those queued in its inbox): when it finishes a range
 * its next one is already there, however late this thread is scheduled to hand out more.
 */
const TASKS_PER_READER = 2;
/** Range ends a scout finds at once, and how few may be left before the next scout is sent. */
const SCOUT_RANGES = 16;
const SCOUT_LOW_WATER = 8;

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

interface TaskBase {
  readonly id: number;
  readonly after: number;
}

/** The rows of `(after, upto]` (`upto` null: to the end of the table). */
interface RowsTask extends TaskBase {
  readonly kind: 'rows';
  readonly upto: number | null;
  /** The slot (index) where the worker copies the block; -1: none free, the block is transferred. */
  readonly slot: number;
  readonly result: Deferred<RangeResult>;
}

/** The ends of up to `count` consecutive ranges after `after`. */
interface ScoutTask extends TaskBase {
  readonly kind: 'scout';
  readonly count: number;
  readonly result: Deferred<number[]>;
}

type Task = RowsTask | ScoutTask;

class ReaderPool {
  private readonly workers: Worker[] = [];
  private readonly waiting: Task[] = [];
  /** The tasks sent to each worker, in the order it runs them (and answers). */
  private readonly assigned = new Map<Worker, Task[]>();
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
    this.slots = Array.from({ length: readers * TASKS_PER_READER + 3 }, () => new SharedArrayBuffer(SLOT_BYTES));
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
      this.assigned.set(worker, []);
    }
  }

  /** Ranges that may be read ahead of the consumer: enough to keep every thread's inbox full. */
  get readAhead(): number {
    return this.readers * TASKS_PER_READER + 1;
  }

  /**
   * Blocks travel through a few shared buffers reused from range to range (handed to the workers once), not
   * through a new buffer each: V8 frees a dead transferred buffer only at a full collection, and this thread
   * allocates too little to cause one, so 60 MB of spent blocks would pile up before it came.
   */
  private readonly slots: SharedArrayBuffer[];
  private readonly freeSlots: number[];

  private get busy(): boolean {
    for (const tasks of this.assigned.values()) if (tasks.length > 0) return true;
    return false;
  }

  /** Hands the workers the statements of the next table; the pool must be idle (see drain). */
  begin(spec: RangeReadSpec): void {
    // Threads that died while reading an earlier table: fail with that message, before the label moves on.
    if (this.failure) throw this.failure;
    if (this.busy || this.waiting.length > 0) throw new Error('the reader threads are still reading another table');
    this.label = spec.label;
    this.freeSlots.length = 0;
    this.freeSlots.push(...this.slots.map((_, i) => i));
    for (const worker of this.workers) worker.postMessage({ kind: 'spec', sql: spec.sql, endSql: spec.endSql, params: spec.params });
  }

  /** Forgets the tasks not sent yet and waits for those sent (a read stopped early), so the next table can begin. */
  async drain(): Promise<void> {
    const stopped = new Error('reading stopped');
    for (const task of this.waiting.splice(0)) task.result.reject(stopped);
    if (!this.busy) return;
    await new Promise<void>((resolve) => (this.idleWaiter = resolve));
  }

  slotBytes(slot: number, length: number): Buffer {
    return Buffer.from(this.slots[slot] as SharedArrayBuffer, 0, length);
  }

  release(slot: number): void {
    if (slot >= 0) this.freeSlots.push(slot);
  }

  /** Reads the rows of `(after, upto]`; `first`: before any task not yet sent (a continuation awaited now). */
  rows(after: number, upto: number | null, first = false): RowsTask {
    const task: RowsTask = { kind: 'rows', id: this.nextId++, after, upto, slot: this.freeSlots.pop() ?? -1, result: deferred() };
    this.enqueue(task, first);
    return task;
  }

  /** Finds the ends of up to `count` ranges after `after`, before any rows task not yet sent. */
  scout(after: number, count: number): Promise<number[]> {
    const task: ScoutTask = { kind: 'scout', id: this.nextId++, after, count, result: deferred() };
    this.enqueue(task, true);
    return task.result.promise;
  }

  private enqueue(task: Task, first: boolean): void {
    if (this.failure) {
      task.result.reject(this.failure);
      return;
    }
    if (first) this.waiting.unshift(task);
    else this.waiting.push(task);
    this.pump();
  }

  /** Sends waiting tasks to the least loaded workers, up to TASKS_PER_READER each. */
  private pump(): void {
    while (this.waiting.length > 0) {
      let target: Worker | undefined;
      let load = TASKS_PER_READER;
      for (const [worker, tasks] of this.assigned) {
        if (tasks.length < load) {
          target = worker;
          load = tasks.length;
        }
      }
      if (target === undefined) return;
      const task = this.waiting.shift() as Task;
      (this.assigned.get(target) as Task[]).push(task);
      target.postMessage(
        task.kind === 'scout'
          ? { id: task.id, kind: 'scout', after: task.after, count: task.count }
          : { id: task.id, kind: 'rows', after: task.after, upto: task.upto, slot: task.slot },
      );
    }
  }

  private message(worker: Worker, message: Record<string, unknown>): void {
    const tasks = this.assigned.get(worker);
    const task = tasks?.[0];
    if (!task || task.id !== message.id) return;
    tasks!.shift();
    if (this.idleWaiter && !this.busy) {
      this.idleWaiter();
      this.idleWaiter = undefined;
    }
    if (message.kind === 'error') {
      task.result.reject(new SourceError(`Query failed on ${this.label}: ${String(message.message)}`));
    } else if (task.kind === 'scout') {
      task.result.resolve(message.ends as number[]);
    } else {
      task.result.resolve(message as unknown as RangeResult);
    }
    this.pump();
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = new SourceError(`Reading ${this.label} in a worker thread failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    for (const tasks of this.assigned.values()) for (const task of tasks.splice(0)) task.result.reject(this.failure);
    for (const task of this.waiting.splice(0)) task.result.reject(this.failure);
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
  const queue: RowsTask[] = [];
  // Set when this read ends: a scout answering afterwards must not launch ranges into the pool, which may
  // already be reading the next table.
  let over = false;
  // The start of the next range to hand out, null once the last (open) range was handed out; the ends of the
  // ranges after it found by scouts so far; where the next scout starts; whether a scout found the table's end.
  let next: number | null = -1;
  const ends: number[] = [];
  let scoutFrom = -1;
  let lastEndFound = false;
  // The scout running, if any; a failed one stays here so that the consumer meets its error.
  let scouting: Promise<void> | undefined;
  const launch = (): void => {
    while (!over && next !== null && queue.length < pool.readAhead && (ends.length > 0 || lastEndFound)) {
      const upto = ends.length > 0 ? (ends.shift() as number) : null;
      queue.push(pool.rows(next, upto));
      next = upto;
    }
    if (!over && scouting === undefined && !lastEndFound && ends.length < SCOUT_LOW_WATER) {
      scouting = pool.scout(scoutFrom, SCOUT_RANGES).then((found) => {
        if (found.length > 0) scoutFrom = found[found.length - 1] as number;
        if (found.length < SCOUT_RANGES) lastEndFound = true;
        ends.push(...found);
        scouting = undefined;
        launch();
      });
      scouting.catch(() => undefined); // met by the consumer when it needs the ranges
    }
  };
  try {
    launch();
    for (;;) {
      const task = queue.shift();
      if (!task) {
        if (next === null) return;
        // No range known yet: wait for the scout (which launches the next ranges, or fails).
        if (scouting === undefined) throw new SourceError(`Reading ${spec.label}: the key ranges went out of step.`); // cannot happen
        await scouting;
        continue;
      }
      let current = task;
      let result = await current.result.promise;
      launch();
      for (;;) {
        const n = Number(result.n);
        const { keys } = result;
        const data =
          result.data !== null ? Buffer.from(result.data)
          : result.length === 0 ? Buffer.alloc(0)
          : pool.slotBytes(current.slot, result.length);
        yield { keys, data };
        // The consumer asked for the next block: it is done with this one.
        pool.release(current.slot);
        if (n < limit) break;
        // More rows than the range held when its end was found: continue it before the next range.
        const last = keys[n - 1] as number;
        current = pool.rows(last, result.upto, true);
        result = await current.result.promise;
      }
    }
  } finally {
    over = true;
    await pool.drain();
  }
}
