/** Helpers to build the SQLite files the TDS test server answers from. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureDirectory {
  readonly path: string;
  /** Creates `<name>.sqlite` and lets `build` fill it; returns the file path. */
  sqlite(name: string, build: (db: Database.Database) => void): string;
  remove(): void;
}

export function fixtureDirectory(prefix = 'sbsync-tds-'): FixtureDirectory {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    sqlite(name, build) {
      const file = join(path, `${name}.sqlite`);
      const db = new Database(file);
      try {
        build(db);
      } finally {
        db.close();
      }
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** Reads a whole (small) result: tests only. */
export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

/** The source options every test uses against a TDS test server: SQL login `sbsync`/`pw`, no TLS. */
export function testServerOptions(server: { host: string; port: number }, database: string) {
  return {
    server: server.host,
    port: server.port,
    database,
    authentication: 'sql' as const,
    user: 'sbsync',
    password: 'pw',
    encrypt: false,
    trustServerCertificate: false,
    requestTimeoutMs: 5_000,
  };
}
