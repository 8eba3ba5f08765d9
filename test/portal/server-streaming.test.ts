/** Big uploads, early refusals mid-stream and graceful shutdown, against a real server over real sockets. */
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { call, expectError, publisherToken, startTestPortal, uploadHeaders } from './http.js';
import { dataset, tempStore } from './helpers.js';
import type { PortalLogEntry } from '../../src/portal/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Bytes the portal has written so far for the uploads of an open publication. */
async function stagedBytes(root: string, publicationId: string): Promise<number> {
  const dir = join(root, 'staging', publicationId, 'data');
  let total = 0;
  for (const file of await readdir(dir).catch(() => []))
    total += (await stat(join(dir, file)).catch(() => ({ size: 0 }))).size;
  return total;
}

/** A deterministic, poorly compressible ledger row of about 200 bytes. */
function ledgerLine(index: number): string {
  const noise = createHash('sha256').update(String(index)).digest('hex');
  return `${JSON.stringify({ cbMarq: index, EC_Intitule: `Facture ${noise.slice(0, 24)}`, EC_Montant: `${index % 100000}.${String(index % 1000000).padStart(6, '0')}`, hash: noise + noise.slice(0, 40) })}\n`;
}

/** Lines [from, to) in pieces of ~256 KB: one compressor call each, not one per line. */
function* linesBetween(from: number, to: number): Generator<string> {
  let piece = '';
  for (let index = from; index < to; index++) {
    piece += ledgerLine(index);
    if (piece.length >= 256 * 1024) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}

describe('portal server: streaming', () => {
  it('streams a 50 MB dataset to disk while it is still being sent, and back', { timeout: 180_000 }, async () => {
    const store = await tempStore();
    const portal = await startTestPortal({ store });
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const publicationId = opened.body.publicationId as string;

    const targetBytes = 50 * 1024 * 1024;
    let rows = 0;
    let decodedBytes = 0;
    const decodedDigest = createHash('sha256');
    while (decodedBytes < targetBytes) {
      const line = ledgerLine(rows++);
      decodedDigest.update(line);
      decodedBytes += Buffer.byteLength(line);
    }
    const decodedSha256 = decodedDigest.digest('hex');
    // The announced digest is of the gzip body: a first pass compresses the same lines the same way (zlib's
    // output does not depend on how its input is cut) and hashes the result without keeping it.
    const bodyDigest = createHash('sha256');
    for await (const chunk of Readable.from(linesBetween(0, rows)).pipe(createGzip({ level: 1 }))) bodyDigest.update(chunk as Buffer);
    const sha256 = bodyDigest.digest('hex');

    let pausedWhileServerWrote = 0;
    async function* lines(): AsyncGenerator<string> {
      yield* linesBetween(0, Math.floor(rows / 2));
      // Half the data sent: the portal must already have much of it on disk, not in memory.
      await waitFor(
        async () => (await stagedBytes(store.root, publicationId)) > 4 * 1024 * 1024,
        'the portal to write the upload while receiving it',
      );
      pausedWhileServerWrote = await stagedBytes(store.root, publicationId);
      yield* linesBetween(Math.floor(rows / 2), rows);
    }
    const body = Readable.from(lines()).pipe(createGzip({ level: 1 }));
    const reply = await request(`${portal.url}/v1/publications/${publicationId}/datasets/ledger`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, ...uploadHeaders({ rows, sha256 }) },
      body,
    });
    const uploaded = (await reply.body.json()) as { rows: number; sha256: string; bytes: number; storedBytes: number };
    expect(reply.statusCode).toBe(200);
    expect(uploaded).toMatchObject({ rows, sha256, bytes: decodedBytes });
    expect(pausedWhileServerWrote).toBeGreaterThan(4 * 1024 * 1024);
    expect(pausedWhileServerWrote).toBeLessThan(uploaded.storedBytes);

    const committed = await call(portal, 'POST', `/v1/publications/${publicationId}/commit`, {
      token,
      json: { datasets: [{ name: 'ledger', rows, sha256 }] },
    });
    expect(committed.status).toBe(200);

    const download = await request(`${portal.url}/v1/companies/ACME/data-manager/publication/datasets/ledger`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers['x-sbsync-sha256']).toBe(sha256);
    const backBody = createHash('sha256');
    const back = createHash('sha256');
    let backRows = 0;
    const decoded = createGunzip();
    download.body.on('data', (chunk: Buffer) => backBody.update(chunk)).pipe(decoded);
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      back.update(chunk);
      for (const byte of chunk) if (byte === 0x0a) backRows++;
    }
    expect(backBody.digest('hex')).toBe(sha256);
    expect(back.digest('hex')).toBe(decodedSha256);
    expect(backRows).toBe(rows);
  });

  it('answers a refusal found early in a big upload (bad row 1) with 422, not a reset connection', async () => {
    const portal = await startTestPortal();
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    async function* lines(): AsyncGenerator<string> {
      yield 'not json\n';
      for (let index = 0; index < 20_000; index++) yield ledgerLine(index);
    }
    const reply = await request(`${portal.url}/v1/publications/${opened.body.publicationId}/datasets/ledger`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, ...uploadHeaders({ rows: 20_001, sha256: 'a'.repeat(64) }) },
      body: Readable.from(lines()).pipe(createGzip()),
    });
    const body = (await reply.body.json()) as { error: { code: string; message: string } };
    expect(reply.statusCode).toBe(422);
    expect(body.error).toMatchObject({
      code: 'invalid-ndjson',
      message: 'Row 1 of dataset "ledger" is not a JSON object or array on one line.',
    });
    // The same connection pool keeps working.
    expect((await call(portal, 'GET', '/v1/health')).status).toBe(200);
  });

  it('answers 413 to an upload larger than the store accepts', async () => {
    const store = await tempStore({ limits: { maxStoredBytes: 64 * 1024 } });
    const portal = await startTestPortal({ store });
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const rows = Array.from({ length: 2000 }, (_, index) => JSON.parse(ledgerLine(index)) as object);
    const big = dataset(rows);
    expect(big.gzip.length).toBeGreaterThan(64 * 1024);
    const path = `/v1/publications/${opened.body.publicationId}/datasets/ledger`;
    expectError(
      await call(portal, 'PUT', path, { token, headers: uploadHeaders(big), body: big.gzip }),
      413,
      'upload-too-large',
    );
    // Without Content-Length (chunked), the limit is enforced while streaming.
    const streamed = await request(`${portal.url}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, ...uploadHeaders(big) },
      body: Readable.from([big.gzip.subarray(0, 40_000), big.gzip.subarray(40_000)]),
    });
    expect(streamed.statusCode).toBe(413);
    expect(((await streamed.body.json()) as { error: { code: string } }).error.code).toBe('upload-too-large');
    expect(await readdir(join(store.root, 'staging', opened.body.publicationId, 'data'))).toEqual([]);
  });
});

describe('portal server: graceful shutdown', () => {
  it('lets an upload in flight finish, refuses new connections, then closes', async () => {
    const store = await tempStore();
    const portal = await startTestPortal({ store });
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const publicationId = opened.body.publicationId as string;
    const data = dataset(Array.from({ length: 3000 }, (_, index) => JSON.parse(ledgerLine(index)) as object));

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    async function* slowBody(): AsyncGenerator<Buffer> {
      yield data.gzip.subarray(0, 1000);
      await released;
      yield data.gzip.subarray(1000);
    }
    const upload = request(`${portal.url}/v1/publications/${publicationId}/datasets/ledger`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, ...uploadHeaders(data) },
      body: Readable.from(slowBody()),
    });
    await waitFor(async () => (await stagedBytes(store.root, publicationId)) >= 1000, 'the upload to start');

    let closed = false;
    const closing = portal.server.close({ graceMs: 10_000 }).then(() => (closed = true));
    await sleep(50);
    expect(closed).toBe(false);
    await expect(request(`${portal.url}/v1/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    release();
    const reply = await upload;
    expect(reply.statusCode).toBe(200);
    expect(await reply.body.json()).toMatchObject({ rows: 3000, sha256: data.sha256 });
    await closing;
    expect(closed).toBe(true);
    // What the upload delivered is committed by the next process on the same store.
    await store.commitPublication(publicationId, { datasets: [{ name: 'ledger', rows: 3000, sha256: data.sha256 }] });
  });

  it('answers 503 with Retry-After to a request that completes during shutdown', async () => {
    const portal = await startTestPortal();
    const { port } = portal.server;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /v1/health HTTP/1.1\r\nHost: portal\r\n');
    await sleep(50);
    const closing = portal.server.close({ graceMs: 5_000 });
    await sleep(50);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('\r\n');
    await ended;
    await closing;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"code":"shutting-down"');
  });
});

