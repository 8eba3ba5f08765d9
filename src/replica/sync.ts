/**
 * Syncing a company's replica: every table its services need, one after the other, each brought level with
 * its source (sync-table.ts). Used by `sbsync replica sync`, as the first step of `publish`, and by
 * `views show`.
 */
import type { ResolvedCompany } from '../config/resolve.js';
import type { SageModule } from '../extract/open-source.js';
import type { SqlSource } from '../extract/source.js';
import { ReplicaFile, replicaPath, type ReplicaIdentity, type TableRecord } from './file.js';
import { syncTable, type TableSyncResult } from './sync-table.js';
import { replicaGroups, replicaTables, type ReplicaTable } from './tables.js';

/**
 * When the source's bucket checksums are compared (they catch rows changed without cbModification moving):
 * - `every-sync`: SQL Server computes them (CHECKSUM_AGG), about one scan of each table on the server;
 * - `daily`: at the first sync of each day; SQLite files, where this process computes them (~3 s per million rows).
 */
export type ChecksumPolicy = 'every-sync' | 'daily';

const DAY_MS = 24 * 60 * 60 * 1000;

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
  return { company: company.code, source: `sqlserver:${(c.server ?? '').toLowerCase()}${port}/${s.accountingDatabase}+${s.commercialDatabase}` };
}

export function checksumsDue(record: TableRecord | undefined, policy: ChecksumPolicy, now: Date): boolean {
  if (policy === 'every-sync' || record?.checksummedAt == null) return true;
  return now.getTime() - Date.parse(record.checksummedAt) >= DAY_MS;
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

export async function syncOpenReplica(replica: ReplicaFile, options: ReplicaSyncOptions, started = Date.now()): Promise<ReplicaSyncResult> {
  const generation = replica.nextGeneration();
  const policy = checksumPolicy(options.checksums ?? 'auto', options.company);
  const tables = options.tables ?? replicaTables(replicaGroups(options.company));
  const results: TableSyncResult[] = [];
  for (const table of tables) {
    options.onTableStart?.(table.name);
    const source = await options.openSource(table.module);
    const outcome = await syncTable({
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
    });
    results.push(outcome);
    options.onTable?.(outcome);
  }
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
