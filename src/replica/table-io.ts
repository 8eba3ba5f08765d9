/**
 * Reading a source table and writing a replica table: the pieces the build and the update share.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { InterruptedError, SourceError } from '../errors.js';
import type { Row, SqlParams, SqlSource } from '../sources/source.js';
import { bucketsSql, BUCKET_KEYS, BUCKETS_PER_STATEMENT, quoteIdent, ROW_KEY, tableStatsSql } from './reads.js';
import { GENERATION_COLUMN } from './format.js';
import type { SourceColumn } from './schema.js';
import { storedRow, type StoredValue } from './values.js';

export interface TableStats {
  readonly rowCount: number;
  readonly lastKey: number | null;
  readonly maxModified: string | null;
}

export interface BucketState {
  readonly rowCount: number;
  readonly checksum: string | null;
}

/** What a failed read names: the table and the chunk, so that the journal says where the source was lost. */
function readFailure(error: unknown, source: SqlSource, table: string, where: string): unknown {
  if (error instanceof InterruptedError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SourceError(`Reading ${table} from ${source.label} failed at ${where}: ${message}`, {
    hint: 'The replica keeps what it had; the next sync starts again from there. Check the connection to the database.',
    cause: error,
  });
}

export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError('Interrupted: the replica keeps its last committed state.');
}

export async function readRows(source: SqlSource, sql: string, params: SqlParams, table: string, where: string): Promise<Row[]> {
  const rows: Row[] = [];
  try {
    for await (const row of source.query(sql, params)) rows.push(row);
  } catch (error) {
    throw readFailure(error, source, table, where);
  }
  return rows;
}

function asNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

export async function tableStats(source: SqlSource, table: string, hasModified: boolean): Promise<TableStats> {
  const [row] = await readRows(source, tableStatsSql(source.dialect, table, hasModified), {}, table, 'its row count');
  const modified = row?.max_modified;
  return {
    rowCount: asNumber(row?.row_count) ?? 0,
    lastKey: asNumber(row?.last_key),
    maxModified: typeof modified === 'string' ? modified : null,
  };
}

/** A cbMarq value as a safe integer, or an error naming the table (a damaged or non-Sage key). */
export function keyValue(value: unknown, table: string): number {
  const key = typeof value === 'bigint' ? Number(value) : value;
  if (typeof key !== 'number' || !Number.isSafeInteger(key)) {
    throw new SourceError(`${table}.cbMarq holds a value that is not an integer: ${String(value)}`);
  }
  return key;
}

export function keyOf(row: Row, table: string): number {
  return keyValue(row[ROW_KEY], table);
}

/**
 * The source's buckets (row count, checksum) over its whole key range, `BUCKETS_PER_STATEMENT` buckets per
 * statement so that each one is short.
 */
export async function sourceBuckets(
  source: SqlSource,
  table: string,
  columns: readonly SourceColumn[],
  lastKey: number | null,
  withChecksum: boolean,
  signal: AbortSignal | undefined,
): Promise<Map<number, BucketState>> {
  const buckets = new Map<number, BucketState>();
  if (lastKey === null) return buckets;
  const sql = bucketsSql(source.dialect, table, columns, withChecksum);
  const span = BUCKET_KEYS * BUCKETS_PER_STATEMENT;
  for (let after = -1; after < lastKey; after += span) {
    checkSignal(signal);
    const upto = after + span;
    const rows = await readRows(source, sql, { after: { type: 'int', value: after }, upto: { type: 'int', value: upto } }, table, `keys ${after + 1} to ${upto}`);
    for (const row of rows) {
      const parts = [row.checksum, row.checksum_sum].filter((v) => v !== undefined && v !== null).map(String);
      const checksum = parts.length === 0 ? null : parts.join(':');
      buckets.set(asNumber(row.bucket) ?? 0, { rowCount: asNumber(row.row_count) ?? 0, checksum: withChecksum ? checksum : null });
    }
  }
  return buckets;
}

/** Buckets whose replica count is not the source's, or that the replica has and the source no longer does. */
export function countsDiffer(now: ReadonlyMap<number, BucketState>, replicaCounts: ReadonlyMap<number, number>): number[] {
  const differing = new Set<number>();
  for (const [bucket, state] of now) if ((replicaCounts.get(bucket) ?? 0) !== state.rowCount) differing.add(bucket);
  for (const bucket of replicaCounts.keys()) if (!now.has(bucket)) differing.add(bucket);
  return [...differing].sort((a, b) => a - b);
}

