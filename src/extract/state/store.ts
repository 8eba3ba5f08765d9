/**
 * Incremental state of the raw datasets, one pair of files per company and table, in a directory the
 * caller owns (the publisher uses `<dataDir>/state/<COMPANY>/`):
 *
 *   <TABLE>.json          the manifest: the replica generation and last cbMarq it was read at, key count,
 *                         column signature, key file name
 *   <TABLE>.<gen>.keys    the cbMarq set as of the last committed publication (see keys.ts)
 *
 * The state only moves when a publication commits: an extraction writes its new key set to a pending file
 * and returns a `PendingState`; the publisher calls `commitState(pending)` after the portal has committed
 * (or `discardState(pending)` when it failed). Commit renames the pending key file to a new generation,
 * then replaces the manifest with an atomic temp-file + rename, then removes the previous generation. A
 * crash at any point leaves either the old manifest (and its key file) or the new one: never a mix, so the
 * next run starts from the last committed state. Leftover pending and unreferenced files are removed when
 * the next extraction of the table starts (`cleanStaleFiles`).
 */
import { isProcessAlive } from '../../process-alive.js';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationError } from '../../errors.js';
import { syncDir } from '../../durable.js';
import type { RawColumnType } from '../raw/sql.js';

export const STATE_FORMAT = 'sbsync-raw-state';
/** 2: marks are replica generations (1 kept cbModification watermarks: such a state is redone in full). */
export const STATE_VERSION = 2;

export interface StateColumn {
  readonly name: string;
  readonly type: RawColumnType;
}

export interface StateManifest {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_VERSION;
  readonly table: string;
  readonly generation: number;
  /** Random id of the extraction that wrote this state (makes commit idempotent). */
  readonly runId: string;
  /** The replica's latest generation on the table when the extraction started: later ones are the next changes. */
  readonly replicaGeneration: number;
  /** The id of the replica read (its generations mean nothing in another one: a rebuilt replica starts over). */
  readonly replicaId: string;
  /** max(cbMarq) read before the extraction started (0 for an empty table). */
  readonly lastKey: number;
  readonly keyCount: number;
  readonly keysFile: string;
  readonly keysSha256: string;
  /** The published columns; a different set forces a full extraction. */
  readonly columns: readonly StateColumn[];
  /** When the state was committed (UTC, ISO 8601); information only. */
  readonly committedAt: string;
}

/** The committed state of one table, as loaded from its directory. */
export interface TableState {
  readonly dir: string;
  readonly manifest: StateManifest;
  /** Absolute path of the committed key file. */
  readonly keysPath: string;
}

/** A state written by an extraction and not committed yet. */
export interface PendingState {
  readonly dir: string;
  readonly manifest: StateManifest;
  /** The pending key file (renamed to `manifest.keysFile` on commit). */
  readonly pendingKeysPath: string;
  /** Other pending files to remove on commit or discard (the deleted-keys file). */
  readonly scratch: readonly string[];
  /** The manifest this state replaces (its generation), to refuse committing over a newer commit. */
  readonly replacesGeneration: number;
}

const safeTableName = (table: string): string => {
  if (!/^[A-Za-z0-9_]+$/.test(table)) throw new OperationError(`Invalid table name for a state file: ${table}`);
  return table.toUpperCase();
};

export const manifestPath = (dir: string, table: string): string => join(dir, `${safeTableName(table)}.json`);
const keysFileName = (table: string, generation: number): string => `${safeTableName(table)}.${generation}.keys`;

/** A new file name for pending data of `table` (removed by cleanStaleFiles if the run dies). */
export function newRunId(): string {
  return randomBytes(8).toString('hex');
}

export function pendingPath(dir: string, table: string, what: string): string {
  return join(dir, `${safeTableName(table)}.pending-${process.pid}-${randomBytes(4).toString('hex')}.${what}`);
}

function isManifest(value: unknown, table: string): value is StateManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m.format === STATE_FORMAT &&
    m.version === STATE_VERSION &&
    typeof m.table === 'string' &&
    m.table.toUpperCase() === table.toUpperCase() &&
    Number.isSafeInteger(m.generation) &&
    typeof m.runId === 'string' &&
    Number.isSafeInteger(m.replicaGeneration) &&
    typeof m.replicaId === 'string' &&
    Number.isSafeInteger(m.lastKey) &&
    Number.isSafeInteger(m.keyCount) &&
    typeof m.keysFile === 'string' &&
    /^[A-Za-z0-9_]+\.\d+\.keys$/.test(m.keysFile) &&
    typeof m.keysSha256 === 'string' &&
    Array.isArray(m.columns)
  );
}

