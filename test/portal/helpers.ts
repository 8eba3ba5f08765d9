/** Shared helpers for the portal tests: temp stores, NDJSON datasets and their digests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { onTestFinished } from 'vitest';
import { openStore, type PortalStore, type StoreOptions } from '../../src/portal/store.js';

export async function tempDir(prefix = 'sbsync-portal-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function tempStore(options: Partial<StoreOptions> = {}): Promise<PortalStore> {
  const root = options.root ?? (await tempDir());
  return openStore({ ...options, root });
}

export interface Dataset {
  rows: number;
  sha256: string;
  ndjson: Buffer;
  gzip: Buffer;
}

export function dataset(rows: readonly object[]): Dataset {
  const ndjson = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''), 'utf8');
  const gzip = gzipSync(ndjson);
  // The protocol's digest is of the gzip body.
  return { rows: rows.length, sha256: sha256(gzip), ndjson, gzip };
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function* chunksOf(data: Buffer, size = 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

/** Rows of a committed dataset, parsed. */
export async function readRows(
  store: PortalStore,
  company: string,
  service: 'data-manager' | 'business-mobile',
  name: string,
): Promise<unknown[] | undefined> {
  const opened = await store.openDataset(company, service, name);
  if (!opened) return undefined;
  const rows: unknown[] = [];
  for await (const line of opened.lines()) rows.push(JSON.parse(line));
  return rows;
}

export function gunzipRows(gzip: Buffer): unknown[] {
  return gunzipSync(gzip)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** Publishes datasets in full through the store API, returning the manifest. */
export async function publishFull(
  store: PortalStore,
  company: string,
  service: 'data-manager' | 'business-mobile',
  datasets: Record<string, readonly object[]>,
  extra: { keys?: Record<string, string[]>; meta?: Record<string, Record<string, unknown>> } = {},
) {
  const opened = await store.openPublication({ company, service });
  const announced = [];
  for (const [name, rows] of Object.entries(datasets)) {
    const data = dataset(rows);
    await store.putDataset(opened.publicationId, name, { rows: data.rows, sha256: data.sha256 }, chunksOf(data.gzip));
    announced.push({
      name,
      rows: data.rows,
      sha256: data.sha256,
      ...(extra.keys?.[name] ? { keys: extra.keys[name] } : {}),
      ...(extra.meta?.[name] ? { meta: extra.meta[name] } : {}),
    });
  }
  return store.commitPublication(opened.publicationId, { datasets: announced });
}
