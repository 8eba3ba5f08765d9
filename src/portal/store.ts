/**
 * The portal store: publications per company and service on a plain directory, committed atomically.
 * The reference portal serves it, and the publisher's `file:` transport writes it directly, so both
 * share this one implementation. Layout, guarantees and the incremental design: docs/portal-protocol.md §7.
 *
 *   <root>/store.json                                   format marker
 *   <root>/users.json                                   mobile users (replaced atomically)
 *   <root>/locks/<name>.lock                            short cross-process locks
 *   <root>/staging/<publicationId>/                     open publications (uploads land here)
 *   <root>/trash/                                       whole trees moved aside before deletion
 *   <root>/companies/<CODE>/<service>/current.json      pointer to the visible publication
 *   <root>/companies/<CODE>/<service>/publications/<publicationId>/manifest.json
 *   <root>/companies/<CODE>/<service>/publications/<publicationId>/datasets/<name>.ndjson.gz
 *
 * The single commit point of a publication is the atomic replacement of `current.json`: before it,
 * readers and crashes see the previous publication; after it, the new one, complete.
 */
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileHandle } from 'node:fs/promises';
import { PortalStoreError, isStoreError } from './errors.js';
import {
  TEMP_MARKER,
  errorCode,
  isMissing,
  linkOrCopy,
  listDirectory,
  nodeStoreFs,
  pathExists,
  readJsonIfExists,
  removeTree,
  renameDurably,
  syncDirectory,
  writeAll,
  writeJsonAtomic,
  type StoreFs,
} from './files.js';
import { StoreLocks, defaultProcessIdentity, type Clock, type ProcessIdentity } from './lock.js';
import {
  NdjsonVerifier,
  StageErrors,
  createDatasetGunzip,
  gzipLines,
  rowKey,
  columnNamesOf,
  type NdjsonRow,
  verifyGzipFile,
  writeGzipLines,
  type JsonObject,
  type NdjsonLimits,
  type StoredDigest,
} from './ndjson.js';
import { isPasswordHash } from './password.js';

export type { Clock, ProcessIdentity } from './lock.js';

// ─── Vocabulary ──────────────────────────────────────────────────────────────────────────────────────

export const PORTAL_SERVICES = ['data-manager', 'business-mobile'] as const;
export type PortalService = (typeof PORTAL_SERVICES)[number];
export type PublicationMode = 'full' | 'incremental';
/** An upload is either a dataset's rows or, in an incremental publication, the keys of its deleted rows. */
export type DatasetPart = 'rows' | 'deletions';

/** Same rule as the config's company code: what mobile users type. */
export const COMPANY_CODE_PATTERN = /^[A-Z0-9]{1,17}$/;
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export const PUBLICATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{7,79}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const LOGIN_PATTERN = /^[A-Za-z0-9._@-]{2,64}$/;
export const KEY_COLUMN_PATTERN = /^[^\u0000-\u001f]{1,128}$/;
/** Names Windows reserves for devices, whatever the extension: a store must stay copyable to Windows. */
const WINDOWS_RESERVED = /^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$/i;

export interface OpenPublicationInput {
  company: string;
  service: PortalService;
  /** `full` (default) replaces every dataset; `incremental` changes some datasets of `basePublicationId`. */
  mode?: PublicationMode;
  /** Required for incremental publications: the publication the deltas were computed against. */
  basePublicationId?: string | null;
  /** Free-form publisher information kept in the manifest (sbsync version, run id…); at most 16 KiB of JSON. */
  meta?: JsonObject;
}

export interface OpenedPublication {
  publicationId: string;
  company: string;
  service: PortalService;
  mode: PublicationMode;
  basePublicationId: string | null;
  openedAt: string;
  meta: JsonObject;
}

/** What the uploader announces about one upload; the store checks the data against it. */
export interface UploadAnnouncement {
  rows: number;
  /** SHA-256 (lowercase hex) of the gzip body. */
  sha256: string;
  part?: DatasetPart;
}

export interface UploadedDataset {
  publicationId: string;
  name: string;
  part: DatasetPart;
  rows: number;
  /** SHA-256 (lowercase hex) of the gzip bytes as received and stored. */
  sha256: string;
  /** Decoded NDJSON bytes. */
  bytes: number;
  /** Gzip bytes as stored. */
  storedBytes: number;
}

export interface CommitDataset {
  name: string;
  rows: number;
  sha256: string;
  /** Columns identifying a row; required in incremental publications. */
  keys?: string[];
  /** Incremental only: the uploaded deletions part of this dataset. */
  deletions?: { rows: number; sha256: string };
  /** Free-form dataset information (a view's title…), kept in the manifest; at most 16 KiB of JSON. */
  meta?: JsonObject;
}

export interface CommitInput {
  datasets: CommitDataset[];
}

export interface ManifestDataset {
  name: string;
  /** Rows of the complete dataset as published (after applying a delta). */
  rows: number;
  /** SHA-256 of the stored gzip file (written by the portal when it applied a delta). */
  sha256: string;
  bytes: number;
  storedBytes: number;
  keys?: string[];
  meta?: JsonObject;
  /** Present when this publication changed the dataset incrementally. */
  change?: { upserts: number; deletions: number };
}

export interface PublicationManifest {
  format: 'sbsync-publication';
  version: 1;
  publicationId: string;
  company: string;
  service: PortalService;
  mode: PublicationMode;
  basePublicationId: string | null;
  openedAt: string;
  committedAt: string;
  meta: JsonObject;
  datasets: ManifestDataset[];
}

/** Mobile users' view permissions for one company: every published view, or a list of view ids. */
export type ViewPermission = 'all' | string[];

export interface PortalUser {
  login: string;
  name: string;
  passwordHash: string;
  /** Per company code. */
  views: Record<string, ViewPermission>;
}

/** A committed dataset opened for reading; the file is held open, so cleanup cannot pull it away. */
export interface OpenDataset {
  publication: PublicationManifest;
  dataset: ManifestDataset;
  /** The stored gzip bytes. Consuming (or destroying) it releases the file. */
  gzipStream(): Readable;
  /** The decoded rows, one JSON text per line, without the newline. Releases the file when done. */
  lines(): AsyncGenerator<string>;
  /** Releases the file without reading. Safe to call after a stream was taken. */
  close(): Promise<void>;
}

