import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { NdjsonVerifier, verifyGzipFile, writeGzipLines, type NdjsonLimits } from '../../src/portal/ndjson.js';
import { isStoreError } from '../../src/portal/errors.js';

const WHAT = 'dataset "t"';
const LIMITS: NdjsonLimits = { maxDecodedBytes: 1024 ** 3, maxLineBytes: 24 };
/** Rows parsed in full before the verifier switches to checking shapes only. */
const PARSED = 1000;

type Outcome = { rows: number; bytes: number } | { detailCode: string; message: string };

/** What the verifier must answer, from the rules written out plainly on the whole data at once. */
function expected(data: Buffer, limits: NdjsonLimits = LIMITS): Outcome {
  if (data.length > limits.maxDecodedBytes)
    return { detailCode: 'dataset-too-large', message: `${WHAT} is larger than ${limits.maxDecodedBytes} bytes once decoded.` };
  let rows = 0;
  let start = 0;
  while (start < data.length) {
    const row = rows + 1;
    const end = data.indexOf(0x0a, start);
    const line = data.subarray(start, end === -1 ? data.length : end);
    if (line.length > limits.maxLineBytes)
      return { detailCode: 'line-too-long', message: `Row ${row} of ${WHAT} is longer than ${limits.maxLineBytes} bytes.` };
    if (end === -1)
      return { detailCode: 'invalid-ndjson', message: `${WHAT} does not end with a newline: every NDJSON row must end with "\\n".` };
    let ok: boolean;
    if (row <= PARSED) {
      let value: unknown;
      try {
        value = JSON.parse(line.toString('utf8'));
      } catch {
        value = undefined;
      }
      ok = typeof value === 'object' && value !== null;
    } else {
      const text = line.toString('latin1').replace(/\r$/, '');
      ok = text.length >= 2 && ((text.startsWith('{') && text.endsWith('}')) || (text.startsWith('[') && text.endsWith(']')));
    }
    if (!ok)
      return { detailCode: 'invalid-ndjson', message: `Row ${row} of ${WHAT} is not a JSON object or array on one line.` };
    rows++;
    start = end + 1;
  }
  return { rows, bytes: data.length };
}

/** What the verifier answers when fed `chunks` one after the other. */
function verify(chunks: Buffer[], limits: NdjsonLimits = LIMITS): Outcome {
  const verifier = new NdjsonVerifier(WHAT, limits);
  try {
    for (const chunk of chunks) {
      // A fresh copy each time, overwritten once used: the verifier must keep nothing that points into it.
      const copy = Buffer.from(chunk);
      verifier.update(copy);
      copy.fill(0x7b);
    }
    return verifier.finish();
  } catch (error) {
    if (!isStoreError(error)) throw error;
    return { detailCode: error.detailCode, message: error.message };
  }
}

/**
 * Every cut of `data` in two at a position in [from, to], and every cut in three whose middle piece has
 * 0 to 3 bytes (so a line's first or last bytes, its \r or its newline arrive alone).
 */
function* splits(data: Buffer, from: number, to: number): Generator<Buffer[]> {
  for (let i = from; i <= to; i++) {
    yield [data.subarray(0, i), data.subarray(i)];
    for (let j = i; j <= Math.min(to, i + 3); j++) yield [data.subarray(0, i), data.subarray(i, j), data.subarray(j)];
  }
}

/** `data` in chunks of `size` bytes (the last one shorter). */
function chunked(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return chunks;
}

/** `count` valid rows (parsed path), alternating objects, arrays and `\r\n` endings. */
function validRows(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += i % 3 === 0 ? `{"i":${i}}\n` : i % 3 === 1 ? `[${i}]\r\n` : `[${i},"x"]\n`;
  return text;
}

