/**
 * Streaming checks and rewrites of gzip NDJSON datasets, in constant memory whatever their size.
 *
 * A dataset is announced by its row count and the SHA-256 of its gzip bytes as they travel and are stored
 * (the digest HTTP's Content-Digest would carry): hashing ~6× fewer bytes than the decoded text, and gzip's
 * own CRC covers the decoding. Its row count is its number of lines; every line is one
 * JSON object — or one JSON array of values in the order of the dataset's `meta.columns`, the compact form
 * raw tables use — terminated by `\n` (a `\r` before it is tolerated), with no blank lines.
 */
import { createHash } from 'node:crypto';
import { createGunzip, createGzip, type Gunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { FileHandle } from 'node:fs/promises';
import { PortalStoreError } from './errors.js';
import { writeAll } from './files.js';

/** What the decoding of a dataset finds. */
export interface NdjsonCount {
  rows: number;
  /** Decoded NDJSON bytes. */
  bytes: number;
}

/** A dataset as stored: its count, and the SHA-256 and size of its gzip bytes. */
export interface StoredDigest extends NdjsonCount {
  /** SHA-256 (hex) of the gzip bytes. */
  sha256: string;
  storedBytes: number;
}

export interface NdjsonLimits {
  /** Largest decoded dataset accepted (guards against gzip bombs). */
  maxDecodedBytes: number;
  /** Largest single line (one row) accepted. */
  maxLineBytes: number;
}

export type JsonObject = Record<string, unknown>;
/** One NDJSON row: an object, or an array of values in the order of the dataset's `meta.columns`. */
export type NdjsonRow = JsonObject | unknown[];

const NEWLINE = 0x0a;

function isRow(value: unknown): value is NdjsonRow {
  return typeof value === 'object' && value !== null;
}

/** Rows parsed in full at the start of every dataset; the rest are checked for their shape only. */
const FULLY_PARSED_ROWS = 1000;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CARRIAGE_RETURN = 0x0d;

/**
 * Consumes decoded NDJSON bytes: counts and parses lines, enforces limits.
 *
 * Rows that are parsed (the first {@link FULLY_PARSED_ROWS}, or all of them with `onRow`) are copied out of
 * the chunk and parsed one by one. Past those, a row's shape is read straight from the chunk: only the
 * newline positions are searched (memchr), no line is copied, and a line that goes on in the next chunk
 * leaves behind just its length, its first byte and its last two bytes. Where the chunks are cut never
 * changes the verdict or its message.
 */
export class NdjsonVerifier {
  private rows = 0;
  private bytes = 0;
  /** Parsed path: the pieces of the current line, copied. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Shape-only path: what is known of a line that started in an earlier chunk. */
  private tailBytes = 0;
  private tailFirst = -1;
  private tailLast = -1;
  private tailBeforeLast = -1;

  constructor(
    /** What the data is, for messages: `dataset "treasury"`. */
    private readonly what: string,
    private readonly limits: NdjsonLimits,
    /** Called with each parsed row and its raw line (without the newline). */
    private readonly onRow?: (row: NdjsonRow, line: Buffer, lineNumber: number) => void,
  ) {}

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxDecodedBytes) {
      throw new PortalStoreError(
        'too-large',
        `${this.what} is larger than ${this.limits.maxDecodedBytes} bytes once decoded.`,
        'dataset-too-large',
      );
    }
    let start = 0;
    // Lines to parse. The switch to the shape-only path happens between two lines (nothing pending): the
    // line that completes row FULLY_PARSED_ROWS is still taken here, even when it spans chunks.
    while (this.onRow !== undefined || this.rows < FULLY_PARSED_ROWS) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        if (start < chunk.length) this.addPending(chunk.subarray(start));
        return;
      }
      this.addPending(chunk.subarray(start, end));
      this.completeLine();
      start = end + 1;
    }
    if (start < chunk.length) this.checkShapes(chunk, start);
  }

  /** The count; throws when the data does not end with a newline. */
  finish(): NdjsonCount {
    if (this.pendingBytes > 0 || this.tailBytes > 0) {
      throw new PortalStoreError(
        'verification',
        `${this.what} does not end with a newline: every NDJSON row must end with "\\n".`,
        'invalid-ndjson',
      );
    }
    return { rows: this.rows, bytes: this.bytes };
  }

  private tooLong(lineNumber: number): PortalStoreError {
    return new PortalStoreError(
      'too-large',
      `Row ${lineNumber} of ${this.what} is longer than ${this.limits.maxLineBytes} bytes.`,
      'line-too-long',
    );
  }

  private notARow(lineNumber: number): PortalStoreError {
    return new PortalStoreError(
      'verification',
      `Row ${lineNumber} of ${this.what} is not a JSON object or array on one line.`,
      'invalid-ndjson',
    );
  }

  private addPending(part: Buffer): void {
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.limits.maxLineBytes) throw this.tooLong(this.rows + 1);
    // Copy: the chunk's memory may be reused by the decoder once we return.
    if (part.length > 0) this.pending.push(Buffer.from(part));
  }

  private completeLine(): void {
    const line =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.rows++;
    // Parsing millions of rows would cost more than receiving them: the first rows are parsed in full (a
    // wrong format shows at once), the others only checked for their shape (checkShapes); the SHA-256
    // announced by the authenticated publisher already guarantees they are the bytes it produced. Rows
    // whose keys are needed (onRow) are always parsed.
    let row: unknown;
    try {
      row = JSON.parse(line.toString('utf8'));
    } catch {
      row = undefined;
    }
    if (!isRow(row)) throw this.notARow(this.rows);
    this.onRow?.(row, line, this.rows);
  }

  /**
   * The shape-only path from `start` to the end of `chunk`: every line `{…}` or `[…]` (a `\r` before the
   * newline tolerated), none longer than maxLineBytes, checked in place.
   */
  private checkShapes(chunk: Buffer, start: number): void {
    const maxLineBytes = this.limits.maxLineBytes;
    const length = chunk.length;
    let s = start;
    if (this.tailBytes > 0) {
      // The line that began in an earlier chunk: complete it, or carry it on.
      const end = chunk.indexOf(NEWLINE, s);
      if (end === -1) {
        this.carry(chunk, s, length);
        return;
      }
      this.carry(chunk, s, end);
      this.completeTail();
      s = end + 1;
    }
    let rows = this.rows;
    for (let end = chunk.indexOf(NEWLINE, s); end !== -1; end = chunk.indexOf(NEWLINE, s)) {
      // The line is chunk[s, end), its \r included.
      if (end - s > maxLineBytes) {
        this.rows = rows;
        throw this.tooLong(rows + 1);
      }
      let last = end - 1;
      if (last > s && chunk[last] === CARRIAGE_RETURN) last--;
      const first = chunk[s];
      const close = chunk[last];
      if (
        last <= s ||
        !((first === OPEN_BRACE && close === CLOSE_BRACE) || (first === OPEN_BRACKET && close === CLOSE_BRACKET))
      ) {
        this.rows = rows;
        throw this.notARow(rows + 1);
      }
      rows++;
      s = end + 1;
    }
    this.rows = rows;
    if (s < length) this.carry(chunk, s, length);
  }

  /** Adds chunk[from, to) — part of a line whose newline is not in it — to the carried line. */
  private carry(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    this.tailBytes += n;
    if (this.tailBytes > this.limits.maxLineBytes) throw this.tooLong(this.rows + 1);
    if (this.tailFirst === -1) this.tailFirst = chunk[from] as number;
    this.tailBeforeLast = n >= 2 ? (chunk[to - 2] as number) : this.tailLast;
    this.tailLast = chunk[to - 1] as number;
  }

  /** The carried line has reached its newline: checks its shape from the bytes kept. */
  private completeTail(): void {
    let lineBytes = this.tailBytes;
    let close = this.tailLast;
    if (close === CARRIAGE_RETURN) {
      lineBytes--;
      close = this.tailBeforeLast;
    }
    const first = this.tailFirst;
    this.tailBytes = 0;
    this.tailFirst = this.tailLast = this.tailBeforeLast = -1;
    if (
      lineBytes < 2 ||
      !((first === OPEN_BRACE && close === CLOSE_BRACE) || (first === OPEN_BRACKET && close === CLOSE_BRACKET))
    ) {
      throw this.notARow(this.rows + 1);
    }
    this.rows++;
  }
}

