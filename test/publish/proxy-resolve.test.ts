/** resolveProxy: modes, environment variables, Windows precedence, credentials, and the messages. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResolvedProxy } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { describeProxy, resolveProxy, type ProxyResolveDeps } from '../../src/publish/proxy/index.js';
import { parseInternetOptions, parseNetshWinHttp, type WindowsInternetSettings } from '../../src/publish/proxy/windows.js';

const PORTAL = 'https://portal.sbsync.example/v1/';
const system: ResolvedProxy = { mode: 'system', noProxy: [] };
const sample = (name: string) => readFileSync(new URL(`../fixtures/windows-proxy/${name}`, import.meta.url), 'latin1');
const linux = (env: Record<string, string> = {}): ProxyResolveDeps => ({
  env,
  platform: 'linux',
  readWindowsInternetSettings: () => Promise.reject(new Error('must not be called off Windows')),
});
const windows = (settings: WindowsInternetSettings, env: Record<string, string> = {}, pac?: Record<string, string>): ProxyResolveDeps => ({
  env,
  platform: 'win32',
  readWindowsInternetSettings: async () => settings,
  fetchPac: async (url) => {
    const script = pac?.[url];
    if (script === undefined) throw new Error(`HTTP 404`);
    return script;
  },
});

describe('mode none and manual', () => {
  it('none: direct, whatever the environment says', async () => {
    const decision = await resolveProxy({ mode: 'none', noProxy: [] }, PORTAL, linux({ HTTPS_PROXY: 'http://proxy:3128' }));
    expect(decision).toEqual({ target: 'https://portal.sbsync.example', mode: 'none', source: 'none' });
    expect(describeProxy(decision)).toBe('direct connection (proxy.mode: none)');
  });

  it('manual: the config proxy with its user and password', async () => {
    const proxy: ResolvedProxy = { mode: 'manual', url: 'http://proxy.acme.fr:3128', user: 'sbsync', password: 'Tr0ub4dor&3', noProxy: [] };
    const decision = await resolveProxy(proxy, PORTAL, linux());
    expect(decision).toEqual({
      target: 'https://portal.sbsync.example',
      mode: 'manual',
      source: 'manual',
      proxyUrl: 'http://proxy.acme.fr:3128',
      auth: { user: 'sbsync', password: 'Tr0ub4dor&3' },
    });
    expect(describeProxy(decision)).toBe('through proxy http://proxy.acme.fr:3128 as user "sbsync" (from proxy.url in the config)');
  });

  it('manual: credentials written in the URL are taken out of it and decoded', async () => {
    const decision = await resolveProxy({ mode: 'manual', url: 'http://DOM%5Cjean:p%40ss%3Aw0rd@proxy.acme.fr:8080', noProxy: [] }, PORTAL, linux());
    expect(decision).toMatchObject({ proxyUrl: 'http://proxy.acme.fr:8080', auth: { user: 'DOM\\jean', password: 'p@ss:w0rd' } });
    expect(describeProxy(decision)).not.toContain('w0rd');
  });

  it('manual: proxy.noProxy sends a matching portal direct, and says why', async () => {
    const decision = await resolveProxy({ mode: 'manual', url: 'http://proxy.acme.fr:3128', noProxy: ['.sbsync.example'] }, PORTAL, linux());
    expect(decision).toEqual({ target: 'https://portal.sbsync.example', mode: 'manual', source: 'manual', bypassed: '".sbsync.example" in proxy.noProxy' });
    expect(describeProxy(decision)).toBe('direct connection: ".sbsync.example" in proxy.noProxy (proxy from proxy.url in the config)');
  });

  it.each(['http://localhost:8080/', 'http://127.0.0.1:8080/', 'http://[::1]:8080/'])('system: %s is always direct', async (url) => {
    const decision = await resolveProxy({ mode: 'system', noProxy: [] }, url, linux({ HTTPS_PROXY: 'http://proxy.acme.fr:3128', HTTP_PROXY: 'http://proxy.acme.fr:3128' }));
    expect(decision.proxyUrl).toBeUndefined();
    expect(decision.bypassed).toMatch(/loopback, always direct/);
  });

  it.each(['http://localhost:8080/', 'http://127.0.0.1:8080/'])('manual: %s goes through the proxy the user named, unless in noProxy', async (url) => {
    expect(await resolveProxy({ mode: 'manual', url: 'http://proxy.acme.fr:3128', noProxy: [] }, url, linux())).toMatchObject({ proxyUrl: 'http://proxy.acme.fr:3128', source: 'manual' });
    expect((await resolveProxy({ mode: 'manual', url: 'http://proxy.acme.fr:3128', noProxy: ['localhost', '127.0.0.1'] }, url, linux())).proxyUrl).toBeUndefined();
  });

  it('a file: portal needs no proxy', async () => {
    expect(await resolveProxy({ mode: 'manual', url: 'http://proxy:3128', noProxy: [] }, 'file:///srv/portal', linux())).toMatchObject({ source: 'none' });
  });
});

describe('mode system: environment variables', () => {
  it.each([
    [{ HTTPS_PROXY: 'http://proxy:3128' }, 'env:HTTPS_PROXY'],
    [{ https_proxy: 'http://proxy:3128', HTTPS_PROXY: 'http://other:1' }, 'env:https_proxy'],
    [{ HTTP_PROXY: 'http://proxy:3128' }, 'env:HTTP_PROXY'], // an https portal falls back to HTTP_PROXY
    [{ http_proxy: 'proxy:3128' }, 'env:http_proxy'], // no scheme: http://
  ])('%j → %s', async (env, source) => {
    expect(await resolveProxy(system, PORTAL, linux(env))).toEqual({ target: 'https://portal.sbsync.example', mode: 'system', source, proxyUrl: 'http://proxy:3128' });
  });

  it('an http:// portal does not use HTTPS_PROXY', async () => {
    expect(await resolveProxy(system, 'http://portal.sbsync.example/', linux({ HTTPS_PROXY: 'http://proxy:3128' }))).toMatchObject({ source: 'none' });
  });

  it('credentials in the variable are decoded, and never shown', async () => {
    const decision = await resolveProxy(system, PORTAL, linux({ HTTPS_PROXY: 'http://jean%40acme.fr:S%C3%A9same%2F1@proxy:3128/' }));
    expect(decision).toMatchObject({ proxyUrl: 'http://proxy:3128', auth: { user: 'jean@acme.fr', password: 'Sésame/1' } });
    expect(describeProxy(decision)).toBe('through proxy http://proxy:3128 as user "jean@acme.fr" (from environment variable HTTPS_PROXY)');
  });

  it('the config user applies to a proxy found in the environment without credentials', async () => {
    const decision = await resolveProxy({ ...system, user: 'svc-sbsync', password: 'x' }, PORTAL, linux({ HTTPS_PROXY: 'http://proxy:3128' }));
    expect(decision.auth).toEqual({ user: 'svc-sbsync', password: 'x' });
  });

  it.each([
    ['NO_PROXY', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,.sbsync.example' }, '".sbsync.example" in NO_PROXY'],
    ['no_proxy', { HTTPS_PROXY: 'http://proxy:3128', no_proxy: '*' }, '"*" in no_proxy'],
  ])('%s sends the portal direct', async (_name, env, bypassed) => {
    expect(await resolveProxy(system, PORTAL, linux(env))).toEqual({ target: 'https://portal.sbsync.example', mode: 'system', source: 'env:HTTPS_PROXY', bypassed });
  });

  it('nothing set on Linux: direct, without looking for Windows settings', async () => {
    const decision = await resolveProxy(system, PORTAL, linux());
    expect(decision).toEqual({ target: 'https://portal.sbsync.example', mode: 'system', source: 'none' });
    expect(describeProxy(decision)).toBe('direct connection (no proxy configured)');
  });

  it.each([
    [{ HTTPS_PROXY: 'socks5://user:hunter2@proxy:1080' }, /SOCKS not supported/],
    [{ HTTPS_PROXY: 'ftp://proxy:21' }, /unsupported proxy scheme ftp:/],
    [{ HTTPS_PROXY: 'http://us er:hunter2@[bad' }, /not a valid proxy address/],
  ])('%j → ConfigError naming the variable, without the password', async (env, message) => {
    const error = await resolveProxy(system, PORTAL, linux(env)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('environment variable HTTPS_PROXY');
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('mode system on Windows: precedence', () => {
  const ieManual = parseInternetOptions(sample('reg-hkcu-manual-per-protocol.txt'), 'user');
  const ieSingle = parseInternetOptions(sample('reg-hkcu-manual-single.txt'), 'user');
  const iePac = parseInternetOptions(sample('reg-hkcu-pac.txt'), 'user');
  const ieNothing = parseInternetOptions(sample('reg-hkcu-direct-autodetect.txt'), 'user');
  const winHttpProxy = parseNetshWinHttp(sample('netsh-winhttp-proxy.txt'));
  const winHttpDirect = parseNetshWinHttp(sample('netsh-winhttp-direct.txt'));
  const PAC = 'function FindProxyForURL(url, host) { return dnsDomainIs(host, ".sbsync.example") ? "PROXY pac-proxy.acme.local:3128; DIRECT" : "DIRECT"; }';

  it('1. environment variables win over the machine settings', async () => {
    const decision = await resolveProxy(system, PORTAL, windows({ internetOptions: ieSingle, winHttp: winHttpProxy, problems: [] }, { HTTPS_PROXY: 'http://env-proxy:3128' }));
    expect(decision).toMatchObject({ source: 'env:HTTPS_PROXY', proxyUrl: 'http://env-proxy:3128' });
  });

  it('2a. the Internet Options PAC file wins over the manual proxy and WinHTTP', async () => {
    const options = { ...iePac, proxyEnable: true };
    const decision = await resolveProxy(system, PORTAL, windows({ internetOptions: options, winHttp: winHttpProxy, problems: [] }, {}, { 'http://wpad.acme.local/proxy.pac': PAC }));
    expect(decision).toEqual({ target: 'https://portal.sbsync.example', mode: 'system', source: 'pac:http://wpad.acme.local/proxy.pac', proxyUrl: 'http://pac-proxy.acme.local:3128' });
    expect(describeProxy(decision)).toBe('through proxy http://pac-proxy.acme.local:3128 (from PAC file http://wpad.acme.local/proxy.pac)');
  });

  it('2a. a PAC answer of DIRECT is final', async () => {
    const decision = await resolveProxy(system, 'https://elsewhere.example/', windows({ internetOptions: iePac, winHttp: winHttpProxy, problems: [] }, {}, { 'http://wpad.acme.local/proxy.pac': PAC }));
    expect(decision).toEqual({ target: 'https://elsewhere.example', mode: 'system', source: 'pac:http://wpad.acme.local/proxy.pac' });
    expect(describeProxy(decision)).toBe('direct connection (from PAC file http://wpad.acme.local/proxy.pac)');
  });

  it('2a. a PAC file that cannot be loaded falls back to the enabled manual proxy, with a note', async () => {
    const options = { ...iePac, proxyEnable: true };
    const decision = await resolveProxy(system, PORTAL, windows({ internetOptions: options, problems: [] }));
    expect(decision).toMatchObject({ source: 'windows:ie', proxyUrl: 'http://oldproxy.acme.local:8080' });
    expect(decision.notes).toEqual([expect.stringMatching(/^cannot load the PAC file http:\/\/wpad\.acme\.local\/proxy\.pac .*HTTP 404; used the Internet Options proxy instead$/)]);
  });

  it('2a. …and is an error when there is nothing to fall back to', async () => {
    await expect(resolveProxy(system, PORTAL, windows({ internetOptions: iePac, problems: [] }))).rejects.toThrow(/cannot load the PAC file http:\/\/wpad\.acme\.local\/proxy\.pac/);
  });

  it('2b. the Internet Options proxy for the portal protocol, with ProxyOverride', async () => {
    const settings = { internetOptions: ieManual, winHttp: winHttpProxy, problems: [] };
    expect(await resolveProxy(system, PORTAL, windows(settings))).toEqual({
      target: 'https://portal.sbsync.example',
      mode: 'system',
      source: 'windows:ie',
      proxyUrl: 'http://proxy-ssl.acme.local:8443',
    });
    expect(await resolveProxy(system, 'http://portal.sbsync.example/', windows(settings))).toMatchObject({ proxyUrl: 'http://proxy.acme.local:8080' });
    expect(await resolveProxy(system, 'https://sage.acme.local/', windows(settings))).toMatchObject({ source: 'windows:ie', bypassed: '"*.acme.local" in ProxyOverride' });
    expect(await resolveProxy(system, 'https://intranet/', windows(settings))).toMatchObject({ bypassed: '"intranet" in ProxyOverride' });
    expect(await resolveProxy(system, 'https://portal/', windows({ ...settings, internetOptions: ieSingle }))).toMatchObject({ bypassed: '"<local>" in ProxyOverride' });
  });

  it('2b. a per-protocol list without an entry for the portal protocol means direct, as in Windows', async () => {
    const options = { ...ieSingle, proxyServer: 'http=proxy.acme.local:8080;ftp=proxy.acme.local:2121' };
    const decision = await resolveProxy(system, PORTAL, windows({ internetOptions: options, winHttp: winHttpProxy, problems: [] }));
    expect(decision).toEqual({
      target: 'https://portal.sbsync.example',
      mode: 'system',
      source: 'windows:ie',
      notes: ['Internet Options (HKCU) lists no proxy for https (http=proxy.acme.local:8080;ftp=proxy.acme.local:2121): direct connection'],
    });
  });

  it('2b. a SOCKS-only Internet Options proxy is a clear error', async () => {
    const options = { ...ieSingle, proxyServer: 'socks=socks.acme.local:1080' };
    await expect(resolveProxy(system, PORTAL, windows({ internetOptions: options, problems: [] }))).rejects.toThrow(
      'Internet Options (HKCU) gives a SOCKS proxy (socks=socks.acme.local:1080): SOCKS not supported, sbsync speaks to HTTP proxies only',
    );
  });

  it('3. WinHTTP when the account has no Internet Options proxy (a task running as SYSTEM)', async () => {
    const decision = await resolveProxy(system, PORTAL, windows({ internetOptions: ieNothing, winHttp: winHttpProxy, problems: [] }));
    expect(decision).toEqual({
      target: 'https://portal.sbsync.example',
      mode: 'system',
      source: 'windows:winhttp',
      proxyUrl: 'http://proxy.acme.local:3128',
      notes: ['"Automatically detect settings" (WPAD) is on in Internet Options; sbsync does not perform WPAD discovery'],
    });
    expect(await resolveProxy(system, 'https://sage.acme.local/', windows({ winHttp: winHttpProxy, problems: [] }))).toMatchObject({
      source: 'windows:winhttp',
      bypassed: '"*.acme.local" in the WinHTTP bypass list',
    });
  });

  it('4. nothing anywhere: direct, with what could not be read', async () => {
    const decision = await resolveProxy(system, PORTAL, windows({ winHttp: winHttpDirect, problems: ['reg query "HKCU\\…" failed: access denied'] }));
    expect(decision).toEqual({ target: 'https://portal.sbsync.example', mode: 'system', source: 'none', notes: ['reg query "HKCU\\…" failed: access denied'] });
    expect(describeProxy(decision)).toBe('direct connection (no proxy configured); reg query "HKCU\\…" failed: access denied');
  });

  it('proxy.noProxy applies before the PAC file is even fetched', async () => {
    const deps = windows({ internetOptions: iePac, problems: [] });
    const decision = await resolveProxy({ ...system, noProxy: ['portal.sbsync.example'] }, PORTAL, deps);
    expect(decision).toEqual({ target: 'https://portal.sbsync.example', mode: 'system', source: 'pac:http://wpad.acme.local/proxy.pac', bypassed: '"portal.sbsync.example" in proxy.noProxy' });
  });
});
