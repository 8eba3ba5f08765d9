/**
 * How the bench reaches the demo company on the TDS test server (bench/lib/tds.ts): kept apart from the server
 * so that the sync's step process loads the mssql source only, not the server's code.
 */
import type { ResolvedSource } from '../../src/config/resolve.js';

export const TDS_DATABASE = 'SAGE';
export const TDS_LOGIN = 'sbsync';
export const TDS_PASSWORD = 'bench-Tds-2025';

/** The company source a sync reads the server through (the real mssql driver, as `publish` opens it). */
export function tdsSource(server: { host: string; port: number }): ResolvedSource {
  return {
    type: 'sqlserver',
    accountingDatabase: TDS_DATABASE,
    commercialDatabase: TDS_DATABASE,
    connection: {
      server: server.host,
      port: server.port,
      authentication: 'sql',
      user: TDS_LOGIN,
      password: TDS_PASSWORD,
      encrypt: false,
      trustServerCertificate: false,
      requestTimeoutSeconds: 600,
    },
  };
}
