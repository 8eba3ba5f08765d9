/**
 * Real servers for the proxy tests: Debian's tinyproxy (Basic authentication, a generated config in a temp
 * dir, an ephemeral port on 127.0.0.1, run in the foreground with -d and stopped by the test), a target
 * HTTP or HTTPS server that records what reached it, and a tiny static server for PAC files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid 2020–2120, for the HTTPS target only.
 * Test material, not a secret: it protects nothing.
 */
export const TEST_TLS = {
  cert: `-----BEGIN CERTIFICATE-----
MIIDBTCCAe2gAwIBAgIBATANBgkqhkiG9w0BAQsFADAdMRswGQYDVQQDDBJzYnN5
bmMgdGVzdCB0YXJnZXQwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBa
MB0xGzAZBgNVBAMMEnNic3luYyB0ZXN0IHRhcmdldDCCASIwDQYJKoZIhvcNAQEB
BQADggEPADCCAQoCggEBAMB25EpirdGT9/oTi2l4PUwlSpzrzBcn1qihxTAdG1DD
6rUdqDZ3P9su1gjWJmeCMp8KHz1GbX723BG7Mr32yJSlwJrMiWiFdEzArSkQwmX0
BT6buRBdaW49/Rr8zCF1n2wjFEOwY2AlBfwzrY72OHlY/2B8Xpm26x0owtsrunIX
3iXRDa2/NB+BisgdgGKtqoPzWXGK8C6U0gBAaV4gdMRSU9i/1DZGaaWTRWDWKRQV
jHGQFoqlawOqgjJgkCIIURFyAF0qADqSs1S72ZO+cIziJpmH25ZPgv0sOM0nOB1c
0f32FZvUE7T2wbkzGaGKcgFQZWya3giBoIqtJdwgAwsCAwEAAaNOMEwwDwYDVR0T
AQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwHQYDVR0OBBYE
FE2xpKdTR/To2FUtS3v/4HfzXrx8MA0GCSqGSIb3DQEBCwUAA4IBAQAz/+x2lHIB
41ji3pJtc2rdmguRpLGCEd2Kxb4NiugjQ47ppyg/DG8FCW/mJBkCy9YMlPg9JD6z
a4lbVUKXkOsgAF7XE4S1/HXpe27vGSpjX4aXxmAAUemoNfZl7feVelLEtB9OuDzg
lu5qNwgAeglWEyEYBaPVnsbcx8RGewRg9TYHDS7qvw4lyTrQxcFSeTzgXfB6EIlP
xTGg4S3lry68guRVqjqQnbXoIvciBb9gTL212bFk/N0VCBkEtazfjVItuyjwjajb
oGhpJ7OTk5YA4u4GU2Jhsd5TXImGLDUAgsXGojQFwiCyg8UaBQVRRY1w0+bKsScV
m7XdZzQO9OXi
-----END CERTIFICATE-----
`,
  key: `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDAduRKYq3Rk/f6
E4tpeD1MJUqc68wXJ9aoocUwHRtQw+q1Hag2dz/bLtYI1iZngjKfCh89Rm1+9twR
uzK99siUpcCazIlohXRMwK0pEMJl9AU+m7kQXWluPf0a/MwhdZ9sIxRDsGNgJQX8
M62O9jh5WP9gfF6ZtusdKMLbK7pyF94l0Q2tvzQfgYrIHYBiraqD81lxivAulNIA
QGleIHTEUlPYv9Q2Rmmlk0Vg1ikUFYxxkBaKpWsDqoIyYJAiCFERcgBdKgA6krNU
u9mTvnCM4iaZh9uWT4L9LDjNJzgdXNH99hWb1BO09sG5MxmhinIBUGVsmt4IgaCK
rSXcIAMLAgMBAAECggEAEtVPf4vqcGCnWlxBPx/Z97KKe5KDVRy736J81jly69NQ
C0sMo8/FeuA5Z4H1HhnadD+cUPWsT0k+valwzK/ybsFNeJhdNdIhUEVmbGdMboeT
X84DLPvHDleYheSI4RlOcVl5aSpAfy8AR+6SpDOp0Q4JZ1qkMyx4E1Fix+meg/1w
NDYfbvVFMH7v6S8ouRCky4NP/sAukAJBPUzT4wERnDzAdX8ooxnpCRyV0ws7mYSt
1qmvWe7LUBdQXn6TvtluT3fIhxVWKZ3d5xIKf1e4eFyBuT59v+Fi6XSddQpFhvIV
+NwDFf9N5B2kUDbfH4WOUMTmtHi46D+MezF43HQ8eQKBgQD4KekJ7jE9uEdkHPDO
niDXVuJ1lbpQIHiCJX0vyIuPM5qhCX4GtL/JeYayWomeFpZLb02FyxkBdkH+yck7
nW6VCqZf0Yue1OOnV2B0z6usEEYeRu+xHOQY3RWzm1gDX4EgUqi7KF6yeFCiehrQ
gYgMQICZDnz6sRyjnTrJJ0aknwKBgQDGirkfxKLVjy5RndbAsEGz/jye9MHXvAEy
c7qswdBFhKXJeT8+G1n9qUo2MCG5YszXkb9kLI+tBRmde7blfIelE8PsRuI7mIoP
qisRrejcMgCBSXHDoNqjDlfKjCgfapAXQ9U9T1D6bc7IRNX3g9wAgX3doz0/y3Xi
boGmHso+FQKBgQDAnx9AUv8rjf7z6TbM2ZZaLxll9YsBKMMBGgI6dapFw+NQ/eIx
aFi5FLgFdhr9d0C/WqxMnmFRbi45ivzEZiVwUCzlkOuTpGD0AfFfmdYBnzwdwifI
TMmLtwdiOsCtFZNPuHk5lFM0qgjEpIxtrS0hfWuT4dgGajT1llQL0I2XtwKBgG0x
ppc+QoBJ+yOQN6hKSBiCXzzdSC8qi04AME8LWUyio7unH4085cWI8fPTjPi0ygxV
cHnbuDlkcK4YeILGdqPntv2gDpTQVD5BTOawSz2vkm+IwTTipty+6rHPW9HLfewN
tp29nb/d3Lhwg21Z7AmrLlpTiUAo2nDqbgu7K2fxAoGAKLsQsZXYlqfE8Dc5uF7j
yo9FD9nLo2xtKkMwmGABqTbYjVOIRGY9sJBNuZL+6VyypXPIh1vWAn+a2eGWUpr3
vrJYSrskXEOlgwSKQnbPQHDlD837xTSplMbbkIgi5ibDBfl38Ud8hh3vwDlc8UbO
jcydVTZ+aEMD1h9+fWySHco=
-----END PRIVATE KEY-----
`,
};

