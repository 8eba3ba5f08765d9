/** `companies list` (from the config) and `companies remove` (everything of a company on the portal). */
import type { CommandDeps } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { ResolvedCompany, ResolvedConfig } from '../../config/resolve.js';

export interface CompanyRow {
  code: string;
  name: string;
  source: string;
  dataManager: { accounting: boolean; commercial: boolean };
  businessMobile: { accountingViews: boolean; commercialViews: boolean };
  users: string[];
}

export interface CompaniesListResult {
  companies: CompanyRow[];
}

export function describeSource(company: ResolvedCompany): string {
  const s = company.source;
  switch (s.type) {
    case 'sqlserver':
      return `SQL Server ${s.connection.server ?? '?'} / ${s.accountingDatabase}${s.commercialDatabase !== s.accountingDatabase ? ` + ${s.commercialDatabase}` : ''}`;
    case 'sqlite':
      return `SQLite ${s.path}`;
    case 'demo':
      return `demo (scale ${s.scale}, seed ${s.seed}) ${s.path}`;
  }
}

export async function runCompaniesList(deps: CommandDeps): Promise<CompaniesListResult> {
  const config = await deps.loadConfig();
  return {
    companies: config.companies.map((company) => ({
      code: company.code,
      name: company.name,
      source: describeSource(company),
      dataManager: { ...company.services.dataManager },
      businessMobile: { ...company.services.businessMobile },
      users: config.users.filter((u) => company.code in u.views).map((u) => u.login),
    })),
  };
}

export function findCompany(config: ResolvedConfig, code: string): ResolvedCompany {
  const company = config.companies.find((c) => c.code === code.toUpperCase());
  if (!company) {
    throw new UsageError(`no company ${code} in the config`, { hint: `Known companies: ${config.companies.map((c) => c.code).join(', ')}.` });
  }
  return company;
}

export async function runCompaniesRemove(code: string, deps: CommandDeps) {
  const { runRemoveCompany } = await import('../unpublish/run.js');
  return runRemoveCompany(code, deps);
}