/** Those, and the buckets whose count or checksum moved since `before` (what the last comparison recorded). */
export function changedBuckets(now: ReadonlyMap<number, BucketState>, before: ReadonlyMap<number, BucketState>, replicaCounts: ReadonlyMap<number, number>): number[] {
  const differing = new Set(countsDiffer(now, replicaCounts));
  for (const [bucket, state] of now) {
    const previous = before.get(bucket);
    if (previous === undefined || previous.checksum !== state.checksum || previous.rowCount !== state.rowCount) differing.add(bucket);
  }
  return [...differing].sort((a, b) => a - b);
}

/** The replica's own row count per bucket. */
export function replicaBucketCounts(db: SqliteDatabase, table: string): Map<number, number> {
  const key = quoteIdent('sqlite', ROW_KEY);
  const rows = db.prepare(`SELECT ${key} / ${BUCKET_KEYS} AS bucket, count(*) AS n FROM ${quoteIdent('sqlite', table)} GROUP BY 1`).raw().all() as [number, number][];
  return new Map(rows);
}

export function storedBuckets(db: SqliteDatabase, metaTable: 'sbsync_buckets' | 'sbsync_build_buckets', table: string): Map<number, BucketState> {
  const rows = db.prepare(`SELECT bucket, row_count, checksum FROM ${metaTable} WHERE tbl = ?`).all(table) as { bucket: number; row_count: number; checksum: string | null }[];
  return new Map(rows.map((r) => [r.bucket, { rowCount: r.row_count, checksum: r.checksum }]));
}

export function writeBuckets(db: SqliteDatabase, metaTable: 'sbsync_buckets' | 'sbsync_build_buckets', table: string, buckets: ReadonlyMap<number, BucketState>): void {
  db.prepare(`DELETE FROM ${metaTable} WHERE tbl = ?`).run(table);
  const insert = db.prepare(`INSERT INTO ${metaTable} (tbl, bucket, row_count, checksum) VALUES (?, ?, ?, ?)`);
  for (const [bucket, state] of buckets) insert.run(table, bucket, state.rowCount, state.checksum);
}

/** Inserts, replaces and compares rows of one replica table (or of its building copy). */
export class TableWriter {
  private readonly insert: Statement;
  private readonly select: Statement;
  private readonly remove: Statement;
  inserted = 0;
  updated = 0;
  deleted = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly target: string,
    private readonly table: string,
    private readonly columns: readonly SourceColumn[],
    private readonly generation: number,
  ) {
    const names = columns.map((c) => quoteIdent('sqlite', c.name));
    const t = quoteIdent('sqlite', target);
    const key = quoteIdent('sqlite', ROW_KEY);
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO ${t} (${[...names, quoteIdent('sqlite', GENERATION_COLUMN)].join(', ')}) VALUES (${names.map(() => '?').join(', ')}, ?)`,
    );
    this.select = db.prepare(`SELECT ${names.join(', ')} FROM ${t} WHERE ${key} = ?`).raw().safeIntegers(true);
    this.remove = db.prepare(`DELETE FROM ${t} WHERE ${key} = ?`);
  }

  /** A new row (a first copy: no comparison). */
  add(row: Row, key: number): void {
    this.insert.run(...storedRow(row, this.columns, this.table, key), this.generation);
    this.inserted++;
  }

  /** A row read again: written (and stamped with this generation) only when it differs from the replica's. */
  merge(row: Row, key: number): void {
    const values = storedRow(row, this.columns, this.table, key);
    const current = this.select.get(key) as unknown[] | undefined;
    if (current !== undefined && sameValues(current, values)) return;
    this.insert.run(...values, this.generation);
    if (current === undefined) this.inserted++;
    else this.updated++;
  }

  delete(key: number): void {
    if (this.remove.run(key).changes > 0) this.deleted++;
  }

  /** Keys of the replica in `(after, upto]`. */
  keysBetween(after: number, upto: number): number[] {
    const key = quoteIdent('sqlite', ROW_KEY);
    return this.db
      .prepare(`SELECT ${key} FROM ${quoteIdent('sqlite', this.target)} WHERE ${key} > ? AND ${key} <= ? ORDER BY ${key}`)
      .pluck()
      .all(after, upto) as number[];
  }
}

function sameValue(a: unknown, b: StoredValue): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
      return Number.isInteger(Number(a)) && Number.isInteger(Number(b)) && BigInt(a) === BigInt(b);
    }
    return false;
  }
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return false;
}

export function sameValues(current: readonly unknown[], values: readonly StoredValue[]): boolean {
  for (let i = 0; i < values.length; i++) if (!sameValue(current[i], values[i] as StoredValue)) return false;
  return true;
}