/**
 * Remembers the first error our own pipeline stages threw. When a stage throws, Node 20's pipeline()
 * may reject with the AbortError it destroyed the other streams with instead: `rethrow` restores ours.
 */
export class StageErrors {
  private first: unknown;
  private seen = false;

  record(error: unknown): never {
    if (!this.seen) {
      this.seen = true;
      this.first = error;
    }
    throw error;
  }

  rethrow(error: unknown): never {
    throw this.seen ? this.first : error;
  }
}

/**
 * Size of the decoded chunks a dataset is verified in. zlib's default (16 KiB) costs a trip to the thread
 * pool, a buffer and a stream callback every 16 KiB: on a 1 GB dataset it more than doubled the CPU time
 * of gunzip and the line scan. 256 KiB measured as fast as 1 MiB, and stays in the CPU cache between the
 * decoder and the scan.
 */
export const DECODED_CHUNK_BYTES = 256 * 1024;

/** A gunzip stream for dataset verification (large output chunks, see DECODED_CHUNK_BYTES). */
export function createDatasetGunzip(): Gunzip {
  return createGunzip({ chunkSize: DECODED_CHUNK_BYTES });
}

/** Decodes a gzip file and feeds it to `verifier`, returning the count. */
export async function verifyGzipFile(handle: FileHandle, verifier: NdjsonVerifier): Promise<NdjsonCount> {
  const errors = new StageErrors();
  await pipeline(
    handle.createReadStream({ autoClose: false, start: 0, highWaterMark: 1024 * 1024 }),
    createDatasetGunzip(),
    async (decoded: AsyncIterable<Buffer>) => {
      try {
        for await (const chunk of decoded) verifier.update(chunk);
      } catch (error) {
        errors.record(error);
      }
    },
  ).catch((error: unknown) => errors.rethrow(error));
  return verifier.finish();
}

