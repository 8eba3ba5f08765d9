/** Shared setup for end-to-end publication tests: a small demo company, a real portal, a config. */
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { request } from 'undici';
import { createDemoDatabase } from '../../src/extract/demo/index.js';
import { hashPassword } from '../../src/portal/password.js';
import { startPortalServer, type RunningPortalServer } from '../../src/portal/server.js';
import { openStore, type PortalStore } from '../../src/portal/store.js';

export const DM = { sageId: 'compta@demo.fr', password: 'dm-Secret-41' };
export const BM = { customerNumber: '123456', password: 'bm-Secret-42' };
export const MARIE = { login: 'marie', password: 'marie-Secret-43' };
export const PAUL = { login: 'paul', password: 'paul-Secret-44' };
export const ENV = { SB_DM: DM.password, SB_BM: BM.password, SB_MARIE: MARIE.password, SB_PAUL: PAUL.password };
export const TODAY = '2026-11-27';

/** One small demo database shared by a test file (generation is deterministic). */
export async function demoDatabase(dir: string): Promise<string> {
  const file = path.join(dir, 'demo.sqlite');
  await createDemoDatabase({ path: file, scale: 0.1, seed: 7, today: TODAY });
  return file;
}

export interface ConfigOptions {
  url: string;
  sqlite: string;
  proxy?: string;
  retries?: number;
  timeoutSeconds?: number;
  extra?: string;
}

/** Two companies on the same Sage file: DEMO (everything) and ACME (views only); two users. */
export async function writeConfig(dir: string, name: string, o: ConfigOptions): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(
    file,
    `portal:
  url: ${o.url}
  dataManager: { sageId: ${DM.sageId}, password: "\${env:SB_DM}" }
  businessMobile: { customerNumber: "${BM.customerNumber}", password: "\${env:SB_BM}" }
  retries: ${o.retries ?? 2}
  timeoutSeconds: ${o.timeoutSeconds ?? 20}
${o.proxy ?? 'proxy: { mode: none }'}
companies:
  - code: DEMO
    name: Démo Négoce SA
    source: { type: sqlite, path: ${o.sqlite} }
    services:
      dataManager: { accounting: true, commercial: true }
      businessMobile: { accountingViews: true, commercialViews: true }
  - code: ACME
    name: Acme SARL
    source: { type: sqlite, path: ${o.sqlite} }
    services:
      businessMobile: { commercialViews: true }
users:
  - { name: Marie Durand, login: ${MARIE.login}, password: "\${env:SB_MARIE}", views: { DEMO: all } }
  - { name: Paul Martin, login: ${PAUL.login}, password: "\${env:SB_PAUL}", views: { DEMO: [sales-by-month, top-customers], ACME: [top-customers] } }
dataDirectory: data-${name.replace(/\W/g, '-')}
journal: { path: journal-${name.replace(/\W/g, '-')} }
${o.extra ?? ''}`,
  );
  return file;
}

export interface Portal {
  server: RunningPortalServer;
  store: PortalStore;
  url: string;
}

export async function startPortal(storeDir: string): Promise<Portal> {
  const store = await openStore({ root: storeDir });
  const server = await startPortalServer({
    store,
    accounts: {
      dataManager: [{ sageId: DM.sageId, passwordHash: await hashPassword(DM.password, { cost: 1024 }) }],
      businessMobile: [{ customerNumber: BM.customerNumber, passwordHash: await hashPassword(BM.password, { cost: 1024 }) }],
    },
    maintenanceIntervalMs: 0,
  });
  return { server, store, url: server.url };
}

export async function mobileLogin(url: string, company: string, login: string, password: string): Promise<{ status: number; token?: string }> {
  const r = await request(`${url}/v1/mobile/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ company, login, password }) });
  const body = (await r.body.json()) as { token?: string };
  return { status: r.statusCode, ...(body.token ? { token: body.token } : {}) };
}

export async function mobileGet(url: string, token: string, pathname: string): Promise<{ status: number; json: any }> {
  const r = await request(`${url}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, json: await r.body.json() };
}

export type Fault = 'reset' | 'stall' | { status: number; retryAfter?: string };

/**
 * A programmable HTTP proxy in front of the portal: each rule decides, per request, whether to forward it
 * or to fail it (connection reset, an HTTP error, or a stall that never answers).
 */
export async function startChaos(target: string, rule: (req: http.IncomingMessage, count: number) => Fault | undefined): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const targetUrl = new URL(target);
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const fault = rule(req, requests.length);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'stall') return;
    if (fault) {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      res.end(JSON.stringify({ error: { code: 'chaos', message: `injected ${fault.status}` } }));
      return;
    }
    const upstream = http.request({ host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
