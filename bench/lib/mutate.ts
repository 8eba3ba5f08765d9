/**
 * A day's work in the demo company, for the incremental figures: a share of the rows of every Data Manager
 * table changed as Sage changes them, in one transaction on the demo file. Of each table's share, a third is
 * inserted (copies of existing rows with new keys), a third deleted, and the rest updated (a value and
 * `cbModification` moved to now). Tables too small for their share to reach one row are left alone.
 */
import Database from 'better-sqlite3';
import { RAW_DATASETS } from '../../src/extract/raw/tables.js';

export interface TableChanges {
  table: string;
  rows: number;
  inserted: number;
  updated: number;
  deleted: number;
}

export interface ChangeFigures {
  /** Rows of every Data Manager table before the change. */
  rows: number;
  changed: number;
  stamp: string;
  tables: TableChanges[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local wall-clock time as Sage stores a datetime in the demo file. */
export function sageStamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Columns of the table's unique indexes (the business keys an inserted copy must not repeat). */
function uniqueColumns(db: Database.Database, table: string): string[] {
  const indexes = db.prepare(`SELECT name FROM pragma_index_list(?) WHERE "unique" = 1 AND origin = 'c'`).pluck().all(table) as string[];
  const columns = new Set<string>();
  for (const index of indexes) for (const c of db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all(index) as string[]) columns.add(c);
  return [...columns];
}

/** The next value of each unique key column for a copied row: the highest integer plus one, or new text. */
function keyMaker(db: Database.Database, table: string): (row: Record<string, unknown>, i: number) => void {
  const t = quote(table);
  const next = new Map<string, number | undefined>();
  for (const c of uniqueColumns(db, table)) {
    const texts = db.prepare(`SELECT count(*) FROM ${t} WHERE typeof(${quote(c)}) = 'text'`).pluck().get() as number;
    next.set(c, texts > 0 ? undefined : ((db.prepare(`SELECT max(${quote(c)}) FROM ${t}`).pluck().get() as number | null) ?? 0));
  }
  return (row, i) => {
    for (const [c, max] of next) row[c] = max === undefined ? `ZB${String(i).padStart(6, '0')}` : max + i;
  };
}

/** Existing keys spread over the table (every step-th), handed out in turn to updates, deletions and copies. */
function spreadKeys(db: Database.Database, table: string, rows: number, wanted: { update: number; delete: number; copy: number }) {
  const picked = { update: [] as number[], delete: [] as number[], copy: [] as number[] };
  const roles = ['update', 'delete', 'copy'] as const;
  const total = wanted.update + wanted.delete + wanted.copy;
  const step = Math.max(1, Math.floor(rows / total));
  let i = 0;
  let turn = 0;
  for (const key of db.prepare(`SELECT cbMarq FROM ${quote(table)} ORDER BY cbMarq`).pluck().iterate() as IterableIterator<number>) {
    if (i++ % step !== 0) continue;
    for (let tries = 0; tries < roles.length; tries++) {
      const role = roles[turn++ % roles.length]!;
      if (picked[role].length < wanted[role]) {
        picked[role].push(key);
        break;
      }
    }
    if (picked.update.length + picked.delete.length + picked.copy.length >= total) break;
  }
  return picked;
}

function changeTable(db: Database.Database, table: string, rows: number, fraction: number, stamp: string): TableChanges | undefined {
  const share = Math.round(rows * fraction);
  if (share < 1) return undefined;
  const copies = Math.floor(share / 3);
  const deletions = Math.floor(share / 3);
  const keys = spreadKeys(db, table, rows, { update: share - copies - deletions, delete: deletions, copy: copies });
  const t = quote(table);
  // The copies are read first: a copied row may not be one updated or deleted (the roles are exclusive anyway).
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).filter((c) => c !== 'cbMarq');
  const read = db.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${t} WHERE cbMarq = ?`);
  const insert = db.prepare(`INSERT INTO ${t} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const newKeys = keyMaker(db, table);
  keys.copy.forEach((key, i) => {
    const row = read.get(key) as Record<string, unknown>;
    newKeys(row, i + 1);
    row.cbModification = stamp;
    row.cbCreation = stamp;
    insert.run(columns.map((c) => row[c]));
  });
  const update = db.prepare(`UPDATE ${t} SET cbReplication = coalesce(cbReplication, 0) + 1, cbModification = ? WHERE cbMarq = ?`);
  for (const key of keys.update) update.run(stamp, key);
  const remove = db.prepare(`DELETE FROM ${t} WHERE cbMarq = ?`);
  for (const key of keys.delete) remove.run(key);
  return { table, rows, inserted: keys.copy.length, updated: keys.update.length, deleted: keys.delete.length };
}

/** Changes `fraction` of the rows of every Data Manager table of the demo file at `file`, stamped `now`. */
export function changeDemoRows(file: string, fraction: number, now: Date): ChangeFigures {
  const db = new Database(file);
  try {
    const stamp = sageStamp(now);
    const present = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
    const tables: TableChanges[] = [];
    let rows = 0;
    db.transaction(() => {
      for (const d of RAW_DATASETS) {
        if (!present.has(d.table)) continue;
        const count = db.prepare(`SELECT count(*) FROM ${quote(d.table)}`).pluck().get() as number;
        rows += count;
        const changes = changeTable(db, d.table, count, fraction, stamp);
        if (changes) tables.push(changes);
      }
    })();
    const changed = tables.reduce((n, t) => n + t.inserted + t.updated + t.deleted, 0);
    return { rows, changed, stamp, tables };
  } finally {
    db.close();
  }
}
