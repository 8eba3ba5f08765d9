/**
 * Parallel reading of a SQLite table for a full raw extraction: worker threads, each with its own read-only
 * better-sqlite3 connection to the file, run the same row SQL as the in-thread path on consecutive key
 * ranges, so SQLite builds the rows' JSON on other cores while this thread only hands the lines on (and the
 * publisher gzips them on the libuv pool).
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

/** One chunk of rows in key order: raw key values (checked by the caller), their lines, flagged keys. */
export interface RowChunk {
  readonly keys: ArrayLike<unknown>;
  readonly lines: readonly string[];
  /** The keys (ascending) of the rows whose `w` column is 1: those the next run reads again. */
  readonly again: readonly number[];
}

export interface ParallelReadSpec {
  readonly file: string;
  /** For messages. */
  readonly label: string;
  /** `k`, `j` [, `w`] of `@after < key <= @upto` in key order, LIMIT `chunkSize + 1` (chunkSql with upto). */
  readonly sql: string;
  /** rangeEndSql(table, chunkSize). */
  readonly endSql: string;
  /** Values already bound for SQLite (besides `after` and `upto`), only those the SQL names. */
  readonly params: Readonly<Record<string, string | number>>;
  readonly chunkSize: number;
  readonly readers: number;
}

// Workers are never terminated from outside while SQLite may be running (a termination that lands while
// better-sqlite3 builds an error aborts the whole process): they are asked to close and exit by themselves.
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db, rows, end, setupError;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  rows = db.prepare(workerData.sql).raw(true);
  end = db.prepare(workerData.endSql).pluck(true);
} catch (error) {
  setupError = error && error.message ? error.message : String(error);
}
const OPEN = 9223372036854775807n;
parentPort.on('message', (task) => {
  if (task.kind === 'close') {
    try { if (db) db.close(); } catch {}
    parentPort.close();
    return;
  }
  const id = task.id;
  if (setupError !== undefined) {
    parentPort.postMessage({ id, kind: 'error', message: setupError });
    return;
  }
  try {
    let upto = task.upto;
    if (task.findEnd) {
      const k = end.get({ after: task.after });
      upto = k === undefined || k === null ? null : k;
      parentPort.postMessage({ id, kind: 'end', end: upto });
    }
    // Row by row (small strings in the young generation, quickly collected, on both threads).
    const got = rows.all(Object.assign({}, workerData.params, { after: task.after, upto: upto === null ? OPEN : upto }));
    const n = got.length;
    const keys = new Array(n);
    const lines = new Array(n);
    const again = [];
    for (let i = 0; i < n; i++) {
      const r = got[i];
      keys[i] = r[0];
      lines[i] = r[1];
      if (r[2] === 1) again.push(r[0]);
    }
    parentPort.postMessage({ id, kind: 'rows', n, keys, lines, again, upto });
  } catch (error) {
    parentPort.postMessage({ id, kind: 'error', message: error && error.message ? error.message : String(error) });
  }
});
`;

interface RangeResult {
  readonly n: number;
  readonly keys: unknown[];
  readonly lines: string[];
  /** The keys of the rows flagged `w`. */
  readonly again: number[];
  readonly upto: number | null;
}

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

  constructor(private readonly spec: ParallelReadSpec) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const workerData = { driver, file: spec.file, sql: spec.sql, endSql: spec.endSql, params: spec.params };
    for (let i = 0; i < spec.readers; i++) {
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

  submit(after: number, upto: number | null, findEnd: boolean, first = false): Task {
    const task: Task = { id: this.nextId++, after, upto, findEnd, end: deferred(), rows: deferred() };
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
      worker.postMessage({ id: task.id, after: task.after, upto: task.upto, findEnd: task.findEnd });
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
    if (message.kind === 'error') {
      const error = new SourceError(`Query failed on ${this.spec.label}: ${String(message.message)}`);
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
    this.failure = new SourceError(`Reading ${this.spec.label} in a worker thread failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    for (const task of [...this.running.values(), ...this.waiting]) {
      task.end.reject(this.failure);
      task.rows.reject(this.failure);
    }
    this.running.clear();
    this.waiting.length = 0;
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

/** Reads every row of the table in key order, in chunks, with `spec.readers` worker threads. */
export async function* readRangesInParallel(spec: ParallelReadSpec): AsyncGenerator<RowChunk> {
  const pool = new ReaderPool(spec);
  const limit = spec.chunkSize + 1;
  const ahead = spec.readers + 1;
  const queue: Task[] = [];
  // The start of the next range to hand out: a key, undefined while the previous range's end is being
  // found, null when the last (open) range was handed out.
  let next: number | null | undefined = -1;
  const launch = (): void => {
    while (typeof next === 'number' && queue.length < ahead) {
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
      let result = await task.rows.promise;
      launch();
      for (;;) {
        const n = Number(result.n);
        const { keys, lines } = result;
        yield { keys, lines, again: result.again };
        if (n < limit) break;
        // More rows than the range held when its end was found: continue it before the next range.
        const last = keys[n - 1] as number;
        result = await pool.submit(last, result.upto, false, true).rows.promise;
      }
    }
  } finally {
    await pool.close();
  }
}
