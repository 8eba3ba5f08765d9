/** The live probes of `sbsync check`: can each company's database be read, can the portal be reached. */
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandDeps } from '../../context.js';
import type { ResolvedCompany, ResolvedConfig } from '../../config/resolve.js';
import { usesService } from '../../config/resolve.js';
import { probeFailure } from './run.js';
import { openCompanySource, REQUIRED_SAGE_TABLES } from '../../sources/open.js';

export interface ProbeResult {
  id: string;
  label: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  fix?: string;
  authRefused?: boolean;
  durationMs: number;
}

export async function runProbes(config: ResolvedConfig, deps: CommandDeps): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const company of config.companies) results.push(await timed(`source.${company.code}`, `${company.code} database`, deps, () => probeSource(company)));
  const started = deps.clock.now().getTime();
  let portal: PortalProbe[];
  try {
    portal = await probePortal(config, deps);
  } catch (error) {
    portal = [{ status: 'fail', ...probeFailure(error) }];
  }
  const durationMs = deps.clock.now().getTime() - started;
  for (const { id = 'portal', label = 'Portal', ...body } of portal) results.push({ id, label, ...body, durationMs });
  return results;
}

type ProbeBody = Omit<ProbeResult, 'id' | 'label' | 'durationMs'>;

async function timed(id: string, label: string, deps: CommandDeps, body: () => Promise<ProbeBody>): Promise<ProbeResult> {
  const started = deps.clock.now().getTime();
  let outcome: ProbeBody;
  try {
    outcome = await body();
  } catch (error) {
    outcome = { status: 'fail', ...probeFailure(error) };
  }
  return { id, label, ...outcome, durationMs: deps.clock.now().getTime() - started };
}

async function probeSource(company: ResolvedCompany): Promise<ProbeBody> {
  if (company.source.type === 'demo') {
    const exists = await stat(company.source.path).then(() => true, () => false);
    if (!exists) {
      await assertWritableDirectory(path.dirname(company.source.path));
      return { status: 'ok', detail: `demo company, generated at the first publication into ${company.source.path}` };
    }
  }
  const source = await openCompanySource(company);
  try {
    const missing: string[] = [];
    for (const table of REQUIRED_SAGE_TABLES) if ((await source.columns(table)).length === 0) missing.push(table);
    if (missing.length > 0) {
      return { status: 'fail', detail: `${source.label} is not a Sage 100 database: missing ${missing.join(', ')}`, fix: 'point the company at the database of its Sage 100 file' };
    }
    return { status: 'ok', detail: `${source.label}: Sage 100 tables found` };
  } finally {
    await source.close();
  }
}

/** The nearest existing folder must be writable: the portal store and the demo file are created on demand. */
async function assertWritableDirectory(dir: string): Promise<string> {
  let current = dir;
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) throw new Error(`${current} exists but is not a folder`);
      await access(current, constants.W_OK).catch(() => {
        throw new Error(`${current} is not writable by this account`);
      });
      return current;
    }
    const parent = path.dirname(current);
    if (parent === current) throw new Error(`no existing folder above ${dir}`);
    current = parent;
  }
}

type PortalProbe = ProbeBody & { id?: string; label?: string };

async function probePortal(config: ResolvedConfig, deps: CommandDeps): Promise<PortalProbe[]> {
  const portal = config.portal;
  if (portal.kind === 'file') {
    const directory = portal.directory!;
    const existing = await assertWritableDirectory(directory);
    return [{ status: 'ok', detail: existing === directory ? `${directory} is writable` : `${directory} will be created (${existing} is writable)` }];
  }
  // Reachability and each service's login, through the proxy the publication would use.
  const { connectPortal } = await import('../../publish/connect.js');
  const connection = await connectPortal(config, { env: deps.env, platform: deps.platform, redactor: deps.redactor, signal: deps.signal, baseDelayMs: 200 });
  try {
    const results: PortalProbe[] = [];
    for (const service of ['data-manager', 'business-mobile'] as const) {
      const key = service === 'data-manager' ? 'dataManager' : 'businessMobile';
      if (!config.companies.some((c) => usesService(c, key))) continue;
      try {
        await connection.transport.authenticate(service);
        results.push({ id: `portal.${service}`, label: `Portal ${service} login`, status: 'ok', detail: `accepted by ${portal.url} (${connection.route})` });
      } catch (error) {
        results.push({ id: `portal.${service}`, label: `Portal ${service} login`, status: 'fail', ...probeFailure(error) });
      }
    }
    if (results.length === 0) {
      await connection.transport.currentPublication('PROBE', 'business-mobile').catch(() => undefined);
      results.push({ status: 'ok', detail: `${portal.url} reachable (${connection.route})` });
    }
    return results;
  } finally {
    await connection.transport.close();
  }
}