/** The tinyproxy executable, or undefined when it is not installed (CI installs Debian's `tinyproxy`). */
export async function findTinyproxy(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'].filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = path.join(dir, 'tinyproxy');
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface TinyproxyOptions {
  /** Basic authentication; omitted = an open proxy. */
  user?: string;
  password?: string;
  /** Ports CONNECT may reach (tinyproxy allows every port when none is listed). */
  connectPorts?: number[];
}

export interface RunningTinyproxy {
  /** http://127.0.0.1:PORT, without credentials. */
  url: string;
  port: number;
  /** tinyproxy's log (LogLevel Connect: one "Request (file descriptor N): METHOD target" line per request). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts tinyproxy in the foreground on 127.0.0.1 and an ephemeral port; resolves when it accepts connections. */
export async function startTinyproxy(binary: string, options: TinyproxyOptions = {}): Promise<RunningTinyproxy> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sbsync-tinyproxy-'));
  const logFile = path.join(dir, 'tinyproxy.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const lines = [
      'Listen 127.0.0.1',
      `Port ${port}`,
      'Timeout 30',
      'MaxClients 50',
      'Allow 127.0.0.1',
      `LogFile "${logFile}"`,
      'LogLevel Connect',
      ...(options.user !== undefined ? [`BasicAuth ${options.user} ${options.password ?? ''}`] : []),
      ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    ];
    const config = path.join(dir, 'tinyproxy.conf');
    await writeFile(config, `${lines.join('\n')}\n`);
    const child = spawn(binary, ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));

    const deadline = Date.now() + 10_000;
    while (running && Date.now() < deadline && !(await canConnect(port))) await new Promise((r) => setTimeout(r, 50));
    if (running && (await canConnect(port))) {
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        log: () => readFile(logFile, 'utf8').catch(() => ''),
        stop: async () => {
          await stopChild(child, exited);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child, exited);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    // Another process may have taken the port between freePort() and tinyproxy's bind: try another.
    if (attempt < 3 && /listen|bind|address already in use/i.test(output + log)) continue;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`tinyproxy did not start on 127.0.0.1:${port}:\n${output}\n${log}`);
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface RecordedRequest {
  method: string;
  /** As received: a path (direct or tunnelled) — tinyproxy rewrites forwarded requests to a path too. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RunningTarget {
  /** http(s)://127.0.0.1:PORT */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

/** A portal stand-in: answers `{"ok":true,"path":…}` and records every request that reached it. */
export async function startTarget(options: { tls?: boolean } = {}): Promise<RunningTarget> {
  const requests: RecordedRequest[] = [];
  const handler: http.RequestListener = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  };
  const server = options.tls ? https.createServer({ cert: TEST_TLS.cert, key: TEST_TLS.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves fixed files (e.g. a PAC file) on 127.0.0.1; other paths get 404. */
export async function startFileServer(files: Record<string, { body: string; type?: string }>): Promise<{ origin: string; hits: string[]; stop(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type ?? 'application/x-ns-proxy-autoconfig' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
