/**
 * The mobile dashboard of the reference portal (docs/dashboard.md): a small web app, plain HTML, CSS and
 * ES modules from `static/`, served as-is by `sbsync portal serve` next to the /v1 API it calls. Nothing
 * is built: the files are read once, compressed once (brotli and gzip) and answered from memory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { SECURITY_HEADERS } from '../server.js';

/** The page's policy: only this origin's files, no inline script or style, no framing. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...SECURITY_HEADERS,
  'content-security-policy': DASHBOARD_CSP,
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
});

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

export interface DashboardAsset {
  /** URL path: `/` for the page, `/assets/<file>` for the rest. */
  urlPath: string;
  contentType: string;
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

export interface Dashboard {
  /** For `startPortalServer({ handleOtherRequest })`: answers the dashboard's paths, false for others. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  assets: readonly DashboardAsset[];
  /** What a browser downloads for the app, compressed with gzip (the weaker of the two), in bytes. */
  gzipBytes: number;
}

/** `static/` beside this file when running from source; from dist/, the same folder in the package's src/. */
export function dashboardStaticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'static');
  if (existsSync(beside)) return beside;
  return path.resolve(here, '../../../../src/portal/dashboard/static');
}

export async function loadDashboard(options: { staticDir?: string } = {}): Promise<Dashboard> {
  const dir = options.staticDir ?? dashboardStaticDir();
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && CONTENT_TYPES[path.extname(entry.name)] !== undefined)
    .map((entry) => entry.name)
    .sort();
  if (!names.includes('index.html')) throw new Error(`The dashboard's files are missing: no index.html in ${dir}.`);
  const assets: DashboardAsset[] = [];
  for (const name of names) {
    const identity = await readFile(path.join(dir, name));
    assets.push({
      urlPath: name === 'index.html' ? '/' : `/assets/${name}`,
      contentType: CONTENT_TYPES[path.extname(name)] as string,
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`,
      identity,
      gzip: gzipSync(identity, { level: 9 }),
      br: brotliCompressSync(identity, {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: identity.length },
      }),
    });
  }
  const byPath = new Map(assets.map((asset) => [asset.urlPath, asset]));
  byPath.set('/index.html', byPath.get('/') as DashboardAsset);

  function handle(request: IncomingMessage, response: ServerResponse): boolean {
    const pathname = new URL(request.url ?? '/', 'http://portal.invalid').pathname;
    const asset = byPath.get(pathname);
    if (!asset) return false;
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {
      ...DASHBOARD_HEADERS,
      // Revalidated on every load (cheap 304s); a new sbsync version is picked up at once.
      'cache-control': 'no-cache',
      etag: asset.etag,
      vary: 'accept-encoding',
    };
    if (method !== 'GET' && method !== 'HEAD') {
      request.resume();
      response.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${method} is not allowed on ${pathname}.`);
      return true;
    }
    const match = request.headers['if-none-match'];
    if (match !== undefined && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
      response.writeHead(304, headers).end();
      return true;
    }
    const accepted = String(request.headers['accept-encoding'] ?? '');
    const [encoding, body] = /\bbr\b/.test(accepted)
      ? (['br', asset.br] as const)
      : /\bgzip\b/.test(accepted)
        ? (['gzip', asset.gzip] as const)
        : ([undefined, asset.identity] as const);
    response.writeHead(200, {
      ...headers,
      'content-type': asset.contentType,
      'content-length': String(body.length),
      ...(encoding ? { 'content-encoding': encoding } : {}),
    });
    response.end(method === 'HEAD' ? undefined : body);
    return true;
  }

  return { handle, assets, gzipBytes: assets.reduce((sum, asset) => sum + asset.gzip.length, 0) };
}
