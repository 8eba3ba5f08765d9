/**
 * Replicas for tests. Views, consistency checks and Data Manager datasets read a company's replica, never a
 * Sage database: tests copy their Sage-schema SQLite fixture (or a database of the TDS test server, through the
 * real mssql driver) into a replica with the same sync `publish` runs, then read the replica.
 */
import { join } from 'node:path';
import type { ResolvedCompany, ResolvedSource } from '../../src/config/resolve.js';
import type { SageModule } from '../../src/sources/open.js';
import type { SqlSource } from '../../src/sources/source.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { openReplicaSource, openSqliteSource } from '../../src/sources/sqlite.js';
import { syncReplica, type ReplicaSyncResult } from '../../src/replica/sync.js';
import { testServerOptions } from './tds/fixture.js';

export interface TestReplicaOptions {
  /** The data directory the replica goes in (`<dataDirectory>/replica/<company>.sqlite`). */
  readonly dataDirectory: string;
  /** Company code (default TEST): one replica per company and data directory. */
  readonly company?: string;
  /** Only these tables, all read as accounting ones (default: every table of both service groups). */
  readonly tables?: readonly string[];
  readonly now?: () => Date;
  /** When source checksums are compared (default: the config's `auto`). */
  readonly checksums?: 'every-sync' | 'daily';
}

function testCompany(code: string, source: ResolvedSource): ResolvedCompany {
  return {
    code,
    name: `Test ${code}`,
    source,
    services: { dataManager: { accounting: true, commercial: true }, businessMobile: { accountingViews: true, commercialViews: true } },
  };
}

/** Syncs a replica from `source`, opening each module's database with `open` (closed again afterwards). */
async function syncFrom(source: ResolvedSource, open: (module: SageModule) => Promise<SqlSource>, options: TestReplicaOptions): Promise<ReplicaSyncResult> {
  const opened: SqlSource[] = [];
  try {
    return await syncReplica({
      company: testCompany(options.company ?? 'TEST', source),
      dataDirectory: options.dataDirectory,
      openSource: async (module) => {
        const s = await open(module);
        opened.push(s);
        return s;
      },
      ...(options.tables ? { tables: options.tables.map((name) => ({ name, module: 'accounting' as const })) } : {}),
      now: options.now ?? (() => new Date()),
      ...(options.checksums ? { checksums: options.checksums } : {}),
    });
  } finally {
    for (const s of opened) await s.close();
  }
}

/** Brings the replica of a Sage-schema SQLite file level with it. */
export function syncSqliteReplica(file: string, options: TestReplicaOptions): Promise<ReplicaSyncResult> {
  return syncFrom({ type: 'sqlite', path: file }, () => Promise.resolve(openSqliteSource(file)), options);
}

/** Syncs the replica of a Sage-schema SQLite file and opens it: what views, checks and datasets read. */
export async function sqliteReplica(file: string, options: TestReplicaOptions): Promise<SqlSource> {
  return openReplicaSource((await syncSqliteReplica(file, options)).path);
}

/** Brings the replica of a database of the TDS test server level with it, through the real mssql driver. */
export function syncServerReplica(server: { host: string; port: number }, database: string, options: TestReplicaOptions): Promise<ReplicaSyncResult> {
  const source: ResolvedSource = {
    type: 'sqlserver',
    accountingDatabase: database,
    commercialDatabase: database,
    connection: { server: server.host, port: server.port, authentication: 'sql', user: 'sbsync', password: 'pw', encrypt: false, trustServerCertificate: false, requestTimeoutSeconds: 5 },
  };
  return syncFrom(source, () => createMssqlSource(testServerOptions(server, database)), options);
}

/** Syncs the replica of a TDS test server database and opens it. */
export async function serverReplica(server: { host: string; port: number }, database: string, options: TestReplicaOptions): Promise<SqlSource> {
  return openReplicaSource((await syncServerReplica(server, database, options)).path);
}

/** `<dir>/data`: a data directory inside a test's temporary directory. */
export const dataDirectoryIn = (dir: string): string => join(dir, 'data');

/**
 * The config of one SQL Server company `ACME` read from a TDS test server (login `sbsync`, password from
 * `SB_SQL`), published to `file:store`, with `services` and any `more` YAML (users…) as given.
 */
export function sqlServerConfigYaml(
  server: { host: string; port: number },
  databases: { accounting: string; commercial: string },
  services: string,
  more = '',
): string {
  return `portal:
  url: file:store
database:
  server: ${server.host}
  port: ${server.port}
  authentication: sql
  user: sbsync
  password: "\${env:SB_SQL}"
  encrypt: false
companies:
  - code: ACME
    name: Négoce Démo SARL
    source: { type: sqlserver, accountingDatabase: ${databases.accounting}, commercialDatabase: ${databases.commercial} }
    services:
${services}
${more}`;
}
