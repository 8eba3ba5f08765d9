/**
 * Spooling: a dataset's NDJSON lines are gzipped into a temporary file while their count and the SHA-256 of
 * the gzip bytes are computed. The protocol announces both before the body, and a retried upload must
 * send the same bytes again, so each dataset is written once to disk (constant memory) and uploaded from there.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlib } from 'node:zlib';
import type { NdjsonBlock } from '../extract/raw/extract.js';
import { SpentBuffers } from '../memory.js';

export interface SpooledDataset {
  name: string;
  file: string;
  rows: number;
  /** SHA-256 (hex) of the gzip file, the body sent. */
  sha256: string;
  /** Decoded NDJSON bytes. */
  bytes: number;
  /** Gzip bytes on disk (what travels). */
  storedBytes: number;
}

const BATCH_BYTES = 256 * 1024;
/** Buffers of blocks queued for the compressor (see spoolBlocks). */
const RING_BUFFERS = 4;
const RING_BUFFER_BYTES = 1024 * 1024;
/**
 * Ring buffers kept from one dataset to the next, never freed. glibc serves a request of 128 KB or more with
 * its own mapping, but each such mapping freed raises that threshold to its size, for good: four new 1 MB
 * buffers per dataset, freed after it, put every later zlib output and upload read (128–256 KB) on the main
 * heap, which dead ones grew between collections and never gave back (peak RSS ~15–40 MB higher on the 1M-line
 * demo; Windows' allocator has no such rule, but the reuse costs nothing there).
 */
const spareRings: Buffer[] = [];
/** Bytes queued for the compressor beyond which the producer waits (blocks of any size). */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** Batches lines into ~256 KiB blocks: one copy and one stream write per block, not per row. */
async function* linesToBlocks(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<NdjsonBlock> {
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = (): NdjsonBlock => {
    const block = { rows: pending.length, data: Buffer.from(`${pending.join('\n')}\n`, 'utf8') };
    pending = [];
    pendingLength = 0;
    return block;
  };
  for await (const line of lines) {
    if (line.includes('\n')) throw new Error('an NDJSON line must not contain a raw newline');
    pending.push(line);
    pendingLength += line.length + 1;
    if (pendingLength >= BATCH_BYTES) yield flush();
  }
  if (pendingLength > 0) yield flush();
}

export interface SpoolOptions {
  /** Stops the spooling (Ctrl-C): the partial file is left for removeSpool. */
  signal?: AbortSignal;
  /** Called every ~256 KiB with the rows written so far. */
  onProgress?: (rows: number) => void;
  /** File name stem; defaults to `name` (deletions use `<name>.deletions`). */
  fileStem?: string;
}

/** Spools lines (one JSON text each, without newline). */
export async function spoolDataset(dir: string, name: string, lines: AsyncIterable<string> | Iterable<string>, options: SpoolOptions = {}): Promise<SpooledDataset> {
  return spoolBlocks(dir, name, linesToBlocks(lines), options);
}

/**
 * Spools NDJSON blocks as they come (raw extraction hands them over ready-made). A block's memory may be reused
 * once the next one is asked for, so it is copied for the compressor before that.
 */
export async function spoolBlocks(dir: string, name: string, blocks: AsyncIterable<NdjsonBlock>, options: SpoolOptions = {}): Promise<SpooledDataset> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${options.fileStem ?? name}.ndjson.gz`);
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  let reported = 0;
  const spent = new SpentBuffers();
  // Level 1: 200–350 MB/s on one core, on the thread pool, overlapping with extraction; large output chunks
  // mean fewer round trips between the pool and this thread.
  const gzip = createGzip({ level: zlib.Z_BEST_SPEED, chunkSize: 256 * 1024 });
  // The digest of what travels: ~6× fewer bytes than the NDJSON text (0.6 CPU-s less on the 1M-line demo).
  const written = pipeline(
    gzip,
    async function* (compressed: AsyncIterable<Buffer>) {
      for await (const chunk of compressed) {
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(file),
  );
  written.catch(() => undefined); // awaited below
  // A block's memory may be reused once the next one is asked for, and the compressor reads it later (zlib
  // works on the thread pool): blocks are copied into a few buffers that return to the ring when zlib has taken
  // them in. A buffer gathers blocks until the next one does not fit, or is handed over at once when the
  // compressor has nothing left to do: every hand-over (and every output chunk) is a round trip between the
  // pool and this thread, which the busy cores often schedule late, and with one block per buffer the
  // compressor sat waiting for this thread between blocks (measured on the 1M-line demo).
  const free: Buffer[] = spareRings.splice(0, RING_BUFFERS);
  while (free.length < RING_BUFFERS) free.push(Buffer.allocUnsafe(RING_BUFFER_BYTES));
  const rings = [...free];
  let wake: (() => void) | undefined;
  const nextBuffer = async (): Promise<Buffer> => {
    while (free.length === 0) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), written]);
    }
    return free.pop() as Buffer;
  };
  let filling: Buffer | undefined;
  let filled = 0;
  const handOver = (): void => {
    if (filling === undefined) return;
    const ring = filling;
    const chunk = ring.subarray(0, filled);
    filling = undefined;
    filled = 0;
    gzip.write(chunk, () => {
      free.push(ring);
      wake?.();
    });
  };
  try {
    for await (const block of blocks) {
      options.signal?.throwIfAborted();
      rows += block.rows;
      bytes += block.data.length;
      const length = block.data.length;
      spent.add(length); // the compressor's output buffers are spent as fast
      if (length > RING_BUFFER_BYTES) {
        // A rare huge block (a SQL Server chunk of thousands of rows) gets a copy of its own, bounded below.
        handOver();
        gzip.write(Buffer.from(block.data));
        if (gzip.writableLength > MAX_QUEUED_BYTES) await Promise.race([once(gzip, 'drain'), written]);
      } else {
        if (filling !== undefined && filled + length > filling.length) handOver();
        filling ??= await nextBuffer();
        block.data.copy(filling, filled);
        filled += length;
        if (gzip.writableLength === 0) handOver();
      }
      if (bytes - reported >= BATCH_BYTES) {
        reported = bytes;
        options.onProgress?.(rows);
      }
    }
    handOver();
    gzip.end();
    await written;
    // zlib has taken every buffer in (each write's callback ran before the end). After a failure they are
    // left to the collector: one might still be read by a compression job being torn down.
    if (spareRings.length === 0) spareRings.push(...rings);
  } catch (error) {
    gzip.destroy(error instanceof Error ? error : new Error(String(error)));
    await written.catch(() => undefined);
    throw error;
  }
  const { size } = await stat(file);
  return { name, file, rows, sha256: hash.digest('hex'), bytes, storedBytes: size };
}

export async function removeSpool(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
