/**
 * Proxy resolution: from the config's `proxy:` section, the environment and (on Windows) the machine's
 * settings, decide how to reach one portal URL — directly or through which HTTP proxy, with which
 * credentials, and why. The decision is plain data: createDispatcher() turns it into an undici
 * Dispatcher, describeProxy() into a sentence for messages, translateProxyError() uses it to name the
 * proxy and where it came from.
 *
 * `system` precedence (docs/proxy.md explains the choice):
 *   1. HTTPS_PROXY / HTTP_PROXY (either case), with NO_PROXY
 *   2. Windows Internet Options of the account running sbsync (HKCU, or HKLM by policy):
 *      a. AutoConfigURL (PAC), b. ProxyServer when ProxyEnable = 1, with ProxyOverride
 *   3. Windows WinHTTP proxy (`netsh winhttp show proxy`), with its bypass list
 *   4. direct
 * `proxy.noProxy` from the config applies in every mode. With `system`, localhost and loopback addresses are
 * always direct (a machine-wide proxy is never meant for them); a `manual` proxy is used for every address
 * not in `proxy.noProxy`, loopback included, because the user named it on purpose.
 */
import type { ResolvedProxy } from '../../config/resolve.js';
import type { Env } from '../../env.js';
import { ConfigError, PortalError } from '../../errors.js';
import { isLoopback, matchBypass, splitBypassList, targetHost } from './no-proxy.js';
import {
  parseProxyServerList,
  pickProxyServer,
  readWindowsInternetSettings,
  type InternetOptionsSettings,
  type WindowsInternetSettings,
} from './windows.js';

export type ProxySource = 'none' | 'manual' | `env:${string}` | 'windows:ie' | 'windows:winhttp' | `pac:${string}`;

export interface ProxyAuth {
  user: string;
  password: string;
}

/** How to reach one portal origin. No `proxyUrl` means a direct connection. */
export interface ProxyDecision {
  /** The portal origin this decision is for. */
  target: string;
  /** The config's `proxy.mode`. */
  mode: ResolvedProxy['mode'];
  /** `http://host:port` or `https://host:port`, never with credentials. */
  proxyUrl?: string;
  auth?: ProxyAuth;
  /** The setting that decided: where the proxy (or the decision to go direct) came from. */
  source: ProxySource;
  /** The bypass entry that sent the target direct, e.g. `".acme.local" in NO_PROXY`. */
  bypassed?: string;
  /** Things worth knowing when the connection fails (e.g. WPAD not performed, a PAC fallback). */
  notes?: string[];
}

export interface ProxyResolveDeps {
  env: Env;
  platform: NodeJS.Platform;
  /** Defaults to reading the registry and netsh on win32; never called on other platforms. */
  readWindowsInternetSettings?: () => Promise<WindowsInternetSettings | undefined>;
  /** Defaults to fetching http(s) directly or reading a file: URL. */
  fetchPac?: (url: string) => Promise<string>;
  /** For fetching and running a PAC file (default 15 s). */
  timeoutMs?: number;
}

/** Masks the password of `scheme://user:password@…` so a proxy URL can be quoted in a message. */
export function maskUrlCredentials(text: string): string {
  return text.replace(/(\/\/[^\s:@/]*):[^\s@/]*@/g, '$1:***@');
}

/** A proxy address as written by the user, for an error message: anything before an `@` is hidden. */
function safeAddress(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  return `${scheme}***@${raw.slice(at + 1)}`;
}

function envValue(env: Env, name: string): { name: string; value: string } | undefined {
  for (const candidate of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[candidate]?.trim();
    if (value) return { name: candidate, value };
  }
  return undefined;
}

function socksError(what: string, origin: string): ConfigError {
  return new ConfigError(`${origin} gives a SOCKS proxy (${what}): SOCKS not supported, sbsync speaks to HTTP proxies only`, [], {
    hint: 'Ask for the HTTP proxy address (often the same host, port 8080 or 3128) and set proxy.mode: manual with proxy.url.',
  });
}

/**
 * Parses a proxy address as written in a setting (`host:port`, `http://user:pass@host:port`,
 * `https://host`), separating the credentials (decoded) from the URL.
 */
export function parseProxyAddress(raw: string, origin: string): { proxyUrl: string; auth?: ProxyAuth } {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${origin} is not a valid proxy address: ${safeAddress(raw)}`, [], {
      hint: 'Write it as http://host:port (or http://user:password@host:port, the password URL-encoded).',
    });
  }
  if (url.protocol.startsWith('socks')) throw socksError(safeAddress(raw), origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${origin} has an unsupported proxy scheme ${url.protocol} (${safeAddress(raw)})`, [], {
      hint: 'Use an http:// (or https://) proxy address.',
    });
  }
  if (url.hostname === '') throw new ConfigError(`${origin} has no proxy host: ${safeAddress(raw)}`);
  const parsed: { proxyUrl: string; auth?: ProxyAuth } = { proxyUrl: url.origin };
  if (url.username !== '') {
    parsed.auth = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  }
  return parsed;
}

