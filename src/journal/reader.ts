/**
 * The journal reader: streams the entries of every journal file in write order, line by line (constant
 * memory), skipping torn or foreign lines with a note instead of failing.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { listJournalFiles, type JournalFile } from './files.js';
import { localDate } from './time.js';
import { LEVEL_RANK, type JournalEntry, type JournalLevel } from './types.js';

export interface JournalFilter {
  /** Entries at or after this instant (files started before its local day are not even opened). */
  since?: Date;
  company?: string;
  /** Minimum level. */
  level?: JournalLevel;
  /** A run id or a unique prefix of one. */
  runId?: string;
}

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface ReadOptions {
  /** Skips the files started before this instant's local day (the day before is kept); lines are not filtered. */
  filesSince?: Date;
  /** Called for each line that is not a journal entry (a torn last line after a crash, a foreign line). */
  onSkipped?: (skipped: SkippedLine) => void;
}

const ENTRY_START = '{"v":1,';

/** Parses one physical line; a line glued after a torn one is recovered from its last entry start. */
export function parseLine(text: string): JournalEntry | undefined {
  const tryParse = (s: string): JournalEntry | undefined => {
    try {
      const value = JSON.parse(s) as unknown;
      return isEntry(value) ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const direct = tryParse(text);
  if (direct) return direct;
  const start = text.lastIndexOf(ENTRY_START);
  return start > 0 ? tryParse(text.slice(start)) : undefined;
}

function isEntry(value: unknown): value is JournalEntry {
  if (value === null || typeof value !== 'object') return false;
  const e = value as Record<string, unknown>;
  return e.v === 1 && typeof e.time === 'string' && typeof e.runId === 'string' && typeof e.event === 'string' && typeof e.level === 'string' && e.level in LEVEL_RANK;
}

export function entryTime(entry: Pick<JournalEntry, 'time'>): Date {
  return new Date(entry.time);
}

export function matches(entry: JournalEntry, filter: JournalFilter): boolean {
  if (filter.since && entryTime(entry).getTime() < filter.since.getTime()) return false;
  if (filter.company !== undefined && entry.company?.toUpperCase() !== filter.company.toUpperCase()) return false;
  if (filter.level !== undefined && LEVEL_RANK[entry.level] < LEVEL_RANK[filter.level]) return false;
  if (filter.runId !== undefined && !entry.runId.startsWith(filter.runId)) return false;
  return true;
}

function relevantFiles(files: JournalFile[], since: Date | undefined): JournalFile[] {
  if (!since) return files;
  const day = localDate(since);
  // A file started the day before can hold lines written after midnight.
  const dayBefore = localDate(new Date(since.getTime() - 36 * 3600_000));
  const keepFrom = files.findIndex((f) => f.date >= day);
  const lastBefore = files.filter((f) => f.date < day && f.date >= dayBefore).at(-1);
  const kept = keepFrom === -1 ? [] : files.slice(keepFrom);
  return lastBefore ? [lastBefore, ...kept] : kept;
}

async function* readFileEntries(file: string, filter: JournalFilter, options: ReadOptions): AsyncGenerator<JournalEntry> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number += 1;
      if (text.trim() === '') continue;
      const entry = parseLine(text);
      if (!entry) {
        options.onSkipped?.({ file, line: number, reason: text.startsWith('{') && !text.trimEnd().endsWith('}') ? 'torn line (a run was cut off while writing it)' : 'not a journal entry' });
        continue;
      }
      if (matches(entry, filter)) yield entry;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted by retention meanwhile
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Every entry of the journal folder matching `filter`, oldest first. An absent folder yields nothing. */
export async function* readJournal(dir: string, filter: JournalFilter = {}, options: ReadOptions = {}): AsyncGenerator<JournalEntry> {
  for (const f of relevantFiles(await listJournalFiles(dir), filter.since ?? options.filesSince)) yield* readFileEntries(f.file, filter, options);
}

/**
 * Follows the journal like `tail -f`: yields entries appended after it started (or, with `fromStart`, every
 * entry matching the filter first), polling every `pollMs`, until `signal` aborts. Only complete lines are read.
 */
export async function* followJournal(
  dir: string,
  filter: JournalFilter,
  options: ReadOptions & { signal: AbortSignal; pollMs?: number; fromStart?: boolean; onIdle?: () => void },
): AsyncGenerator<JournalEntry> {
  const offsets = new Map<string, number>();
  const pending = new Map<string, Buffer>();
  const lineNumbers = new Map<string, number>();
  if (!options.fromStart) {
    for (const f of await listJournalFiles(dir)) offsets.set(f.file, await sizeOrZero(f.file));
  }
  const pollMs = options.pollMs ?? 1000;
  while (!options.signal.aborted) {
    for (const f of await listJournalFiles(dir)) {
      const from = offsets.get(f.file) ?? 0;
      const size = await sizeOrZero(f.file);
      if (size <= from) continue;
      const chunk = await readRange(f.file, from, size);
      offsets.set(f.file, from + chunk.length);
      // Bytes, not text: a read that ends inside a line (or a character) waits for the rest.
      const data = Buffer.concat([pending.get(f.file) ?? Buffer.alloc(0), chunk]);
      const cut = data.lastIndexOf(0x0a);
      pending.set(f.file, cut === -1 ? data : data.subarray(cut + 1));
      if (cut === -1) continue;
      for (const line of data.subarray(0, cut).toString('utf8').split('\n')) {
        const number = (lineNumbers.get(f.file) ?? 0) + 1;
        lineNumbers.set(f.file, number);
        if (line.trim() === '') continue;
        const entry = parseLine(line.replace(/\r$/, ''));
        if (!entry) {
          options.onSkipped?.({ file: f.file, line: number, reason: 'torn line (a run was cut off while writing it)' });
          continue;
        }
        if (matches(entry, filter)) yield entry;
      }
    }
    options.onIdle?.();
    await sleep(pollMs, options.signal);
  }
}

async function sizeOrZero(file: string): Promise<number> {
  try {
    const handle = await open(file, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

async function readRange(file: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
