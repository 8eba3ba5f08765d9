/**
 * The journal writer. Every event is one JSON line, redacted, appended with a single write on a file opened
 * with O_APPEND: lines of concurrent runs never interleave, and a crash can only tear the line being
 * written (the reader skips it, the next writer starts on a fresh line).
 */
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../deps.js';
import { OperationError } from '../errors.js';
import type { Redactor } from '../redact.js';
import { deleteExpired, journalFileName, listJournalFiles } from './files.js';
import { localDate, localIso } from './time.js';
import type { JournalEntry, JournalEvent } from './types.js';

export interface JournalOptions {
  /** The journal folder (config `journal.path`, absolute). Created if missing. */
  dir: string;
  retentionDays: number;
  maxSizeMB: number;
}

export interface JournalContext {
  clock: Clock;
  /** Every line passes through it: no secret reaches the journal. */
  redactor: Redactor;
  /** Identifies the run; `createRunId()` makes one. */
  runId: string;
  /** The command writing, e.g. `publish`. */
  command: string;
  pid: number;
}

export interface Journal {
  readonly dir: string;
  readonly runId: string;
  /** Journal files deleted by retention when it was opened. */
  readonly expired: readonly string[];
  /** Appends one event. Writes are serialised in call order; rejects with an OperationError naming the file. */
  write(event: JournalEvent): Promise<void>;
  /** Resolves when every write issued so far is on disk (or has failed). */
  flush(): Promise<void>;
}

/** `20261127-070002-3fa9`: local start time (sortable, readable) plus 4 random hex digits. */
export function createRunId(now: Date, random: () => number = Math.random): string {
  const stamp = localIso(now).slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${suffix}`;
}

/** Builds the line exactly as it is written (without the newline). */
export function formatEntry(event: JournalEvent, context: Pick<JournalContext, 'runId' | 'command' | 'pid' | 'redactor'>, now: Date): string {
  const entry: JournalEntry = {
    v: 1,
    time: localIso(now),
    level: event.level,
    runId: context.runId,
    command: context.command,
    pid: context.pid,
    event: event.event,
    message: event.message,
  };
  for (const key of ['company', 'service', 'dataset', 'view', 'table', 'counts', 'bytes', 'durationMs', 'details'] as const) {
    if (event[key] !== undefined) (entry as unknown as Record<string, unknown>)[key] = event[key];
  }
  // Redact the values (keys too), then serialise: the line stays valid JSON whatever the secret looks like.
  return JSON.stringify(redactDeep(entry, context.redactor));
}

function redactDeep(value: unknown, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redactor));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return redactor.redact(value.message);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactor.redact(k), redactDeep(v, redactor)]));
  }
  return value;
}

async function endsWithNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function journalError(what: string, target: string, error: unknown): OperationError {
  const code = (error as NodeJS.ErrnoException).code;
  return new OperationError(`cannot ${what} the journal ${target}${code ? ` (${code})` : ''}`, {
    hint: 'Check that the folder in journal.path exists or can be created and that this account may write to it.',
    cause: error,
  });
}

/** Opens the journal folder: creates it, deletes expired files. Lines go to today's file, rotated by size. */
export async function openJournal(options: JournalOptions, context: JournalContext): Promise<Journal> {
  const { dir } = options;
  const maxBytes = Math.max(1, options.maxSizeMB) * 1024 * 1024;
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw journalError('create the folder of', dir, error);
  }
  let expired: string[];
  try {
    expired = await deleteExpired(dir, localDate(context.clock.now()), options.retentionDays);
  } catch (error) {
    throw journalError('clean up', dir, error);
  }

  /** Files this journal has already written to (and so checked for a torn last line). */
  const started = new Set<string>();
  let current: { date: string; n: number } | undefined;

  /** Today's file with room for `bytes` more (the next N when the last one is full). */
  async function target(date: string, bytes: number): Promise<string> {
    if (current?.date !== date) {
      const today = (await listJournalFiles(dir)).filter((f) => f.date === date);
      current = { date, n: today.at(-1)?.n ?? 1 };
    }
    for (;;) {
      const file = path.join(dir, journalFileName(current.date, current.n));
      const size = await sizeOf(file);
      if (size === undefined || size === 0 || size + bytes <= maxBytes) return file;
      current = { date, n: current.n + 1 };
    }
  }

  async function append(line: string, now: Date): Promise<void> {
    const body = Buffer.from(`${line}\n`, 'utf8');
    let file = dir;
    try {
      file = await target(localDate(now), body.length);
      // A previous process died mid-line: start on a fresh line so this entry is not glued to the torn one.
      const prefix = !started.has(file) && !(await endsWithNewline(file));
      started.add(file);
      const data = prefix ? Buffer.concat([Buffer.from('\n'), body]) : body;
      const handle = await open(file, 'a');
      try {
        // One write call per line on an O_APPEND descriptor: the line lands whole at the end of the file.
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await handle.write(data, written, data.length - written);
          written += bytesWritten;
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw journalError('write to', file, error);
    }
  }

  let queue: Promise<void> = Promise.resolve();
  return {
    dir,
    runId: context.runId,
    expired,
    write(event) {
      const now = context.clock.now();
      const line = formatEntry(event, context, now);
      const next = queue.then(() => append(line, now));
      queue = next.catch(() => undefined);
      return next;
    },
    flush: () => queue,
  };
}
