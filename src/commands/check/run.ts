/**
 * `sbsync check` — the seed's publication assistant: a ticklist of every setting publication needs, then
 * live probes (database per company, portal reachability and login) unless --offline.
 */
import { stat } from 'node:fs/promises';
import { formatSize } from '../../text.js';
import type { CommandDeps } from '../../context.js';
import { describeChoice } from '../../config/find.js';
import type { Diagnostic } from '../../config/diagnostics.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import { usesService } from '../../config/resolve.js';
import { ExitCode, isSbsyncError } from '../../errors.js';
import { runProbes, type ProbeResult } from './probes.js';

export interface CheckOptions {
  offline: boolean;
}

export type TickStatus = 'ok' | 'missing' | 'warning' | 'optional';

export interface Tick {
  id: string;
  label: string;
  status: TickStatus;
  detail: string;
  fix?: string;
}

export interface CheckResult {
  config: string;
  ready: boolean;
  ticks: Tick[];
  probes: ProbeResult[];
  offline: boolean;
  diagnostics: Diagnostic[];
  exitCode: number;
}

export async function runCheck(options: CheckOptions, deps: CommandDeps): Promise<CheckResult> {
  const { choice, result } = await deps.inspectConfig();
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const base = { config: describeChoice(choice), offline: options.offline, diagnostics: result.diagnostics };
  if (errors.length > 0 || !result.config) {
    const tick: Tick = { id: 'config', label: 'Config file', status: 'missing', detail: `${errors.length} error(s)`, fix: 'fix the lines listed above (`sbsync config validate`)' };
    return { ...base, ready: false, ticks: [tick], probes: [], exitCode: ExitCode.usage };
  }
  const config = result.config;
  const warnings = result.diagnostics.length;
  const ticks: Tick[] = [
    { id: 'config', label: 'Config file', status: warnings > 0 ? 'warning' : 'ok', detail: warnings > 0 ? `valid, ${warnings} warning(s) listed above` : 'valid' },
    ...settingTicks(config, result.plainSecrets),
    await replicaTick(config),
  ];
  const probes = options.offline ? [] : await runProbes(config, deps);
  const missing = ticks.some((t) => t.status === 'missing');
  const failed = probes.filter((p) => p.status === 'fail');
  const ready = !missing && failed.length === 0;
  let exitCode: number = ExitCode.ok;
  if (!ready) exitCode = failed.length > 0 && failed.every((p) => p.authRefused) ? ExitCode.auth : ExitCode.failed;
  return { ...base, ready, ticks, probes, exitCode };
}

