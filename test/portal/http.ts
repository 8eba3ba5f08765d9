/** A real reference portal on 127.0.0.1:0 and a tiny protocol client over undici, for the server tests. */
import { request } from 'undici';
import { Readable } from 'node:stream';
import { expect, onTestFinished } from 'vitest';
import { hashPassword } from '../../src/portal/password.js';
import { startPortalServer, type PortalServerOptions, type RunningPortalServer } from '../../src/portal/server.js';
import { schemaProblems, type PortalSchemaName } from '../../src/portal/schemas.js';
import type { PortalStore } from '../../src/portal/store.js';
import { tempStore, type Dataset } from './helpers.js';

export const DM_ACCOUNT = { sageId: 'compta@acme.fr', password: 'dm-secret' };
export const BM_ACCOUNT = { customerNumber: '4242', password: 'bm-secret' };
/** Cheap scrypt for test fixtures; the default cost is exercised by the password tests. */
export const TEST_HASH_COST = 1024;

export interface TestPortal {
  server: RunningPortalServer;
  store: PortalStore;
  url: string;
}

export async function startTestPortal(options: Partial<PortalServerOptions> = {}): Promise<TestPortal> {
  const store = options.store ?? (await tempStore());
  const server = await startPortalServer({
    store,
    accounts: {
      dataManager: [
        { sageId: DM_ACCOUNT.sageId, passwordHash: await hashPassword(DM_ACCOUNT.password, { cost: TEST_HASH_COST }) },
      ],
      businessMobile: [
        {
          customerNumber: BM_ACCOUNT.customerNumber,
          passwordHash: await hashPassword(BM_ACCOUNT.password, { cost: TEST_HASH_COST }),
        },
      ],
    },
    maintenanceIntervalMs: 0,
    ...options,
  });
  onTestFinished(() => server.close({ graceMs: 1000 }));
  return { server, store, url: server.url };
}

export interface JsonReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (or text): tests inspect arbitrary replies. */
  body: any;
}

export async function call(
  portal: { url: string },
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
  path: string,
  options: {
    token?: string;
    json?: unknown;
    headers?: Record<string, string>;
    body?: Buffer | AsyncIterable<Uint8Array> | string;
  } = {},
): Promise<JsonReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | Buffer | Readable | undefined =
    options.body === undefined || typeof options.body === 'string' || Buffer.isBuffer(options.body)
      ? options.body
      : Readable.from(options.body);
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const reply = await request(`${portal.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await reply.body.text();
  const type = String(reply.headers['content-type'] ?? '');
  return {
    status: reply.statusCode,
    headers: reply.headers,
    body: type.startsWith('application/json') && text !== '' ? JSON.parse(text) : text,
  };
}

export function expectSchema(name: PortalSchemaName, body: unknown): void {
  expect(schemaProblems(name, body), `${name}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
}

export function expectError(reply: JsonReply, status: number, code: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expectSchema('error.response', reply.body);
  expect(reply.body.error.code).toBe(code);
}

export async function publisherToken(
  portal: { url: string },
  service: 'data-manager' | 'business-mobile',
): Promise<string> {
  const reply =
    service === 'data-manager'
      ? await call(portal, 'POST', '/v1/auth/data-manager', { json: DM_ACCOUNT })
      : await call(portal, 'POST', '/v1/auth/business-mobile', { json: BM_ACCOUNT });
  expect(reply.status).toBe(200);
  expectSchema('auth.response', reply.body);
  return reply.body.token as string;
}

export function uploadHeaders(data: Pick<Dataset, 'rows' | 'sha256'>): Record<string, string> {
  return {
    'content-encoding': 'gzip',
    'content-type': 'application/x-ndjson',
    'x-sbsync-rows': String(data.rows),
    'x-sbsync-sha256': data.sha256,
  };
}

/** open → upload each dataset → commit, over HTTP; returns the commit reply. */
export async function publishOverHttp(
  portal: { url: string },
  token: string,
  company: string,
  service: 'data-manager' | 'business-mobile',
  datasets: Record<string, Dataset>,
  meta: Record<string, Record<string, unknown>> = {},
): Promise<JsonReply> {
  const opened = await call(portal, 'POST', `/v1/companies/${company}/${service}/publications`, { token, json: {} });
  expect(opened.status).toBe(201);
  for (const [name, data] of Object.entries(datasets)) {
    const uploaded = await call(portal, 'PUT', `/v1/publications/${opened.body.publicationId}/datasets/${name}`, {
      token,
      headers: uploadHeaders(data),
      body: data.gzip,
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
  }
  return call(portal, 'POST', `/v1/publications/${opened.body.publicationId}/commit`, {
    token,
    json: {
      datasets: Object.entries(datasets).map(([name, data]) => ({
        name,
        rows: data.rows,
        sha256: data.sha256,
        ...(meta[name] ? { meta: meta[name] } : {}),
      })),
    },
  });
}
