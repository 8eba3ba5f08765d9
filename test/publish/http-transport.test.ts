/**
 * The HTTP transport against the real reference portal (through a counting proxy in front of it): logins are
 * shared between concurrent requests, an expired token is replaced once, and an upload can be cancelled alone.
 */
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../support/cli.js';
import { hashPassword } from '../../src/portal/password.js';
import { startPortalServer, type RunningPortalServer } from '../../src/portal/server.js';
import { openStore, type PortalStore } from '../../src/portal/store.js';
import { createHttpTransport } from '../../src/publish/http-transport.js';
import { spoolDataset, type SpooledDataset } from '../../src/publish/spool.js';
import type { PortalTransport } from '../../src/publish/transport.js';
import { DM, startChaos } from './support.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: PortalStore;
let server: RunningPortalServer;
let now = new Date('2026-11-27T08:00:00.000Z');
let datasets: SpooledDataset[];
const dispatcher = new Agent();

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('sbsync-http-transport-'));
  store = await openStore({ root: path.join(dir, 'store') });
  server = await startPortalServer({
    store,
    accounts: { dataManager: [{ sageId: DM.sageId, passwordHash: await hashPassword(DM.password, { cost: 1024 }) }], businessMobile: [] },
    clock: { now: () => now },
    tokenTtlSeconds: 60,
    maintenanceIntervalMs: 0,
  });
  const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ cbMarq: i + 1, tag }));
  datasets = [
    await spoolDataset(path.join(dir, 'spool'), 'customers', lines(2_000, 'c')),
    await spoolDataset(path.join(dir, 'spool'), 'suppliers', lines(3_000, 's')),
  ];
});
afterAll(async () => {
  await server?.close({ graceMs: 1000 });
  await dispatcher.close();
  await cleanup();
});

function transportTo(url: string): PortalTransport {
  return createHttpTransport(
    { url, kind: 'http', dataManager: { sageId: DM.sageId, password: DM.password }, timeoutSeconds: 30, retries: 0 },
    { dispatcher },
  );
}

const commitInput = (uploaded: SpooledDataset[]) => ({
  datasets: uploaded.map((d) => ({ name: d.name, rows: d.rows, sha256: d.sha256, keys: ['cbMarq'], meta: {} })),
});

describe('the HTTP transport', () => {
  test('two uploads finding their token expired log in again once, together, and the publication commits', async () => {
    const proxy = await startChaos(server.url, () => undefined);
    try {
      const transport = transportTo(proxy.url);
      await transport.authenticate('data-manager');
      const { publicationId } = await transport.openPublication({ company: 'DEMO', service: 'data-manager' });
      now = new Date(now.getTime() + 61_000); // the token of the first login is now refused
      await Promise.all(datasets.map((d) => transport.upload(publicationId, d)));
      const manifest = await transport.commit(publicationId, commitInput(datasets));
      expect(manifest.datasets.map((d) => [d.name, d.rows])).toEqual([['customers', 2_000], ['suppliers', 3_000]]);
      expect(proxy.requests.filter((r) => r === 'POST /v1/auth/data-manager')).toHaveLength(2);
      // Both uploads were refused once with the old token, then sent again with the shared new one.
      expect(proxy.requests.filter((r) => r.startsWith('PUT '))).toHaveLength(4);
      await transport.close();
    } finally {
      await proxy.close();
    }
  });

  test('a login refused for a request is not kept: the next request logs in again', async () => {
    let refuse = true;
    const proxy = await startChaos(server.url, (req) => (req.url === '/v1/auth/data-manager' && refuse ? { status: 503 } : undefined));
    try {
      const transport = transportTo(proxy.url);
      await expect(transport.currentPublication('DEMO', 'data-manager')).rejects.toThrow(/answered 503 to POST .*\/v1\/auth\/data-manager/);
      refuse = false;
      await transport.currentPublication('DEMO', 'data-manager'); // throws if the refused login were kept
      expect(proxy.requests.filter((r) => r === 'POST /v1/auth/data-manager')).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  test('an upload cancelled by its own signal stops at once; the publication stays open for the others', async () => {
    // The portal never answers this upload: only the cancellation can end it (the timeout is 30 s).
    const proxy = await startChaos(server.url, (req) => (req.method === 'PUT' && req.url?.endsWith('/datasets/customers') ? 'stall' : undefined));
    try {
      const transport = transportTo(proxy.url);
      const { publicationId } = await transport.openPublication({ company: 'DEMO', service: 'data-manager' });
      const cancel = new AbortController();
      const stalled = transport.upload(publicationId, datasets[0]!, 'rows', cancel.signal);
      while (!proxy.requests.some((r) => r.startsWith('PUT '))) await new Promise((resolve) => setTimeout(resolve, 10));
      cancel.abort();
      await expect(stalled).rejects.toThrow(/interrupted during PUT .*\/datasets\/customers/);
      await expect(transport.upload(publicationId, datasets[1]!)).resolves.toMatchObject({ name: 'suppliers', rows: 3_000 });
      await transport.abort(publicationId);
    } finally {
      await proxy.close();
    }
  }, 20_000);
});