const TAILS: Array<[string, string]> = [
  ['an object', '{"a":1}\n'],
  ['an array with \\r\\n', '[1,2]\r\n'],
  ['the smallest rows', '{}\n[]\r\n'],
  ['two rows', '{"a":1}\r\n[2,"b"]\n'],
  ['a line that starts with [ but ends with }', '[1,2}\n'],
  ['a line that starts with { but ends with ]', '{"a":1]\n'],
  ['a line that is not JSON between good shapes', '{"a":1}\n{oops}\n'],
  ['a blank line', '{"a":1}\n\n'],
  ['a blank line with \\r', '\r\n{"a":1}\n'],
  ['an unterminated array', '[1,2\n'],
  ['an unterminated object and \\r', '{"a":1\r\n'],
  ['a lone brace', '{\n'],
  ['a lone brace and \\r', '{\r\n'],
  ['a closing bracket only', ']\n'],
  ['two \\r before the newline', '{"a":1}\r\r\n'],
  ['a \\r in the middle', '{"a":1\r}\n'],
  ['leading whitespace', ' {"a":1}\n'],
  ['a number', '12\n'],
  ['a string', '"{}"\n'],
  ['a missing final newline', '{"a":1}\n[1]'],
  ['a missing final newline after \\r', '{"a":1}\r'],
  ['a line of exactly the limit', `[${'1'.repeat(LIMITS.maxLineBytes - 2)}]\n`],
  ['a line of exactly the limit with \\r', `[${'1'.repeat(LIMITS.maxLineBytes - 3)}]\r\n`],
  ['a line one byte over the limit', `[${'1'.repeat(LIMITS.maxLineBytes - 1)}]\n`],
  ['a line over the limit only with its \\r', `[${'1'.repeat(LIMITS.maxLineBytes - 2)}]\r\n`],
  ['a long line with no newline at all', `[${'1'.repeat(3 * LIMITS.maxLineBytes)}`],
];

