/**
 * A publication run: for each selected company, under its lock — the company's replica brought level with
 * its Sage databases first, then, from the replica, Business Mobile views and Data Manager tables, each
 * extracted → spooled (gzip NDJSON) → uploaded → committed atomically, and the consistency checks of the Sage
 * data (warnings, never failures).
 * One company failing never stops the others; Data Manager's incremental state advances only after the
 * portal committed; Ctrl-C aborts the open publication and leaves the previous one in place.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedCompany, ResolvedConfig } from '../config/resolve.js';
import { publishedViewIds, usesService } from '../config/resolve.js';
import { ExitCode, InterruptedError, isSbsyncError, UsageError } from '../errors.js';
import type { ViewGroup } from '../extract/views/catalog.js';
import type { SqlSource } from '../sources/source.js';
import { CompanySources } from '../replica/company-sources.js';
import type { TableSyncResult } from '../replica/sync-table.js';
import type { Journal, JournalEvent } from '../journal/index.js';
import type { Logger } from '../logger.js';
import type { PortalUser } from '../portal/store.js';
import type { ConsistencyWarning } from '../extract/checks/checks.js';
import { acquireRunLock } from './run-lock.js';
import { removeSpool, spoolBlocks, spoolDataset, type SpooledDataset } from './spool.js';
import { formatBytes, formatCount, type Progress } from './progress.js';
import { readViewsMarker, viewsKey, writeViewsMarker } from './views-marker.js';
import type { Connection } from './connect.js';
import type { PortalTransport } from './transport.js';

export type ServiceKey = 'data-manager' | 'business-mobile';

export interface PublishRunOptions {
  companies: string[];
  service?: ServiceKey;
  views: string[];
  full: boolean;
  dryRun: boolean;
  asOf: string;
  strict: boolean;
}

export interface ErrorReport {
  code: string;
  message: string;
  hint?: string;
  exitCode: number;
}

export interface DatasetReport {
  name: string;
  rows: number;
  deleted?: number;
  /** Decoded NDJSON bytes. */
  bytes: number;
  /** Gzip bytes sent. */
  storedBytes: number;
}

export interface ServiceReport {
  service: ServiceKey;
  status: 'published' | 'up-to-date' | 'dry-run' | 'failed';
  mode?: 'full' | 'incremental';
  publicationId?: string;
  datasets: DatasetReport[];
  durationMs: number;
  error?: ErrorReport;
}

export interface CompanyReport {
  company: string;
  name: string;
  /** ✓ published, ⚠ published with consistency warnings, ✗ failed (the seed's symbols). */
  status: 'published' | 'warnings' | 'failed' | 'dry-run';
  services: ServiceReport[];
  warnings: { count: number; items: ConsistencyWarning[] };
  error?: ErrorReport;
  durationMs: number;
}

export interface PublishResult {
  runId: string;
  dryRun: boolean;
  asOf: string;
  portal: string;
  route?: string;
  companies: CompanyReport[];
  users?: { pushed: number };
  totals: { rows: number; bytes: number; storedBytes: number; durationMs: number };
  exitCode: number;
}

export interface PublishDeps {
  config: ResolvedConfig;
  /** Opens the portal (not called for a dry run). */
  connect: () => Promise<Connection>;
  journal: Journal;
  logger: Logger;
  progress: Progress;
  signal: AbortSignal;
  now: () => Date;
  pid: number;
  /** Hashes a mobile user's password (scrypt, salted). */
  hashPassword: (password: string) => Promise<string>;
  /** sbsync's version: views computed by another version are computed again. */
  version?: string;
}

const WARNINGS_KEPT = 20;

export function errorReport(error: unknown): ErrorReport {
  if (isSbsyncError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), exitCode: error.exitCode };
  return { code: 'bug', message: error instanceof Error ? error.message : String(error), exitCode: ExitCode.bug };
}

export function selectCompanies(config: ResolvedConfig, codes: readonly string[], service: ServiceKey | undefined): ResolvedCompany[] {
  for (const code of codes) {
    if (!config.companies.some((c) => c.code === code)) {
      throw new UsageError(`--company ${code}: no such company in the config`, { hint: `Companies: ${config.companies.map((c) => c.code).join(', ')}.` });
    }
  }
  const chosen = codes.length > 0 ? config.companies.filter((c) => codes.includes(c.code)) : [...config.companies];
  const publishing = chosen.filter((c) => servicesOf(c, service).length > 0);
  if (publishing.length === 0) {
    throw new UsageError(`nothing to publish: ${codes.length > 0 ? codes.join(', ') : 'no company'} publishes ${service ?? 'any service'}`, {
      hint: 'Enable the service under companies[].services in the config.',
    });
  }
  return publishing;
}

