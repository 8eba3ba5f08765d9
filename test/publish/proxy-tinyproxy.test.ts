/**
 * Through a real proxy: Debian's tinyproxy with Basic authentication, in front of local targets on
 * 127.0.0.1 (plain HTTP, and HTTPS with a self-signed certificate), both reached through CONNECT tunnels.
 */
import { request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ExitCode, PortalError } from '../../src/errors.js';
import { createDispatcher, describeProxy, resolveProxy, translateProxyError, type ProxyDecision } from '../../src/publish/proxy/index.js';
import { findTinyproxy, freePort, startTarget, startTinyproxy, TEST_TLS, type RunningTarget, type RunningTinyproxy } from '../support/proxy-server.js';

const USER = 'sbsync';
const PASSWORD = 'pr0xy-S3cret';
const binary = await findTinyproxy();
if (!binary) console.warn('tinyproxy is not installed: skipping the real-proxy tests (apt-get install tinyproxy; CI installs it).');

/** What sbsync would do for one request: the dispatcher from the decision, failures through translateProxyError. */
async function get(decision: ProxyDecision, path = '/v1/ping'): Promise<{ status: number; json: unknown }> {
  const dispatcher: Dispatcher = createDispatcher(decision, { timeoutMs: 5_000, ca: TEST_TLS.cert });
  try {
    const response = await request(`${decision.target}${path}`, { dispatcher });
    return { status: response.statusCode, json: await response.body.json() };
  } catch (error) {
    throw translateProxyError(error, decision) ?? error;
  } finally {
    await dispatcher.close();
  }
}

function decision(target: RunningTarget, proxy: RunningTinyproxy | string, auth?: { user: string; password: string }): ProxyDecision {
  return { target: target.origin, mode: 'manual', source: 'manual', proxyUrl: typeof proxy === 'string' ? proxy : proxy.url, ...(auth ? { auth } : {}) };
}

describe.skipIf(!binary)('through tinyproxy with Basic authentication', () => {
  let proxy: RunningTinyproxy;
  let httpTarget: RunningTarget;
  let httpsTarget: RunningTarget;

  beforeAll(async () => {
    [httpTarget, httpsTarget] = await Promise.all([startTarget(), startTarget({ tls: true })]);
    proxy = await startTinyproxy(binary!, { user: USER, password: PASSWORD, connectPorts: [httpsTarget.port, httpTarget.port] });
  });
  afterAll(async () => {
    await Promise.all([proxy?.stop(), httpTarget?.stop(), httpsTarget?.stop()]);
  });

  it('tunnels an http:// portal with CONNECT; the proxy log shows it and the proxy credentials stay with the proxy', async () => {
    const before = httpTarget.requests.length;
    const answer = await get(decision(httpTarget, proxy, { user: USER, password: PASSWORD }), '/v1/ping?plain');
    expect(answer).toEqual({ status: 200, json: { ok: true, path: '/v1/ping?plain' } });
    const seen = httpTarget.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['proxy-authorization']).toBeUndefined();
    expect(await proxy.log()).toContain(`CONNECT 127.0.0.1:${httpTarget.port}`);
  });

  it('tunnels an https:// portal with CONNECT (TLS end to end with the portal)', async () => {
    const before = httpsTarget.requests.length;
    const answer = await get(decision(httpsTarget, proxy, { user: USER, password: PASSWORD }), '/v1/ping?tunnelled');
    expect(answer).toEqual({ status: 200, json: { ok: true, path: '/v1/ping?tunnelled' } });
    expect(httpsTarget.requests.slice(before)).toHaveLength(1);
    expect(await proxy.log()).toContain(`CONNECT 127.0.0.1:${httpsTarget.port}`);
  });

  it('decodes URL-encoded credentials from HTTPS_PROXY and gets through', async () => {
    const env = { HTTPS_PROXY: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${proxy.port}` };
    // 127.0.0.1 itself is always direct: resolve for a portal name, then aim the same route at the local target.
    const resolved = await resolveProxy({ mode: 'system', noProxy: [] }, 'https://portal.acme.example/', { env, platform: 'linux' });
    expect(resolved).toMatchObject({ proxyUrl: proxy.url, auth: { user: USER, password: PASSWORD }, source: 'env:HTTPS_PROXY' });
    const answer = await get({ ...resolved, target: httpsTarget.origin });
    expect(answer.status).toBe(200);
  });

  for (const [kind, targetOf] of [
    ['https (CONNECT)', () => httpsTarget],
    ['http (CONNECT too)', () => httpTarget],
  ] as const) {
    it(`wrong credentials → AuthError (exit 4) naming the proxy and the user, never the password — ${kind}`, async () => {
      const error = await get(decision(targetOf(), proxy, { user: USER, password: 'wrong-Passw0rd' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      const auth = error as AuthError;
      expect(auth.exitCode).toBe(ExitCode.auth);
      expect(auth.message).toContain(`127.0.0.1:${proxy.port}`);
      expect(auth.message).toContain(`user "${USER}"`);
      // 407 is the standard answer; tinyproxy 1.11 answers 401 to wrong credentials.
      expect(auth.message).toMatch(/\(HTTP 40[17]\)/);
      expect(`${auth.message} ${auth.hint}`).not.toContain('wrong-Passw0rd');
      expect(auth.hint).toContain('proxy.password');
    });

    it(`no credentials → AuthError saying none is configured — ${kind}`, async () => {
      const error = await get(decision(targetOf(), proxy)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).message).toMatch(/requires authentication and no proxy user is configured/);
    });
  }

  it('a CONNECT the proxy forbids (port not in ConnectPort) → PortalError with the status', async () => {
    const other = await startTarget({ tls: true });
    try {
      const error = await get(decision(other, proxy, { user: USER, password: PASSWORD })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortalError);
      expect((error as PortalError).message).toContain('refused to open a connection');
      expect((error as PortalError).message).toContain('HTTP 403');
    } finally {
      await other.stop();
    }
  });
});

describe('proxy down', () => {
  it('→ PortalError naming the proxy and where the setting came from', async () => {
    const target = await startTarget({ tls: true });
    const port = await freePort(); // nothing listens there any more
    try {
      const resolved = await resolveProxy({ mode: 'system', noProxy: [] }, 'https://portal.acme.example/', {
        env: { https_proxy: `http://127.0.0.1:${port}` },
        platform: 'linux',
      });
      const error = await get({ ...resolved, target: target.origin }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortalError);
      expect((error as PortalError).exitCode).toBe(ExitCode.failed);
      expect((error as PortalError).message).toBe(
        `cannot reach the proxy 127.0.0.1:${port} (from environment variable https_proxy): connection refused (ECONNREFUSED)`,
      );
      expect((error as PortalError).hint).toContain('https_proxy');
      expect(describeProxy(resolved)).toBe(`through proxy http://127.0.0.1:${port} (from environment variable https_proxy)`);
    } finally {
      await target.stop();
    }
  });
});
