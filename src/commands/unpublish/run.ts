/** `unpublish` (the last publication of a company) and `companies remove` (everything of a company). */
import type { CommandDeps } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import { usesService } from '../../config/resolve.js';
import type { Journal } from '../../journal/index.js';
import type { PortalTransport } from '../../publish/transport.js';
import { openRunJournal } from '../run-journal.js';

export type ServiceFlag = 'data-manager' | 'business-mobile';

export interface UnpublishOptions {
  company: string;
  service?: ServiceFlag;
}

export interface UnpublishResult {
  company: string;
  portal: string;
  unpublished: ServiceFlag[];
  exitCode?: number;
}

export interface RemoveCompanyResult {
  company: string;
  portal: string;
  removed: true;
}

async function withPortal<T>(deps: CommandDeps, command: string, body: (config: ResolvedConfig, transport: PortalTransport, journal: Journal) => Promise<T>): Promise<T> {
  const config = await deps.loadConfig();
  const { connectPortal } = await import('../../publish/connect.js');
  const journal = await openRunJournal(config, deps, command);
  const { transport } = await connectPortal(config, { env: deps.env, platform: deps.platform, redactor: deps.redactor, signal: deps.signal });
  try {
    return await body(config, transport, journal);
  } catch (error) {
    await journal.write({ level: 'error', event: 'run-end', message: error instanceof Error ? error.message : String(error), details: { exitCode: 1 } });
    throw error;
  } finally {
    await transport.close();
    await journal.flush();
  }
}

function checkCompanyCode(config: ResolvedConfig, code: string, purpose: string): string {
  const upper = code.toUpperCase();
  if (!/^[A-Z0-9]{1,17}$/.test(upper)) throw new UsageError(`${code}: a company code is uppercase letters and digits`);
  // A company already deleted from the YAML can still be removed from the portal, so only warn-free check here.
  if (purpose === 'unpublish' && !config.companies.some((c) => c.code === upper)) {
    throw new UsageError(`--company ${upper}: no such company in the config`, { hint: `Companies: ${config.companies.map((c) => c.code).join(', ')}. To delete a company no longer in the config, use \`sbsync companies remove ${upper}\`.` });
  }
  return upper;
}

export async function runUnpublish(options: UnpublishOptions, deps: CommandDeps): Promise<UnpublishResult> {
  return withPortal(deps, 'unpublish', async (config, transport, journal) => {
    const code = checkCompanyCode(config, options.company, 'unpublish');
    const company = config.companies.find((c) => c.code === code)!;
    const services: ServiceFlag[] = options.service
      ? [options.service]
      : (['business-mobile', 'data-manager'] as const).filter((s) => usesService(company, s === 'data-manager' ? 'dataManager' : 'businessMobile'));
    await journal.write({ level: 'info', event: 'run-start', company: code, message: `Unpublishing ${code}: ${services.join(', ')}`, details: { companies: [code] } });
    for (const service of services) {
      await transport.authenticate(service);
      await transport.unpublish(code, service);
      await journal.write({ level: 'info', event: 'unpublished', company: code, service, message: `${service} publication of ${code} removed from the portal` });
    }
    // The incremental state described what the portal showed: start again from a full publication.
    const { rm } = await import('node:fs/promises');
    const path = await import('node:path');
    if (services.includes('data-manager')) await rm(path.join(config.dataDirectory, 'state', code), { recursive: true, force: true });
    await journal.write({ level: 'info', event: 'run-end', message: 'Finished with exit code 0', details: { exitCode: 0 } });
    return { company: code, portal: transport.address, unpublished: services };
  });
}

export async function runRemoveCompany(code: string, deps: CommandDeps): Promise<RemoveCompanyResult> {
  return withPortal(deps, 'companies remove', async (config, transport, journal) => {
    const upper = checkCompanyCode(config, code, 'remove');
    await journal.write({ level: 'info', event: 'run-start', company: upper, message: `Removing ${upper} from the portal`, details: { companies: [upper] } });
    await transport.removeCompany(upper);
    const { rm } = await import('node:fs/promises');
    const path = await import('node:path');
    await rm(path.join(config.dataDirectory, 'state', upper), { recursive: true, force: true });
    await journal.write({ level: 'info', event: 'company-removed', company: upper, message: `${upper} and all its published data removed from the portal` });
    await journal.write({ level: 'info', event: 'run-end', message: 'Finished with exit code 0', details: { exitCode: 0 } });
    if (config.companies.some((c) => c.code === upper)) {
      deps.logger.warn(`${upper} is still in the config: the next \`sbsync publish\` publishes it again. Delete its entry under companies: to stop that.`);
    }
    return { company: upper, portal: transport.address, removed: true };
  });
}
