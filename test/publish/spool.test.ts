/** Spooling NDJSON to gzip files: counts, digest, and blocks whose memory is reused by the producer. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { NdjsonBlock } from '../../src/extract/raw/extract.js';
import { spoolBlocks, spoolDataset } from '../../src/publish/spool.js';
import { createTempDir } from '../support/sage-fixture.js';

const dir = createTempDir('sbsync-spool-');
afterAll(() => dir.remove());

/** What the spool must announce of its file: the digest and size of the bytes that will travel. */
function storedDigest(file: string): { sha256: string; storedBytes: number } {
  const gzip = readFileSync(file);
  return { sha256: createHash('sha256').update(gzip).digest('hex'), storedBytes: gzip.length };
}

describe('spooling', () => {
  it('gzips lines with their count, decoded size, gzip size and the SHA-256 of the gzip file', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify([i, `ligne n° ${i} €`, i % 3 === 0 ? null : `${i}.500000`]));
    const spooled = await spoolDataset(dir.path, 'lines', lines);
    const expected = `${lines.join('\n')}\n`;
    const decoded = gunzipSync(readFileSync(spooled.file)).toString('utf8');
    expect(decoded === expected).toBe(true);
    expect(spooled).toMatchObject({ rows: 20_000, bytes: Buffer.byteLength(expected), ...storedDigest(spooled.file) });
  });

  it('takes each block in before asking for the next, so a producer may reuse one buffer for all', async () => {
    const shared = Buffer.alloc(64 * 1024);
    const expected: string[] = [];
    async function* blocks(): AsyncGenerator<NdjsonBlock> {
      for (let b = 0; b < 200; b++) {
        const text = Array.from({ length: 50 }, (_, i) => `[${b},${i},"bloc ${b} ligne ${i} é"]\n`).join('');
        expected.push(text);
        const length = shared.write(text, 0, 'utf8');
        yield { rows: 50, data: shared.subarray(0, length) };
        shared.fill(0x78); // the producer scribbles over the block as soon as the next one is asked for
      }
    }
    const spooled = await spoolBlocks(dir.path, 'reused', blocks());
    const all = expected.join('');
    expect(gunzipSync(readFileSync(spooled.file)).toString('utf8') === all).toBe(true);
    expect(spooled).toMatchObject({ rows: 10_000, bytes: Buffer.byteLength(all), ...storedDigest(spooled.file) });
  });

  it('gathers blocks of a few hundred KB into its buffers in order, the producer reusing one buffer', async () => {
    // Sizes that fill a 1 MiB buffer unevenly: some blocks join a buffer, others start the next one.
    const shared = Buffer.alloc(800 * 1024);
    let total = 0;
    let rows = 0;
    const pieces: Buffer[] = [];
    async function* blocks(): AsyncGenerator<NdjsonBlock> {
      for (let b = 0; b < 40; b++) {
        const lineCount = 300 + ((b * 7919) % 1700);
        let length = 0;
        for (let i = 0; i < lineCount; i++) length += shared.write(`[${b},${i},"${'z'.repeat((b + i) % 300)}"]\n`, length, 'utf8');
        const data = shared.subarray(0, length);
        pieces.push(Buffer.from(data));
        total += length;
        rows += lineCount;
        yield { rows: lineCount, data };
        shared.fill(0x78);
      }
    }
    const spooled = await spoolBlocks(dir.path, 'gathered', blocks());
    expect(gunzipSync(readFileSync(spooled.file)).equals(Buffer.concat(pieces))).toBe(true);
    expect(spooled).toMatchObject({ rows, bytes: total, ...storedDigest(spooled.file) });
  });

  it('spools blocks larger than its copy buffers, and lines of any length', async () => {
    const big = `${Array.from({ length: 3 }, (_, i) => `[${i},"${'y'.repeat(700_000)}"]`).join('\n')}\n`; // ~2.1 MB
    // Twelve of them: more than the compressor's queue may hold, so the producer waits for it too.
    async function* blocks(): AsyncGenerator<NdjsonBlock> {
      yield { rows: 1, data: Buffer.from('[0,"petit"]\n') };
      for (let i = 0; i < 12; i++) yield { rows: 3, data: Buffer.from(big) };
      yield { rows: 1, data: Buffer.from('[4,"fin"]\n') };
    }
    const spooled = await spoolBlocks(dir.path, 'big', blocks());
    const all = `[0,"petit"]\n${big.repeat(12)}[4,"fin"]\n`;
    expect(gunzipSync(readFileSync(spooled.file)).toString('utf8') === all).toBe(true);
    expect(spooled).toMatchObject({ rows: 38, bytes: Buffer.byteLength(all), ...storedDigest(spooled.file) });
  });

  it('stops when the signal aborts and when the producer fails', async () => {
    const controller = new AbortController();
    async function* endless(): AsyncGenerator<NdjsonBlock> {
      for (let i = 0; ; i++) {
        if (i === 10) controller.abort(new Error('interrupted'));
        yield { rows: 1, data: Buffer.from('[1]\n') };
      }
    }
    await expect(spoolBlocks(dir.path, 'aborted', endless(), { signal: controller.signal })).rejects.toThrow('interrupted');
    async function* failing(): AsyncGenerator<NdjsonBlock> {
      yield { rows: 1, data: Buffer.from('[1]\n') };
      throw new Error('the database went away');
    }
    await expect(spoolBlocks(dir.path, 'failing', failing())).rejects.toThrow('the database went away');
  });
});
