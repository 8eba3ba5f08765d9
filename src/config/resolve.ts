/**
 * Normalisation: the validated YAML becomes one canonical, deep-frozen ResolvedConfig — defaults from the
 * schema filled in, paths made absolute (relative to the config file), `views: all` expanded.
 */
import path from 'node:path';
import { VIEW_CATALOG, type ViewGroup } from '../extract/views/catalog.js';
import { rootDefault, schemaDefault } from './schema.js';
import type { Company, Database, SbsyncConfig } from './types.generated.js';

export type ServiceName = 'dataManager' | 'businessMobile';

export interface ResolvedDatabase {
  server?: string;
  port?: number;
  authentication: 'sql' | 'ntlm';
  user?: string;
  password?: string;
  domain?: string;
  encrypt: boolean;
  trustServerCertificate: boolean;
  requestTimeoutSeconds: number;
}

export type ResolvedSource =
  | { type: 'sqlserver'; accountingDatabase: string; commercialDatabase: string; connection: ResolvedDatabase }
  | { type: 'sqlite'; path: string }
  | { type: 'demo'; path: string; scale: number; seed: number };

export interface ResolvedCompany {
  code: string;
  name: string;
  source: ResolvedSource;
  services: {
    dataManager: { accounting: boolean; commercial: boolean };
    businessMobile: { accountingViews: boolean; commercialViews: boolean };
  };
}

export interface ResolvedUser {
  name: string;
  login: string;
  password?: string;
  passwordHash?: string;
  /** Company code → view ids (`all` expanded to the views that company publishes). */
  views: Record<string, string[]>;
}

export interface ResolvedPortal {
  url: string;
  kind: 'https' | 'http' | 'file';
  /** Absolute store directory for `file:` portals. */
  directory?: string;
  dataManager?: { sageId: string; password: string };
  businessMobile?: { customerNumber: string; password: string };
  timeoutSeconds: number;
  retries: number;
}

export interface ResolvedProxy {
  mode: 'none' | 'system' | 'manual';
  url?: string;
  user?: string;
  password?: string;
  noProxy: string[];
}

export interface ResolvedSchedule {
  frequency: 'none' | 'daily' | 'workdays' | 'weekly';
  weekday?: 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
  startTime: string;
  timesPerDay: number;
  intervalHours?: number;
}

export interface ResolvedConfig {
  /** The config file (absolute), or `<embedded default>`. */
  file: string;
  baseDir: string;
  portal: ResolvedPortal;
  database: ResolvedDatabase;
  proxy: ResolvedProxy;
  schedule: ResolvedSchedule;
  companies: ResolvedCompany[];
  users: ResolvedUser[];
  journal: { path: string; retentionDays: number; maxSizeMB: number };
  /** The local replicas (src/replica/). */
  replica: { checksums: 'auto' | 'every-sync' | 'daily' };
  /** Working files: replicas, incremental state, run locks, upload spool. */
  dataDirectory: string;
}

export function viewGroupsOf(company: ResolvedCompany): ViewGroup[] {
  const groups: ViewGroup[] = [];
  if (company.services.businessMobile.accountingViews) groups.push('accounting');
  if (company.services.businessMobile.commercialViews) groups.push('commercial');
  return groups;
}

export function publishedViewIds(company: ResolvedCompany): string[] {
  const groups = viewGroupsOf(company);
  return VIEW_CATALOG.filter((v) => groups.includes(v.group)).map((v) => v.id);
}

export function usesService(company: ResolvedCompany, service: ServiceName): boolean {
  return service === 'dataManager'
    ? company.services.dataManager.accounting || company.services.dataManager.commercial
    : company.services.businessMobile.accountingViews || company.services.businessMobile.commercialViews;
}