function servicesOf(company: ResolvedCompany, only: ServiceKey | undefined): ServiceKey[] {
  const services: ServiceKey[] = [];
  if (usesService(company, 'businessMobile') && only !== 'data-manager') services.push('business-mobile');
  if (usesService(company, 'dataManager') && only !== 'business-mobile') services.push('data-manager');
  return services;
}

export async function publish(options: PublishRunOptions, deps: PublishDeps): Promise<PublishResult> {
  const { config, journal, logger } = deps;
  const started = deps.now().getTime();
  const companies = selectCompanies(config, options.companies, options.service);
  await journal.write({
    level: 'info',
    event: 'run-start',
    message: `${options.dryRun ? 'Dry run' : 'Publication'} of ${companies.map((c) => c.code).join(', ')} (as of ${options.asOf})`,
    details: { companies: companies.map((c) => c.code), dryRun: options.dryRun, full: options.full, asOf: options.asOf, ...(options.service ? { service: options.service } : {}) },
  });

  const result: PublishResult = {
    runId: journal.runId,
    dryRun: options.dryRun,
    asOf: options.asOf,
    portal: config.portal.kind === 'file' ? `file:${config.portal.directory}` : config.portal.url,
    companies: [],
    totals: { rows: 0, bytes: 0, storedBytes: 0, durationMs: 0 },
    exitCode: ExitCode.ok,
  };

  let connection: Connection | undefined;
  let connectionError: unknown;
  if (!options.dryRun) {
    try {
      connection = await deps.connect();
      result.route = connection.route;
      logger.verbose(`portal: ${connection.transport.address} (${connection.route})`);
    } catch (error) {
      connectionError = error;
    }
  }
  const usersPush = new UsersPush(config, deps);

  try {
    for (const company of companies) {
      if (deps.signal.aborted) break;
      const report = connectionError
        ? failedCompany(company, connectionError, servicesOf(company, options.service))
        : await publishCompany(company, options, deps, connection?.transport, usersPush);
      if (report.error || report.services.some((s) => s.error)) {
        const error = report.error ?? report.services.find((s) => s.error)!.error!;
        await journal.write({ level: 'error', event: 'publication-failed', company: company.code, message: error.message, details: { ...(error.hint ? { hint: error.hint } : {}), code: error.code } });
      }
      result.companies.push(report);
    }
  } finally {
    await connection?.transport.close().catch(() => undefined);
  }
  if (usersPush.pushed !== undefined) result.users = { pushed: usersPush.pushed };

  for (const company of result.companies) {
    for (const service of company.services) {
      for (const d of service.datasets) {
        result.totals.rows += d.rows;
        result.totals.bytes += d.bytes;
        result.totals.storedBytes += d.storedBytes;
      }
    }
  }
  result.totals.durationMs = deps.now().getTime() - started;
  result.exitCode = exitCodeOf(result, options, deps.signal.aborted);
  if (deps.signal.aborted) {
    await journal.write({ level: 'error', event: 'interrupted', message: 'Interrupted (Ctrl-C or stop request): open publications were aborted; what was committed before stays published.' });
  }
  await journal.write({ level: result.exitCode === ExitCode.ok ? 'info' : 'error', event: 'run-end', message: `Finished with exit code ${result.exitCode}`, durationMs: result.totals.durationMs, details: { exitCode: result.exitCode } });
  await journal.flush();
  return result;
}

function exitCodeOf(result: PublishResult, options: PublishRunOptions, interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted;
  const failures = result.companies.flatMap((c) => [c.error, ...c.services.map((s) => s.error)]).filter((e): e is ErrorReport => e !== undefined);
  if (failures.length > 0) return failures.every((e) => e.exitCode === ExitCode.auth) ? ExitCode.auth : ExitCode.failed;
  if (options.strict && result.companies.some((c) => c.warnings.count > 0)) return ExitCode.warnings;
  return ExitCode.ok;
}

function failedCompany(company: ResolvedCompany, error: unknown, services: ServiceKey[]): CompanyReport {
  const report = errorReport(error);
  return {
    company: company.code,
    name: company.name,
    status: 'failed',
    services: services.map((service) => ({ service, status: 'failed', datasets: [], durationMs: 0, error: report })),
    warnings: { count: 0, items: [] },
    durationMs: 0,
  };
}

/** Mobile users are pushed once per run, before the first Business Mobile commit. */
class UsersPush {
  pushed: number | undefined;
  #done: Promise<void> | undefined;
  constructor(
    private readonly config: ResolvedConfig,
    private readonly deps: PublishDeps,
  ) {}