/**
 * The committed state of `table` in `dir`, or undefined when there is none (first run, or after
 * `resetState`). A manifest that cannot be read or understood is an error naming the file: the caller can
 * run a full extraction (`--full`) which rewrites it.
 */
export async function loadState(dir: string, table: string): Promise<TableState | undefined> {
  const path = manifestPath(dir, table);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OperationError(`Cannot read the incremental state ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OperationError(`The incremental state ${path} is not valid JSON.`, {
      hint: 'Publish this company with --full to rebuild it.',
      cause: error,
    });
  }
  if (!isManifest(parsed, table)) {
    throw new OperationError(`The incremental state ${path} is not a ${STATE_FORMAT} v${STATE_VERSION} file for ${table}.`, {
      hint: 'Publish this company with --full to rebuild it.',
    });
  }
  return Object.freeze({ dir, manifest: parsed, keysPath: join(dir, parsed.keysFile) });
}

function writeFileDurably(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a pending state the committed one. Call it only after the portal committed the publication that
 * carried this extraction. Idempotent for the same pending state.
 */
export async function commitState(pending: PendingState, now: () => Date = () => new Date()): Promise<TableState> {
  const { dir, manifest } = pending;
  let current: TableState | undefined;
  try {
    current = await loadState(dir, manifest.table);
  } catch (error) {
    // An unreadable manifest (damaged, or of an earlier format) is what a full extraction replaces.
    if (pending.replacesGeneration !== 0) throw error;
  }
  if (current && current.manifest.runId === manifest.runId) return current; // already committed
  if ((current?.manifest.generation ?? 0) !== pending.replacesGeneration) {
    throw new OperationError(
      `The incremental state of ${manifest.table} changed since this extraction started (generation ${current?.manifest.generation ?? 0}, expected ${pending.replacesGeneration}).`,
      { hint: 'Another run published this company meanwhile; the next run will extract again from the newer state.' },
    );
  }
  const finalKeys = join(dir, manifest.keysFile);
  renameSync(pending.pendingKeysPath, finalKeys);
  const committed: StateManifest = { ...manifest, committedAt: now().toISOString() };
  const temp = pendingPath(dir, manifest.table, 'json');
  writeFileDurably(temp, `${JSON.stringify(committed, null, 2)}\n`);
  renameSync(temp, manifestPath(dir, manifest.table));
  syncDir(dir);
  if (current && current.keysPath !== finalKeys) rmSync(current.keysPath, { force: true });
  for (const file of pending.scratch) rmSync(file, { force: true });
  return Object.freeze({ dir, manifest: committed, keysPath: finalKeys });
}

/** Drops a pending state (the publication failed or was aborted); the committed state is untouched. */
export async function discardState(pending: PendingState): Promise<void> {
  rmSync(pending.pendingKeysPath, { force: true });
  for (const file of pending.scratch) rmSync(file, { force: true });
}

/** Removes the committed state of a table: the next extraction is a full one. */
export async function resetState(dir: string, table: string): Promise<void> {
  const current = await loadState(dir, table).catch(() => undefined);
  rmSync(manifestPath(dir, table), { force: true });
  if (current) rmSync(current.keysPath, { force: true });
  cleanStaleFiles(dir, table);
}

/**
 * Removes pending files of `table` left by a process that died, and key files no manifest refers to. Called
 * when an extraction of the table starts. Pending files of a live process (this one included) are kept:
 * they may be waiting for their publication to commit.
 */
export function cleanStaleFiles(dir: string, table: string, keep: readonly string[] = []): void {
  const prefix = `${safeTableName(table)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  let referenced: string | undefined;
  try {
    referenced = (JSON.parse(readFileSync(manifestPath(dir, table), 'utf8')) as { keysFile?: unknown }).keysFile as string;
  } catch {
    referenced = undefined; // no manifest (or an unreadable one): no key file is referenced
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || keep.includes(join(dir, name))) continue;
    const rest = name.slice(prefix.length);
    const stalePending = rest.startsWith('pending-') && !ownerAlive(rest);
    const staleKeys = /^\d+\.keys$/.test(rest) && name !== referenced;
    if (stalePending || staleKeys) rmSync(join(dir, name), { force: true });
  }
}

/** Whether the process that wrote `pending-<pid>-…` still runs (then its files may await a commit). */
function ownerAlive(rest: string): boolean {
  const pid = Number(/^pending-(\d+)-/.exec(rest)?.[1] ?? Number.NaN);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  return isProcessAlive(pid);
}

/** Creates the state directory (and parents). */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function nextKeysFileName(table: string, generation: number): string {
  return keysFileName(table, generation);
}