function settingTicks(config: ResolvedConfig, plainSecrets: readonly string[]): Tick[] {
  const ticks: Tick[] = [];
  const portal = config.portal;
  ticks.push({ id: 'portal', label: 'Portal address', status: 'ok', detail: portal.kind === 'file' ? `local directory ${portal.directory}` : portal.url });

  const services = [
    { id: 'dataManager', label: 'Data Manager login', creds: portal.dataManager, what: 'sageId' },
    { id: 'businessMobile', label: 'Business Mobile login', creds: portal.businessMobile, what: 'customerNumber' },
  ] as const;
  for (const service of services) {
    const used = config.companies.some((c) => usesService(c, service.id));
    if (!used) ticks.push({ id: `portal.${service.id}`, label: service.label, status: 'optional', detail: 'not used by any company' });
    else if (portal.kind === 'file') ticks.push({ id: `portal.${service.id}`, label: service.label, status: 'ok', detail: 'not needed for a local directory portal' });
    else if (!service.creds) ticks.push({ id: `portal.${service.id}`, label: service.label, status: 'missing', detail: 'no credentials', fix: `add portal.${service.id} with ${service.what} and password` });
    else {
      const id = 'sageId' in service.creds ? service.creds.sageId : service.creds.customerNumber;
      ticks.push({ id: `portal.${service.id}`, label: service.label, status: 'ok', detail: `${service.what} ${id}` });
    }
  }

  const sqlServerCompanies = config.companies.filter((c) => c.source.type === 'sqlserver');
  if (sqlServerCompanies.length === 0) {
    ticks.push({ id: 'database', label: 'Database account', status: 'optional', detail: 'not needed (no company reads SQL Server)' });
  } else {
    const db = config.database;
    const complete = db.server !== undefined && db.user !== undefined && db.password !== undefined;
    ticks.push(
      complete
        ? { id: 'database', label: 'Database account', status: 'ok', detail: `${db.authentication === 'ntlm' ? `${db.domain ?? '?'}\\` : ''}${db.user} on ${db.server}` }
        : sqlServerCompanies.every((c) => c.source.type === 'sqlserver' && c.source.connection.server !== undefined)
          ? { id: 'database', label: 'Database account', status: 'ok', detail: 'set per company (source.connection)' }
          : { id: 'database', label: 'Database account', status: 'missing', detail: 'server, user or password missing', fix: 'fill database.server, database.user and database.password' },
    );
  }

  const proxy = config.proxy;
  const proxyDetail = proxy.mode === 'manual' ? `manual ${proxy.url ?? '?'}${proxy.user ? ` as ${proxy.user}` : ''}` : proxy.mode === 'system' ? 'system settings' : 'none (direct connection)';
  ticks.push({ id: 'proxy', label: 'Internet settings', status: portal.kind === 'file' ? 'optional' : 'ok', detail: portal.kind === 'file' ? `${proxyDetail}; unused with a local directory portal` : proxyDetail });

  ticks.push({ id: 'companies', label: 'Companies', status: 'ok', detail: config.companies.map((c) => c.code).join(', ') });

  const mobileCompanies = config.companies.filter((c) => usesService(c, 'businessMobile'));
  if (mobileCompanies.length === 0) ticks.push({ id: 'users', label: 'Users', status: 'optional', detail: 'Business Mobile not used' });
  else {
    const orphans = mobileCompanies.filter((c) => !config.users.some((u) => (u.views[c.code]?.length ?? 0) > 0));
    ticks.push(
      orphans.length === 0
        ? { id: 'users', label: 'Users', status: 'ok', detail: `${config.users.length} user(s)` }
        : { id: 'users', label: 'Users', status: 'missing', detail: `no user may see the views of ${orphans.map((c) => c.code).join(', ')}`, fix: `add a user with views: { ${orphans[0]!.code}: all } under users:` },
    );
  }

  const s = config.schedule;
  ticks.push(
    s.frequency === 'none'
      ? { id: 'schedule', label: 'Schedule', status: 'optional', detail: 'none (publish by hand or from your own tasks)' }
      : { id: 'schedule', label: 'Schedule', status: 'ok', detail: describeSchedule(s) },
  );

  ticks.push(
    plainSecrets.length === 0
      ? { id: 'secrets', label: 'Secrets', status: 'ok', detail: 'no password written in clear' }
      : { id: 'secrets', label: 'Secrets', status: 'warning', detail: `written in clear: ${plainSecrets.join(', ')}`, fix: 'use ${env:NAME} or ${file:PATH}' },
  );
  return ticks;
}

/** Below this much free space (or twice the largest replica) a rebuild or a first copy may run out of disk. */
const LOW_DISK_BYTES = 1024 ** 3;

/** Where each company's replica lives, how big it is, and whether the disk has room for it to grow. */
async function replicaTick(config: ResolvedConfig): Promise<Tick> {
  const [{ replicaPath }, { freeBytes }] = await Promise.all([import('../../replica/file.js'), import('../replica/run.js')]);
  const sizes = await Promise.all(
    config.companies.map(async (c) => {
      const file = replicaPath(config.dataDirectory, c.code);
      const bytes = await stat(file).then((st) => st.size, () => undefined);
      return { code: c.code, file, bytes };
    }),
  );
  const free = await freeBytes(config.dataDirectory);
  const parts = sizes.map((s) => (s.bytes === undefined ? `${s.code}: not created yet (${s.file})` : `${s.code}: ${s.file} (${formatSize(s.bytes)})`));
  const largest = Math.max(0, ...sizes.map((s) => s.bytes ?? 0));
  const needed = Math.max(LOW_DISK_BYTES, 2 * largest);
  const detail = `${parts.join('; ')}; free space ${free === null ? 'unknown' : formatSize(free)}`;
  if (free !== null && free < needed) {
    return { id: 'replica', label: 'Replicas', status: 'warning', detail, fix: `free at least ${formatSize(needed)} on the disk of ${config.dataDirectory} (a rebuild needs the replica's size again), or move dataDirectory` };
  }
  return { id: 'replica', label: 'Replicas', status: 'ok', detail };
}

export function describeSchedule(s: ResolvedConfig['schedule']): string {
  const days = s.frequency === 'daily' ? 'every day' : s.frequency === 'workdays' ? 'Monday to Friday' : `every ${s.weekday ?? '?'}`;
  if (s.timesPerDay === 1) return `${days} at ${s.startTime}`;
  return `${days}, ${s.timesPerDay} times from ${s.startTime} every ${s.intervalHours ?? '?'} h`;
}

export function probeFailure(error: unknown): Pick<ProbeResult, 'detail' | 'fix' | 'authRefused'> {
  if (isSbsyncError(error)) return { detail: error.message, ...(error.hint ? { fix: error.hint } : {}), authRefused: error.exitCode === ExitCode.auth };
  return { detail: error instanceof Error ? error.message : String(error), authRefused: false };
}
