/**
 * Proxy failures in the user's terms. undici reports them in its own words — a refusal on CONNECT is
 * "Proxy response (407) !== 200 when HTTP Tunneling", an unreachable proxy a bare ECONNREFUSED — so the
 * HTTP client hands every failure to translateProxyError() first and keeps its own message when it
 * returns undefined.
 */
import { AuthError, PortalError, type SbsyncError } from '../../errors.js';
import { proxyHostPort, proxySourceLabel, type ProxyDecision } from './resolve.js';

/** Errors of the connect phase: when a proxy is used, every TCP connection goes to the proxy. */
const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS unavailable)',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function chain(error: unknown): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 20) {
    const item = queue.shift();
    if (item === null || typeof item !== 'object' || seen.includes(item as Record<string, unknown>)) continue;
    const record = item as Record<string, unknown>;
    seen.push(record);
    queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[]));
  }
  return seen;
}

function sourceHint(decision: ProxyDecision): string {
  const { source } = decision;
  if (source === 'manual') return 'Check proxy.url (or proxy.host and proxy.port) in the config and that the proxy is running.';
  if (source.startsWith('env:')) {
    return `Check ${source.slice(4)} in the environment of the account running sbsync (set for the session, the user or the machine), or set proxy.mode: manual in the config.`;
  }
  if (source === 'windows:ie') return 'Check Internet Options > Connections > LAN settings of the account running sbsync, or set proxy.mode: manual in the config.';
  if (source === 'windows:winhttp') {
    return 'Check `netsh winhttp show proxy` (change it with `netsh winhttp set proxy` or `netsh winhttp import proxy source=ie`), or set proxy.mode: manual in the config.';
  }
  return 'The PAC file chose this proxy; ask whoever maintains it, or set proxy.mode: manual in the config.';
}

function authHint(decision: ProxyDecision): string {
  const where = decision.source.startsWith('env:')
    ? `the user:password in ${decision.source.slice(4)} (URL-encoded), or proxy.user and proxy.password in the config`
    : 'proxy.user and proxy.password in the config';
  return `Check ${where}. sbsync sends Basic authentication; a proxy that accepts only NTLM or Kerberos needs a local relay such as cntlm or px (see docs/proxy.md).`;
}

/**
 * The user-facing error for a failure caused by the proxy in `decision`, or undefined when the failure
 * is not the proxy's (or no proxy is used): then the caller reports it as a portal failure.
 */
export function translateProxyError(error: unknown, decision: ProxyDecision): SbsyncError | undefined {
  if (decision.proxyUrl === undefined) return undefined;
  const proxy = proxyHostPort(decision.proxyUrl);
  const from = proxySourceLabel(decision);
  const errors = chain(error);

  for (const e of errors) {
    const message = typeof e.message === 'string' ? e.message : '';
    const tunnel = /Proxy response \((\d{3})\) !== 200/.exec(message);
    if (tunnel) {
      const status = Number(tunnel[1]);
      // 407 is the standard refusal; tinyproxy answers 401 to wrong credentials. On a CONNECT both are the proxy's.
      if (status === 407 || status === 401) {
        const who = decision.auth
          ? `refused the credentials of user "${decision.auth.user}"`
          : 'requires authentication and no proxy user is configured';
        return new AuthError(`the proxy ${proxy} (from ${from}) ${who} (HTTP ${status}) for ${decision.target}`, { hint: authHint(decision), cause: error });
      }
      const hint =
        status === 403
          ? `The proxy forbids ${decision.target} (its filtering rules, or CONNECT to that port is not allowed); ask the proxy's administrators to allow it.`
          : status >= 500
            ? `The proxy could not reach ${decision.target}: check portal.url, then ask the proxy's administrators; run again later if it is temporary.`
            : `Check the proxy settings (${from}).`;
      return new PortalError(`the proxy ${proxy} (from ${from}) refused to open a connection to ${decision.target} (HTTP ${status})`, { hint, cause: error });
    }
    if (e.code === 'UND_ERR_PRX_TLS') {
      return new PortalError(`TLS failure with the proxy ${proxy} (from ${from}): ${message}`, {
        hint: 'The proxy address is https:// but its certificate does not match; check the address (most proxies are http://).',
        cause: error,
      });
    }
  }
  for (const e of errors) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code !== undefined && code in CONNECT_CODES) {
      return new PortalError(`cannot reach the proxy ${proxy} (from ${from}): ${CONNECT_CODES[code]} (${code})`, { hint: sourceHint(decision), cause: error });
    }
  }
  return undefined;
}
