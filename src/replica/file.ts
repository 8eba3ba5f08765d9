/**
 * The replica file of one company: a SQLite database (WAL, mode 0600) holding the copied Sage tables and
 * the bookkeeping that keeps them equal to their source:
 * - `sbsync_replica`: format version, company, the identity of the source (a replica never mixes two), a
 *   random id of this file (a rebuilt replica has another), and the sync generation counter;
 * - `sbsync_tables`: per live table, its copied columns, its epoch (the generation that built it), the
 *   watermark and last key of the last sync, counts and times;
 * - `sbsync_builds` (and `sbsync_build_buckets`): a table being copied whole into `sbsync_build__<TABLE>`,
 *   committed chunk by chunk so that an interrupted copy resumes; swapped in at the end in one transaction,
 *   so readers see the old table (or none) until then;
 * - `sbsync_buckets`: per table and bucket of 128 keys, the row count and checksum the source gave;
 * Every change a sync makes to a table, its rows and its bookkeeping, is one transaction: a kill at any
 * point leaves the table as it was or as it is now.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { OperationError } from '../errors.js';
import { REPLICA_FORMAT } from './format.js';
import type { SourceColumn } from './schema.js';
import { registerCopyFunctions } from './sqlite-copy.js';


/** Page size of a new replica: long scans read a quarter of the pages 4 KB pages would need. */
const PAGE_SIZE = 16384;

/** What a replica copies from: a replica refuses to be fed by another source. */
export interface ReplicaIdentity {
  readonly company: string;
  /** A stable, secret-free description: `sqlserver:HOST\INSTANCE:PORT/ACCOUNTING+COMMERCIAL` or `sqlite:/path`. */
  readonly source: string;
}

export interface TableRecord {
  readonly name: string;
  readonly module: string;
  readonly columns: readonly SourceColumn[];
  readonly signature: string;
  /** The generation that built the table (the rows its copy wrote carry it). */
  readonly epoch: number;
  /** The last generation that changed a row of the table (its build, or an update that wrote something). */
  readonly changedGeneration: number;
  /** The latest modification stamp seen at the start of the last sync (wall-clock text), or null. */
  readonly watermark: string | null;
  /** The highest key seen at the start of the last sync. */
  readonly lastKey: number | null;
  readonly rowCount: number;
  readonly syncedAt: string | null;
  readonly syncMs: number | null;
  /** When the source's bucket checksums were last compared with the replica's (every change caught then). */
  readonly checksummedAt: string | null;
  readonly verifiedAt: string | null;
  readonly verifiedEqual: boolean | null;
}

const META_DDL = `
  CREATE TABLE IF NOT EXISTS sbsync_replica (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS sbsync_tables (
    name TEXT PRIMARY KEY, module TEXT NOT NULL, columns TEXT NOT NULL, signature TEXT NOT NULL,
    epoch INTEGER NOT NULL, changed_gen INTEGER NOT NULL, watermark TEXT, last_key INTEGER,
    row_count INTEGER NOT NULL DEFAULT 0, synced_at TEXT, sync_ms INTEGER, checksummed_at TEXT,
    verified_at TEXT, verified_equal INTEGER) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS sbsync_buckets (
    tbl TEXT NOT NULL, bucket INTEGER NOT NULL, row_count INTEGER NOT NULL, checksum TEXT,
    PRIMARY KEY (tbl, bucket)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS sbsync_builds (
    name TEXT PRIMARY KEY, columns TEXT NOT NULL, signature TEXT NOT NULL, epoch INTEGER NOT NULL,
    resume_after INTEGER NOT NULL, watermark TEXT, last_key INTEGER, checksummed INTEGER NOT NULL,
    started_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS sbsync_build_buckets (
    tbl TEXT NOT NULL, bucket INTEGER NOT NULL, row_count INTEGER NOT NULL, checksum TEXT,
    PRIMARY KEY (tbl, bucket)) WITHOUT ROWID;
`;

