/**
 * One publication at a time per company: Task Scheduler may start a run while the previous one is still
 * going (or a user runs `publish` by hand). A lock file created with O_EXCL records who holds it; a lock
 * whose process is gone from this machine is stale and taken over (the caller journals it).
 */
import { hostname } from 'node:os';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { OperationError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';

export interface LockHolder {
  pid: number;
  hostname: string;
  runId: string;
  command: string;
  since: string;
}

export interface RunLock {
  readonly file: string;
  /** The stale holder this lock was taken over from, if any. */
  readonly tookOverFrom?: LockHolder;
  release(): Promise<void>;
}

export interface RunLockDeps {
  pid: number;
  now: () => Date;
  /** True when `pid` is a live process on this machine. */
  isAlive?: (pid: number) => boolean;
}

export async function acquireRunLock(dir: string, company: string, identity: { runId: string; command: string }, deps: RunLockDeps): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${company}.lock`);
  const me: LockHolder = { pid: deps.pid, hostname: hostname(), runId: identity.runId, command: identity.command, since: deps.now().toISOString() };
  const isAlive = deps.isAlive ?? isProcessAlive;
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const lock: RunLock = {
        file,
        ...(tookOverFrom ? { tookOverFrom } : {}),
        release: async () => {
          // Only remove the lock if it is still ours (a stale-takeover by another run must not be undone).
          const holder = await readHolder(file);
          if (holder && holder.pid === me.pid && holder.runId === me.runId) await rm(file, { force: true });
        },
      };
      return lock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(file);
    if (holder && (holder.hostname !== me.hostname || isAlive(holder.pid))) {
      throw new OperationError(`company ${company} is already being published (${holder.command}, process ${holder.pid} on ${holder.hostname}, since ${holder.since})`, {
        hint: `Wait for that run to finish. If it is certainly dead (e.g. the server restarted), delete ${file}.`,
      });
    }
    // Dead holder (or an unreadable half-written lock): move it aside atomically, then retry the O_EXCL create.
    tookOverFrom = holder ?? { pid: 0, hostname: me.hostname, runId: 'unknown', command: 'unknown', since: 'unknown' };
    const aside = `${file}.stale-${deps.pid}-${attempt}`;
    if (!(await rename(file, aside).then(() => true, () => false))) continue;
    const moved = await readHolder(aside);
    if (moved && holder && (moved.pid !== holder.pid || moved.runId !== holder.runId)) {
      // Another run took the stale lock over between our read and our rename: give its lock back.
      await link(aside, file).catch(() => undefined);
      await rm(aside, { force: true });
      throw new OperationError(`company ${company} is already being published (process ${moved.pid}, since ${moved.since})`, { hint: 'Wait for that run to finish.' });
    }
    await rm(aside, { force: true });
  }
  throw new OperationError(`could not take the lock ${file} for company ${company}`, { hint: 'Another run keeps taking it; try again.' });
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
