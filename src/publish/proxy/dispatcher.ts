/**
 * The undici Dispatcher for a proxy decision. undici is the one HTTP stack (style rule 20): proxy-agent
 * builds a Node http.Agent, which undici cannot use, so its family is used only to *decide* (pac-resolver
 * evaluates PAC files) and undici's own ProxyAgent carries the traffic:
 *
 * - direct: an `Agent`;
 * - proxy: a `ProxyAgent` with Basic credentials in `token`, sent on the CONNECT request only. Every portal
 *   URL, https:// and http:// alike, goes through a CONNECT tunnel: whatever the proxy answers then comes
 *   on the CONNECT, so a proxy's refusal (407, or tinyproxy's 401 for wrong credentials) can never be
 *   mistaken for the portal's own 401, and the portal's Authorization header never passes through the
 *   proxy's request parser. The cost: a proxy that allows CONNECT to port 443 only cannot reach an
 *   http:// portal on another port (docs/proxy.md) — production portals are https:// on 443.
 */
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { ProxyAuth, ProxyDecision } from './resolve.js';

export interface DispatcherOptions {
  /** Connect, response-headers and body-inactivity timeout. */
  timeoutMs: number;
  /**
   * Extra trusted certificate authorities (PEM), added to Node's bundled roots — e.g. a corporate proxy's
   * TLS-inspection root. Prefer NODE_EXTRA_CA_CERTS, which Node applies when `ca` is not given.
   */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

/** The `Proxy-Authorization` value for Basic authentication (user and password as UTF-8). */
export function basicProxyToken(auth: ProxyAuth): string {
  return `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
}

export function createDispatcher(decision: ProxyDecision, options: DispatcherOptions): Dispatcher {
  const timeout = options.timeoutMs;
  const tls = options.ca === undefined ? {} : { ca: [...rootCertificates, ...(Array.isArray(options.ca) ? options.ca : [options.ca])] };
  const timeouts = { headersTimeout: timeout, bodyTimeout: timeout };
  if (decision.proxyUrl === undefined) return new Agent({ ...timeouts, connect: { timeout, ...tls } });

  return new ProxyAgent({
    uri: decision.proxyUrl,
    ...(decision.auth ? { token: basicProxyToken(decision.auth) } : {}),
    ...timeouts,
    // The connection to the proxy, and (through the tunnel) the TLS session with the portal.
    proxyTls: { timeout, ...tls },
    requestTls: { timeout, ...tls },
  });
}
