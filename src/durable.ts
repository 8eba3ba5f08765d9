/** Flushing files and directory entries to the disk (synchronous: a few calls per run, on local files). */
import { closeSync, fsyncSync, openSync } from 'node:fs';

/** Flushes a written file's data to the disk. */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r+'); // Windows flushes only handles open for writing
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes the renames in a directory durable; best effort (Windows cannot open a directory, and renames there are already atomic). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}