/** The lines (without their newline) of a gzip NDJSON file, read in constant memory. */
export async function* gzipLines(handle: FileHandle): AsyncGenerator<Buffer> {
  const decoded = handle.createReadStream({ autoClose: false, start: 0 }).pipe(createGunzip());
  let pending: Buffer[] = [];
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        pending.push(chunk.subarray(start, end));
        yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
        pending = [];
        start = end + 1;
      }
      if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
    }
  } finally {
    decoded.destroy();
  }
}

/**
 * Writes NDJSON lines gzip-compressed to `handle`, returning their count and the digest of the bytes
 * written. The caller syncs and closes the handle.
 */
export async function writeGzipLines(handle: FileHandle, lines: AsyncIterable<Buffer>): Promise<StoredDigest> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  let storedBytes = 0;
  const newline = Buffer.from('\n');
  const errors = new StageErrors();
  // Lines are handed to gzip in ~256 KiB batches: one zlib job (on the thread pool) per line would cost
  // more than the compression itself.
  async function* plain(): AsyncGenerator<Buffer> {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = () => {
      const chunk = Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      bytes += chunk.length;
      return chunk;
    };
    try {
      for await (const line of lines) {
        batch.push(line, newline);
        batchBytes += line.length + 1;
        rows++;
        if (batchBytes >= 256 * 1024) yield flush();
      }
      if (batchBytes > 0) yield flush();
    } catch (error) {
      errors.record(error);
    }
  }
  await pipeline(plain(), createGzip(), async (compressed: AsyncIterable<Buffer>) => {
    try {
      for await (const chunk of compressed) {
        await writeAll(handle, chunk);
        hash.update(chunk);
        storedBytes += chunk.length;
      }
    } catch (error) {
      errors.record(error);
    }
  }).catch((error: unknown) => errors.rethrow(error));
  return { rows, sha256: hash.digest('hex'), bytes, storedBytes };
}

/** Column names from a dataset's `meta.columns` (names, or `{name}` objects), for rows written as arrays. */
export function columnNamesOf(meta: JsonObject | undefined): string[] | undefined {
  const columns = meta?.columns;
  if (!Array.isArray(columns)) return undefined;
  const names = columns.map((c: unknown) => (typeof c === 'string' ? c : typeof (c as { name?: unknown })?.name === 'string' ? (c as { name: string }).name : undefined));
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

/** The identity of a row under `keys`: the JSON of its key values in key order. */
export function rowKey(row: NdjsonRow, keys: readonly string[], what: string, lineNumber: number, columns?: readonly string[]): string {
  const values = keys.map((key) => {
    let value: unknown;
    if (Array.isArray(row)) {
      const index = columns?.indexOf(key) ?? -1;
      if (index < 0) {
        throw new PortalStoreError('verification', `Row ${lineNumber} of ${what} is an array but the dataset's meta.columns does not name the key column "${key}".`, 'missing-key');
      }
      value = row[index];
    } else value = row[key];
    if (value === undefined || value === null) {
      throw new PortalStoreError(
        'verification',
        `Row ${lineNumber} of ${what} has no value for key column "${key}".`,
        'missing-key',
      );
    }
    return value;
  });
  return JSON.stringify(values);
}