  ensure(transport: PortalTransport): Promise<void> {
    this.#done ??= (async () => {
      const users: PortalUser[] = [];
      for (const user of this.config.users) {
        const passwordHash = user.passwordHash ?? (await this.deps.hashPassword(user.password!));
        users.push({ login: user.login, name: user.name, passwordHash, views: { ...user.views } });
      }
      await transport.putUsers(users);
      this.pushed = users.length;
      this.deps.logger.verbose(`users: ${users.length} pushed to the portal`);
    })();
    return this.#done;
  }
}

/**
 * The consistency checks of a company, run once. They read the whole database, so they start as soon as the
 * run knows it publishes something: with the company for a full or Business Mobile publication, when an
 * incremental one finds its first changed table; their statements then run on other threads (or the server)
 * while the data is extracted, instead of after it (0.6 s of a full 1M-line publication). A run where every
 * service is up to date never starts them.
 */
class CompanyChecks {
  #running: Promise<ConsistencyWarning[]> | undefined;
  constructor(
    private readonly company: ResolvedCompany,
    private readonly options: PublishRunOptions,
    private readonly replica: SqlSource,
    private readonly signal: AbortSignal,
  ) {}

  get started(): boolean {
    return this.#running !== undefined;
  }

  start(): void {
    if (this.#running) return;
    this.#running = consistencyWarnings(this.company, this.options, this.replica, this.signal);
    this.#running.catch(() => undefined); // observed by warnings() or settled()
  }

  warnings(): Promise<ConsistencyWarning[]> {
    this.start();
    return this.#running as Promise<ConsistencyWarning[]>;
  }

  /** Resolves once nothing of the checks runs any more (before the replica is closed). */
  async settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }
}

async function publishCompany(
  company: ResolvedCompany,
  options: PublishRunOptions,
  deps: PublishDeps,
  transport: PortalTransport | undefined,
  usersPush: UsersPush,
): Promise<CompanyReport> {
  const started = deps.now().getTime();
  const { journal, progress } = deps;
  const report: CompanyReport = { company: company.code, name: company.name, status: options.dryRun ? 'dry-run' : 'published', services: [], warnings: { count: 0, items: [] }, durationMs: 0 };
  const services = servicesOf(company, options.service);
  const write = (event: Omit<JournalEvent, 'company'>) => journal.write({ ...event, company: company.code });

  let lock;
  try {
    lock = await acquireRunLock(path.join(deps.config.dataDirectory, 'locks'), company.code, { runId: journal.runId, command: 'publish' }, { pid: deps.pid, now: deps.now });
  } catch (error) {
    report.status = 'failed';
    report.error = errorReport(error);
    return report;
  }
  let replica: SqlSource | undefined;
  let checks: CompanyChecks | undefined;
  const spoolRoot = path.join(deps.config.dataDirectory, 'spool', journal.runId, company.code);
  try {
    if (lock.tookOverFrom) {
      const h = lock.tookOverFrom;
      await write({ level: 'warning', event: 'lock-taken-over', message: `Took over the lock of a run that died (process ${h.pid}, run ${h.runId}, since ${h.since})` });
    }
    await write({ level: 'info', event: 'company-start', message: `${company.code} (${company.name}): ${services.join(', ')}` });
    const synced = await syncCompanyReplica(company, options, deps, write);
    replica = synced.replica;
    checks = new CompanyChecks(company, options, replica, deps.signal);
    // A full publication publishes whatever changed; otherwise a service starts the checks when it publishes.
    if (options.full) checks.start();

    for (const service of services) {
      if (deps.signal.aborted) break;
      const serviceStarted = deps.now().getTime();
      const spoolDir = path.join(spoolRoot, service);
      let serviceReport: ServiceReport;
      try {
        serviceReport =
          service === 'business-mobile'
            ? await publishViews(company, options, deps, transport, usersPush, { replica, dataVersion: synced.dataVersion, spoolDir }, () => checks?.start())
            : await publishTables(company, options, deps, transport, replica, spoolDir, () => checks?.start());
      } catch (error) {
        serviceReport = { service, status: 'failed', datasets: [], durationMs: 0, error: errorReport(deps.signal.aborted ? new InterruptedError('interrupted', { cause: error }) : error) };
      } finally {
        await removeSpool(spoolDir).catch(() => undefined);
      }
      serviceReport.durationMs = deps.now().getTime() - serviceStarted;
      report.services.push(serviceReport);
      const rows = serviceReport.datasets.reduce((n, d) => n + d.rows, 0);
      const sent = serviceReport.datasets.reduce((n, d) => n + d.storedBytes, 0);
      if (serviceReport.error) progress.done('fail', `${company.code} ${service}: ${serviceReport.error.message}`);
      else {
        const size = service === 'business-mobile' ? `${serviceReport.datasets.length} views` : `${formatCount(rows)} rows`;
        const what = serviceReport.status === 'up-to-date' ? 'already up to date' : `${size}, ${formatBytes(sent)}${serviceReport.mode ? ` (${serviceReport.mode})` : ''}`;
        progress.done('ok', `${company.code} ${service}: ${options.dryRun ? 'dry run, ' : ''}${what}`);
      }
    }

    // The checks read the whole database: when every service found nothing new to publish, the data is
    // what the last run already checked, so they are skipped (a no-change run stays fast).
    if (!deps.signal.aborted && (checks.started || report.services.some((s) => s.status !== 'up-to-date'))) {
      progress.update(`${company.code}: consistency checks`);
      const warnings = await checks.warnings();
      report.warnings = { count: warnings.length, items: warnings.slice(0, WARNINGS_KEPT) };
      for (const w of warnings) {
        await write({ level: 'warning', event: 'consistency-warning', table: w.table, message: w.message, details: { code: w.code, key: w.key } });
      }
      if (warnings.length > 0) progress.done('warn', `${company.code}: ${warnings.length} consistency warning${warnings.length > 1 ? 's' : ''} in the Sage data`);
    } else {
      deps.logger.verbose(`${company.code}: nothing changed since the last publication; consistency checks skipped`);
    }
    if (report.services.some((s) => s.error)) report.status = 'failed';
    else if (!options.dryRun && report.warnings.count > 0) report.status = 'warnings';
  } catch (error) {
    report.status = 'failed';
    report.error = errorReport(error);
    progress.done('fail', `${company.code}: ${report.error.message}`);
  } finally {
    await checks?.settled();
    await replica?.close();
    await removeSpool(spoolRoot).catch(() => undefined);
    await lock.release().catch(() => undefined);
    report.durationMs = deps.now().getTime() - started;
  }
  return report;
}

