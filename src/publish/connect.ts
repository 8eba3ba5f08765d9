/**
 * From the config to a ready transport: `file:` opens the store; `https://` resolves the proxy for the
 * portal's address (none / system / manual), builds the undici dispatcher and the HTTP transport.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import type { Env } from '../env.js';
import type { Redactor } from '../redact.js';
import { openFileTransport } from './file-transport.js';
import { createHttpTransport } from './http-transport.js';
import { createDispatcher, describeProxy, resolveProxy, translateProxyError, type ProxyDecision } from './proxy/index.js';
import type { PortalTransport } from './transport.js';

export interface ConnectDeps {
  env: Env;
  platform: NodeJS.Platform;
  redactor: Redactor;
  signal?: AbortSignal;
  onRetry?: (info: { method: string; url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Retry backoff base (tests shorten it). */
  baseDelayMs?: number;
}

export interface Connection {
  transport: PortalTransport;
  /** How the portal is reached, for messages: "direct", "through proxy … (from …)", or the local folder. */
  route: string;
  proxy?: ProxyDecision;
}

export async function connectPortal(config: ResolvedConfig, deps: ConnectDeps): Promise<Connection> {
  const portal = config.portal;
  if (portal.kind === 'file') {
    const transport = await openFileTransport(portal.directory!);
    return { transport, route: `local folder ${portal.directory}` };
  }
  const timeoutMs = portal.timeoutSeconds * 1000;
  const decision = await resolveProxy(config.proxy, portal.url, { env: deps.env, platform: deps.platform, timeoutMs });
  // Credentials found in HTTPS_PROXY never passed through the config: mask them too.
  if (decision.auth) deps.redactor.add(decision.auth.password);
  const dispatcher = createDispatcher(decision, { timeoutMs });
  const route = describeProxy(decision);
  const transport = createHttpTransport(portal, {
    dispatcher,
    route,
    translateProxyError: (error) => translateProxyError(error, decision),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.onRetry ? { onRetry: deps.onRetry } : {}),
    ...(deps.baseDelayMs !== undefined ? { baseDelayMs: deps.baseDelayMs } : {}),
  });
  const close = transport.close.bind(transport);
  return { transport: { ...transport, close: async () => { await close(); await dispatcher.close(); } }, route, proxy: decision };
}