/** The error for a replica that cannot be used as it is; its hint names the command that rebuilds it. */
export function replicaRefused(file: string, company: string, why: string, cause?: unknown): OperationError {
  return new OperationError(`The replica of ${company} (${file}) ${why}.`, {
    hint: `Rebuild it from the source with \`sbsync replica rebuild --company ${company}\` (a full read of the company's tables).`,
    ...(cause === undefined ? {} : { cause }),
  });
}

interface TableRow {
  name: string;
  module: string;
  columns: string;
  signature: string;
  epoch: number;
  changed_gen: number;
  watermark: string | null;
  last_key: number | null;
  row_count: number;
  synced_at: string | null;
  sync_ms: number | null;
  checksummed_at: string | null;
  verified_at: string | null;
  verified_equal: number | null;
}

function tableRecord(row: TableRow): TableRecord {
  return Object.freeze({
    name: row.name,
    module: row.module,
    columns: Object.freeze(JSON.parse(row.columns) as SourceColumn[]),
    signature: row.signature,
    epoch: row.epoch,
    changedGeneration: row.changed_gen,
    watermark: row.watermark,
    lastKey: row.last_key,
    rowCount: row.row_count,
    syncedAt: row.synced_at,
    syncMs: row.sync_ms,
    checksummedAt: row.checksummed_at,
    verifiedAt: row.verified_at,
    verifiedEqual: row.verified_equal === null ? null : row.verified_equal === 1,
  });
}

export function replicaPath(dataDirectory: string, company: string): string {
  return path.join(dataDirectory, 'replica', `${company}.sqlite`);
}

export interface OpenReplicaOptions {
  /** Create the file when it does not exist (sync); otherwise a missing replica is an error (status, verify). */
  create: boolean;
}

export class ReplicaFile {
  private constructor(
    readonly path: string,
    readonly identity: ReplicaIdentity,
    readonly db: SqliteDatabase,
  ) {}