function resolveDatabase(input: Database | undefined, base?: ResolvedDatabase): ResolvedDatabase {
  const d = (key: keyof Database) => schemaDefault<never>('Database', key);
  const merged: ResolvedDatabase = {
    authentication: input?.authentication ?? base?.authentication ?? d('authentication'),
    encrypt: input?.encrypt ?? base?.encrypt ?? d('encrypt'),
    trustServerCertificate: input?.trustServerCertificate ?? base?.trustServerCertificate ?? d('trustServerCertificate'),
    requestTimeoutSeconds: input?.requestTimeoutSeconds ?? base?.requestTimeoutSeconds ?? d('requestTimeoutSeconds'),
  };
  for (const key of ['server', 'port', 'user', 'password', 'domain'] as const) {
    const value = input?.[key] ?? base?.[key];
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function resolveSource(company: Company, baseDir: string, database: ResolvedDatabase): ResolvedSource {
  const source = company.source;
  switch (source.type) {
    case 'sqlserver':
      return {
        type: 'sqlserver',
        accountingDatabase: source.accountingDatabase,
        commercialDatabase: source.commercialDatabase ?? source.accountingDatabase,
        connection: resolveDatabase(source.connection, database),
      };
    case 'sqlite':
      return { type: 'sqlite', path: path.resolve(baseDir, source.path) };
    case 'demo':
      return {
        type: 'demo',
        path: path.resolve(baseDir, source.path ?? schemaDefault<string>('DemoSource', 'path')),
        scale: source.scale ?? schemaDefault<number>('DemoSource', 'scale'),
        seed: source.seed ?? schemaDefault<number>('DemoSource', 'seed'),
      };
  }
}

export function portalKind(url: string): ResolvedPortal['kind'] {
  if (url.startsWith('file:')) return 'file';
  return url.startsWith('https:') ? 'https' : 'http';
}

/** `file:DIR`, `file:///abs/dir` or `file:C:\dir` → absolute directory. */
export function fileUrlDirectory(url: string, baseDir: string): string {
  const rest = url.slice('file:'.length);
  if (rest.startsWith('//')) return decodeURIComponent(new URL(url).pathname);
  return path.resolve(baseDir, rest);
}

function proxyUrl(input: NonNullable<SbsyncConfig['proxy']>): string | undefined {
  if (input.url !== undefined) return input.url;
  if (input.host === undefined) return undefined;
  const host = input.host.includes(':') && !input.host.startsWith('[') ? `[${input.host}]` : input.host;
  return `http://${host}:${input.port ?? 8080}`;
}

export function resolveConfig(config: SbsyncConfig, file: string, baseDir: string): ResolvedConfig {
  const database = resolveDatabase(config.database);
  const companies: ResolvedCompany[] = config.companies.map((company) => ({
    code: company.code,
    name: company.name ?? company.code,
    source: resolveSource(company, baseDir, database),
    services: {
      dataManager: {
        accounting: company.services.dataManager?.accounting ?? false,
        commercial: company.services.dataManager?.commercial ?? false,
      },
      businessMobile: {
        accountingViews: company.services.businessMobile?.accountingViews ?? false,
        commercialViews: company.services.businessMobile?.commercialViews ?? false,
      },
    },
  }));

  const users: ResolvedUser[] = (config.users ?? []).map((user) => {
    const views: Record<string, string[]> = {};
    for (const [code, list] of Object.entries(user.views)) {
      const company = companies.find((c) => c.code === code);
      views[code] = list === 'all' ? (company ? publishedViewIds(company) : []) : [...list];
    }
    const resolved: ResolvedUser = { name: user.name, login: user.login, views };
    if (user.password !== undefined) resolved.password = user.password;
    if (user.passwordHash !== undefined) resolved.passwordHash = user.passwordHash;
    return resolved;
  });

  const kind = portalKind(config.portal.url);
  const portal: ResolvedPortal = {
    url: config.portal.url,
    kind,
    timeoutSeconds: config.portal.timeoutSeconds ?? schemaDefault<number>('Portal', 'timeoutSeconds'),
    retries: config.portal.retries ?? schemaDefault<number>('Portal', 'retries'),
  };
  if (kind === 'file') portal.directory = fileUrlDirectory(config.portal.url, baseDir);
  if (config.portal.dataManager) portal.dataManager = { ...config.portal.dataManager };
  if (config.portal.businessMobile) portal.businessMobile = { ...config.portal.businessMobile };

  const proxy: ResolvedProxy = { mode: config.proxy?.mode ?? schemaDefault('Proxy', 'mode'), noProxy: [...(config.proxy?.noProxy ?? [])] };
  if (config.proxy && proxy.mode === 'manual') {
    const url = proxyUrl(config.proxy);
    if (url !== undefined) proxy.url = url;
  }
  // Credentials also serve a proxy found by `system` (environment, Windows settings, PAC) that carries none.
  if (config.proxy && proxy.mode !== 'none') {
    if (config.proxy.user !== undefined) proxy.user = config.proxy.user;
    if (config.proxy.password !== undefined) proxy.password = config.proxy.password;
  }

  const schedule: ResolvedSchedule = {
    frequency: config.schedule?.frequency ?? 'none',
    startTime: config.schedule?.startTime ?? schemaDefault<string>('Schedule', 'startTime'),
    timesPerDay: config.schedule?.timesPerDay ?? schemaDefault<number>('Schedule', 'timesPerDay'),
  };
  if (config.schedule?.weekday !== undefined) schedule.weekday = config.schedule.weekday;
  if (config.schedule?.intervalHours !== undefined) schedule.intervalHours = config.schedule.intervalHours;

  return deepFreeze({
    file,
    baseDir,
    portal,
    database,
    proxy,
    schedule,
    companies,
    users,
    dataDirectory: path.resolve(baseDir, config.dataDirectory ?? rootDefault<string>('dataDirectory')),
    replica: { checksums: config.replica?.checksums ?? schemaDefault<'auto' | 'every-sync' | 'daily'>('Replica', 'checksums') },
    journal: {
      path: path.resolve(baseDir, config.journal?.path ?? schemaDefault<string>('Journal', 'path')),
      retentionDays: config.journal?.retentionDays ?? schemaDefault<number>('Journal', 'retentionDays'),
      maxSizeMB: config.journal?.maxSizeMB ?? schemaDefault<number>('Journal', 'maxSizeMB'),
    },
  });
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
