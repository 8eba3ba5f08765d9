/**
 * Bulk INSERTs for the demo database: prepared statements, positional parameters, and the cb system
 * columns appended in one place. Rows are buffered and written 16 at a time with a multi-row INSERT, which
 * costs about a third less CPU than one statement per row; `flush()` writes what is left. cbMarq is the
 * rowid, so it increases in insertion order.
 */
import type { Database, Statement } from 'better-sqlite3';
import { sageTable, type SageTableName } from '../sage/tables.js';

/** A Sage user as recorded in cbCreateur (4 characters) and cbCreationUser (its PROT_Guid). */
export interface DemoUser {
  readonly code: string;
  readonly guid: string;
}

/** Who created and last modified a row, and when (stored datetime text). */
export interface Stamp {
  readonly user: DemoUser;
  readonly created: string;
  readonly modified: string;
}

export type Inserter = (values: unknown[], stamp: Stamp) => void;

const STAMP_COLUMNS = ['cbCreateur', 'cbModification', 'cbCreation', 'cbCreationUser'];
const BATCH_ROWS = 16;

interface TableBuffer {
  readonly single: Statement;
  readonly batch: Statement;
  readonly width: number;
  readonly values: unknown[];
  rows: number;
}

export class DemoWriter {
  readonly counts: Record<string, number> = {};
  private readonly buffers: TableBuffer[] = [];

  constructor(private readonly db: Database) {}

  /** An inserter for `columns` of `table` (in that order), followed by the stamp columns. */
  inserter(table: SageTableName, columns: readonly string[]): Inserter {
    const definition = sageTable(table);
    for (const name of columns) {
      const column = definition.columns.find((c) => c.name === name);
      if (!column || column.computed || column.identity || STAMP_COLUMNS.includes(name)) {
        throw new Error(`Demo writer: ${table}.${name} is not an insertable column`);
      }
    }
    const all = [...columns, ...STAMP_COLUMNS];
    const head = `INSERT INTO "${table}" (${all.map((c) => `"${c}"`).join(', ')}) VALUES `;
    const row = `(${all.map(() => '?').join(', ')})`;
    const buffer: TableBuffer = {
      single: this.db.prepare(head + row),
      batch: this.db.prepare(head + Array.from({ length: BATCH_ROWS }, () => row).join(', ')),
      width: all.length,
      values: new Array<unknown>(all.length * BATCH_ROWS),
      rows: 0,
    };
    this.buffers.push(buffer);
    const width = columns.length;
    this.counts[table] ??= 0;
    return (values, stamp) => {
      if (values.length !== width) throw new Error(`Demo writer: ${table} expects ${width} values, got ${values.length}`);
      const offset = buffer.rows * buffer.width;
      for (let i = 0; i < width; i++) buffer.values[offset + i] = values[i];
      buffer.values[offset + width] = stamp.user.code;
      buffer.values[offset + width + 1] = stamp.modified;
      buffer.values[offset + width + 2] = stamp.created;
      buffer.values[offset + width + 3] = stamp.user.guid;
      buffer.rows += 1;
      if (buffer.rows === BATCH_ROWS) {
        buffer.batch.run(buffer.values);
        buffer.rows = 0;
      }
      this.counts[table] = (this.counts[table] ?? 0) + 1;
    };
  }

  /**
   * Writes buffered rows. Call before reading the database and at the end. Rows of different tables are
   * buffered separately, so only the order within a table (cbMarq) follows the insertion order.
   */
  flush(): void {
    for (const buffer of this.buffers) {
      for (let r = 0; r < buffer.rows; r++) buffer.single.run(buffer.values.slice(r * buffer.width, (r + 1) * buffer.width));
      buffer.rows = 0;
    }
  }
}