function groupsOf(company: ResolvedCompany, options: PublishRunOptions): ViewGroup[] {
  const s = company.services;
  const groups = new Set<ViewGroup>();
  const dm = options.service !== 'business-mobile';
  const bm = options.service !== 'data-manager';
  if ((dm && s.dataManager.accounting) || (bm && s.businessMobile.accountingViews)) groups.add('accounting');
  if ((dm && s.dataManager.commercial) || (bm && s.businessMobile.commercialViews)) groups.add('commercial');
  return [...groups];
}

async function consistencyWarnings(company: ResolvedCompany, options: PublishRunOptions, replica: SqlSource, signal: AbortSignal): Promise<ConsistencyWarning[]> {
  const { runConsistencyChecks } = await import('../extract/checks/checks.js');
  const groups = groupsOf(company, options);
  return groups.length > 0 ? runConsistencyChecks(replica, { groups, signal }) : [];
}

// ── Replica ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Brings the company's replica level with its Sage databases (generating the demo on first use), closes them,
 * and opens the replica, which everything after reads. The journal gets one line for the sync and one per
 * table it changed (an unchanged table says nothing, run after run).
 */
async function syncCompanyReplica(
  company: ResolvedCompany,
  options: PublishRunOptions,
  deps: PublishDeps,
  write: (event: Omit<JournalEvent, 'company'>) => Promise<void>,
): Promise<{ replica: SqlSource; dataVersion: string }> {
  const { syncReplica } = await import('../replica/sync.js');
  const { describeTableSync, SyncProgressText } = await import('../replica/describe.js');
  const progress = new SyncProgressText();
  const { openReplicaSource } = await import('../sources/sqlite.js');
  const sources = new CompanySources(company, options.asOf);
  const synced: TableSyncResult[] = [];
  const journalTables = async (): Promise<void> => {
    for (const r of synced) {
      if (r.action === 'unchanged' || r.action === 'missing') continue;
      await write({ level: 'info', event: 'replica-table-synced', table: r.table, message: describeTableSync(r), counts: { rows: r.rowCount, read: r.rowsRead, inserted: r.inserted, updated: r.updated, deleted: r.deleted }, durationMs: r.ms });
    }
  };
  let result;
  try {
    result = await syncReplica({
      company,
      dataDirectory: deps.config.dataDirectory,
      openSource: (module) => sources.get(module),
      checksums: deps.config.replica.checksums,
      now: deps.now,
      signal: deps.signal,
      onTableStart: (table) => {
        progress.start();
        deps.progress.update(`${company.code} réplique : ${table}…`);
      },
      onProgress: (table, read, expected) => deps.progress.tick(`${company.code} réplique : ${progress.text(table, read, expected)}`),
      onTable: (r) => synced.push(r),
    });
  } finally {
    await sources.close();
    await journalTables();
  }
  const read = result.tables.reduce((n, t) => n + t.rowsRead, 0);
  const changed = result.tables.filter((t) => t.action !== 'unchanged' && t.action !== 'missing').length;
  const what = `${changed} of ${result.tables.length} tables changed, ${formatCount(read)} rows read`;
  deps.progress.done('ok', `${company.code} replica synced: ${what}`);
  await write({ level: 'info', event: 'replica-synced', message: `Replica synced: ${what}`, counts: { rows: read, tables: result.tables.length, changed }, durationMs: result.ms, details: { path: result.path, generation: result.generation } });
  return { replica: openReplicaSource(result.path), dataVersion: result.dataVersion };
}