export interface StoreLimits extends NdjsonLimits {
  /** Largest gzip upload accepted. */
  maxStoredBytes: number;
}

export interface StoreOptions {
  root: string;
  fs?: StoreFs;
  clock?: Clock;
  /** New publication ids; default `<UTC timestamp>-<random hex>`, so ids sort by opening time. */
  newPublicationId?: () => string;
  identity?: ProcessIdentity;
  limits?: Partial<StoreLimits>;
  /** An open publication with no upload for this long is discarded by cleanup. */
  stagingTtlMs?: number;
  lockTimeoutMs?: number;
  lockStaleAfterMs?: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  maxStoredBytes: 32 * 1024 ** 3,
  maxDecodedBytes: 256 * 1024 ** 3,
  maxLineBytes: 16 * 1024 ** 2,
};
const DEFAULT_STAGING_TTL_MS = 24 * 3600_000;
const TEMP_FILE_TTL_MS = 3600_000;
const MAX_META_BYTES = 16 * 1024;
const STORE_FORMAT = 'sbsync-portal-store';
const STORE_VERSION = 1;

// ─── Internal records ────────────────────────────────────────────────────────────────────────────────

interface CurrentPointer {
  publicationId: string;
  /** Kept on disk until the next commit, for readers that resolved it just before the swap. */
  previousPublicationId: string | null;
  committedAt: string;
}

interface UploadRecord extends UploadedDataset {
  /** File name under the staging `data/` directory; unique per upload, so a replaced upload is never overwritten. */
  file: string;
  uploadedAt: string;
}

