/**
 * Journal files: `journal-YYYY-MM-DD-N.ndjson` in the journal folder — one series per local day, N = 1, 2, …
 * when a file reaches maxSizeMB. Sorting by (date, N) gives the order the lines were written in.
 * Files whose date is more than retentionDays before today are deleted when a journal is opened.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

export interface JournalFile {
  name: string;
  file: string;
  /** `YYYY-MM-DD` (local day the file was started). */
  date: string;
  n: number;
}

const NAME = /^journal-(\d{4}-\d{2}-\d{2})-(\d+)\.ndjson$/;

export function journalFileName(date: string, n: number): string {
  return `journal-${date}-${n}.ndjson`;
}

export function parseJournalFileName(name: string): { date: string; n: number } | undefined {
  const m = NAME.exec(name);
  return m ? { date: m[1]!, n: Number(m[2]) } : undefined;
}

/** The journal files of `dir` in write order; [] when the folder does not exist. */
export async function listJournalFiles(dir: string): Promise<JournalFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: JournalFile[] = [];
  for (const name of names) {
    const parsed = parseJournalFileName(name);
    if (parsed) files.push({ name, file: path.join(dir, name), ...parsed });
  }
  return files.sort((a, b) => (a.date === b.date ? a.n - b.n : a.date < b.date ? -1 : 1));
}

/** Deletes the journal files started more than `retentionDays` days before `today` (`YYYY-MM-DD`). */
export async function deleteExpired(dir: string, today: string, retentionDays: number): Promise<string[]> {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const limit = new Date(Date.UTC(y, m - 1, d - retentionDays)).toISOString().slice(0, 10);
  const deleted: string[] = [];
  for (const f of await listJournalFiles(dir)) {
    if (f.date < limit) {
      await rm(f.file, { force: true });
      deleted.push(f.name);
    }
  }
  return deleted;
}
