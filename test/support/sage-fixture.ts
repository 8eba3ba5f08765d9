/**
 * Builds small Sage-schema SQLite files for tests: the real table definitions (sage/tables.ts), rows given
 * as plain objects. Values are stored the way a Sage-schema SQLite file stores them: datetimes as
 * `YYYY-MM-DD HH:MM:SS` text (ISO `T` and date-only input accepted), decimal strings as numbers in the
 * numeric(24,6) columns. Columns left out get their default (0 for flags and amounts) or NULL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatStoredDatetime, parseWallClock } from '../../src/extract/sage/calendar.js';
import {
  findSageTable,
  SAGE_TABLES,
  sqliteSchemaDdl,
  sqlTypeKind,
  type SageTable,
} from '../../src/extract/sage/tables.js';

export type FixtureValue = string | number | bigint | boolean | Buffer | null;
export type FixtureRows = Record<string, ReadonlyArray<Record<string, FixtureValue>>>;

export interface SageFixtureOptions {
  /** Tables to create (default: every Sage table). */
  tables?: readonly SageTable[];
  /** Extra columns to append, e.g. `{ F_COMPTET: ['"Zone géo" varchar(21)'] }` (informations libres). */
  extraColumns?: Record<string, readonly string[]>;
}

function storedValue(table: SageTable, column: string, value: FixtureValue): unknown {
  const def = table.columns.find((c) => c.name === column);
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (!def) return value; // an extra column: stored as given
  const kind = sqlTypeKind(def.type);
  if (kind === 'datetime' && typeof value === 'string') {
    const at = parseWallClock(value);
    if (!at) throw new Error(`${table.name}.${column}: not a date: ${value}`);
    return formatStoredDatetime(at.days, at.seconds);
  }
  if (kind === 'decimal' && typeof value === 'string') return Number(value);
  return value;
}

/** Creates (or overwrites the content of) a SQLite file at `path` holding the given rows; returns `path`. */
export function createSageFixture(path: string, rows: FixtureRows = {}, options: SageFixtureOptions = {}): string {
  const tables = options.tables ?? SAGE_TABLES;
  const db = new Database(path);
  try {
    const ddl = sqliteSchemaDdl(tables);
    db.transaction(() => {
      for (const statement of ddl.tables) db.exec(statement);
      for (const [tableName, columns] of Object.entries(options.extraColumns ?? {})) {
        for (const column of columns) db.exec(`ALTER TABLE "${tableName}" ADD COLUMN ${column}`);
      }
      for (const [tableName, tableRows] of Object.entries(rows)) {
        const table = findSageTable(tableName);
        if (!table) throw new Error(`Unknown Sage table in fixture: ${tableName}`);
        for (const row of tableRows) {
          const names = Object.keys(row);
          for (const name of names) {
            const def = table.columns.find((c) => c.name === name);
            const extra = (options.extraColumns?.[table.name] ?? []).some((c) => c.includes(`"${name}"`) || c.startsWith(`${name} `));
            if (!def && !extra) throw new Error(`Unknown column in fixture: ${table.name}.${name}`);
            if (def?.computed) throw new Error(`Computed column cannot be set in fixture: ${table.name}.${name}`);
          }
          const sql = `INSERT INTO "${table.name}" (${names.map((n) => `"${n.replace(/"/g, '""')}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
          db.prepare(sql).run(...names.map((n) => storedValue(table, n, row[n] ?? null)));
        }
      }
      for (const statement of ddl.indexes) db.exec(statement);
    })();
  } finally {
    db.close();
  }
  return path;
}

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  remove(): void;
}

/** A fresh temporary directory; call `remove()` in afterEach/afterAll. */
export function createTempDir(prefix = 'sbsync-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name: string) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