export function defaultPublicationId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(5).toString('hex')}`;
}

function invalid(message: string, detailCode = 'invalid'): PortalStoreError {
  return new PortalStoreError('invalid', message, detailCode);
}

function checkCompany(company: string): void {
  if (typeof company !== 'string' || !COMPANY_CODE_PATTERN.test(company)) {
    throw invalid(
      `Company code ${JSON.stringify(company)} is not valid: 1 to 17 uppercase letters and digits.`,
      'invalid-company',
    );
  }
  if (WINDOWS_RESERVED.test(company)) {
    throw invalid(
      `Company code ${company} is a reserved device name on Windows and cannot be stored; use another folder code.`,
      'invalid-company',
    );
  }
}

function checkService(service: string): asserts service is PortalService {
  if (!(PORTAL_SERVICES as readonly string[]).includes(service)) {
    throw invalid(`Service ${JSON.stringify(service)} is not one of ${PORTAL_SERVICES.join(', ')}.`, 'invalid-service');
  }
}

function checkDatasetName(name: string): void {
  if (typeof name !== 'string' || !DATASET_NAME_PATTERN.test(name) || WINDOWS_RESERVED.test(name)) {
    throw invalid(
      `Dataset name ${JSON.stringify(name)} is not valid: letters, digits, "_" and "-", starting with a letter or digit, at most 128.`,
      'invalid-dataset-name',
    );
  }
}

function checkPublicationId(publicationId: string): void {
  if (typeof publicationId !== 'string' || !PUBLICATION_ID_PATTERN.test(publicationId)) {
    throw new PortalStoreError('not-found', `No publication ${JSON.stringify(publicationId)}.`, 'unknown-publication');
  }
}

function checkAnnouncedDigest(what: string, rows: unknown, sha256: unknown): void {
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) {
    throw invalid(`${what}: the row count must be a non-negative integer.`, 'invalid-announcement');
  }
  if (typeof sha256 !== 'string' || !SHA256_PATTERN.test(sha256)) {
    throw invalid(`${what}: the SHA-256 must be 64 lowercase hexadecimal digits.`, 'invalid-announcement');
  }
}

function checkMeta(what: string, meta: unknown): JsonObject {
  if (meta === undefined) return {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw invalid(`${what} must be a JSON object.`);
  if (Buffer.byteLength(JSON.stringify(meta)) > MAX_META_BYTES) {
    throw new PortalStoreError(
      'too-large',
      `${what} is larger than ${MAX_META_BYTES} bytes of JSON.`,
      'meta-too-large',
    );
  }
  return meta as JsonObject;
}

function sameKeys(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((key, i) => key === b[i]);
}

// ─── The store ───────────────────────────────────────────────────────────────────────────────────────

export async function openStore(options: StoreOptions): Promise<PortalStore> {
  const store = new PortalStore(options);
  await store.initialise();
  return store;
}

export class PortalStore {
  readonly root: string;
  private readonly fs: StoreFs;
  private readonly clock: Clock;
  private readonly newPublicationId: () => string;
  readonly limits: StoreLimits;
  private readonly stagingTtlMs: number;
  private readonly locks: StoreLocks;
  /** Publications whose commit is running in this process: uploads to them are refused meanwhile. */
  private readonly committing = new Set<string>();
  private readonly publicationQueues = new Map<string, Promise<unknown>>();

  constructor(options: StoreOptions) {
    this.root = options.root;
    this.fs = options.fs ?? nodeStoreFs;
    this.clock = options.clock ?? { now: () => new Date() };
    this.newPublicationId = options.newPublicationId ?? (() => defaultPublicationId(this.clock.now()));
    this.limits = { ...DEFAULT_STORE_LIMITS, ...options.limits };
    this.stagingTtlMs = options.stagingTtlMs ?? DEFAULT_STAGING_TTL_MS;
    this.locks = new StoreLocks(
      this.fs,
      join(this.root, 'locks'),
      this.clock,
      options.identity ?? defaultProcessIdentity(process.pid, osHostname()),
      { timeoutMs: options.lockTimeoutMs ?? 30_000, staleAfterMs: options.lockStaleAfterMs ?? 120_000 },
    );
  }

  // ── paths ──

  private companyDir(company: string): string {
    return join(this.root, 'companies', company);
  }
  private serviceDir(company: string, service: PortalService): string {
    return join(this.companyDir(company), service);
  }
  private pointerPath(company: string, service: PortalService): string {
    return join(this.serviceDir(company, service), 'current.json');
  }
  private publicationsDir(company: string, service: PortalService): string {
    return join(this.serviceDir(company, service), 'publications');
  }
  private publicationDir(company: string, service: PortalService, publicationId: string): string {
    return join(this.publicationsDir(company, service), publicationId);
  }
  private stagingDir(publicationId: string): string {
    return join(this.root, 'staging', publicationId);
  }
  private stagingRecordPath(publicationId: string): string {
    return join(this.stagingDir(publicationId), 'publication.json');
  }
  private uploadRecordPath(publicationId: string, part: DatasetPart, name: string): string {
    return join(this.stagingDir(publicationId), 'uploads', `${part}-${name}.json`);
  }
  private usersPath(): string {
    return join(this.root, 'users.json');
  }
  private companyLock(company: string): string {
    return `company-${company}`;
  }

  // ── lifecycle ──

  /** Creates the layout if needed, checks the format marker, and cleans what crashed writers left. */
  async initialise(): Promise<void> {
    for (const dir of ['companies', 'staging', 'locks', 'trash'])
      await this.fs.mkdir(join(this.root, dir), { recursive: true });
    const markerPath = join(this.root, 'store.json');
    const marker = await readJsonIfExists<{ format?: string; version?: number }>(this.fs, markerPath);
    if (marker === undefined) {
      await writeJsonAtomic(this.fs, markerPath, {
        format: STORE_FORMAT,
        version: STORE_VERSION,
        createdAt: this.clock.now().toISOString(),
      });
    } else if (marker.format !== STORE_FORMAT || marker.version !== STORE_VERSION) {
      throw new PortalStoreError(
        'invalid',
        `${this.root} is not an sbsync portal store of version ${STORE_VERSION} (store.json says ${JSON.stringify(marker)}).`,
        'store-format',
        {
          hint: 'Point --store (or the file: URL) at an sbsync store directory, or at an empty or new directory.',
        },
      );
    }
    await this.cleanup();
  }

  /**
   * Removes leftovers: trash, open publications idle for longer than the staging TTL, temp files of
   * interrupted atomic writes, and aside-moved stale locks. Safe to run at any time, from any process.
   */
  async cleanup(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const entry of await listDirectory(this.fs, join(this.root, 'trash'))) {
      await removeTree(this.fs, join(this.root, 'trash', entry)).catch(() => undefined);
    }
    for (const publicationId of await listDirectory(this.fs, join(this.root, 'staging'))) {
      const dir = this.stagingDir(publicationId);
      const stat = await this.fs.stat(dir).catch(() => undefined);
      if (stat && now - stat.mtimeMs > this.stagingTtlMs) await this.moveToTrashAndRemove(dir);
    }
    const removeOldTemps = async (dir: string, pattern: string) => {
      for (const entry of await listDirectory(this.fs, dir)) {
        if (!entry.includes(pattern)) continue;
        const stat = await this.fs.stat(join(dir, entry)).catch(() => undefined);
        if (stat && now - stat.mtimeMs > TEMP_FILE_TTL_MS)
          await this.fs.rm(join(dir, entry), { force: true }).catch(() => undefined);
      }
    };
    await removeOldTemps(this.root, TEMP_MARKER);
    await removeOldTemps(join(this.root, 'locks'), '.stale-');
    await removeOldTemps(join(this.root, 'locks'), TEMP_MARKER);
    for (const company of await listDirectory(this.fs, join(this.root, 'companies'))) {
      for (const service of PORTAL_SERVICES) await removeOldTemps(join(this.companyDir(company), service), TEMP_MARKER);
      // Publications a crashed commit moved into place without swapping them in, once their staging expired.
      await this.locks
        .withLock(this.companyLock(company), async () => {
          for (const service of PORTAL_SERVICES) await this.trashOldPublications(company, service);
        })
        .catch((error: unknown) => {
          if (!isStoreError(error, 'busy')) throw error; // a live writer: its own commit collects them
        });
    }
    await this.emptyTrash();
  }

  // ── publishing ──

  async openPublication(input: OpenPublicationInput): Promise<OpenedPublication> {
    checkCompany(input.company);
    checkService(input.service);
    const mode = input.mode ?? 'full';
    if (mode !== 'full' && mode !== 'incremental')
      throw invalid(`Mode ${JSON.stringify(mode)} is not "full" or "incremental".`, 'invalid-mode');
    const meta = checkMeta('Publication meta', input.meta);
    let basePublicationId: string | null = null;
    if (mode === 'incremental') {
      if (!input.basePublicationId)
        throw invalid('An incremental publication needs basePublicationId.', 'missing-base');
      basePublicationId = input.basePublicationId;
      await this.checkBaseIsCurrent(input.company, input.service, basePublicationId);
    }
    const publicationId = this.newPublicationId();
    const record: OpenedPublication = {
      publicationId,
      company: input.company,
      service: input.service,
      mode,
      basePublicationId,
      openedAt: this.clock.now().toISOString(),
      meta,
    };
    const dir = this.stagingDir(publicationId);
    await this.fs.mkdir(join(dir, 'uploads'), { recursive: true });
    await this.fs.mkdir(join(dir, 'data'), { recursive: true });
    // The record is written last: a staging directory without it is a crashed open, cleaned up by age.
    await writeJsonAtomic(this.fs, this.stagingRecordPath(publicationId), record);
    await this.touchStaging(publicationId);
    return record;
  }

  /** An open publication, or a committed one (still on disk), or undefined. */
  async describePublication(
    publicationId: string,
  ): Promise<{ company: string; service: PortalService; state: 'open' | 'committed' } | undefined> {
    if (!PUBLICATION_ID_PATTERN.test(publicationId)) return undefined;
    const open = await this.readStagingRecord(publicationId);
    if (open) return { company: open.company, service: open.service, state: 'open' };
    const committed = await this.findCommittedManifest(publicationId);
    return committed ? { company: committed.company, service: committed.service, state: 'committed' } : undefined;
  }

  /**
   * Receives one upload (gzip NDJSON), streaming it to disk and hashing it while decoding and counting it.
   * The upload replaces an earlier one of the same name and part only once it is verified, so repeating
   * an upload is always safe; a refused upload leaves the earlier one in place.
   */
  async putDataset(
    publicationId: string,
    name: string,
    announced: UploadAnnouncement,
    gzipBody: AsyncIterable<Uint8Array>,
  ): Promise<UploadedDataset> {
    checkPublicationId(publicationId);
    checkDatasetName(name);
    const part: DatasetPart = announced.part ?? 'rows';
    if (part !== 'rows' && part !== 'deletions')
      throw invalid(`Upload part ${JSON.stringify(part)} is not "rows" or "deletions".`);
    const what = part === 'rows' ? `dataset "${name}"` : `deletions of dataset "${name}"`;
    checkAnnouncedDigest(`Upload of ${what}`, announced.rows, announced.sha256);
    const record = await this.requireOpenPublication(publicationId);
    if (part === 'deletions' && record.mode !== 'incremental') {
      throw invalid(
        `Deletions can only be uploaded to an incremental publication; ${publicationId} is a full one.`,
        'deletions-in-full',
      );
    }
    if (this.committing.has(publicationId)) {
      throw new PortalStoreError(
        'conflict',
        `Publication ${publicationId} is being committed; uploads are closed.`,
        'committing',
      );
    }

    const file = `${part}.${name}.${randomBytes(6).toString('hex')}.ndjson.gz`;
    const dataPath = join(this.stagingDir(publicationId), 'data', file);
    let handle: FileHandle;
    try {
      handle = await this.fs.open(dataPath, 'wx');
    } catch (error) {
      if (isMissing(error)) throw this.publicationGone(publicationId);
      throw error;
    }
    let digest;
    let storedBytes = 0;
    const bodyHash = createHash('sha256');
    try {
      const verifier = new NdjsonVerifier(what, this.limits);
      const limits = this.limits;
      // The raw gzip bytes are hashed and go to disk as they arrive; the same bytes are decoded to be checked.
      const stageErrors = new StageErrors();
      const teeToDisk = async function* (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
        try {
          for await (const chunk of source) {
            storedBytes += chunk.length;
            if (storedBytes > limits.maxStoredBytes) {
              throw new PortalStoreError(
                'too-large',
                `Upload of ${what} is larger than ${limits.maxStoredBytes} bytes.`,
                'upload-too-large',
              );
            }
            await writeAll(handle, chunk);
            bodyHash.update(chunk);
            yield chunk;
          }
        } catch (error) {
          stageErrors.record(error);
        }
      };
      try {
        await pipeline(gzipBody, teeToDisk, createDatasetGunzip(), async (decoded: AsyncIterable<Buffer>) => {
          try {
            for await (const chunk of decoded) verifier.update(chunk);
          } catch (error) {
            stageErrors.record(error);
          }
        }).catch((error: unknown) => stageErrors.rethrow(error));
      } catch (error) {
        if (isStoreError(error)) throw error;
        if (errorCode(error)?.startsWith('Z_')) {
          throw new PortalStoreError(
            'verification',
            `Upload of ${what} is not valid gzip data (${(error as Error).message}).`,
            'invalid-gzip',
          );
        }
        throw error;
      }
      digest = { ...verifier.finish(), sha256: bodyHash.digest('hex') };
      const problems: string[] = [];
      if (digest.rows !== announced.rows) problems.push(`${digest.rows} rows received, ${announced.rows} announced`);
      if (digest.sha256 !== announced.sha256)
        problems.push(`SHA-256 ${digest.sha256} received, ${announced.sha256} announced`);
      if (problems.length > 0) {
        throw new PortalStoreError(
          'verification',
          `Upload of ${what} refused: ${problems.join('; ')}.`,
          digest.rows !== announced.rows ? 'rows-mismatch' : 'sha256-mismatch',
          {
            hint: 'The data changed in transit or the announcement is wrong; upload it again.',
          },
        );
      }
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await this.fs.rm(dataPath, { force: true }).catch(() => undefined);
      throw error;
    }
    await handle.close();

    const uploaded: UploadedDataset = {
      publicationId,
      name,
      part,
      rows: digest.rows,
      sha256: digest.sha256,
      bytes: digest.bytes,
      storedBytes,
    };
    // The record names the data file of the latest upload; swapping it and removing the replaced file run one
    // at a time per publication, so two uploads of the same dataset at once leave no unreferenced file behind.
    await this.oneAtATime(publicationId, async () => {
      const recordPath = this.uploadRecordPath(publicationId, part, name);
      const replaced = await readJsonIfExists<UploadRecord>(this.fs, recordPath);
      try {
        await writeJsonAtomic(this.fs, recordPath, {
          ...uploaded,
          file,
          uploadedAt: this.clock.now().toISOString(),
        } satisfies UploadRecord);
      } catch (error) {
        // A failure after the rename (syncing the directory) leaves a record naming this file: keep it then.
        const current = await readJsonIfExists<UploadRecord>(this.fs, recordPath).catch(() => undefined);
        if (current?.file !== file) await this.fs.rm(dataPath, { force: true }).catch(() => undefined);
        if (isMissing(error)) throw this.publicationGone(publicationId);
        throw error;
      }
      if (replaced && replaced.file !== file) {
        await this.fs.rm(join(this.stagingDir(publicationId), 'data', replaced.file), { force: true });
      }
    });
    await this.touchStaging(publicationId);
    return uploaded;
  }

  /**
   * Verifies every announced dataset against its upload, builds the publication (applying deltas for an
   * incremental one), and makes it the visible one in a single atomic step. Repeating a commit that
   * succeeded returns the same manifest.
   */
  async commitPublication(publicationId: string, input: CommitInput): Promise<PublicationManifest> {
    checkPublicationId(publicationId);
    return this.oneAtATime(publicationId, async () => {
      const record = await this.readStagingRecord(publicationId);
      if (!record) {
        const committed = await this.findCommittedManifest(publicationId);
        if (committed) return committed;
        throw this.publicationGone(publicationId);
      }
      const datasets = this.checkCommitInput(record, input);
      this.committing.add(publicationId);
      try {
        const { company, service } = record;
        const target = this.publicationDir(company, service, publicationId);
        // A previous attempt may have moved the publication into place and crashed before the swap.
        let manifest = await readJsonIfExists<PublicationManifest>(this.fs, join(target, 'manifest.json'));
        if (manifest) {
          this.checkSameAnnouncement(manifest, datasets);
        } else {
          manifest = await this.buildPublication(record, datasets);
        }
        await this.locks.withLock(this.companyLock(company), async () => {
          if (!(await pathExists(this.fs, this.stagingRecordPath(publicationId))))
            throw this.publicationGone(publicationId);
          const pointer = await this.readPointer(company, service);
          // Already the visible one when an earlier attempt crashed after its swap.
          if (pointer?.publicationId !== publicationId) {
            if (record.mode === 'incremental')
              await this.checkBaseIsCurrent(company, service, record.basePublicationId as string);
            if (!(await pathExists(this.fs, target))) {
              await this.fs.mkdir(this.publicationsDir(company, service), { recursive: true });
              await renameDurably(this.fs, join(this.stagingDir(publicationId), 'build'), target);
              await syncDirectory(this.fs, this.publicationsDir(company, service));
            }
            const next: CurrentPointer = {
              publicationId,
              previousPublicationId: pointer?.publicationId ?? null,
              committedAt: (manifest as PublicationManifest).committedAt,
            };
            await writeJsonAtomic(this.fs, this.pointerPath(company, service), next); // ← the commit point
          }
          await this.moveToTrash(this.stagingDir(publicationId));
          await this.trashOldPublications(company, service);
        });
        await this.emptyTrash();
        return manifest;
      } finally {
        this.committing.delete(publicationId);
      }
    });
  }

  /** Discards an open publication and its uploads. Aborting an unknown publication is a no-op. */
  async abortPublication(publicationId: string): Promise<void> {
    if (!PUBLICATION_ID_PATTERN.test(publicationId)) return;
    await this.oneAtATime(publicationId, async () => {
      const record = await this.readStagingRecord(publicationId);
      if (!record) {
        if (await this.findCommittedManifest(publicationId)) {
          throw new PortalStoreError(
            'conflict',
            `Publication ${publicationId} is already committed; unpublish it instead.`,
            'already-committed',
          );
        }
        return;
      }
      // Under the company lock, so it cannot slip between another process's commit checks and its swap.
      await this.locks.withLock(this.companyLock(record.company), async () => {
        const pointer = await this.readPointer(record.company, record.service);
        if (pointer?.publicationId === publicationId) {
          throw new PortalStoreError(
            'conflict',
            `Publication ${publicationId} is already committed; unpublish it instead.`,
            'already-committed',
          );
        }
        await this.moveToTrash(this.stagingDir(publicationId));
      });
      await this.emptyTrash();
    });
  }

  /**
   * Removes what a service shows for a company: afterwards nothing is visible for it (there is no
   * rollback to an older publication), and open publications of that company and service are aborted.
   */
  async unpublish(company: string, service: PortalService): Promise<void> {
    checkCompany(company);
    checkService(service);
    await this.locks.withLock(this.companyLock(company), async () => {
      await this.abortOpenPublications((record) => record.company === company && record.service === service);
      await this.fs.rm(this.pointerPath(company, service), { force: true }); // ← nothing visible from here
      await syncDirectory(this.fs, this.serviceDir(company, service)).catch((error) => {
        if (!isMissing(error)) throw error;
      });
      await this.moveToTrash(this.serviceDir(company, service));
    });
    await this.emptyTrash();
  }

  /** Removes everything of a company: both services' publications, its open publications, and users' permissions on it. */
  async removeCompany(company: string): Promise<void> {
    checkCompany(company);
    await this.locks.withLock(this.companyLock(company), async () => {
      await this.abortOpenPublications((record) => record.company === company);
      await this.moveToTrash(this.companyDir(company)); // ← one rename: both services vanish together
    });
    await this.locks.withLock('users', async () => {
      const users = await this.readUsers();
      if (users.some((user) => company in user.views)) {
        await this.writeUsers(
          users.map((user) => ({
            ...user,
            views: Object.fromEntries(Object.entries(user.views).filter(([code]) => code !== company)),
          })),
        );
      }
    });
    await this.emptyTrash();
  }

  // ── users ──

  /** Replaces the whole set of mobile users. */
  async putUsers(users: PortalUser[]): Promise<void> {
    const seen = new Set<string>();
    for (const [index, user] of users.entries()) {
      const where = `users[${index}]`;
      if (typeof user.login !== 'string' || !LOGIN_PATTERN.test(user.login))
        throw invalid(`${where}: login must be 2 to 64 letters, digits, ".", "_", "-" or "@".`, 'invalid-user');
      const folded = user.login.toLowerCase();
      if (seen.has(folded))
        throw invalid(
          `${where}: login "${user.login}" appears twice (logins are compared without case).`,
          'duplicate-login',
        );
      seen.add(folded);
      if (typeof user.name !== 'string' || user.name.length === 0)
        throw invalid(`${where}: name must be a non-empty string.`, 'invalid-user');
      if (typeof user.passwordHash !== 'string' || !isPasswordHash(user.passwordHash)) {
        throw invalid(`${where}: passwordHash must be a scrypt$N$r$p$salt$hash string.`, 'invalid-password-hash');
      }
      for (const [code, permission] of Object.entries(user.views ?? {})) {
        checkCompany(code);
        if (
          permission !== 'all' &&
          !(
            Array.isArray(permission) &&
            permission.every((id) => typeof id === 'string' && DATASET_NAME_PATTERN.test(id))
          )
        ) {
          throw invalid(`${where}.views.${code} must be "all" or a list of view ids.`, 'invalid-user');
        }
      }
    }
    const normalised = users.map((user) => ({
      login: user.login,
      name: user.name,
      passwordHash: user.passwordHash,
      views: user.views ?? {},
    }));
    await this.locks.withLock('users', () => this.writeUsers(normalised));
  }

  async readUsers(): Promise<PortalUser[]> {
    const file = await readJsonIfExists<{ users: PortalUser[] }>(this.fs, this.usersPath());
    return file?.users ?? [];
  }

  /** Logins are matched without regard to case (phones capitalise the first letter). */
  async findUser(login: string): Promise<PortalUser | undefined> {
    const folded = login.toLowerCase();
    return (await this.readUsers()).find((user) => user.login.toLowerCase() === folded);
  }

  // ── reading ──

  /** The visible publication of a company and service, or undefined when nothing is published. */
  async currentPublication(company: string, service: PortalService): Promise<PublicationManifest | undefined> {
    checkCompany(company);
    checkService(service);
    // One retry: a commit may swap the pointer and clean up between our two reads.
    for (let attempt = 0; attempt < 2; attempt++) {
      const pointer = await this.readPointer(company, service);
      if (!pointer) return undefined;
      const manifest = await readJsonIfExists<PublicationManifest>(
        this.fs,
        join(this.publicationDir(company, service, pointer.publicationId), 'manifest.json'),
      );
      if (manifest) return manifest;
    }
    return undefined;
  }

  /** Opens one dataset of the visible publication, or undefined when it is not published. */
  async openDataset(company: string, service: PortalService, name: string): Promise<OpenDataset | undefined> {
    checkDatasetName(name);
    for (let attempt = 0; attempt < 2; attempt++) {
      const publication = await this.currentPublication(company, service);
      const dataset = publication?.datasets.find((entry) => entry.name === name);
      if (!publication || !dataset) return undefined;
      const path = join(
        this.publicationDir(company, service, publication.publicationId),
        'datasets',
        `${name}.ndjson.gz`,
      );
      let handle: FileHandle;
      try {
        handle = await this.fs.open(path, 'r');
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      return datasetReader(publication, dataset, handle);
    }
    return undefined;
  }

  /** A Business Mobile view: the dataset named after the view id. */
  async openView(company: string, viewId: string): Promise<OpenDataset | undefined> {
    return this.openDataset(company, 'business-mobile', viewId);
  }

  // ── internals: publications ──

  private async readStagingRecord(publicationId: string): Promise<OpenedPublication | undefined> {
    return readJsonIfExists<OpenedPublication>(this.fs, this.stagingRecordPath(publicationId));
  }

  private async requireOpenPublication(publicationId: string): Promise<OpenedPublication> {
    const record = await this.readStagingRecord(publicationId);
    if (record) return record;
    if (await this.findCommittedManifest(publicationId)) {
      throw new PortalStoreError(
        'conflict',
        `Publication ${publicationId} is already committed; open a new one.`,
        'already-committed',
      );
    }
    throw this.publicationGone(publicationId);
  }

  private publicationGone(publicationId: string): PortalStoreError {
    return new PortalStoreError(
      'not-found',
      `No open publication ${publicationId}: it was never opened, was aborted, expired, or its company was unpublished or removed.`,
      'unknown-publication',
      {
        hint: 'Open a new publication and upload again.',
      },
    );
  }

  /**
   * A committed publication still on disk, found by id across companies. Only the current and previous
   * ones count: a directory that is neither was never swapped in (a commit that crashed half-way).
   */
  private async findCommittedManifest(publicationId: string): Promise<PublicationManifest | undefined> {
    for (const company of await listDirectory(this.fs, join(this.root, 'companies'))) {
      for (const service of PORTAL_SERVICES) {
        const pointer = await this.readPointer(company, service).catch(() => undefined);
        if (pointer?.publicationId !== publicationId && pointer?.previousPublicationId !== publicationId) continue;
        const manifest = await readJsonIfExists<PublicationManifest>(
          this.fs,
          join(this.publicationDir(company, service, publicationId), 'manifest.json'),
        ).catch(() => undefined);
        if (manifest) return manifest;
      }
    }
    return undefined;
  }

  private async readPointer(company: string, service: PortalService): Promise<CurrentPointer | undefined> {
    return readJsonIfExists<CurrentPointer>(this.fs, this.pointerPath(company, service));
  }

  private async checkBaseIsCurrent(company: string, service: PortalService, basePublicationId: string): Promise<void> {
    const pointer = await this.readPointer(company, service);
    if (!pointer) {
      throw new PortalStoreError(
        'conflict',
        `Nothing is published for ${company} ${service}: an incremental publication needs a base; publish in full.`,
        'no-base',
      );
    }
    if (pointer.publicationId !== basePublicationId) {
      throw new PortalStoreError(
        'conflict',
        `The visible publication of ${company} ${service} is ${pointer.publicationId}, not the base ${basePublicationId}: publish in full or recompute the delta.`,
        'base-changed',
      );
    }
  }

  private async touchStaging(publicationId: string): Promise<void> {
    const now = this.clock.now();
    await this.fs.utimes(this.stagingDir(publicationId), now, now).catch(() => undefined);
  }

  /** Runs operations on one publication one after another within this process. */
  private async oneAtATime<T>(publicationId: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.publicationQueues.get(publicationId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(operation);
    this.publicationQueues.set(publicationId, run);
    try {
      return await run;
    } finally {
      if (this.publicationQueues.get(publicationId) === run) this.publicationQueues.delete(publicationId);
    }
  }

  private checkCommitInput(record: OpenedPublication, input: CommitInput): CommitDataset[] {
    if (!input || !Array.isArray(input.datasets)) throw invalid('A commit needs a "datasets" list.', 'invalid-commit');
    const seen = new Set<string>();
    for (const dataset of input.datasets) {
      checkDatasetName(dataset.name);
      const folded = dataset.name.toLowerCase();
      if (seen.has(folded))
        throw invalid(
          `Dataset "${dataset.name}" is announced twice (names are compared without case).`,
          'duplicate-dataset',
        );
      seen.add(folded);
      checkAnnouncedDigest(`Dataset "${dataset.name}"`, dataset.rows, dataset.sha256);
      if (dataset.keys !== undefined) {
        const keys = dataset.keys;
        if (
          !Array.isArray(keys) ||
          keys.length === 0 ||
          keys.length > 16 ||
          new Set(keys).size !== keys.length ||
          !keys.every((key) => typeof key === 'string' && KEY_COLUMN_PATTERN.test(key))
        ) {
          throw invalid(`Dataset "${dataset.name}": keys must be 1 to 16 distinct column names.`, 'invalid-keys');
        }
      }
      if (record.mode === 'incremental' && dataset.keys === undefined) {
        throw invalid(
          `Dataset "${dataset.name}": an incremental publication needs the key columns of every dataset it changes.`,
          'missing-keys',
        );
      }
      if (dataset.deletions !== undefined) {
        if (record.mode !== 'incremental')
          throw invalid(
            `Dataset "${dataset.name}": deletions only exist in incremental publications.`,
            'deletions-in-full',
          );
        checkAnnouncedDigest(
          `Deletions of dataset "${dataset.name}"`,
          dataset.deletions.rows,
          dataset.deletions.sha256,
        );
      }
      checkMeta(`Meta of dataset "${dataset.name}"`, dataset.meta);
    }
    return [...input.datasets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A retried commit after a crash must announce what the first attempt sealed. */
  private checkSameAnnouncement(manifest: PublicationManifest, datasets: CommitDataset[]): void {
    const sealed =
      manifest.mode === 'full' ? manifest.datasets : manifest.datasets.filter((entry) => entry.change !== undefined);
    const matches =
      sealed.length === datasets.length &&
      datasets.every((dataset) => {
        const entry = sealed.find((candidate) => candidate.name === dataset.name);
        if (!entry) return false;
        return manifest.mode === 'full'
          ? entry.sha256 === dataset.sha256 && entry.rows === dataset.rows
          : entry.change?.upserts === dataset.rows;
      });
    if (!matches) {
      throw new PortalStoreError(
        'conflict',
        `Publication ${manifest.publicationId} was already sealed with other datasets; open a new publication.`,
        'commit-differs',
      );
    }
  }

  /** Checks the uploads against the announcement; returns the upload records by part and name. */
  private async verifyUploads(
    record: OpenedPublication,
    datasets: CommitDataset[],
  ): Promise<Map<string, UploadRecord>> {
    const { publicationId } = record;
    const problems: string[] = [];
    const uploads = new Map<string, UploadRecord>();
    const expect = async (part: DatasetPart, name: string, announced: { rows: number; sha256: string }) => {
      const what = part === 'rows' ? `dataset "${name}"` : `deletions of dataset "${name}"`;
      const upload = await readJsonIfExists<UploadRecord>(this.fs, this.uploadRecordPath(publicationId, part, name));
      if (!upload || upload.name !== name) {
        problems.push(`${what} was not uploaded`);
        return;
      }
      if (upload.rows !== announced.rows)
        problems.push(`${what}: ${upload.rows} rows uploaded, ${announced.rows} announced`);
      if (upload.sha256 !== announced.sha256)
        problems.push(`${what}: SHA-256 ${upload.sha256} uploaded, ${announced.sha256} announced`);
      const stat = await this.fs.stat(join(this.stagingDir(publicationId), 'data', upload.file)).catch(() => undefined);
      if (!stat || stat.size !== upload.storedBytes)
        problems.push(`${what}: the uploaded file is missing or damaged; upload it again`);
      uploads.set(`${part}/${name}`, upload);
    };
    for (const dataset of datasets) {
      await expect('rows', dataset.name, dataset);
      if (dataset.deletions) await expect('deletions', dataset.name, dataset.deletions);
    }
    for (const entry of await listDirectory(this.fs, join(this.stagingDir(publicationId), 'uploads'))) {
      const match = /^(rows|deletions)-(.+)\.json$/.exec(entry);
      if (match && !uploads.has(`${match[1]}/${match[2]}`))
        problems.push(
          `${match[1] === 'rows' ? 'dataset' : 'deletions of dataset'} "${match[2]}" was uploaded but not announced`,
        );
    }
    if (problems.length > 0) {
      throw new PortalStoreError(
        'verification',
        `Commit of ${publicationId} refused: ${problems.join('; ')}.`,
        'commit-verification',
        {
          hint: 'Nothing was published; the previous publication is still the visible one.',
        },
      );
    }
    return uploads;
  }

  /** Assembles the publication under staging/<id>/build, manifest last. */
  private async buildPublication(record: OpenedPublication, datasets: CommitDataset[]): Promise<PublicationManifest> {
    const uploads = await this.verifyUploads(record, datasets);
    const { publicationId, company, service } = record;
    const staging = this.stagingDir(publicationId);
    const build = join(staging, 'build');
    await removeTree(this.fs, build);
    await this.fs.mkdir(join(build, 'datasets'), { recursive: true });
    const uploadPath = (part: DatasetPart, name: string) =>
      join(staging, 'data', (uploads.get(`${part}/${name}`) as UploadRecord).file);
    const builtPath = (name: string) => join(build, 'datasets', `${name}.ndjson.gz`);

    const entries: ManifestDataset[] = [];
    if (record.mode === 'full') {
      for (const dataset of datasets) {
        const upload = uploads.get(`rows/${dataset.name}`) as UploadRecord;
        await linkOrCopy(this.fs, uploadPath('rows', dataset.name), builtPath(dataset.name));
        entries.push(manifestEntry(dataset, upload));
      }
    } else {
      const base = await readJsonIfExists<PublicationManifest>(
        this.fs,
        join(this.publicationDir(company, service, record.basePublicationId as string), 'manifest.json'),
      );
      if (!base) {
        throw new PortalStoreError(
          'conflict',
          `The base publication ${record.basePublicationId} of ${publicationId} is no longer on the portal: publish in full.`,
          'base-changed',
        );
      }
      const baseFile = (name: string) =>
        join(this.publicationDir(company, service, base.publicationId), 'datasets', `${name}.ndjson.gz`);
      const changed = new Set(datasets.map((dataset) => dataset.name));
      for (const entry of base.datasets) {
        if (changed.has(entry.name)) continue;
        await linkOrCopy(this.fs, baseFile(entry.name), builtPath(entry.name));
        const { change: _previousChange, ...unchanged } = entry;
        entries.push(unchanged);
      }
      for (const dataset of datasets) {
        const baseEntry = base.datasets.find((entry) => entry.name === dataset.name);
        const keys = dataset.keys as string[];
        if (baseEntry?.keys !== undefined && !sameKeys(baseEntry.keys, keys)) {
          throw new PortalStoreError(
            'verification',
            `Dataset "${dataset.name}": keys ${JSON.stringify(keys)} differ from the published ${JSON.stringify(baseEntry.keys)}; publish in full.`,
            'keys-changed',
          );
        }
        const composed = await this.composeDataset({
          name: dataset.name,
          keys,
          columns: columnNamesOf(dataset.meta ?? baseEntry?.meta),
          base: baseEntry ? baseFile(dataset.name) : undefined,
          upserts: uploadPath('rows', dataset.name),
          deletions: dataset.deletions ? uploadPath('deletions', dataset.name) : undefined,
          target: builtPath(dataset.name),
        });
        const meta = dataset.meta ?? baseEntry?.meta;
        entries.push({
          name: dataset.name,
          ...composed,
          keys,
          ...(meta !== undefined ? { meta } : {}),
          change: { upserts: dataset.rows, deletions: dataset.deletions?.rows ?? 0 },
        });
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    await syncDirectory(this.fs, join(build, 'datasets'));
    const manifest: PublicationManifest = {
      format: 'sbsync-publication',
      version: 1,
      publicationId,
      company,
      service,
      mode: record.mode,
      basePublicationId: record.basePublicationId,
      openedAt: record.openedAt,
      committedAt: this.clock.now().toISOString(),
      meta: record.meta,
      datasets: entries,
    };
    await writeJsonAtomic(this.fs, join(build, 'manifest.json'), manifest);
    return manifest;
  }

  /**
   * The delta design: the published table is always complete. Applying a delta streams the base once,
   * dropping rows whose key is deleted or upserted, then appends the upserts. Memory holds only the
   * delta's keys, never rows. A key both deleted and upserted ends up with the upserted row.
   */
  private async composeDataset(plan: {
    name: string;
    keys: string[];
    /** Column order of rows written as arrays (the dataset's `meta.columns`). */
    columns: string[] | undefined;
    base: string | undefined;
    upserts: string;
    deletions: string | undefined;
    target: string;
  }): Promise<StoredDigest> {
    const { keys, columns } = plan;
    const removedKeys = new Set<string>();
    const collectKeys = async (path: string, what: string, rejectDuplicates: boolean) => {
      const handle = await this.fs.open(path, 'r');
      try {
        await verifyGzipFile(
          handle,
          new NdjsonVerifier(what, this.limits, (row, _line, lineNumber) => {
            const key = rowKey(row, keys, what, lineNumber, columns);
            if (rejectDuplicates && removedKeys.has(key)) {
              throw new PortalStoreError(
                'verification',
                `Row ${lineNumber} of ${what} repeats the key ${key}; each key may appear once in a delta.`,
                'duplicate-key',
              );
            }
            removedKeys.add(key);
          }),
        );
      } finally {
        await handle.close();
      }
    };
    if (plan.deletions) await collectKeys(plan.deletions, `deletions of dataset "${plan.name}"`, false);
    const deletedOnly = new Set(removedKeys);
    removedKeys.clear();
    await collectKeys(plan.upserts, `dataset "${plan.name}"`, true);
    for (const key of deletedOnly) removedKeys.add(key);

    const baseHandle = plan.base ? await this.fs.open(plan.base, 'r') : undefined;
    const upsertHandle = await this.fs.open(plan.upserts, 'r');
    const out = await this.fs.open(plan.target, 'wx');
    const what = `published dataset "${plan.name}"`;
    try {
      async function* composedLines(): AsyncGenerator<Buffer> {
        if (baseHandle) {
          let lineNumber = 0;
          for await (const line of gzipLines(baseHandle)) {
            lineNumber++;
            const row = JSON.parse(line.toString('utf8')) as NdjsonRow;
            if (!removedKeys.has(rowKey(row, keys, what, lineNumber, columns))) yield line;
          }
        }
        yield* gzipLines(upsertHandle);
      }
      const digest = await writeGzipLines(out, composedLines());
      await out.sync();
      return digest;
    } finally {
      await out.close();
      await upsertHandle.close();
      await baseHandle?.close();
    }
  }

  // ── internals: deletion ──

  /** Under the company lock: keeps the current and previous publications, moves the others to the trash. */
  private async trashOldPublications(company: string, service: PortalService): Promise<void> {
    const pointer = await this.readPointer(company, service);
    const keep = new Set([pointer?.publicationId, pointer?.previousPublicationId].filter(Boolean));
    for (const publicationId of await listDirectory(this.fs, this.publicationsDir(company, service))) {
      if (keep.has(publicationId)) continue;
      // A publication moved into place by a commit that crashed before its swap can still be resumed.
      if (await pathExists(this.fs, this.stagingRecordPath(publicationId))) continue;
      await this.moveToTrash(this.publicationDir(company, service, publicationId)).catch(() => undefined);
    }
  }

  private async abortOpenPublications(matches: (record: OpenedPublication) => boolean): Promise<void> {
    for (const publicationId of await listDirectory(this.fs, join(this.root, 'staging'))) {
      const record = await this.readStagingRecord(publicationId).catch(() => undefined);
      if (record && matches(record)) await this.moveToTrash(this.stagingDir(publicationId));
    }
  }

  /** A rename, so the tree disappears at once from its place; the slow delete happens afterwards. */
  private async moveToTrash(path: string): Promise<void> {
    try {
      await renameDurably(this.fs, path, join(this.root, 'trash', `${Date.now()}-${randomBytes(4).toString('hex')}`));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  private async moveToTrashAndRemove(path: string): Promise<void> {
    await this.moveToTrash(path);
    await this.emptyTrash();
  }

  /** Best effort: whatever stays (a reader holding a file on Windows) goes at the next cleanup. */
  private async emptyTrash(): Promise<void> {
    for (const entry of await listDirectory(this.fs, join(this.root, 'trash')).catch(() => [])) {
      await removeTree(this.fs, join(this.root, 'trash', entry)).catch(() => undefined);
    }
  }

  private async writeUsers(users: PortalUser[]): Promise<void> {
    await writeJsonAtomic(this.fs, this.usersPath(), {
      format: 'sbsync-users',
      version: 1,
      updatedAt: this.clock.now().toISOString(),
      users,
    });
  }
}

function manifestEntry(dataset: CommitDataset, upload: UploadRecord): ManifestDataset {
  return {
    name: dataset.name,
    rows: upload.rows,
    sha256: upload.sha256,
    bytes: upload.bytes,
    storedBytes: upload.storedBytes,
    ...(dataset.keys !== undefined ? { keys: dataset.keys } : {}),
    ...(dataset.meta !== undefined ? { meta: dataset.meta } : {}),
  };
}

function datasetReader(publication: PublicationManifest, dataset: ManifestDataset, handle: FileHandle): OpenDataset {
  let taken = false;
  return {
    publication,
    dataset,
    gzipStream() {
      taken = true;
      return handle.createReadStream({ start: 0, autoClose: true });
    },
    async *lines() {
      taken = true;
      try {
        for await (const line of gzipLines(handle)) yield line.toString('utf8');
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
    async close() {
      if (!taken) await handle.close().catch(() => undefined);
    },
  };
}