  /**
   * Opens (or creates) the replica of `identity.company` at `file`. Refuses a file that is not a replica, is
   * damaged, has another format or copies another source.
   */
  static open(file: string, identity: ReplicaIdentity, options: OpenReplicaOptions): ReplicaFile {
    mkdirSync(path.dirname(file), { recursive: true });
    let db: SqliteDatabase;
    try {
      db = new Database(file, { fileMustExist: !options.create });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CANTOPEN' && !options.create) {
        throw new OperationError(`${identity.company} has no replica yet (${file}).`, {
          hint: `Create it with \`sbsync replica sync --company ${identity.company}\` (or any \`sbsync publish\`).`,
          cause: error,
        });
      }
      throw replicaRefused(file, identity.company, 'cannot be opened', error);
    }
    try {
      return ReplicaFile.prepare(file, identity, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private static prepare(file: string, identity: ReplicaIdentity, db: SqliteDatabase): ReplicaFile {
    let fresh: boolean;
    try {
      fresh = (db.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get() as number) === 0;
      if (fresh) db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit is atomic and never torn; a power cut may lose the last commits, which the next
      // sync reads again from the source.
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -16384');
      db.pragma('analysis_limit = 1000'); // ANALYZE samples each index instead of reading it whole
      db.exec(META_DDL);
      registerCopyFunctions(db);
    } catch (error) {
      throw replicaRefused(file, identity.company, 'is not a readable SQLite database (damaged or truncated?)', error);
    }
    if (process.platform !== 'win32') {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        try {
          chmodSync(f, 0o600); // Sage data: readable by this account only
        } catch {
          /* the -wal/-shm files may not exist yet; SQLite gives them the database file's mode */
        }
      }
    }
    const meta = new Map((db.prepare('SELECT key, value FROM sbsync_replica').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    if (meta.size === 0) {
      if (!fresh && (db.prepare(`SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sbsync_%'`).pluck().get() as number) > 0) {
        throw replicaRefused(file, identity.company, 'is a SQLite database but not an sbsync replica');
      }
      const insert = db.prepare('INSERT INTO sbsync_replica (key, value) VALUES (?, ?)');
      db.transaction(() => {
        insert.run('format', String(REPLICA_FORMAT));
        insert.run('company', identity.company);
        insert.run('source', identity.source);
        insert.run('generation', '0');
        // A new file is a new replica: Data Manager states made from another one are redone in full.
        insert.run('id', randomUUID());
      })();
    } else {
      if (meta.get('format') !== String(REPLICA_FORMAT)) {
        throw replicaRefused(file, identity.company, `has format ${meta.get('format') ?? '?'}, this sbsync reads format ${REPLICA_FORMAT}`);
      }
      if (meta.get('company') !== identity.company || meta.get('source') !== identity.source) {
        throw replicaRefused(
          file,
          identity.company,
          `copies another source (${meta.get('company') ?? '?'} from ${meta.get('source') ?? '?'}), not ${identity.company} from ${identity.source}`,
        );
      }
    }
    return new ReplicaFile(file, identity, db);
  }

  /** A value of the replica's own bookkeeping (`sbsync_replica`), or undefined. */
  meta(key: string): string | undefined {
    return this.db.prepare('SELECT value FROM sbsync_replica WHERE key = ?').pluck().get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO sbsync_replica (key, value) VALUES (?, ?)').run(key, value);
  }

  /** The last generation a sync started. */
  generation(): number {
    return Number(this.db.prepare(`SELECT value FROM sbsync_replica WHERE key = 'generation'`).pluck().get());
  }

  /** Starts a sync: the next generation, committed at once so that no two syncs ever share one. */
  nextGeneration(): number {
    const next = this.generation() + 1;
    this.db.prepare(`UPDATE sbsync_replica SET value = ? WHERE key = 'generation'`).run(String(next));
    return next;
  }

  table(name: string): TableRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sbsync_tables WHERE name = ?').get(name) as TableRow | undefined;
    return row ? tableRecord(row) : undefined;
  }

  tables(): TableRecord[] {
    return (this.db.prepare('SELECT * FROM sbsync_tables ORDER BY name').all() as TableRow[]).map(tableRecord);
  }

  /** Writes a table's record (inside the caller's transaction). */
  putTable(record: TableRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO sbsync_tables (name, module, columns, signature, epoch, changed_gen, watermark, last_key,
           row_count, synced_at, sync_ms, checksummed_at, verified_at, verified_equal)
         VALUES (@name, @module, @columns, @signature, @epoch, @changedGeneration, @watermark, @lastKey,
           @rowCount, @syncedAt, @syncMs, @checksummedAt, @verifiedAt, @verifiedEqual)`,
      )
      .run({
        ...record,
        columns: JSON.stringify(record.columns),
        verifiedEqual: record.verifiedEqual === null ? null : record.verifiedEqual ? 1 : 0,
      });
  }

  /** Runs `work` in one write transaction (BEGIN IMMEDIATE … COMMIT), across awaits; rolls back on failure. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * What the replica's data is, in one text: the last generation that changed any table, and the tables. Two
   * syncs that changed nothing give the same text (what lets a publication of unchanged views be skipped).
   */
  dataVersion(): string {
    const rows = this.db.prepare('SELECT name, changed_gen FROM sbsync_tables ORDER BY name').all() as { name: string; changed_gen: number }[];
    return `${Math.max(0, ...rows.map((r) => r.changed_gen))}:${rows.map((r) => r.name).join(',')}`;
  }

  /** Size of the file and its write-ahead log, in bytes. */
  sizeBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return pages * pageSize;
  }

  close(): void {
    if (this.db.open) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        /* another reader holds the log: it is checkpointed next time */
      }
      this.db.close();
    }
  }
}