// ── Business Mobile ──────────────────────────────────────────────────────────────────────────────────

/** The views of a company read from its replica: what publishViews computes them from. */
interface ViewsSource {
  readonly replica: SqlSource;
  /** ReplicaFile.dataVersion after the sync. */
  readonly dataVersion: string;
  readonly spoolDir: string;
}

async function publishViews(
  company: ResolvedCompany,
  options: PublishRunOptions,
  deps: PublishDeps,
  transport: PortalTransport | undefined,
  usersPush: UsersPush,
  from: ViewsSource,
  /** Called when the service knows it publishes (the views are not up to date). */
  onPublishing: () => void,
): Promise<ServiceReport> {
  const { computeViews } = await import('../extract/views/index.js');
  const published = publishedViewIds(company);
  const ids = options.views.length > 0 ? published.filter((id) => options.views.includes(id)) : published;
  if (ids.length === 0) {
    throw new UsageError(`${company.code} publishes none of the views ${options.views.join(', ')}`, { hint: 'Check --view against the company’s businessMobile options.' });
  }
  const stateDir = path.join(deps.config.dataDirectory, 'state', company.code);
  const key = viewsKey({ asOf: options.asOf, views: ids, dataVersion: from.dataVersion, version: deps.version ?? '' });
  // Every view (no --view), nothing forced: the last publication may still be the right one.
  const whole = options.views.length === 0;
  if (transport && whole && !options.full) {
    const upToDate = await viewsUpToDate(company, transport, usersPush, stateDir, key);
    if (upToDate) return { service: 'business-mobile', status: 'up-to-date', mode: 'full', publicationId: upToDate, datasets: [], durationMs: 0 };
  }
  onPublishing();
  deps.progress.update(`${company.code} business-mobile: ${ids.length} views`);
  // One context for all the views: the passes several views share (sales by customer, ledger balances) run once.
  const views = await computeViews(from.replica, ids, { asOf: options.asOf });
  deps.signal.throwIfAborted();
  const spooled: { dataset: SpooledDataset; meta: Record<string, unknown> }[] = [];
  for (const view of views) {
    const dataset = await spoolDataset(from.spoolDir, view.id, [JSON.stringify(view)], { signal: deps.signal });
    spooled.push({ dataset, meta: { title: view.title, group: view.group, kind: view.kind, asOf: view.asOf, currency: view.currency } });
  }
  const datasets = spooled.map(({ dataset }) => ({ name: dataset.name, rows: dataset.rows, bytes: dataset.bytes, storedBytes: dataset.storedBytes }));
  if (!transport) return { service: 'business-mobile', status: 'dry-run', mode: 'full', datasets, durationMs: 0 };

  await usersPush.ensure(transport);
  await transport.authenticate('business-mobile');
  // Publishing some views only (--view) changes those views on top of the current publication.
  const current = whole ? undefined : await transport.currentPublication(company.code, 'business-mobile');
  const mode = current ? 'incremental' : 'full';
  const publicationId = await uploadAndCommit(transport, deps, company, 'business-mobile', mode, current?.publicationId ?? null, spooled.map(({ dataset, meta }) => ({ dataset, keys: ['id'], meta })));
  if (whole) await writeViewsMarker(stateDir, { publicationId, key, committedAt: deps.now().toISOString() });
  for (const { dataset } of spooled) {
    await deps.journal.write({ level: 'info', event: 'view-uploaded', company: company.code, service: 'business-mobile', view: dataset.name, message: `View ${dataset.name} published`, counts: { rows: dataset.rows }, bytes: dataset.storedBytes });
  }
  return { service: 'business-mobile', status: 'published', mode, publicationId, datasets, durationMs: 0 };
}

/** The id of the company's current views publication when it was made from exactly these inputs (key). */
async function viewsUpToDate(company: ResolvedCompany, transport: PortalTransport, usersPush: UsersPush, stateDir: string, key: string): Promise<string | undefined> {
  const marker = await readViewsMarker(stateDir);
  if (marker?.key !== key) return undefined;
  // Users (logins, passwords, their views) are pushed whatever the views.
  await usersPush.ensure(transport);
  await transport.authenticate('business-mobile');
  const current = await transport.currentPublication(company.code, 'business-mobile');
  return current?.publicationId === marker.publicationId ? marker.publicationId : undefined;
}