describe('NdjsonVerifier', () => {
  it('answers as the rules say for rows that are parsed and rows whose shape is checked', () => {
    for (const prefixRows of [0, PARSED - 1, PARSED, PARSED + 5]) {
      const prefix = validRows(prefixRows);
      for (const [name, tail] of TAILS) {
        const data = Buffer.from(prefix + tail, 'latin1');
        const want = expected(data);
        expect(verify([data]), `${name} after ${prefixRows} rows`).toEqual(want);
      }
    }
    // The two paths differ where JSON is laxer than the shape check (whitespace around a row)…
    expect(expected(Buffer.from(validRows(PARSED - 1) + ' {"a":1}\n'))).toMatchObject({ rows: PARSED });
    expect(expected(Buffer.from(validRows(PARSED) + ' {"a":1}\n'))).toMatchObject({ detailCode: 'invalid-ndjson' });
    // …and where the shape check is laxer than JSON.
    expect(expected(Buffer.from(validRows(PARSED - 1) + '{oops}\n'))).toMatchObject({ detailCode: 'invalid-ndjson' });
    expect(expected(Buffer.from(validRows(PARSED) + '{oops}\n'))).toMatchObject({ rows: PARSED + 1 });
  });

  it('gives the same answer wherever the chunks are cut, around newlines and \\r included', () => {
    for (const prefixRows of [0, PARSED - 1, PARSED + 2]) {
      const prefix = validRows(prefixRows);
      for (const [name, tail] of TAILS) {
        const data = Buffer.from(prefix + tail, 'latin1');
        const want = expected(data);
        // Cuts anywhere in the tail and in the last few bytes before it (the switch from parsing to shape checks).
        const from = Math.max(0, prefix.length - 12);
        for (const chunks of splits(data, from, data.length)) {
          const got = verify(chunks);
          if (JSON.stringify(got) !== JSON.stringify(want))
            expect(got, `${name} after ${prefixRows} rows, cut ${chunks.map((c) => c.length).join('+')}`).toEqual(want);
        }
        // One byte at a time over the tail, and in 1-, 2-, 3- and 7-byte chunks throughout.
        expect(verify([data.subarray(0, from), ...chunked(data.subarray(from), 1)]), name).toEqual(want);
        for (const size of [1, 2, 3, 7]) expect(verify(chunked(data, size)), `${name} in ${size}-byte chunks`).toEqual(want);
      }
    }
  });

  it('refuses a line that spans many chunks as soon as it passes the limit, before its newline arrives', () => {
    const limits = { maxDecodedBytes: 1024 ** 3, maxLineBytes: 1000 };
    for (const prefixRows of [0, PARSED + 1]) {
      const prefix = Buffer.from(validRows(prefixRows));
      const verifier = new NdjsonVerifier(WHAT, limits);
      verifier.update(prefix);
      verifier.update(Buffer.from('['));
      let fed = 1;
      const feed = () => {
        verifier.update(Buffer.from('1'.repeat(100)));
        fed += 100;
      };
      while (fed + 100 <= limits.maxLineBytes) feed();
      expect(fed).toBe(901);
      let error: unknown;
      try {
        feed();
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({
        detailCode: 'line-too-long',
        message: `Row ${prefixRows + 1} of ${WHAT} is longer than 1000 bytes.`,
      });
      // Exactly the limit, spread over many chunks and ended by a newline, is accepted.
      const exact = Buffer.from(`[${'1'.repeat(limits.maxLineBytes - 2)}]\n`);
      expect(verify([prefix, ...chunked(exact, 37)], limits)).toMatchObject({ rows: prefixRows + 1 });
      const over = Buffer.from(`[${'1'.repeat(limits.maxLineBytes - 2)}]\r\n`);
      expect(verify([prefix, ...chunked(over, 37)], limits)).toMatchObject({ detailCode: 'line-too-long' });
    }
  });

  it('matches the rules on random data cut at random, and counts and hashes large inputs', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['{"a":1}', '[1,"x"]', '{}', '[]', '[1}', '{', '', '"s"', ' []', '[', ']', '{"k":"' + 'v'.repeat(20) + '"}'];
    for (let round = 0; round < 300; round++) {
      let text = validRows(PARSED - 3);
      const lines = 3 + random(12);
      for (let i = 0; i < lines; i++) {
        // Mostly good rows, so that errors come at varied depths.
        const piece = random(4) === 0 ? (pieces[random(pieces.length)] as string) : (pieces[random(2)] as string);
        text += piece + (random(3) === 0 ? '\r' : '') + (i < lines - 1 || random(8) !== 0 ? '\n' : '');
      }
      const data = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.length; ) {
        const size = 1 + random(random(2) === 0 ? 8 : 400);
        chunks.push(data.subarray(at, at + size));
        at += size;
      }
      expect(verify(chunks), `round ${round}`).toEqual(expected(data));
    }
  });

  it('refuses more decoded bytes than allowed, whatever the chunks', () => {
    const data = Buffer.from(validRows(PARSED + 50));
    const limits = { maxDecodedBytes: data.length - 1, maxLineBytes: 100 };
    const want = { detailCode: 'dataset-too-large', message: `${WHAT} is larger than ${data.length - 1} bytes once decoded.` };
    expect(verify([data], limits)).toEqual(want);
    expect(verify(chunked(data, 1000), limits)).toEqual(want);
    expect(verify([data], { ...limits, maxDecodedBytes: data.length })).toMatchObject({ rows: PARSED + 50 });
  });

  it('parses every row, not only the first ones, when rows are asked for (onRow)', () => {
    const text = validRows(PARSED + 10) + '[1,]\n';
    expect(verify([Buffer.from(text)])).toMatchObject({ rows: PARSED + 11 });
    const seen: number[] = [];
    const verifier = new NdjsonVerifier(WHAT, LIMITS, (_row, _line, lineNumber) => seen.push(lineNumber));
    expect(() => {
      verifier.update(Buffer.from(text));
    }).toThrow(`Row ${PARSED + 11} of ${WHAT} is not a JSON object or array on one line.`);
    expect(seen.length).toBe(PARSED + 10);
    const lines: string[] = [];
    const withRows = new NdjsonVerifier(WHAT, LIMITS, (_row, line) => lines.push(line.toString()));
    const good = Buffer.from(validRows(PARSED + 3));
    for (const chunk of chunked(good, 5)) withRows.update(Buffer.from(chunk));
    expect(withRows.finish()).toMatchObject({ rows: PARSED + 3 });
    expect(lines.join('\n') + '\n').toBe(good.toString());
  });

  it('verifies a gzip file of several megabytes with the same count as the plain bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbsync-ndjson-'));
    try {
      let text = '';
      for (let i = 0; i < 60_000; i++) text += i % 2 ? `[${i},"${'x'.repeat(i % 50)}",null]\n` : `{"i":${i},"s":"${'y'.repeat(i % 70)}"}\r\n`;
      const data = Buffer.from(text);
      await writeFile(join(dir, 'd.ndjson.gz'), gzipSync(data));
      const handle = await open(join(dir, 'd.ndjson.gz'), 'r');
      try {
        const digest = await verifyGzipFile(handle, new NdjsonVerifier(WHAT, { maxDecodedBytes: 1024 ** 3, maxLineBytes: 1000 }));
        expect(digest).toEqual({ rows: 60_000, bytes: data.length });
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes lines gzip-compressed and reports the digest and size of the file it wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbsync-ndjson-'));
    try {
      const lines = Array.from({ length: 30_000 }, (_, i) => Buffer.from(`[${i},"ligne ${i} é","${'z'.repeat(i % 90)}"]`));
      async function* source(): AsyncGenerator<Buffer> {
        yield* lines;
      }
      const path = join(dir, 'out.ndjson.gz');
      const handle = await open(path, 'wx');
      const digest = await writeGzipLines(handle, source());
      await handle.close();
      const written = await readFile(path);
      const text = `${lines.join('\n')}\n`;
      expect(digest).toEqual({
        rows: 30_000,
        bytes: Buffer.byteLength(text),
        sha256: createHash('sha256').update(written).digest('hex'),
        storedBytes: written.length,
      });
      expect(gunzipSync(written).toString('utf8') === text).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