describe('portal server: interrupted uploads', () => {
  it('discards the partial file when the client goes away, without logging a portal failure', async () => {
    const store = await tempStore();
    const entries: PortalLogEntry[] = [];
    const portal = await startTestPortal({ store, log: (entry) => entries.push(entry) });
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const publicationId = opened.body.publicationId as string;
    const data = dataset(Array.from({ length: 3000 }, (_, index) => JSON.parse(ledgerLine(index)) as object));
    const controller = new AbortController();
    async function* halfBody(): AsyncGenerator<Buffer> {
      yield data.gzip.subarray(0, 2000);
      await new Promise(() => undefined); // never sends the rest
    }
    const upload = request(`${portal.url}/v1/publications/${publicationId}/datasets/ledger`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, ...uploadHeaders(data) },
      body: Readable.from(halfBody()),
      signal: controller.signal,
    });
    await waitFor(async () => (await stagedBytes(store.root, publicationId)) >= 2000, 'the upload to start');
    controller.abort();
    await expect(upload).rejects.toThrow();
    await waitFor(
      async () => (await readdir(join(store.root, 'staging', publicationId, 'data'))).length === 0,
      'the partial file to go',
    );
    await sleep(50);
    expect(entries.filter((entry) => entry.level === 'error')).toEqual([]);
    // The publication is still usable.
    const retried = await call(portal, 'PUT', `/v1/publications/${publicationId}/datasets/ledger`, {
      token,
      headers: uploadHeaders(data),
      body: data.gzip,
    });
    expect(retried.status).toBe(200);
  });
});