// ── Data Manager ───────────────────────────────────────────────────────────────────────────────────

interface PublishedMarker {
  publicationId: string;
  committedAt: string;
}

/** Which portal publication the committed incremental state describes. Written last, after the states. */
async function readMarker(stateDir: string): Promise<PublishedMarker | undefined> {
  try {
    return JSON.parse(await readFile(path.join(stateDir, 'publication.json'), 'utf8')) as PublishedMarker;
  } catch {
    return undefined;
  }
}

async function writeMarker(stateDir: string, marker: PublishedMarker): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, 'publication.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(marker)}\n`);
  await rename(`${file}.tmp`, file);
}

async function publishTables(
  company: ResolvedCompany,
  options: PublishRunOptions,
  deps: PublishDeps,
  transport: PortalTransport | undefined,
  replica: SqlSource,
  spoolDir: string,
  /** Called when the service knows it publishes something (every table, or a changed one). */
  onPublishing: () => void,
): Promise<ServiceReport> {
  const { extractTable, DEFAULT_READERS } = await import('../extract/raw/extract.js');
  const { RangeReaderPool } = await import('../extract/raw/parallel.js');
  const { rawDatasetsOf } = await import('../extract/raw/tables.js');
  const { loadState, commitState, discardState } = await import('../extract/state/store.js');
  type Extraction = Awaited<ReturnType<typeof extractTable>>;
  type Pending = NonNullable<Awaited<ReturnType<Extraction['finish']>>['pending']>;

  const groups: ('accounting' | 'commercial')[] = [];
  if (company.services.dataManager.accounting) groups.push('accounting');
  if (company.services.dataManager.commercial) groups.push('commercial');
  const stateDir = path.join(deps.config.dataDirectory, 'state', company.code);
  const marker = await readMarker(stateDir);
  if (transport) await transport.authenticate('data-manager');
  const current = transport ? await transport.currentPublication(company.code, 'data-manager') : undefined;
  // Incremental only when the portal still shows exactly the publication our state describes.
  let incremental = !options.full && marker !== undefined && (transport ? current?.publicationId === marker.publicationId : true);

  const datasets = rawDatasetsOf(groups);
  // Reader threads on the replica file, started by the first table read with threads and kept for the others.
  let pool: InstanceType<typeof RangeReaderPool> | undefined;
  const readerPool = (): InstanceType<typeof RangeReaderPool> | undefined =>
    replica.file === undefined ? undefined : (pool ??= new RangeReaderPool(replica.file, DEFAULT_READERS));
  try {
    const prepare = async (asIncremental: boolean): Promise<Extraction[] | undefined> => {
      const prepared: Extraction[] = [];
      for (const ds of datasets) {
        const state = asIncremental ? await loadState(stateDir, ds.table).catch(() => undefined) : undefined;
        if (asIncremental && !state) {
          for (const p of prepared) await p.abort();
          return undefined;
        }
        const readers = readerPool();
        const extraction = await extractTable(replica, ds, state ? { mode: 'incremental', since: state, readerPool: readers } : { mode: 'full', stateDir, readerPool: readers });
        prepared.push(extraction);
        if (asIncremental && extraction.mode === 'full') {
          // One table cannot be trusted incrementally (its columns changed…): publish everything in full.
          deps.logger.verbose(`${company.code} ${ds.table}: full extraction needed (${extraction.fullReason ?? 'unknown'})`);
          for (const p of prepared) await p.abort();
          return undefined;
        }
      }
      return prepared;
    };
    let extractions = incremental ? await prepare(true) : undefined;
    if (!extractions) {
      incremental = false;
      extractions = (await prepare(false))!;
    }

    const mode = incremental ? 'incremental' : 'full';
    if (!incremental) onPublishing();
    // Each table is uploaded while the next one is extracted (the portal verifies on the other core).
    const publication = transport ? new PublicationUpload(transport, deps, company, 'data-manager', mode, incremental ? current!.publicationId : null) : undefined;
    let uploads = 0;
    const pendings: Pending[] = [];
    // Reported and committed in catalogue order, but read largest first (rows × columns, counted before
    // reading): the portal verifies each large table while the next ones are read, and the last ones, small,
    // leave little to wait for once the extraction ends (when the largest came last, its verification was the
    // last ~1 s of a full publication of the 1M-line demo, on a core and a half).
    const reports: DatasetReport[] = [];
    const weight = (e: Extraction): number => e.rowsToRead * Math.max(1, e.columns.length);
    const readOrder = extractions.map((_, i) => i).sort((a, b) => weight(extractions[b]!) - weight(extractions[a]!) || a - b);
    try {
      for (const index of readOrder) {
        const extraction = extractions[index]!;
        const ds = datasets[index]!;
        deps.signal.throwIfAborted();
        if (publication?.failure !== undefined) throw publication.failure;
        const started = deps.now().getTime();
        const label = `${company.code} data-manager: ${ds.table}`;
        deps.progress.update(`${label}…`);
        const dataset = await spoolBlocks(spoolDir, ds.id, extraction.blocks, {
          signal: deps.signal,
          onProgress: (rows) => {
            const seconds = Math.max(0.001, (deps.now().getTime() - started) / 1000);
            deps.progress.tick(`${label} ${formatCount(rows)} rows (${formatCount(Math.round(rows / seconds))} rows/s)`);
          },
        });
        const finished = await extraction.finish();
        if (finished.pending) pendings.push(finished.pending);
        let deletions: SpooledDataset | undefined;
        if (finished.deleted > 0) {
          async function* deletionLines() {
            for await (const key of finished.deletedKeys()) yield `{"cbMarq":${key}}`;
          }
          deletions = await spoolDataset(spoolDir, ds.id, deletionLines(), { signal: deps.signal, fileStem: `${ds.id}.deletions` });
        }
        reports[index] = { name: ds.id, rows: dataset.rows, ...(finished.deleted > 0 ? { deleted: finished.deleted } : {}), bytes: dataset.bytes + (deletions?.bytes ?? 0), storedBytes: dataset.storedBytes + (deletions?.storedBytes ?? 0) };
        // An incremental publication carries only the tables that changed; the portal keeps the others.
        if (!incremental || dataset.rows > 0 || deletions) {
          onPublishing();
          uploads += 1;
          publication?.add({ position: index, dataset, ...(deletions ? { deletions } : {}), keys: ['cbMarq'], meta: { table: ds.table, group: ds.group, title: ds.title, columns: extraction.columns.map((c) => ({ name: c.name, type: c.type })) } });
        }
      }
    } catch (error) {
      await publication?.abort();
      for (const p of pendings) await discardState(p).catch(() => undefined);
      for (const e of extractions) await e.abort().catch(() => undefined);
      throw error;
    }

    if (!transport || !publication) {
      for (const p of pendings) await discardState(p).catch(() => undefined);
      return { service: 'data-manager', status: 'dry-run', mode, datasets: reports, durationMs: 0 };
    }
    if (incremental && uploads === 0) {
      // Nothing changed: the portal already shows this state; committing it only moves the marks.
      for (const p of pendings) await commitState(p, deps.now);
      return { service: 'data-manager', status: 'up-to-date', mode, publicationId: current!.publicationId, datasets: reports, durationMs: 0 };
    }
    let publicationId: string;
    try {
      publicationId = await publication.commit();
    } catch (error) {
      for (const p of pendings) await discardState(p).catch(() => undefined);
      throw error;
    }
    // The portal committed: now, and only now, the incremental state may advance.
    for (const p of pendings) await commitState(p, deps.now);
    await writeMarker(stateDir, { publicationId, committedAt: deps.now().toISOString() });
    for (const r of reports) {
      await deps.journal.write({ level: 'info', event: 'dataset-uploaded', company: company.code, service: 'data-manager', dataset: r.name, message: `${r.name}: ${r.rows} rows${r.deleted ? `, ${r.deleted} deleted` : ''}`, counts: { rows: r.rows, ...(r.deleted ? { deleted: r.deleted } : {}) }, bytes: r.storedBytes });
    }
    return { service: 'data-manager', status: 'published', mode, publicationId, datasets: reports, durationMs: 0 };
  } finally {
    await pool?.close();
  }
}

