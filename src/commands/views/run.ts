/** `views list`: the catalogue. `views show`: compute one view for one company, from its replica. */
import { access } from 'node:fs/promises';
import { VIEW_CATALOG, findView, type ViewInfo } from '../../extract/views/catalog.js';
import type { ResolvedCompany, ResolvedConfig } from '../../config/resolve.js';
import { publishedViewIds, viewGroupsOf } from '../../config/resolve.js';
import type { CommandDeps } from '../../context.js';
import { localDate } from '../../time.js';
import { OperationError, UsageError } from '../../errors.js';
import { replicaPath } from '../../replica/file.js';
import { closest } from '../../text.js';
import type { ViewResult } from '../../extract/views/types.js';

export interface ViewsListResult {
  views: ViewInfo[];
}

export function runViewsList(): Promise<ViewsListResult> {
  return Promise.resolve({ views: [...VIEW_CATALOG] });
}

export interface ViewsShowOptions {
  view: string;
  company?: string;
  asOf?: string;
  /** Sync the company's replica first (the default); false reads it as it stands (`--no-sync`). */
  sync: boolean;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= last;
}

export function resolveViewsShowOptions(view: string, raw: { company?: string; asOf?: string; sync?: boolean }): ViewsShowOptions {
  if (!VIEW_CATALOG.some((v) => v.id === view)) {
    const suggestion = closest(view, VIEW_CATALOG.map((v) => v.id));
    throw new UsageError(`unknown view "${view}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, { hint: 'Run `sbsync views list` for the ids.' });
  }
  if (raw.asOf !== undefined && !isCalendarDate(raw.asOf)) {
    throw new UsageError(`--as-of must be a date YYYY-MM-DD (got "${raw.asOf}")`);
  }
  return { view, ...(raw.company !== undefined ? { company: raw.company } : {}), ...(raw.asOf !== undefined ? { asOf: raw.asOf } : {}), sync: raw.sync !== false };
}

export interface ViewsShowResult {
  company: { code: string; name: string };
  view: ViewResult;
}

/** The company named by --company, or the only one of the config. */
function pickCompany(config: ResolvedConfig, code: string | undefined): ResolvedCompany {
  const codes = config.companies.map((c) => c.code).join(', ');
  if (code === undefined) {
    if (config.companies.length === 1) return config.companies[0] as ResolvedCompany;
    throw new UsageError(
      config.companies.length === 0 ? 'the config has no company' : `the config has ${config.companies.length} companies: pick one with --company`,
      { hint: config.companies.length === 0 ? 'Add a company under companies: in the config.' : `Known companies: ${codes}.` },
    );
  }
  const company = config.companies.find((c) => c.code === code.toUpperCase());
  if (!company) throw new UsageError(`no company ${code} in the config`, { hint: `Known companies: ${codes}.` });
  return company;
}

export async function runViewsShow(options: ViewsShowOptions, deps: CommandDeps): Promise<ViewsShowResult> {
  const config = await deps.loadConfig();
  const company = pickCompany(config, options.company);
  const info = findView(options.view);
  if (!info) throw new UsageError(`unknown view "${options.view}"`, { hint: 'Run `sbsync views list` for the ids.' });
  if (!publishedViewIds(company).includes(info.id)) {
    const option = info.group === 'accounting' ? 'accountingViews' : 'commercialViews';
    const published = viewGroupsOf(company);
    throw new UsageError(`company ${company.code} does not publish the ${info.group} view ${info.id}`, {
      hint: `Set companies[].services.businessMobile.${option}: true for ${company.code} in the config${
        published.length > 0 ? ` (it publishes ${published.join(' and ')} views only)` : ''
      }.`,
    });
  }
  const asOf = options.asOf ?? localDate(deps.clock.now());
  const file = replicaPath(config.dataDirectory, company.code);
  if (options.sync) {
    // As `publish` does: the replica level with the Sage databases (the demo generated on first use).
    const { inReplicaRun, syncCompanyReplica } = await import('../replica/run.js');
    await inReplicaRun(config, deps, 'views show', [company], async (journal) => {
      await syncCompanyReplica(company, config, deps, journal, { signal: deps.signal });
      return {};
    });
  } else if (!(await access(file).then(() => true, () => false))) {
    throw new OperationError(`${company.code} has no replica yet (${file}): --no-sync has nothing to read.`, {
      hint: `Create it with \`sbsync replica sync --company ${company.code}\`, or run this command without --no-sync.`,
    });
  }
  const { openReplicaSource } = await import('../../sources/sqlite.js');
  const { computeView } = await import('../../extract/views/index.js');
  const source = openReplicaSource(file);
  try {
    deps.logger.verbose(`computing ${info.id} for ${company.code} as of ${asOf} from ${source.label}`);
    const view = await computeView(source, info.id, { asOf });
    for (const warning of view.warnings ?? []) deps.logger.warn(`${company.code} ${info.id}: ${warning}`);
    return { company: { code: company.code, name: company.name }, view };
  } finally {
    await source.close();
  }
}
