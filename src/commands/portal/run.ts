/** `portal serve`: the reference portal on a store directory, until Ctrl-C / SIGTERM. */
import path from 'node:path';
import type { CommandDeps } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { PublisherAccounts } from '../../portal/accounts.js';

export interface PortalServeOptions {
  store?: string;
  host: string;
  port: number;
  accounts?: string;
}

export interface PortalServeResult {
  url: string;
  store: string;
  accounts: { dataManager: number; businessMobile: number; from: string };
  stopped: string;
}

export function resolvePortalServeOptions(raw: { store?: string; host?: string; port?: number; accounts?: string }): PortalServeOptions {
  const port = raw.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number 0–65535 (got ${String(raw.port)})`);
  return { host: raw.host ?? '127.0.0.1', port, ...(raw.store ? { store: raw.store } : {}), ...(raw.accounts ? { accounts: raw.accounts } : {}) };
}

async function storeDirectory(options: PortalServeOptions, deps: CommandDeps): Promise<string> {
  if (options.store) return path.resolve(deps.cwd, options.store);
  const config = await deps.loadConfig();
  if (config.portal.directory) return config.portal.directory;
  throw new UsageError('give the store directory with --store DIR', { hint: `The config's portal is ${config.portal.url}, not a file: directory to serve.` });
}

async function publisherAccounts(options: PortalServeOptions, store: string, deps: CommandDeps): Promise<{ accounts: PublisherAccounts; from: string }> {
  const { loadPortalAccounts, accountsFromCredentials } = await import('../../portal/accounts.js');
  const file = options.accounts ? path.resolve(deps.cwd, options.accounts) : path.join(store, 'accounts.json');
  if (options.accounts || (await deps.fileExists(file))) return { accounts: await loadPortalAccounts(file), from: file };
  // Without an accounts file, accept the publisher credentials of the config (one machine, trials, tests).
  const { choice, result } = await deps.inspectConfig().catch(() => ({ choice: undefined, result: undefined }));
  const portal = result?.config?.portal;
  if (choice && portal && (portal.dataManager || portal.businessMobile)) {
    return { accounts: await accountsFromCredentials({ ...(portal.dataManager ? { dataManager: portal.dataManager } : {}), ...(portal.businessMobile ? { businessMobile: portal.businessMobile } : {}) }), from: 'the credentials of the config' };
  }
  return { accounts: { dataManager: [], businessMobile: [] }, from: 'none' };
}

export async function runPortalServe(options: PortalServeOptions, deps: CommandDeps): Promise<PortalServeResult> {
  const store = await storeDirectory(options, deps);
  const { openStore } = await import('../../portal/store.js');
  const { startPortalServer } = await import('../../portal/server.js');
  const { loadDashboard } = await import('../../portal/dashboard/handler.js');
  const dashboard = await loadDashboard();
  const { accounts, from } = await publisherAccounts(options, store, deps);
  if (accounts.dataManager.length + accounts.businessMobile.length === 0) {
    deps.logger.warn(`no publisher account (no ${path.join(store, 'accounts.json')}, no credentials in the config): publications will be refused; mobile users can still read.`);
  }
  const server = await startPortalServer({
    store: await openStore({ root: store }),
    accounts,
    host: options.host,
    port: options.port,
    handleOtherRequest: dashboard.handle,
    log: (entry) => {
      const line = `${entry.method ? `${entry.method} ${entry.path ?? ''} ${entry.status ?? ''} ` : ''}${entry.message}`;
      if (entry.level === 'error') deps.logger.error(line);
      else if (entry.level === 'warn') deps.logger.warn(line);
      else deps.logger.verbose(line);
    },
  });
  deps.logger.info(`Portal listening on ${server.url} (store ${store}); mobile dashboard at ${server.url}/; Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    if (deps.signal.aborted) resolve();
    else deps.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  deps.logger.info('Stopping: finishing requests in flight…');
  await server.close();
  return { url: server.url, store, accounts: { dataManager: accounts.dataManager.length, businessMobile: accounts.businessMobile.length, from }, stopped: 'signal' };
}
