/**
 * Short exclusive sections on the store, safe across processes (the portal server and a `file:` publisher
 * may share one directory) and within one process.
 *
 * A lock is a file created with O_EXCL holding `{pid, hostname, token, acquiredAt}`. It is only ever held
 * for metadata steps (renames, pointer and users writes), never while data is copied, so a lock older than
 * `staleAfterMs`, or one whose process is gone from this host, is taken over.
 */
import { isProcessAlive } from '../process-alive.js';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PortalStoreError } from './errors.js';
import { errorCode, isMissing, randomSuffix, tempPathFor, writeAll, type StoreFs } from './files.js';

export interface Clock {
  now(): Date;
}

/** Who we are, as recorded in lock files; injected so tests can play a crashed process. */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  isAlive(pid: number): boolean;
}

export interface LockOptions {
  /** How long to wait for a lock held by a live writer before giving up with a `busy` error. */
  timeoutMs: number;
  /** Age after which a lock is considered abandoned whoever holds it (another host's crash). */
  staleAfterMs: number;
}

interface LockContent {
  pid: number;
  hostname: string;
  token: string;
  acquiredAt: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StoreLocks {
  /** Tail of the in-process queue per lock name: sections of this process never race each other. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly fs: StoreFs,
    private readonly directory: string,
    private readonly clock: Clock,
    private readonly identity: ProcessIdentity,
    private readonly options: LockOptions,
  ) {}

  async withLock<T>(name: string, section: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.queues.set(name, tail);
    await previous;
    try {
      const token = await this.acquire(name);
      try {
        return await section();
      } finally {
        await this.release(name, token);
      }
    } finally {
      release();
      if (this.queues.get(name) === tail) this.queues.delete(name);
    }
  }

  private lockPath(name: string): string {
    return join(this.directory, `${name}.lock`);
  }

  private async acquire(name: string): Promise<string> {
    const path = this.lockPath(name);
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + this.options.timeoutMs;
    let pause = 10;
    for (;;) {
      if (await this.tryCreate(path, token)) return token;
      const holder = await this.readHolder(path);
      if (holder !== 'gone' && (await this.isStale(path, holder))) {
        await this.takeOver(path, holder);
        continue;
      }
      if (holder === 'gone') continue;
      if (Date.now() >= deadline) {
        const who = holder ? `process ${holder.pid} on ${holder.hostname}` : 'another process';
        throw new PortalStoreError('busy', `The store is busy: ${who} holds the ${name} lock.`, 'store-busy', {
          hint: `Try again in a moment; if no sbsync process is running, delete ${path}.`,
        });
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
    }
  }

  /**
   * The lock appears complete or not at all: its content is written to a temp file first, then hard-linked
   * to the lock name (link fails if the name exists). Where links are not supported, O_EXCL create + write.
   */
  private async tryCreate(path: string, token: string): Promise<boolean> {
    const content: LockContent = {
      pid: this.identity.pid,
      hostname: this.identity.hostname,
      token,
      acquiredAt: this.clock.now().toISOString(),
    };
    const bytes = Buffer.from(JSON.stringify(content));
    const temp = tempPathFor(path);
    const handle = await this.fs.open(temp, 'wx');
    try {
      await writeAll(handle, bytes);
    } finally {
      await handle.close();
    }
    try {
      await this.fs.link(temp, path);
      return true;
    } catch (error) {
      const code = errorCode(error) ?? '';
      if (code === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code)) throw error;
      return this.tryCreateExclusive(path, bytes);
    } finally {
      await this.fs.rm(temp, { force: true });
    }
  }

  private async tryCreateExclusive(path: string, bytes: Buffer): Promise<boolean> {
    let handle;
    try {
      handle = await this.fs.open(path, 'wx');
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
    try {
      await writeAll(handle, bytes);
    } finally {
      await handle.close();
    }
    return true;
  }

  /** The holder's record; undefined when the file is unreadable (a crash between create and write); 'gone' when released meanwhile. */
  private async readHolder(path: string): Promise<LockContent | undefined | 'gone'> {
    try {
      const text = await this.fs.readFile(path, 'utf8');
      const parsed = JSON.parse(text) as Partial<LockContent>;
      if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.acquiredAt === 'string') {
        return parsed as LockContent;
      }
      return undefined;
    } catch (error) {
      if (isMissing(error)) return 'gone';
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  private async isStale(path: string, holder: LockContent | undefined): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (holder === undefined) {
      // Half-written lock: stale once its writer clearly had time to finish.
      try {
        const { mtimeMs } = await this.fs.stat(path);
        return now - mtimeMs > Math.min(this.options.staleAfterMs, 5_000);
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    }
    if (holder.hostname === this.identity.hostname && !this.identity.isAlive(holder.pid)) return true;
    return now - Date.parse(holder.acquiredAt) > this.options.staleAfterMs;
  }

  /**
   * Moves the stale lock aside rather than deleting it, then checks that what was moved is the lock judged
   * stale: if a competing process replaced it in between, the live lock is put back.
   */
  private async takeOver(path: string, judged: LockContent | undefined): Promise<void> {
    const aside = `${path}.stale-${randomSuffix()}`;
    try {
      await this.fs.rename(path, aside);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const moved = await this.readHolder(aside);
    const movedLive = moved !== 'gone' && moved !== undefined && moved.token !== judged?.token;
    if (movedLive) await this.fs.link(aside, path).catch(() => undefined);
    await this.fs.rm(aside, { force: true });
  }

  private async release(name: string, token: string): Promise<void> {
    const path = this.lockPath(name);
    const holder = await this.readHolder(path);
    // Never delete a lock that was taken over from us: it belongs to someone else now.
    if (holder !== 'gone' && holder?.token === token) await this.fs.rm(path, { force: true });
  }
}

export function defaultProcessIdentity(pid: number, hostname: string): ProcessIdentity {
  return {
    pid,
    hostname,
    isAlive: isProcessAlive,
  };
}
