/**
 * Syncing a company's replica: every table its services need, one after the other, each brought level with
 * its source (sync-table.ts). Used by `sbsync replica sync`, as the first step of `publish`, and by
 * `views show`.
 */
import type { ResolvedCompany } from '../config/resolve.js';
import type { SageModule } from '../sources/open.js';
import type { SqlSource } from '../sources/source.js';
import { OperationError } from '../errors.js';
import { localDate } from '../time.js';
import { ReplicaFile, replicaPath, type ReplicaIdentity, type TableRecord } from './file.js';
import { syncTable, type TableSyncResult } from './sync-table.js';
import { sqliteFileSignature } from './source-file.js';
import { replicaGroups, replicaTables, type ReplicaTable } from './tables.js';

/**
 * When the source's bucket checksums are compared (they catch rows changed without cbModification moving):
 * - `every-sync`: SQL Server computes them (CHECKSUM_AGG), about one scan of each table on the server;
 * - `daily`: at the first sync of each day; SQLite files, where this process computes them (~3 s per million rows).
 */
export type ChecksumPolicy = 'every-sync' | 'daily';

/** The policy a company follows: the config's `replica.checksums`, where `auto` depends on the source. */
export function checksumPolicy(setting: ChecksumPolicy | 'auto', company: ResolvedCompany): ChecksumPolicy {
  if (setting !== 'auto') return setting;
  return company.source.type === 'sqlserver' ? 'every-sync' : 'daily';
}

/** The source a replica copies, without any secret: what it refuses to mix with another. */
export function replicaIdentity(company: ResolvedCompany): ReplicaIdentity {
  const s = company.source;
  if (s.type !== 'sqlserver') return { company: company.code, source: `sqlite:${s.path}` };
  const c = s.connection;
  const port = c.port === undefined ? '' : `:${c.port}`;
  // Lower case: server and database names are case-insensitive on SQL Server (a config that only changes their
  // case must not make the replica refuse its own source).
  return { company: company.code, source: `sqlserver:${(c.server ?? '').toLowerCase()}${port}/${s.accountingDatabase.toLowerCase()}+${s.commercialDatabase.toLowerCase()}` };
}

/** Due every sync, or at the first sync of each local calendar day (not 24 h after: a daily task runs at the same hour). */
export function checksumsDue(record: TableRecord | undefined, policy: ChecksumPolicy, now: Date): boolean {
  if (policy === 'every-sync' || record?.checksummedAt == null) return true;
  return localDate(new Date(record.checksummedAt)) < localDate(now);
}

export interface ReplicaSyncOptions {
  readonly company: ResolvedCompany;
  readonly dataDirectory: string;
  /** Opens the company database of a module (the caller caches and closes them). */
  readonly openSource: (module: SageModule) => Promise<SqlSource>;
  /** Rebuild every table from scratch. */
  readonly full?: boolean;
  /** Only these tables (default: every table the company's services need). */
  readonly tables?: readonly ReplicaTable[];
  /** `replica.checksums` of the config (default `auto`). */
  readonly checksums?: ChecksumPolicy | 'auto';
  readonly chunkRows?: number;
  /** SQLite sources: first copies done by SQLite itself (default true; false reads through the source port). */
  readonly fastCopy?: boolean;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
  readonly onTableStart?: (table: string) => void;
  readonly onProgress?: (table: string, read: number, expected: number) => void;
  readonly onTable?: (result: TableSyncResult) => void;
}

export interface ReplicaSyncResult {
  readonly company: string;
  readonly path: string;
  readonly generation: number;
  readonly tables: readonly TableSyncResult[];
  /** See ReplicaFile.dataVersion. */
  readonly dataVersion: string;
  readonly sizeBytes: number;
  readonly ms: number;
}

/** Syncs the replica and leaves it closed; a failure leaves every table at its last committed state. */
export async function syncReplica(options: ReplicaSyncOptions): Promise<ReplicaSyncResult> {
  const started = Date.now();
  const file = replicaPath(options.dataDirectory, options.company.code);
  const replica = ReplicaFile.open(file, replicaIdentity(options.company), { create: true });
  try {
    return await syncOpenReplica(replica, options, started);
  } finally {
    replica.close();
  }
}

/** The source file of a SQLite company (the demo included), whose signature can spare a sync. */
function sourceFile(company: ResolvedCompany): string | undefined {
  return company.source.type === 'sqlserver' ? undefined : company.source.path;
}

const SOURCE_SIGNATURE = 'source_signature';

