/* Generated from schema/config.schema.json by scripts/config-types.mjs: do not edit by hand. */

/**
 * A secret. Prefer a reference: ${env:NAME} or ${file:PATH}; a plain value works but check warns about it.
 */
export type Secret = string;
/**
 * Where the company's Sage 100 data is read.
 */
export type Source = SqlServerSource | SqliteSource | DemoSource;

/**
 * sbsync configuration: where Sage 100 data comes from, where it is published, who may read it and when it runs.
 */
export interface SbsyncConfig {
  portal: Portal;
  database?: Database;
  proxy?: Proxy;
  schedule?: Schedule;
  /**
   * The Sage 100 companies (folders) to publish.
   *
   * @minItems 1
   */
  companies: [Company, ...Company[]];
  /**
   * Business Mobile users and the views they may see per company.
   */
  users?: User[];
  journal?: Journal;
  replica?: Replica;
  /**
   * Where sbsync keeps its working files: the replica of each company, incremental state, locks, upload spool (relative to this file).
   */
  dataDirectory?: string;
}
/**
 * Where publications go: an https:// portal, or file:DIR for a local directory in the portal's store layout.
 */
export interface Portal {
  /**
   * https://host[:port][/path] of the portal, or file:DIR (relative to this file) for a local store.
   */
  url: string;
  /**
   * Data Manager service credentials (raw accounting and commercial data).
   */
  dataManager?: {
    /**
     * Sage ID (e-mail address or identifier).
     */
    sageId: string;
    password: Secret;
  };
  /**
   * Business Mobile service credentials (views for mobile users).
   */
  businessMobile?: {
    /**
     * Customer number.
     */
    customerNumber: string;
    password: Secret;
  };
  /**
   * Time allowed for one HTTP request to the portal before it is retried.
   */
  timeoutSeconds?: number;
  /**
   * How many times a failed request (network error, 429, 5xx) is retried with backoff.
   */
  retries?: number;
}
/**
 * The SQL Server account valid in every company database (the seed's management-database account); under a SQL Server source, the overrides for that company.
 */
export interface Database {
  /**
   * SQL Server host, or HOST\INSTANCE for a named instance.
   */
  server?: string;
  /**
   * TCP port; leave out for a named instance (SQL Browser finds it).
   */
  port?: number;
  /**
   * sql = SQL Server login; ntlm = Windows account (domain\user).
   */
  authentication?: 'sql' | 'ntlm';
  /**
   * Login name (without the domain for ntlm).
   */
  user?: string;
  password?: Secret;
  /**
   * Windows domain, for ntlm.
   */
  domain?: string;
  /**
   * Encrypt the connection (TLS).
   */
  encrypt?: boolean;
  /**
   * Accept the server's self-signed certificate (usual for on-premise SQL Server).
   */
  trustServerCertificate?: boolean;
  /**
   * Time allowed for one query; big ledgers need minutes.
   */
  requestTimeoutSeconds?: number;
}
/**
 * How to reach the portal: no proxy, the system's settings, or a proxy given here.
 */
export interface Proxy {
  mode: 'none' | 'system' | 'manual';
  /**
   * manual: http://host:port of the proxy (alternative to host + port).
   */
  url?: string;
  /**
   * manual: proxy host name or address.
   */
  host?: string;
  /**
   * manual: proxy port.
   */
  port?: number;
  /**
   * manual: proxy user, when the proxy asks for authentication.
   */
  user?: string;
  password?: Secret;
  /**
   * Hosts reached directly (suffixes like .corp.local are allowed).
   */
  noProxy?: string[];
}
/**
 * When publications run (installed with `sbsync schedule install`).
 */
export interface Schedule {
  frequency: 'none' | 'daily' | 'workdays' | 'weekly';
  /**
   * weekly: the day it runs.
   */
  weekday?: 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
  /**
   * First run of the day, HH:MM (24 h).
   */
  startTime?: string;
  /**
   * How many runs a day (1 to 24).
   */
  timesPerDay?: number;
  /**
   * Hours between two runs of the same day, when timesPerDay > 1.
   */
  intervalHours?: number;
}
export interface Company {
  /**
   * Folder code: uppercase letters and digits, what mobile users type.
   */
  code: string;
  /**
   * Company name shown on the portal.
   */
  name?: string;
  source: Source;
  services: Services;
}
/**
 * A Sage 100 SQL Server database (one database usually holds both modules).
 */
export interface SqlServerSource {
  type: 'sqlserver';
  /**
   * Database of the accounting file (.mae).
   */
  accountingDatabase: string;
  /**
   * Database of the commercial file (.gcm); defaults to accountingDatabase.
   */
  commercialDatabase?: string;
  connection?: Database;
}
/**
 * A SQLite file with the Sage 100 schema (trials, tests).
 */
export interface SqliteSource {
  type: 'sqlite';
  /**
   * Path of the file, relative to this config file.
   */
  path: string;
}
/**
 * The generated demo company, created on first use.
 */
export interface DemoSource {
  type: 'demo';
  /**
   * Where the demo database is kept, relative to this config file.
   */
  path?: string;
  /**
   * Size multiplier (1 = a small company).
   */
  scale?: number;
  /**
   * Seed of the generator: the same seed gives the same company.
   */
  seed?: number;
}
/**
 * What is published for this company.
 */
export interface Services {
  /**
   * Raw data pushed to the Data Manager service.
   */
  dataManager?: {
    /**
     * Accounting tables.
     */
    accounting?: boolean;
    /**
     * Commercial tables.
     */
    commercial?: boolean;
  };
  /**
   * Views computed for Business Mobile users.
   */
  businessMobile?: {
    /**
     * Accounting views.
     */
    accountingViews?: boolean;
    /**
     * Commercial views.
     */
    commercialViews?: boolean;
  };
}
export interface User {
  /**
   * Full name.
   */
  name: string;
  /**
   * What the user types on the phone.
   */
  login: string;
  password?: Secret;
  /**
   * Salted hash from `sbsync users hash-password`, instead of password.
   */
  passwordHash?: string;
  /**
   * Per company code: "all" or the list of view ids the user may see.
   */
  views: {
    [k: string]: 'all' | [string, ...string[]];
  };
}
/**
 * The publication journal (one JSON line per event).
 */
export interface Journal {
  /**
   * Folder of the journal files, relative to this config file.
   */
  path?: string;
  /**
   * Journal files older than this are deleted.
   */
  retentionDays?: number;
  /**
   * A journal file is rotated past this size.
   */
  maxSizeMB?: number;
}
/**
 * The local copy of each company's Sage tables that views and data are computed from (docs/replica.md).
 */
export interface Replica {
  /**
   * When the source's checksums per range of keys are compared, to catch rows changed without cbModification moving (a tool writing straight to the database): auto (every sync on SQL Server, which computes them; daily for SQLite files, computed here), every-sync, or daily.
   */
  checksums?: 'auto' | 'every-sync' | 'daily';
}
