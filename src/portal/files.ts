/**
 * The file-system port of the store and the few durable-write primitives it is built from. Every write
 * that must survive a crash goes: temp file in the same directory → fsync → rename → fsync the directory.
 */
import * as nodeFs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The subset of node:fs/promises the store uses; tests wrap it to inject failures at any step. */
export type StoreFs = Pick<
  typeof nodeFs,
  'open' | 'mkdir' | 'rename' | 'rm' | 'readFile' | 'readdir' | 'stat' | 'link' | 'copyFile' | 'unlink' | 'utimes'
>;

export const nodeStoreFs: StoreFs = nodeFs;

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

export const isMissing = (error: unknown): boolean => errorCode(error) === 'ENOENT';

export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** Temp files carry this marker so cleanup can recognise leftovers of a crashed write. */
export const TEMP_MARKER = '.tmp-';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARKER}${randomSuffix()}`);
}

/** FileHandle.write may write less than asked; loop until the whole chunk is on disk. */
export async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/**
 * fsync a directory so a rename or a new entry in it survives a power cut. Windows cannot open a
 * directory for this (and does not need it: NTFS journals metadata), so those refusals are ignored.
 */
export async function syncDirectory(fs: StoreFs, path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(error) ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!['EINVAL', 'EPERM', 'EBADF', 'EISDIR'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * rename() with a few short retries: on Windows an antivirus or a reader can hold the target for a moment
 * (EPERM / EACCES / EBUSY). Elsewhere these codes are permanent and the retries only delay the error a little.
 */
export async function renameDurably(fs: StoreFs, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (error) {
      const transient = ['EPERM', 'EACCES', 'EBUSY'].includes(errorCode(error) ?? '');
      if (!transient || attempt >= 6) throw error;
      await sleep(15 * 2 ** attempt);
    }
  }
}

/** Replaces `path` with `content` so that a reader or a crash sees either the old or the new file, never a mix. */
export async function writeFileAtomic(fs: StoreFs, path: string, content: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await fs.open(temp, 'wx');
  try {
    try {
      await writeAll(handle, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameDurably(fs, temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(fs, dirname(path));
}

export async function writeJsonAtomic(fs: StoreFs, path: string, value: unknown): Promise<void> {
  await writeFileAtomic(fs, path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Parsed JSON file, or undefined when it does not exist. */
export async function readJsonIfExists<T>(fs: StoreFs, path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

export async function pathExists(fs: StoreFs, path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

export async function listDirectory(fs: StoreFs, path: string): Promise<string[]> {
  try {
    return (await fs.readdir(path)).map(String).sort();
  } catch (error) {
    if (isMissing(error) || errorCode(error) === 'ENOTDIR') return [];
    throw error;
  }
}

/** Hard link (free, and files in a publication never change), or a copy where links are not supported. */
export async function linkOrCopy(fs: StoreFs, from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to);
  } catch (error) {
    const code = errorCode(error) ?? '';
    if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'].includes(code)) throw error;
    await fs.copyFile(from, to);
    const handle = await fs.open(to, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Recursive delete that tolerates a missing path (and retries Windows' transient EBUSY/EPERM itself). */
export async function removeTree(fs: StoreFs, path: string): Promise<void> {
  await fs.rm(path, { recursive: true, force: true, maxRetries: 3 });
}
