/** The replica of a demo file, synced as `publish` syncs a company's: what the views and datasets read. */
import type { ResolvedCompany } from '../../src/config/resolve.js';
import { CompanySources } from '../../src/replica/company-sources.js';
import { syncReplica, type ReplicaSyncResult } from '../../src/replica/sync.js';

export async function syncDemoReplica(demo: string, dataDirectory: string, code = 'BENCH'): Promise<ReplicaSyncResult> {
  const company: ResolvedCompany = {
    code,
    name: code,
    source: { type: 'sqlite', path: demo },
    services: { dataManager: { accounting: true, commercial: true }, businessMobile: { accountingViews: true, commercialViews: true } },
  };
  const sources = new CompanySources(company);
  try {
    return await syncReplica({ company, dataDirectory, openSource: (module) => sources.get(module), now: () => new Date() });
  } finally {
    await sources.close();
  }
}
