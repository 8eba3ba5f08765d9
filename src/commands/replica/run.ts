/** `replica sync | status | verify | rebuild`: the local copy of each company's Sage tables. */
import { rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedCompany, ResolvedConfig } from '../../config/resolve.js';
import type { CommandDeps } from '../../context.js';
import { ExitCode, InterruptedError, isSbsyncError, type SbsyncError, UsageError } from '../../errors.js';
import { acquireRunLock } from '../../publish/run-lock.js';
import { createProgress } from '../../publish/progress.js';
import { localDate } from '../../time.js';
import { CompanySources } from '../../replica/company-sources.js';
import { ReplicaFile, replicaPath, type TableRecord } from '../../replica/file.js';
import { replicaIdentity, syncOpenReplica, type ReplicaSyncResult } from '../../replica/sync.js';
import { describeTableSync, SyncProgressText } from '../../replica/describe.js';
import { checkReplicaFile, verifyTable, type TableVerification, type VerifyDepth } from '../../replica/verify.js';
import { openRunJournal } from '../run-journal.js';
import type { Journal } from '../../journal/index.js';

function pickCompanies(config: ResolvedConfig, code: string | undefined): ResolvedCompany[] {
  if (code === undefined) return [...config.companies];
  const company = config.companies.find((c) => c.code === code.toUpperCase());
  if (!company) throw new UsageError(`no company ${code} in the config`, { hint: `Known companies: ${config.companies.map((c) => c.code).join(', ')}.` });
  return [company];
}

export interface ReplicaSyncOptions {
  company?: string;
  full?: boolean;
}

/** A company whose sync failed: what the error said (the replica keeps its last committed state). */
export interface ReplicaSyncFailure {
  company: string;
  error: { code: string; message: string; hint?: string };
}

export interface ReplicaSyncCommandResult {
  companies: (ReplicaSyncResult | ReplicaSyncFailure)[];
  exitCode?: number;
}


/**
 * Runs `work` as one journal run of `command` over `companies` (run-start, then run-end with the exit code it
 * returns, or 1 and the error's message when it throws), so that `sbsync log --status` tells what happened.
 */
export async function inReplicaRun<T extends { exitCode?: number }>(
  config: ResolvedConfig,
  deps: CommandDeps,
  command: string,
  companies: readonly ResolvedCompany[],
  work: (journal: Journal) => Promise<T>,
): Promise<T> {
  const journal = await openRunJournal(config, deps, command);
  const codes = companies.map((c) => c.code);
  await journal.write({ level: 'info', event: 'run-start', message: `Replica sync of ${codes.join(', ')}`, details: { companies: codes } });
  try {
    const result = await work(journal);
    const exitCode = result.exitCode ?? ExitCode.ok;
    await journal.write({ level: exitCode === ExitCode.ok ? 'info' : 'error', event: 'run-end', message: `Finished with exit code ${exitCode}`, details: { exitCode } });
    return result;
  } catch (error) {
    const exitCode = isSbsyncError(error) ? error.exitCode : ExitCode.bug;
    if (error instanceof InterruptedError) await journal.write({ level: 'error', event: 'interrupted', message: 'Interrupted (Ctrl-C or stop request): each replica table keeps its last committed state.' });
    await journal.write({ level: 'error', event: 'run-end', message: `Finished with exit code ${exitCode}`, details: { exitCode } });
    throw error;
  } finally {
    await journal.flush();
  }
}