/** Builds the decision for a proxy address found in a source, unless a bypass list sends the target direct. */
type Via = (source: ProxySource, origin: string, address: string, bypassLists: Array<[string, string[]]>) => ProxyDecision;

/** Decides how to reach `targetUrl` (the portal) under the config's proxy settings. */
export async function resolveProxy(proxy: ResolvedProxy, targetUrl: string, deps: ProxyResolveDeps): Promise<ProxyDecision> {
  const target = new URL(targetUrl);
  const base = { target: target.origin, mode: proxy.mode };
  if (proxy.mode === 'none' || (target.protocol !== 'http:' && target.protocol !== 'https:')) return { ...base, source: 'none' };
  if (proxy.mode === 'system' && isLoopback(targetHost(target))) return { ...base, source: 'none', bypassed: `${targetHost(target)} (loopback, always direct)` };

  const configBypass = matchBypass(target, proxy.noProxy);
  const configAuth = proxy.user !== undefined ? { user: proxy.user, password: proxy.password ?? '' } : undefined;

  const via: Via = (source, origin, address, bypassLists) => {
    const lists: Array<[string, string[]]> = [['proxy.noProxy', proxy.noProxy], ...bypassLists];
    for (const [name, entries] of lists) {
      const entry = matchBypass(target, entries);
      if (entry !== undefined) return { ...base, source, bypassed: `"${entry}" in ${name}` };
    }
    const { proxyUrl, auth } = parseProxyAddress(address, origin);
    const decision: ProxyDecision = { ...base, source, proxyUrl };
    const credentials = auth ?? configAuth;
    if (credentials) decision.auth = credentials;
    return decision;
  };

  if (proxy.mode === 'manual') {
    if (proxy.url === undefined) {
      throw new ConfigError('proxy.mode is manual but no proxy address is given', [], { hint: 'Set proxy.url (http://host:port) or proxy.host and proxy.port.' });
    }
    return via('manual', 'proxy.url in the config', proxy.url, []);
  }

  // system — 1. the environment
  const variable = target.protocol === 'https:' ? (envValue(deps.env, 'HTTPS_PROXY') ?? envValue(deps.env, 'HTTP_PROXY')) : envValue(deps.env, 'HTTP_PROXY');
  if (variable) {
    const noProxy = envValue(deps.env, 'NO_PROXY');
    return via(`env:${variable.name}`, `environment variable ${variable.name}`, variable.value, noProxy ? [[noProxy.name, splitBypassList(noProxy.value)]] : []);
  }
  if (deps.platform !== 'win32') return { ...base, source: 'none' };

  // 2–3. Windows
  const read = deps.readWindowsInternetSettings ?? (() => readWindowsInternetSettings({ env: deps.env }));
  let settings: WindowsInternetSettings | undefined;
  try {
    settings = await read();
  } catch (error) {
    settings = { problems: [`reading the Windows proxy settings failed: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const notes = [...(settings?.problems ?? [])];
  const withNotes = (decision: ProxyDecision): ProxyDecision => (notes.length > 0 ? { ...decision, notes: [...(decision.notes ?? []), ...notes] } : decision);
  const options = settings?.internetOptions;
  const protocol = target.protocol as 'http:' | 'https:';

  if (options?.autoConfigUrl !== undefined) {
    if (configBypass !== undefined) return withNotes({ ...base, source: `pac:${options.autoConfigUrl}`, bypassed: `"${configBypass}" in proxy.noProxy` });
    try {
      return withNotes(await fromPac(options.autoConfigUrl, target, base, deps, via));
    } catch (error) {
      // Like Windows itself: a PAC that cannot be used falls back to the manual proxy when one is enabled.
      if (!(options.proxyEnable && options.proxyServer !== undefined) || error instanceof ConfigError) throw error;
      notes.push(`${error instanceof Error ? error.message : String(error)}; used the Internet Options proxy instead`);
    }
  }
  if (options?.proxyEnable && options.proxyServer !== undefined) {
    return withNotes(fromServerList(options.proxyServer, options.proxyOverride, 'windows:ie', internetOptionsLabel(options), protocol, base, via));
  }
  if (options?.autoDetect) {
    notes.push('"Automatically detect settings" (WPAD) is on in Internet Options; sbsync does not perform WPAD discovery');
  }
  const winHttp = settings?.winHttp;
  if (winHttp?.proxyServer !== undefined) {
    return withNotes(fromServerList(winHttp.proxyServer, winHttp.bypassList, 'windows:winhttp', 'the WinHTTP proxy (netsh winhttp)', protocol, base, via));
  }
  return withNotes({ ...base, source: 'none' });
}

function internetOptionsLabel(options: InternetOptionsSettings): string {
  return `Internet Options (${options.scope === 'machine' ? 'per-machine policy, HKLM' : 'HKCU'})`;
}

function fromServerList(
  value: string,
  bypass: string | undefined,
  source: 'windows:ie' | 'windows:winhttp',
  origin: string,
  protocol: 'http:' | 'https:',
  base: Pick<ProxyDecision, 'target' | 'mode'>,
  via: Via,
): ProxyDecision {
  const picked = pickProxyServer(parseProxyServerList(value), protocol);
  if (picked === undefined) {
    return { ...base, source, notes: [`${origin} lists no proxy for ${protocol.slice(0, -1)} (${value}): direct connection`] };
  }
  if (picked.kind === 'socks') throw socksError(`socks=${picked.server}`, origin);
  const listName = source === 'windows:ie' ? 'ProxyOverride' : 'the WinHTTP bypass list';
  return via(source, origin, picked.server, [[listName, splitBypassList(bypass)]]);
}

async function fromPac(
  pacUrl: string,
  target: URL,
  base: Pick<ProxyDecision, 'target' | 'mode'>,
  deps: ProxyResolveDeps,
  via: Via,
): Promise<ProxyDecision> {
  const source: ProxySource = `pac:${pacUrl}`;
  const origin = `the PAC file ${maskUrlCredentials(pacUrl)}`;
  const timeoutMs = deps.timeoutMs ?? 15_000;
  // Loaded only here: the PAC machinery (pac-resolver, a WebAssembly JS engine) weighs ~5 MB of heap that
  // every other run would carry for nothing.
  const { evaluatePac, fetchPacScript, parsePacResult } = await import('./pac.js');
  let script: string;
  try {
    script = await (deps.fetchPac ?? ((url: string) => fetchPacScript(url, { timeoutMs })))(pacUrl);
  } catch (error) {
    throw new PortalError(`cannot load ${origin} (Internet Options, automatic configuration script): ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Check the address in Internet Options > Connections > LAN settings, or set proxy.mode: manual with the proxy the PAC file would give.',
      cause: error,
    });
  }
  let answer: string;
  try {
    answer = await evaluatePac(script, target.href, { timeoutMs, filename: pacUrl });
  } catch (error) {
    throw new PortalError(`${origin} failed to run for ${target.origin}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Ask whoever maintains the PAC file, or set proxy.mode: manual.',
      cause: error,
    });
  }
  const entries = parsePacResult(answer);
  const first = entries.find((entry) => entry.kind !== 'socks');
  if (first === undefined) {
    const socks = entries.find((entry) => entry.kind === 'socks');
    if (socks?.kind === 'socks') throw socksError(socks.server, origin);
    throw new PortalError(`${origin} gave no usable answer for ${target.origin}: "${maskUrlCredentials(answer)}"`, {
      hint: 'A PAC answer is like "PROXY host:port; DIRECT". Ask whoever maintains it, or set proxy.mode: manual.',
    });
  }
  if (first.kind === 'direct') return { ...base, source };
  return via(source, origin, first.url, []);
}

/** Where the decision came from, in words: what to check or change. */
export function proxySourceLabel(decision: ProxyDecision): string {
  const { source } = decision;
  if (source === 'manual') return 'proxy.url in the config';
  if (source === 'windows:ie') return 'Windows Internet Options';
  if (source === 'windows:winhttp') return 'the Windows WinHTTP proxy (netsh winhttp show proxy)';
  if (source.startsWith('env:')) return `environment variable ${source.slice(4)}`;
  if (source.startsWith('pac:')) return `PAC file ${maskUrlCredentials(source.slice(4))}`;
  return decision.mode === 'none' ? 'proxy.mode: none' : 'no proxy configured';
}

/** `host:port` of a proxy URL, with the scheme's default port spelled out. */
export function proxyHostPort(proxyUrl: string): string {
  const url = new URL(proxyUrl);
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** One line for messages and `check`: the route and where it came from. Never contains the password. */
export function describeProxy(decision: ProxyDecision): string {
  let text: string;
  if (decision.proxyUrl !== undefined) {
    const user = decision.auth ? ` as user "${decision.auth.user}"` : '';
    text = `through proxy ${decision.proxyUrl}${user} (from ${proxySourceLabel(decision)})`;
  } else if (decision.bypassed !== undefined) {
    text = `direct connection: ${decision.bypassed}${decision.source === 'none' ? '' : ` (proxy from ${proxySourceLabel(decision)})`}`;
  } else {
    text = `direct connection (${decision.source === 'none' ? proxySourceLabel(decision) : `from ${proxySourceLabel(decision)}`})`;
  }
  const notes = decision.notes?.length ? `; ${decision.notes.join('; ')}` : '';
  return maskUrlCredentials(text + notes);
}
