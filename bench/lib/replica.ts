/** A company's replica, synced as `publish` syncs it: what the views and datasets read. */
import type { ResolvedCompany, ResolvedSource } from '../../src/config/resolve.js';
import { CompanySources } from '../../src/replica/company-sources.js';
import { syncReplica, type ReplicaSyncResult } from '../../src/replica/sync.js';

/** Syncs the replica of `source` (both services, every group) in `<dataDirectory>/replica/<code>.sqlite`. */
export async function syncBenchReplica(source: ResolvedSource, dataDirectory: string, code = 'BENCH'): Promise<ReplicaSyncResult> {
  const company: ResolvedCompany = {
    code,
    name: code,
    source,
    services: { dataManager: { accounting: true, commercial: true }, businessMobile: { accountingViews: true, commercialViews: true } },
  };
  const sources = new CompanySources(company);
  try {
    return await syncReplica({ company, dataDirectory, openSource: (module) => sources.get(module), now: () => new Date() });
  } finally {
    await sources.close();
  }
}

/** The replica of a demo file. */
export function syncDemoReplica(demo: string, dataDirectory: string, code = 'BENCH'): Promise<ReplicaSyncResult> {
  return syncBenchReplica({ type: 'sqlite', path: demo }, dataDirectory, code);
}