/** Syncs one company's replica under the company's run lock; journals one line per table. */
export async function syncCompanyReplica(
  company: ResolvedCompany,
  config: ResolvedConfig,
  deps: CommandDeps,
  journal: Journal,
  options: { full?: boolean; recreate?: boolean; signal?: AbortSignal },
): Promise<ReplicaSyncResult> {
  const lock = await acquireRunLock(path.join(config.dataDirectory, 'locks'), company.code, { runId: journal.runId, command: 'replica sync' }, { pid: deps.pid, now: () => deps.clock.now() });
  const sources = new CompanySources(company, localDate(deps.clock.now()));
  const progress = createProgress(deps.io, deps.logger, deps.terminal.stderr.stream);
  const tableProgress = new SyncProgressText();
  // The per-table journal lines, written as tables finish and awaited before the run ends.
  const writes: Promise<void>[] = [];
  const file = replicaPath(config.dataDirectory, company.code);
  try {
    // A rebuild starts from an empty file: the old one may be damaged or copy another source.
    if (options.recreate) for (const f of [file, `${file}-wal`, `${file}-shm`]) await rm(f, { force: true });
    const replica = ReplicaFile.open(file, replicaIdentity(company), { create: true });
    try {
      return await syncOpenReplica(replica, {
        company,
        dataDirectory: config.dataDirectory,
        openSource: (module) => sources.get(module),
        ...(options.full ? { full: true } : {}),
        checksums: config.replica.checksums,
        now: () => deps.clock.now(),
        ...(options.signal ? { signal: options.signal } : {}),
        onTableStart: (table) => {
          tableProgress.start();
          progress.update(`${company.code} ${table}…`);
        },
        onProgress: (table, read, expected) => progress.tick(`${company.code} ${tableProgress.text(table, read, expected)}`),
        onTable: (r) => {
          if (r.action !== 'missing') progress.done('ok', `${company.code} ${describeTableSync(r)}`);
          writes.push(journal.write({ level: 'info', event: 'replica-table-synced', company: company.code, table: r.table, message: describeTableSync(r), counts: { rows: r.rowCount, read: r.rowsRead, inserted: r.inserted, updated: r.updated, deleted: r.deleted }, durationMs: r.ms }));
        },
      });
    } finally {
      replica.close();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await journal.write({ level: 'error', event: 'replica-sync-failed', company: company.code, message, ...(isSbsyncError(error) && error.hint ? { details: { hint: error.hint } } : {}) });
    throw error;
  } finally {
    progress.stop();
    await Promise.allSettled(writes);
    await sources.close();
    await lock.release();
  }
}

/** Syncs each company in turn; one failing does not stop the others. Exit 1 when one failed (4: logins only). */
export async function runReplicaSync(options: ReplicaSyncOptions & { recreate?: boolean }, deps: CommandDeps): Promise<ReplicaSyncCommandResult> {
  const config = await deps.loadConfig();
  const companies = pickCompanies(config, options.company);
  return inReplicaRun(config, deps, options.recreate ? 'replica rebuild' : 'replica sync', companies, (journal) => syncEach(companies, config, deps, journal, options));
}

async function syncEach(
  companies: readonly ResolvedCompany[],
  config: ResolvedConfig,
  deps: CommandDeps,
  journal: Journal,
  options: ReplicaSyncOptions & { recreate?: boolean },
): Promise<ReplicaSyncCommandResult> {
  const results: ReplicaSyncCommandResult['companies'] = [];
  const failures: SbsyncError[] = [];
  for (const company of companies) {
    try {
      const work = { ...(options.full ? { full: true } : {}), ...(options.recreate ? { recreate: true } : {}), signal: deps.signal };
      results.push(await syncCompanyReplica(company, config, deps, journal, work));
    } catch (error) {
      if (error instanceof InterruptedError || !isSbsyncError(error)) throw error;
      failures.push(error);
      results.push({ company: company.code, error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
    }
  }
  if (failures.length === 0) return { companies: results };
  return { companies: results, exitCode: failures.every((e) => e.exitCode === ExitCode.auth) ? ExitCode.auth : ExitCode.failed };
}

export interface ReplicaTableStatus {
  table: string;
  module: string;
  rows: number;
  bytes: number;
  syncedAt: string | null;
  checksummedAt: string | null;
  verifiedAt: string | null;
  verifiedEqual: boolean | null;
}

export interface ReplicaCompanyStatus {
  company: string;
  path: string;
  exists: boolean;
  bytes: number;
  generation: number;
  tables: ReplicaTableStatus[];
  /** A first copy interrupted before its end (resumed by the next sync). */
  building: string[];
}

export interface ReplicaStatusResult {
  companies: ReplicaCompanyStatus[];
  freeBytes: number | null;
}

/** Bytes per table, its indexes included (SQLite's dbstat: reads the file's b-tree pages, not the rows). */
function tableBytes(replica: ReplicaFile, records: readonly TableRecord[]): Map<string, number> {
  const rows = replica.db.prepare(`SELECT s.name AS name, m.tbl_name AS tbl, sum(s.pgsize) AS bytes FROM dbstat s JOIN sqlite_master m ON m.name = s.name GROUP BY s.name`).all() as { tbl: string; bytes: number }[];
  const bytes = new Map<string, number>(records.map((r) => [r.name, 0]));
  for (const row of rows) if (bytes.has(row.tbl)) bytes.set(row.tbl, (bytes.get(row.tbl) ?? 0) + row.bytes);
  return bytes;
}

export async function freeBytes(dir: string): Promise<number | null> {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      const stats = await statfs(at);
      return stats.bavail * stats.bsize;
    } catch {
      if (path.dirname(at) === at) return null;
    }
  }
}

export async function runReplicaStatus(options: { company?: string }, deps: CommandDeps): Promise<ReplicaStatusResult> {
  const config = await deps.loadConfig();
  const companies: ReplicaCompanyStatus[] = [];
  for (const company of pickCompanies(config, options.company)) {
    const file = replicaPath(config.dataDirectory, company.code);
    if (!(await deps.fileExists(file))) {
      companies.push({ company: company.code, path: file, exists: false, bytes: 0, generation: 0, tables: [], building: [] });
      continue;
    }
    const replica = ReplicaFile.open(file, replicaIdentity(company), { create: false });
    try {
      const records = replica.tables();
      const bytes = tableBytes(replica, records);
      companies.push({
        company: company.code,
        path: file,
        exists: true,
        bytes: replica.sizeBytes(),
        generation: replica.generation(),
        tables: records.map((r) => ({ table: r.name, module: r.module, rows: r.rowCount, bytes: bytes.get(r.name) ?? 0, syncedAt: r.syncedAt, checksummedAt: r.checksummedAt, verifiedAt: r.verifiedAt, verifiedEqual: r.verifiedEqual })),
        building: (replica.db.prepare('SELECT name FROM sbsync_builds ORDER BY name').pluck().all() as string[]),
      });
    } finally {
      replica.close();
    }
  }
  return { companies, freeBytes: await freeBytes(config.dataDirectory) };
}

export interface ReplicaVerifyResult {
  companies: { company: string; path: string; fileProblems: string[]; tables: TableVerification[]; equal: boolean }[];
  equal: boolean;
  exitCode?: number;
}

export async function runReplicaVerify(options: { company?: string; rows?: boolean }, deps: CommandDeps): Promise<ReplicaVerifyResult> {
  const config = await deps.loadConfig();
  const out: ReplicaVerifyResult['companies'] = [];
  for (const company of pickCompanies(config, options.company)) {
    // A sync or a publication moving the replica meanwhile would show differences that are not there.
    const lock = await acquireRunLock(path.join(config.dataDirectory, 'locks'), company.code, { runId: `verify-${deps.pid}`, command: 'replica verify' }, { pid: deps.pid, now: () => deps.clock.now() });
    try {
      out.push(await verifyCompany(company, config, deps, options.rows === true));
    } finally {
      await lock.release();
    }
  }
  const equal = out.every((c) => c.equal);
  return { companies: out, equal, ...(equal ? {} : { exitCode: ExitCode.failed }) };
}

async function verifyCompany(company: ResolvedCompany, config: ResolvedConfig, deps: CommandDeps, rows: boolean): Promise<ReplicaVerifyResult['companies'][number]> {
  const file = replicaPath(config.dataDirectory, company.code);
  const replica = ReplicaFile.open(file, replicaIdentity(company), { create: false });
  const sources = new CompanySources(company);
  try {
    const fileProblems = checkReplicaFile(replica);
    const depth: VerifyDepth = company.source.type !== 'sqlserver' || rows ? 'rows' : 'checksums';
    const tables: TableVerification[] = [];
    for (const record of replica.tables()) {
      const source = await sources.get(record.module === 'commercial' ? 'commercial' : 'accounting');
      tables.push(await verifyTable(replica, source, record, depth, { now: () => deps.clock.now(), signal: deps.signal }));
    }
    return { company: company.code, path: file, fileProblems, tables, equal: fileProblems.length === 0 && tables.every((t) => t.equal) };
  } finally {
    replica.close();
    await sources.close();
  }
}

export async function runReplicaRebuild(options: { company: string }, deps: CommandDeps): Promise<ReplicaSyncCommandResult> {
  return runReplicaSync({ company: options.company, full: true, recreate: true }, deps);
}
