/** PAC files: the answer's syntax, evaluation in the sandbox, and resolution with a PAC served on 127.0.0.1. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PortalError } from '../../src/errors.js';
import { describeProxy, resolveProxy } from '../../src/publish/proxy/index.js';
import { evaluatePac, fetchPacScript, parsePacResult } from '../../src/publish/proxy/pac.js';
import type { WindowsInternetSettings } from '../../src/publish/proxy/windows.js';
import { startFileServer } from '../support/proxy-server.js';

const CORPORATE_PAC = `
// A typical corporate PAC: intranet direct, the portal through the TLS proxy, the rest through the main one.
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".acme.local") || shExpMatch(host, "10.*")) return "DIRECT";
  if (shExpMatch(url, "https://*.sbsync.example/*")) return "PROXY proxy-ssl.acme.local:8443; PROXY backup.acme.local:3128; DIRECT";
  if (host == "secure-proxy.example") return "HTTPS tls-proxy.acme.local:443";
  if (host == "socks-only.example") return "SOCKS5 socks.acme.local:1080";
  if (host == "socks-first.example") return "SOCKS socks.acme.local:1080; PROXY proxy.acme.local:3128";
  if (host == "with-credentials.example") return "PROXY jean:s3cr%3Ft@proxy.acme.local:3128";
  if (host == "nonsense.example") return "MAYBE later";
  alert("falling through for " + host);
  return "PROXY proxy.acme.local:3128";
}`;

describe('parsePacResult', () => {
  it.each([
    ['DIRECT', [{ kind: 'direct' }]],
    ['PROXY a:3128; DIRECT', [{ kind: 'proxy', url: 'http://a:3128' }, { kind: 'direct' }]],
    ['  proxy a:3128 ;;HTTP b:80', [{ kind: 'proxy', url: 'http://a:3128' }, { kind: 'proxy', url: 'http://b:80' }]],
    ['HTTPS tls:443', [{ kind: 'proxy', url: 'https://tls:443' }]],
    ['SOCKS s:1080; SOCKS5 t:1080', [{ kind: 'socks', server: 'SOCKS s:1080' }, { kind: 'socks', server: 'SOCKS5 t:1080' }]],
    ['', []],
    ['PROXY', []],
  ])('%j', (answer, expected) => {
    expect(parsePacResult(answer)).toEqual(expected);
  });
});

describe('evaluatePac', () => {
  it('runs FindProxyForURL with the standard helper functions', async () => {
    expect(await evaluatePac(CORPORATE_PAC, 'https://portal.sbsync.example/v1/ping')).toBe('PROXY proxy-ssl.acme.local:8443; PROXY backup.acme.local:3128; DIRECT');
    expect(await evaluatePac(CORPORATE_PAC, 'https://intranet/')).toBe('DIRECT');
    expect(await evaluatePac(CORPORATE_PAC, 'https://10.1.2.3/')).toBe('DIRECT');
    expect(await evaluatePac(CORPORATE_PAC, 'https://www.example.org/')).toBe('PROXY proxy.acme.local:3128');
  });

  it('stops a script that never returns', async () => {
    const loop = 'function FindProxyForURL(url, host) { while (true) {} }';
    await expect(evaluatePac(loop, 'https://portal.sbsync.example/', { timeoutMs: 300 })).rejects.toThrow(/interrupted/);
  });

  it('reports a script without FindProxyForURL', async () => {
    await expect(evaluatePac('var x = 1;', 'https://portal.sbsync.example/')).rejects.toThrow(/FindProxyForURL/);
  });

  it('has no access to the process', async () => {
    const escape = 'function FindProxyForURL(url, host) { return typeof process + "," + typeof require; }';
    expect(await evaluatePac(escape, 'https://portal.sbsync.example/')).toBe('undefined,undefined');
  });
});

describe('resolution through a PAC file served on 127.0.0.1', () => {
  let server: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;
  beforeAll(async () => {
    server = await startFileServer({ '/proxy.pac': { body: CORPORATE_PAC } });
    dir = await mkdtemp(path.join(tmpdir(), 'sbsync-pac-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const deps = (autoConfigUrl: string, extra: Partial<WindowsInternetSettings> = {}) => ({
    env: {},
    platform: 'win32' as const,
    readWindowsInternetSettings: async (): Promise<WindowsInternetSettings> => ({
      internetOptions: { scope: 'user', proxyEnable: false, autoDetect: false, autoConfigUrl },
      problems: [],
      ...extra,
    }),
  });
  const resolve = (url: string, pacUrl = `${server.origin}/proxy.pac`) => resolveProxy({ mode: 'system', noProxy: [] }, url, deps(pacUrl));

  it('fetches the PAC over http and takes the first usable entry', async () => {
    const before = server.hits.length;
    const decision = await resolve('https://portal.sbsync.example/v1/');
    expect(server.hits.slice(before)).toEqual(['/proxy.pac']);
    expect(decision).toEqual({
      target: 'https://portal.sbsync.example',
      mode: 'system',
      source: `pac:${server.origin}/proxy.pac`,
      proxyUrl: 'http://proxy-ssl.acme.local:8443',
    });
  });

  it('HTTPS entries mean TLS to the proxy; credentials in an entry are taken out and decoded', async () => {
    expect(await resolve('https://secure-proxy.example/')).toMatchObject({ proxyUrl: 'https://tls-proxy.acme.local' });
    const withCredentials = await resolve('https://with-credentials.example/');
    expect(withCredentials).toMatchObject({ proxyUrl: 'http://proxy.acme.local:3128', auth: { user: 'jean', password: 's3cr?t' } });
    expect(describeProxy(withCredentials)).not.toContain('s3cr');
  });

  it('skips SOCKS entries for a usable one, and says "SOCKS not supported" when there is none', async () => {
    expect(await resolve('https://socks-first.example/')).toMatchObject({ proxyUrl: 'http://proxy.acme.local:3128' });
    const error = await resolve('https://socks-only.example/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `the PAC file ${server.origin}/proxy.pac gives a SOCKS proxy (SOCKS5 socks.acme.local:1080): SOCKS not supported, sbsync speaks to HTTP proxies only`,
    );
  });

  it('an answer with nothing usable is an error quoting it', async () => {
    await expect(resolve('https://nonsense.example/')).rejects.toThrow(`gave no usable answer for https://nonsense.example: "MAYBE later"`);
  });

  it('a PAC address that answers 404 is an error naming it', async () => {
    const error = await resolve('https://portal.sbsync.example/', `${server.origin}/missing.pac`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortalError);
    expect((error as Error).message).toBe(
      `cannot load the PAC file ${server.origin}/missing.pac (Internet Options, automatic configuration script): HTTP 404`,
    );
  });

  it('reads a PAC from a file: URL', async () => {
    const file = path.join(dir, 'proxy.pac');
    await writeFile(file, CORPORATE_PAC);
    const url = pathToFileURL(file).href;
    expect(await fetchPacScript(url, { timeoutMs: 1_000 })).toBe(CORPORATE_PAC);
    expect(await resolve('https://www.example.org/', url)).toMatchObject({ source: `pac:${url}`, proxyUrl: 'http://proxy.acme.local:3128' });
  });
});