type Upload = {
  /** Where the dataset comes in the commit (the catalogue order), whatever the order of the uploads. */
  position?: number;
  dataset: SpooledDataset;
  deletions?: SpooledDataset;
  keys: string[];
  meta: Record<string, unknown>;
};

/**
 * Uploads sent at once. Two: while the portal verifies a large dataset (one gunzip stream, one hash: about one
 * core), the small tables read after it travel alongside instead of queueing behind it, which was the last
 * ~0.4 s of a full publication of the 1M-line demo. Uploads of different datasets are independent on the portal.
 */
const PARALLEL_UPLOADS = 2;

/**
 * One publication being uploaded: opened at the first dataset, uploads sent in the background in the order
 * they come, PARALLEL_UPLOADS at a time (so the next table is extracted while this one travels), committed at
 * the end. Any failure or Ctrl-C aborts it on the portal, where the previous publication stays visible.
 */
class PublicationUpload {
  #opened: Promise<string> | undefined;
  readonly #waiting: Upload[] = [];
  readonly #sending = new Set<Promise<void>>();
  #failure: unknown;
  readonly #uploads: Upload[] = [];
  /** Cancels the uploads in flight once the publication is lost anyway (one upload failed, or abort). */
  readonly #cancel = new AbortController();

  constructor(
    private readonly transport: PortalTransport,
    private readonly deps: PublishDeps,
    private readonly company: ResolvedCompany,
    private readonly service: ServiceKey,
    private readonly mode: 'full' | 'incremental',
    private readonly basePublicationId: string | null,
  ) {}

