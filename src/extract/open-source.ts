/** Opens the source of a company from its resolved config: the one place that picks an engine. */
import type { ResolvedCompany } from '../config/resolve.js';
import type { SqlSource } from './source.js';

/** Tables whose presence proves a database holds a Sage 100 company. */
export const REQUIRED_SAGE_TABLES = ['P_DOSSIER', 'F_COMPTEG', 'F_COMPTET', 'F_JOURNAUX', 'F_ECRITUREC'] as const;

export type SageModule = 'accounting' | 'commercial';

export async function openCompanySource(company: ResolvedCompany, module: SageModule = 'accounting'): Promise<SqlSource> {
  const source = company.source;
  switch (source.type) {
    case 'sqlite':
    case 'demo': {
      const { openSqliteSource } = await import('./sources/sqlite.js');
      return openSqliteSource(source.path, { readonly: true });
    }
    case 'sqlserver': {
      const { createMssqlSource } = await import('./sources/mssql.js');
      const c = source.connection;
      return createMssqlSource({
        server: c.server ?? '',
        ...(c.port !== undefined ? { port: c.port } : {}),
        database: module === 'accounting' ? source.accountingDatabase : source.commercialDatabase,
        authentication: c.authentication,
        ...(c.user !== undefined ? { user: c.user } : {}),
        ...(c.password !== undefined ? { password: c.password } : {}),
        ...(c.domain !== undefined ? { domain: c.domain } : {}),
        encrypt: c.encrypt,
        trustServerCertificate: c.trustServerCertificate,
        requestTimeoutMs: c.requestTimeoutSeconds * 1000,
        appName: 'sbsync',
      });
    }
  }
}
