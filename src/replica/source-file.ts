/**
 * When a SQLite source has not changed at all since the last sync: its size, modification time, the change
 * counter SQLite keeps in its header (bumped by every write transaction) and its write-ahead log, if any, are
 * those recorded then. A sync of such a file has nothing to read; the checksum passes still run when due.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** The header's file change counter: 4 bytes, big-endian, at offset 24 of every SQLite database file. */
const CHANGE_COUNTER_OFFSET = 24;

export function sqliteFileSignature(path: string): string | undefined {
  try {
    const file = statSync(path);
    const header = Buffer.alloc(4);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, 4, CHANGE_COUNTER_OFFSET);
    } finally {
      closeSync(fd);
    }
    let wal = '-';
    try {
      const log = statSync(`${path}-wal`);
      wal = `${log.size}:${log.mtimeMs}`;
    } catch {
      /* no write-ahead log: a rollback-journal database, as Sage-schema files and the demo are */
    }
    return `${file.size}:${file.mtimeMs}:${header.readUInt32BE(0)}:${wal}`;
  } catch {
    return undefined; // unreadable here: the sync reads the tables, and says what is wrong
  }
}
