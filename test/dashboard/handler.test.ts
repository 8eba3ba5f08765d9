/** The dashboard's static handler on a real portal: paths, methods, caching, compression, budget. */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DASHBOARD_CSP, loadDashboard, type Dashboard } from '../../src/portal/dashboard/handler.js';
import { startPortalServer, type RunningPortalServer } from '../../src/portal/server.js';
import { openStore } from '../../src/portal/store.js';
import { tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningPortalServer;
let dashboard: Dashboard;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('sbsync-dashboard-handler-'));
  dashboard = await loadDashboard();
  server = await startPortalServer({ store: await openStore({ root: dir }), accounts: { dataManager: [], businessMobile: [] }, maintenanceIntervalMs: 0, handleOtherRequest: dashboard.handle });
});
afterAll(async () => {
  await server?.close({ graceMs: 500 });
  await cleanup?.();
});

const get = async (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') => {
  const r = await request(`${server.url}${path}`, { method, headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, body };
};

describe('the dashboard handler', () => {
  test('serves the page at / and the assets under /assets/, with the page policy', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(page.body.toString()).toContain('<script type="module" src="/assets/app.js">');
    for (const asset of ['app.js', 'app.css', 'charts.js', 'format.js', 'i18n.js', 'views.js', 'dom.js', 'prefetch.js', 'icon.svg']) {
      const r = await get(`/assets/${asset}`);
      expect(r.status, asset).toBe(200);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  test('answers only its own paths; the rest stays the API 404', async () => {
    for (const path of ['/assets/nope.js', '/assets/../package.json', '/static/app.js', '/favicon.ico']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.body.toString()).error.code).toBe('not-found');
    }
  });

  test('GET and HEAD only; revalidation with ETag gives 304', async () => {
    expect((await get('/', {}, 'POST')).status).toBe(405);
    const head = await get('/assets/app.css', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const first = await get('/assets/app.css');
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await get('/assets/app.css', { 'if-none-match': String(first.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  test('compresses with brotli or gzip, as the browser accepts', async () => {
    const plain = await get('/assets/views.js');
    const gz = await get('/assets/views.js', { 'accept-encoding': 'gzip, deflate' });
    const br = await get('/assets/views.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gz.headers['vary']).toBe('accept-encoding');
  });

  test('the whole app weighs well under its 300 KB compressed budget and loads nothing from elsewhere', () => {
    expect(dashboard.gzipBytes).toBeLessThan(300 * 1024);
    for (const asset of dashboard.assets) {
      const text = asset.identity.toString();
      // The only absolute URL allowed is the SVG namespace, which is a name, never fetched.
      expect(text.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, ''), asset.urlPath).not.toMatch(/https?:\/\/|\/\/cdn|@import/);
      if (asset.contentType.startsWith('text/html')) expect(text, 'no inline script or style').not.toMatch(/<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=/i);
    }
  });
});