  /** The first failure of a background upload, so the caller can stop extracting at once. */
  get failure(): unknown {
    return this.#failure;
  }

  #open(): Promise<string> {
    this.#opened ??= this.transport
      .openPublication({
        company: this.company.code,
        service: this.service,
        mode: this.mode,
        ...(this.basePublicationId ? { basePublicationId: this.basePublicationId } : {}),
        meta: { runId: this.deps.journal.runId, name: this.company.name, publisher: 'sbsync' },
      })
      .then((opened) => opened.publicationId);
    return this.#opened;
  }

  add(upload: Upload): void {
    this.#uploads.push(upload);
    this.#waiting.push(upload);
    this.#sendWaiting();
  }

  #sendWaiting(): void {
    while (this.#sending.size < PARALLEL_UPLOADS && this.#waiting.length > 0) {
      const upload = this.#waiting.shift() as Upload;
      const sent: Promise<void> = this.#send(upload).finally(() => {
        this.#sending.delete(sent);
        this.#sendWaiting();
      });
      this.#sending.add(sent);
    }
  }

  async #send(upload: Upload): Promise<void> {
    if (this.#failure !== undefined || this.#cancel.signal.aborted) return;
    const signal = this.#cancel.signal;
    try {
      this.deps.signal.throwIfAborted();
      const publicationId = await this.#open();
      await this.transport.upload(publicationId, upload.dataset, 'rows', signal);
      if (upload.deletions) await this.transport.upload(publicationId, upload.deletions, 'deletions', signal);
    } catch (error) {
      // The first failure is the one reported; the sibling upload it cancels fails with a mere "interrupted".
      if (this.#failure === undefined && !signal.aborted) {
        this.#failure = error;
        this.#cancel.abort();
      }
    }
  }

  /** Until every upload added so far has been sent or skipped after a failure (#send never rejects). */
  async #settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all(this.#sending);
  }

  async commit(): Promise<string> {
    try {
      await this.#settled();
      if (this.#failure !== undefined) throw this.#failure;
      this.deps.signal.throwIfAborted();
      this.deps.progress.update(`${this.company.code} ${this.service}: committing`);
      const manifest = await this.transport.commit(await this.#open(), {
        datasets: [...this.#uploads].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((u) => ({
          name: u.dataset.name,
          rows: u.dataset.rows,
          sha256: u.dataset.sha256,
          keys: u.keys,
          ...(u.deletions ? { deletions: { rows: u.deletions.rows, sha256: u.deletions.sha256 } } : {}),
          meta: u.meta,
        })),
      });
      await this.deps.journal.write({ level: 'info', event: 'publication-committed', company: this.company.code, service: this.service, message: `${this.service} publication ${manifest.publicationId} committed (${this.mode})`, details: { publicationId: manifest.publicationId, mode: this.mode } });
      return manifest.publicationId;
    } catch (error) {
      await this.abort();
      if (this.deps.signal.aborted) throw new InterruptedError(`interrupted: the ${this.service} publication of ${this.company.code} was aborted; the previous one stays published`, { cause: error });
      throw error;
    }
  }

  /**
   * Drops the publication: uploads not sent yet are forgotten, those in flight cancelled (a 400 MB upload is not
   * worth finishing for a publication that will not be committed), then the portal discards what it received.
   */
  async abort(): Promise<void> {
    this.#waiting.length = 0;
    this.#cancel.abort();
    await this.#settled();
    const opened = this.#opened;
    this.#opened = undefined;
    if (opened) await opened.then((id) => this.transport.abort(id)).catch(() => undefined);
  }
}

/** Opens a publication, uploads every dataset, commits. */
async function uploadAndCommit(
  transport: PortalTransport,
  deps: PublishDeps,
  company: ResolvedCompany,
  service: ServiceKey,
  mode: 'full' | 'incremental',
  basePublicationId: string | null,
  uploads: Upload[],
): Promise<string> {
  const publication = new PublicationUpload(transport, deps, company, service, mode, basePublicationId);
  for (const upload of uploads) publication.add(upload);
  return publication.commit();
}
