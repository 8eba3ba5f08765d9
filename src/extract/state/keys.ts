/**
 * Key files: the sorted set of `cbMarq` values of a table, stored compactly and read/written in bounded
 * memory (64 KiB blocks, synchronous I/O on local files — a 1M-key file is about 1 MB and takes a few ms).
 *
 * Format (`.keys`): the 8 bytes `SBKEYS1\n`, then one unsigned LEB128 varint per key holding the gap to the
 * previous key (the first key's gap is from 0). Keys are strictly increasing non-negative integers below
 * 2^53; dense cbMarq ranges cost one byte per key. The key count and a SHA-256 of the whole file are kept in
 * the state manifest, which is how a truncated or altered file is detected.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

export const KEY_FILE_MAGIC = Buffer.from('SBKEYS1\n', 'latin1');
const BLOCK = 64 * 1024;

export class KeyFileError extends Error {}

/** Appends strictly increasing keys to a new file. */
export class KeyWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  private previous = -1;
  private readonly hash: Hash = createHash('sha256');
  count = 0;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx');
    this.put(KEY_FILE_MAGIC);
  }

  private put(bytes: Buffer): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    bytes.copy(this.buffer, this.used);
    this.used += bytes.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.hash.update(chunk);
    let written = 0;
    while (written < chunk.length) written += writeSync(this.fd, chunk, written, chunk.length - written);
    this.used = 0;
  }

  add(key: number): void {
    if (!Number.isSafeInteger(key) || key <= this.previous) {
      throw new KeyFileError(`Keys must be increasing safe integers: ${key} after ${this.previous}`);
    }
    let gap = this.previous < 0 ? key : key - this.previous;
    this.previous = key;
    this.count++;
    if (this.used + 8 > this.buffer.length) this.flush();
    // LEB128; numbers up to 2^53 need at most 8 bytes.
    while (gap >= 0x80) {
      this.buffer[this.used++] = (gap % 0x80) | 0x80;
      gap = Math.floor(gap / 0x80);
    }
    this.buffer[this.used++] = gap;
  }

  /** Flushes, fsyncs and closes; returns the key count and the file's SHA-256 (hex). */
  close(): { count: number; sha256: string } {
    if (this.closed) throw new KeyFileError(`${this.path} is already closed`);
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
    return { count: this.count, sha256: this.hash.digest('hex') };
  }

  /** Closes without syncing (the file is about to be deleted). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Reads a key file in order; `next()` returns undefined at the end. */
export class KeyReader {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BLOCK);
  private length = 0;
  private offset = 0;
  private eof = false;
  private previous = 0;
  private first = true;
  private readonly hash: Hash = createHash('sha256');
  count = 0;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.fill();
    if (this.length < KEY_FILE_MAGIC.length || !this.buffer.subarray(0, KEY_FILE_MAGIC.length).equals(KEY_FILE_MAGIC)) {
      this.close();
      throw new KeyFileError(`${path} is not a key file`);
    }
    this.offset = KEY_FILE_MAGIC.length;
  }

  private fill(): void {
    // Keep unread bytes (a varint cut by the block boundary) and read more after them.
    const rest = this.length - this.offset;
    if (rest > 0) this.buffer.copy(this.buffer, 0, this.offset, this.length);
    this.length = rest;
    this.offset = 0;
    while (!this.eof && this.length < this.buffer.length) {
      const n = readSync(this.fd, this.buffer, this.length, this.buffer.length - this.length, null);
      if (n === 0) this.eof = true;
      else {
        this.hash.update(this.buffer.subarray(this.length, this.length + n));
        this.length += n;
      }
    }
  }

  next(): number | undefined {
    if (this.length - this.offset < 8 && !this.eof) this.fill();
    if (this.offset >= this.length) return undefined;
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.length) throw new KeyFileError(`${this.path} ends in the middle of a key`);
      const byte = this.buffer[this.offset++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new KeyFileError(`${this.path} holds a key that is too large`);
    }
    const key = this.first ? value : this.previous + value;
    if (!this.first && value === 0) throw new KeyFileError(`${this.path} holds a repeated key`);
    this.first = false;
    this.previous = key;
    this.count++;
    return key;
  }

  /** The SHA-256 of everything read so far (the whole file once `next()` returned undefined). */
  digest(): string {
    return this.hash.digest('hex');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Writes a sorted list of keys to `path` (tests and small sets). */
export function writeKeyFile(path: string, keys: Iterable<number>): { count: number; sha256: string } {
  const writer = new KeyWriter(path);
  try {
    for (const k of keys) writer.add(k);
    return writer.close();
  } catch (error) {
    writer.abandon();
    throw error;
  }
}

/** Reads all keys of a file (tests and small sets). */
export function readKeyFile(path: string): number[] {
  const reader = new KeyReader(path);
  try {
    const keys: number[] = [];
    for (let k = reader.next(); k !== undefined; k = reader.next()) keys.push(k);
    return keys;
  } finally {
    reader.close();
  }
}

/** A sorted key stream: a reader, the sorted union of two streams, or nothing. */
export interface KeyStream {
  next(): number | undefined;
}

export const EMPTY_KEYS: KeyStream = { next: () => undefined };

/** The sorted union (without repeats) of two sorted streams. */
export function unionKeys(a: KeyStream, b: KeyStream): KeyStream {
  let x = a.next();
  let y = b.next();
  return {
    next(): number | undefined {
      if (x === undefined && y === undefined) return undefined;
      let out: number;
      if (y === undefined || (x !== undefined && x < y)) {
        out = x as number;
        x = a.next();
      } else if (x === undefined || y < x) {
        out = y;
        y = b.next();
      } else {
        out = x;
        x = a.next();
        y = b.next();
      }
      return out;
    },
  };
}