export async function syncOpenReplica(replica: ReplicaFile, options: ReplicaSyncOptions, started = Date.now()): Promise<ReplicaSyncResult> {
  const generation = replica.nextGeneration();
  const policy = checksumPolicy(options.checksums ?? 'auto', options.company);
  const tables = options.tables ?? replicaTables(replicaGroups(options.company));
  // Taken before anything is read: a change during the sync makes the next one read again.
  const file = sourceFile(options.company);
  const signature = file === undefined ? undefined : sqliteFileSignature(file);
  const untouched = signature !== undefined && !options.full && replica.meta(SOURCE_SIGNATURE) === signature && nothingDue(replica, tables, policy, options.now());
  const results = untouched ? tables.map((t) => untouchedTable(replica, t.name)) : await syncTables(replica, options, tables, generation, policy);
  if (signature !== undefined) replica.setMeta(SOURCE_SIGNATURE, signature);
  return Object.freeze({
    company: options.company.code,
    path: replica.path,
    generation,
    tables: Object.freeze(results),
    dataVersion: replica.dataVersion(),
    sizeBytes: replica.sizeBytes(),
    ms: Date.now() - started,
  });
}

/** No copy to resume, no checksum pass due, every table as the last sync left it. */
function nothingDue(replica: ReplicaFile, tables: readonly ReplicaTable[], policy: ChecksumPolicy, now: Date): boolean {
  if ((replica.db.prepare('SELECT count(*) FROM sbsync_builds').pluck().get() as number) > 0) return false;
  return tables.every((t) => {
    const record = replica.table(t.name);
    return record === undefined || !checksumsDue(record, policy, now);
  });
}

function untouchedTable(replica: ReplicaFile, table: string): TableSyncResult {
  const record = replica.table(table);
  return Object.freeze({
    table,
    action: record === undefined ? 'missing' : 'unchanged',
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    bucketsReread: 0,
    rowCount: record?.rowCount ?? 0,
    checksummed: false,
    ms: 0,
  });
}

async function syncTables(replica: ReplicaFile, options: ReplicaSyncOptions, tables: readonly ReplicaTable[], generation: number, policy: ChecksumPolicy): Promise<TableSyncResult[]> {
  const results: TableSyncResult[] = [];
  for (const table of tables) {
    options.onTableStart?.(table.name);
    const source = await options.openSource(table.module);
    const outcome = await replicaWrite(replica, table.name, () => syncTable({
      replica,
      source,
      table: table.name,
      module: table.module,
      generation,
      checksums: checksumsDue(replica.table(table.name), policy, options.now()),
      checksumsAfterCopy: policy === 'every-sync',
      ...(options.full ? { full: true } : {}),
      ...(options.chunkRows !== undefined ? { chunkRows: options.chunkRows } : {}),
      ...(options.fastCopy !== undefined ? { fastCopy: options.fastCopy } : {}),
      now: options.now,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (read, expected) => options.onProgress?.(table.name, read, expected),
    }));
    results.push(outcome);
    options.onTable?.(outcome);
  }
  return results;
}

/** SQLite's own codes for a replica that cannot be written: disk full, I/O error, damaged file, locked. */
const REPLICA_FAULTS: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'a disk error occurred',
  SQLITE_CORRUPT: 'the file is damaged',
  SQLITE_NOTADB: 'the file is damaged',
  SQLITE_CANTOPEN: 'the file cannot be opened',
  SQLITE_READONLY: 'the file is read-only',
  SQLITE_BUSY: 'another process holds it',
};

/**
 * A failure of the replica file itself, named: which replica, which table, and what to do. The transaction in
 * progress is rolled back by SQLite, so the table keeps its last committed state.
 */
async function replicaWrite<T>(replica: ReplicaFile, table: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT…) are read by their primary code.
    const base = typeof code === 'string' ? code.split('_').slice(0, 2).join('_') : '';
    const what = REPLICA_FAULTS[base];
    if (what === undefined) throw error;
    const hint =
      base === 'SQLITE_CORRUPT' || base === 'SQLITE_NOTADB'
        ? `Rebuild it with \`sbsync replica rebuild --company ${replica.identity.company}\`.`
        : base === 'SQLITE_BUSY'
          ? 'Another sbsync command is using this replica; try again when it has finished.'
          : `Free some space on that disk (\`sbsync check\` shows the free space), or move dataDirectory; the replica keeps its last committed state.`;
    throw new OperationError(`Writing ${table} to the replica ${replica.path} failed: ${what} (${String(code)}).`, { hint, cause: error });
  }
}
