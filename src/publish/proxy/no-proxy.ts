/**
 * Bypass lists: which hosts are reached directly although a proxy is configured. One matcher serves the
 * config's `proxy.noProxy`, the NO_PROXY environment variable, Internet Options' ProxyOverride and the
 * WinHTTP bypass list, so the same entry means the same thing wherever it was written.
 *
 * Entry syntax (case-insensitive; see docs/proxy.md):
 *   `*`                   every host
 *   `example.com`         that host and its subdomains
 *   `.example.com`        the same (a leading dot, or `*.`, is how NO_PROXY usually spells a suffix)
 *   `*.example.com`, `10.*`, `*corp*`   wildcards anywhere (Windows ProxyOverride style)
 *   `<local>`             plain host names without a dot (Windows ProxyOverride)
 *   `10.0.0.0/8`, `fd00::/8`           IP ranges
 *   `192.168.1.10`, `::1`, `[::1]`     one IP address
 *   any of the host forms followed by `:port`: only that port
 * localhost, *.localhost, 127.0.0.0/8 and ::1 are always reached directly, whatever the lists say.
 */
import { BlockList, isIP } from 'node:net';

/** Splits NO_PROXY / ProxyOverride text on commas, semicolons and whitespace. */
export function splitBypassList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(/[\s,;]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** The target's host name as compared: lower case, no IPv6 brackets, no trailing dot. */
export function targetHost(target: URL): string {
  return target.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

export function targetPort(target: URL): number {
  if (target.port !== '') return Number(target.port);
  return target.protocol === 'https:' ? 443 : 80;
}

/** localhost, *.localhost and loopback addresses never go through a proxy. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family === 6) return loopback6.check(host, 'ipv6') || host === '::ffff:127.0.0.1';
  return false;
}
const loopback6 = new BlockList();
loopback6.addAddress('::1', 'ipv6');

function splitPort(entry: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return bracketed[2] === undefined ? { host: bracketed[1]! } : { host: bracketed[1]!, port: Number(bracketed[2]) };
  // A bare IPv6 address has several colons and no port.
  if ((entry.match(/:/g) ?? []).length === 1) {
    const [host, port] = entry.split(':') as [string, string];
    if (/^\d+$/.test(port)) return { host, port: Number(port) };
  }
  return { host: entry };
}

function matchesHost(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern === '<local>') return !host.includes('.') && isIP(host) === 0;
  if (pattern.includes('/')) {
    const [base, bits] = pattern.split('/') as [string, string];
    const family = isIP(base);
    const hostFamily = isIP(host);
    if (family === 0 || hostFamily !== family || !/^\d+$/.test(bits)) return false;
    const range = new BlockList();
    const type = family === 4 ? 'ipv4' : 'ipv6';
    try {
      range.addSubnet(base, Number(bits), type);
    } catch {
      return false;
    }
    return range.check(host, type);
  }
  if (pattern.includes('*')) {
    const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
    return regex.test(host);
  }
  const suffix = pattern.startsWith('.') ? pattern.slice(1) : pattern;
  if (isIP(suffix) !== 0) return host === suffix;
  return host === suffix || host.endsWith(`.${suffix}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** The first entry of `entries` that sends `target` direct, or undefined. */
export function matchBypass(target: URL, entries: readonly string[]): string | undefined {
  const host = targetHost(target);
  const port = targetPort(target);
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const { host: pattern, port: entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (matchesHost(pattern.replace(/\.$/, ''), host)) return raw.trim();
  }
  return undefined;
}
