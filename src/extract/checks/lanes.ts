/**
 * Where the consistency checks' statements run. A lane runs one statement at a time and hands back all its
 * rows (a check statement returns at most a few hundred). The source lane is the source's own connection;
 * a reader lane is a worker thread with its own read-only better-sqlite3 connection to the same SQLite file,
 * so two heavy aggregates (the ledger pieces, the document lines) run on two cores at once.
 *
 * A reader hands back exactly what the SQLite source would: integers as numbers (bigint beyond 2^53), text,
 * NULL. It refuses a statement whose result has a declared decimal or date column (the source would convert
 * those), and any statement it cannot run: such a statement is run on the source instead, which then gives
 * its usual result or error.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sqlTypeKind } from '../sage/tables.js';
import type { Row, SqlSource, SqlValue } from '../../sources/source.js';
import { READ_CACHE_KIB } from '../../sources/sqlite.js';

export interface Lane {
  /** Runs one statement; all its rows. */
  run(sql: string): Promise<Row[]>;
  close(): void;
}

/** Thrown by a reader lane for a statement the source should run instead. */
export class LaneRefusal extends Error {}

export function sourceLane(source: SqlSource): Lane {
  // Statements are run one after the other, even when several callers share this lane.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(sql: string): Promise<Row[]> {
      const run = queue.then(async () => {
        const rows: Row[] = [];
        for await (const row of source.query(sql)) rows.push(row);
        return rows;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    close(): void {},
  };
}

// The worker runs each statement to completion (better-sqlite3 is synchronous) and is never terminated from
// outside while SQLite may be running: it is asked to close and exits by itself.
const READER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const describe = (error) => (error && error.message ? error.message : String(error));
let db, setupError;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  for (const pragma of workerData.pragmas) db.pragma(pragma);
} catch (error) {
  setupError = describe(error);
}
parentPort.on('message', (task) => {
  if (task.kind === 'close') {
    try { if (db) db.close(); } catch {}
    parentPort.close();
    return;
  }
  if (setupError !== undefined) {
    parentPort.postMessage({ id: task.id, kind: 'refused', message: setupError });
    return;
  }
  try {
    const statement = db.prepare(task.sql);
    if (!statement.reader) throw new Error('not a query');
    statement.safeIntegers(true).raw(true);
    const columns = statement.columns().map((c) => ({ name: c.name, type: c.type }));
    parentPort.postMessage({ id: task.id, kind: 'rows', columns, rows: statement.all() });
  } catch (error) {
    parentPort.postMessage({ id: task.id, kind: 'refused', message: describe(error) });
  }
});
`;

/**
 * A reader's connection keeps the page cache of the source's read-only connections (2 MB): the statements
 * scan, a larger cache would gain nothing and stay filled, per reader.
 */
const READER_PRAGMAS = [`cache_size = -${READ_CACHE_KIB}`];

interface ReaderReply {
  readonly id: number;
  readonly kind: 'rows' | 'refused';
  readonly message?: string;
  readonly columns?: readonly { name: string; type: string | null }[];
  readonly rows?: readonly unknown[][];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** The SQLite source's conversion of a value of a column that is neither decimal nor datetime. */
function plainValue(value: unknown): SqlValue {
  if (typeof value === 'bigint') return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value as SqlValue;
}

export function readerLane(file: string): Lane {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(READER_SOURCE, { eval: true, workerData: { driver, file, pragmas: READER_PRAGMAS } });
  const pending = new Map<number, { resolve(rows: Row[]): void; reject(error: unknown): void }>();
  let nextId = 1;
  let down: string | undefined;
  let closed = false;

  const stop = (reason: string): void => {
    down ??= reason;
    for (const task of pending.values()) task.reject(new LaneRefusal(reason));
    pending.clear();
  };
  worker.on('message', (reply: ReaderReply) => {
    const task = pending.get(reply.id);
    if (!task) return;
    pending.delete(reply.id);
    if (reply.kind !== 'rows') {
      task.reject(new LaneRefusal(reply.message ?? 'refused'));
      return;
    }
    const columns = reply.columns ?? [];
    const converted = columns.find((c) => c.type !== null && ['decimal', 'datetime'].includes(sqlTypeKind(c.type)));
    if (converted) {
      task.reject(new LaneRefusal(`column ${converted.name} would need the source's ${converted.type} conversion`));
      return;
    }
    const names = columns.map((c) => c.name);
    task.resolve(
      (reply.rows ?? []).map((values) => {
        const row: Row = {};
        for (let i = 0; i < names.length; i++) row[names[i] as string] = plainValue(values[i]);
        return row;
      }),
    );
  });
  worker.on('error', (error) => stop(`reader thread failed: ${error instanceof Error ? error.message : String(error)}`));
  worker.on('exit', (code) => stop(`reader thread stopped (exit code ${code})`));

  return {
    run(sql: string): Promise<Row[]> {
      if (down !== undefined || closed) return Promise.reject(new LaneRefusal(down ?? 'closed'));
      const id = nextId++;
      return new Promise<Row[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, sql });
      });
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (down === undefined) worker.postMessage({ kind: 'close' });
    },
  };
}
