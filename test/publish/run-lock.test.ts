import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { acquireRunLock } from '../../src/publish/run-lock.js';
import { tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('sbsync-lock-')));
afterAll(async () => cleanup());

const now = () => new Date('2026-11-27T08:00:00Z');

test('a second run on the same company is refused while the first holds the lock, then succeeds', async () => {
  const first = await acquireRunLock(dir, 'ACME', { runId: 'r1', command: 'publish' }, { pid: 1001, now, isAlive: () => true });
  await expect(acquireRunLock(dir, 'ACME', { runId: 'r2', command: 'publish' }, { pid: 1002, now, isAlive: () => true })).rejects.toThrow(
    /company ACME is already being published \(publish, process 1001 on .*, since 2026-11-27T08:00:00.000Z\)/,
  );
  // Another company is independent.
  const other = await acquireRunLock(dir, 'BETA', { runId: 'r2', command: 'publish' }, { pid: 1002, now, isAlive: () => true });
  await first.release();
  const second = await acquireRunLock(dir, 'ACME', { runId: 'r2', command: 'publish' }, { pid: 1002, now, isAlive: () => true });
  expect(second.tookOverFrom).toBeUndefined();
  expect(JSON.parse(await readFile(second.file, 'utf8'))).toMatchObject({ pid: 1002, runId: 'r2' });
  await second.release();
  await other.release();
});

test('the lock of a dead process is taken over and reported', async () => {
  const locks = path.join(dir, 'stale');
  await mkdir(locks, { recursive: true });
  await writeFile(path.join(locks, 'ACME.lock'), JSON.stringify({ pid: 999999, hostname: hostname(), runId: 'dead', command: 'publish', since: '2026-11-26T23:00:00Z' }));
  const lock = await acquireRunLock(locks, 'ACME', { runId: 'r3', command: 'publish' }, { pid: 1003, now, isAlive: (pid) => pid !== 999999 });
  expect(lock.tookOverFrom).toMatchObject({ pid: 999999, runId: 'dead' });
  expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ pid: 1003, runId: 'r3' });
  await lock.release();
});

test('release does not remove a lock that another run took over', async () => {
  const locks = path.join(dir, 'stolen');
  const mine = await acquireRunLock(locks, 'ACME', { runId: 'r4', command: 'publish' }, { pid: 1004, now });
  await writeFile(mine.file, JSON.stringify({ pid: 1005, hostname: hostname(), runId: 'r5', command: 'publish', since: 'x' }));
  await mine.release();
  expect(JSON.parse(await readFile(mine.file, 'utf8'))).toMatchObject({ runId: 'r5' });
});
