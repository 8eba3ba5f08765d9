/** Proxy resolution for the portal client: decide (resolveProxy), connect (createDispatcher), explain. */
export { createDispatcher, basicProxyToken, type DispatcherOptions } from './dispatcher.js';
export { translateProxyError } from './errors.js';
export {
  describeProxy,
  parseProxyAddress,
  proxyHostPort,
  proxySourceLabel,
  resolveProxy,
  type ProxyAuth,
  type ProxyDecision,
  type ProxyResolveDeps,
  type ProxySource,
} from './resolve.js';
export { matchBypass, splitBypassList } from './no-proxy.js';
export type { WindowsInternetSettings, InternetOptionsSettings, WinHttpSettings } from './windows.js';
