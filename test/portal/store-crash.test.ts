/**
 * Crash safety, exhaustively: the store runs on a file system that "dies" after N mutating steps (every
 * later call fails, as if the process was killed), for every N until the operation completes. After each
 * simulated crash a fresh store on the same directory must show an intact publication, finish or redo the
 * interrupted work, and leave no junk behind.
 */
import { describe, expect, it } from 'vitest';
import * as realFs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openStore, type PortalStore, type PublicationManifest } from '../../src/portal/store.js';
import type { StoreFs } from '../../src/portal/files.js';
import { hashPassword } from '../../src/portal/password.js';
import { chunksOf, dataset, publishFull, readRows, sha256, tempDir } from './helpers.js';

const CRASHED_PID = 424242;
const crashedIdentity = { pid: CRASHED_PID, hostname: hostname(), isAlive: () => true };
const survivorIdentity = { pid: process.pid, hostname: hostname(), isAlive: (pid: number) => pid !== CRASHED_PID };

class SimulatedCrash extends Error {
  readonly code = 'ESIMULATEDCRASH';
}

/** A real file system that stops working for good after `budget` mutating calls. */
function dyingFs() {
  let budget = Infinity;
  let steps = 0;
  let dead = false;
  const die = (): never => {
    dead = true;
    throw new SimulatedCrash('simulated crash');
  };
  const mutate = () => {
    if (dead || ++steps > budget) die();
  };
  const read = () => {
    if (dead) die();
  };
  const wrapHandle = (handle: FileHandle): FileHandle =>
    new Proxy(handle, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property === 'close') {
          // The OS closes a dead process's files; the call itself fails.
          return async () => {
            await target.close();
            if (dead) die();
          };
        }
        return (...args: unknown[]) => {
          if (property === 'write' || property === 'sync' || property === 'writeFile' || property === 'truncate')
            mutate();
          else read();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const fs = {
    open: async (path: string, flags?: string) => {
      if (flags && flags !== 'r') mutate();
      else read();
      return wrapHandle(await realFs.open(path, flags));
    },
    mkdir: (...args: Parameters<typeof realFs.mkdir>) => (mutate(), realFs.mkdir(...args)),
    rename: (...args: Parameters<typeof realFs.rename>) => (mutate(), realFs.rename(...args)),
    rm: (...args: Parameters<typeof realFs.rm>) => (mutate(), realFs.rm(...args)),
    unlink: (...args: Parameters<typeof realFs.unlink>) => (mutate(), realFs.unlink(...args)),
    link: (...args: Parameters<typeof realFs.link>) => (mutate(), realFs.link(...args)),
    copyFile: (...args: Parameters<typeof realFs.copyFile>) => (mutate(), realFs.copyFile(...args)),
    utimes: (...args: Parameters<typeof realFs.utimes>) => (mutate(), realFs.utimes(...args)),
    readFile: (...args: Parameters<typeof realFs.readFile>) => (read(), realFs.readFile(...args)),
    readdir: (...args: Parameters<typeof realFs.readdir>) => (read(), realFs.readdir(...args)),
    stat: (...args: Parameters<typeof realFs.stat>) => (read(), realFs.stat(...args)),
  } as unknown as StoreFs;
  return {
    fs,
    arm(limit: number) {
      budget = limit;
      steps = 0;
    },
    get dead() {
      return dead;
    },
  };
}

/** Every dataset of the visible publication decodes to the expected rows and has the digest its manifest announces. */
async function expectIntact(
  store: PortalStore,
  company: string,
  service: 'data-manager' | 'business-mobile',
  expected: Record<string, object[]>,
): Promise<PublicationManifest> {
  const manifest = await store.currentPublication(company, service);
  expect(manifest).toBeDefined();
  expect(manifest!.datasets.map((d) => d.name).sort()).toEqual(Object.keys(expected).sort());
  for (const entry of manifest!.datasets) {
    const rows = await readRows(store, company, service, entry.name);
    expect(rows).toEqual(expected[entry.name]);
    const opened = await store.openDataset(company, service, entry.name);
    const gzip: Buffer[] = [];
    for await (const chunk of opened!.gzipStream()) gzip.push(Buffer.from(chunk));
    expect(sha256(Buffer.concat(gzip))).toBe(entry.sha256);
    expect(Buffer.concat(gzip).length).toBe(entry.storedBytes);
  }
  return manifest!;
}

/** Nothing left over once cleanup ran long after the crash: only the live publications remain. */
async function expectNoJunk(root: string, keep: Record<string, string[]>): Promise<void> {
  const later = { now: () => new Date(Date.now() + 48 * 3600_000) };
  await openStore({ root, clock: later, identity: survivorIdentity });
  expect(await realFs.readdir(join(root, 'staging'))).toEqual([]);
  expect(await realFs.readdir(join(root, 'trash'))).toEqual([]);
  expect(await realFs.readdir(join(root, 'locks'))).toEqual([]);
  for (const [path, publications] of Object.entries(keep)) {
    expect((await realFs.readdir(join(root, 'companies', path, 'publications'))).sort()).toEqual(
      [...publications].sort(),
    );
    expect((await realFs.readdir(join(root, 'companies', path))).sort()).toEqual(['current.json', 'publications']);
  }
}

/**
 * Runs `prepare` on a fresh store, then `operation` on a store whose file system dies after N steps,
 * for N = 0, 1, 2… until the operation completes; `verify` inspects each outcome.
 */
async function atEveryCrashPoint<T>(
  prepare: (store: PortalStore) => Promise<T>,
  operation: (store: PortalStore, prepared: T) => Promise<unknown>,
  verify: (outcome: { root: string; prepared: T; completed: boolean; survivor: PortalStore }) => Promise<void>,
): Promise<number> {
  for (let limit = 0; limit < 500; limit++) {
    const root = await tempDir();
    const prepared = await prepare(await openStore({ root, identity: survivorIdentity }));
    const dying = dyingFs();
    const doomed = await openStore({ root, fs: dying.fs, identity: crashedIdentity });
    dying.arm(limit);
    let completed = false;
    try {
      await operation(doomed, prepared);
      completed = true;
    } catch (error) {
      if (!dying.dead) throw error;
    }
    const survivor = await openStore({ root, identity: survivorIdentity, lockTimeoutMs: 2_000 });
    await verify({ root, prepared, completed, survivor });
    if (completed) return limit;
  }
  throw new Error('the operation never completed');
}

const OLD = { customers: [{ code: 'C1' }, { code: 'C2' }], items: [{ ref: 'A' }] };
const NEW = { customers: [{ code: 'C3' }], journals: [{ code: 'VT' }] };

async function openAndUpload(
  store: PortalStore,
  datasets: Record<string, object[]>,
  options: { mode?: 'incremental'; basePublicationId?: string; keys?: string[] } = {},
) {
  const opened = await store.openPublication({
    company: 'ACME',
    service: 'data-manager',
    ...(options.mode ? { mode: options.mode, basePublicationId: options.basePublicationId } : {}),
  });
  const announced = [];
  for (const [name, rows] of Object.entries(datasets)) {
    const data = dataset(rows);
    await store.putDataset(opened.publicationId, name, data, chunksOf(data.gzip, 64));
    announced.push({ name, rows: data.rows, sha256: data.sha256, ...(options.keys ? { keys: options.keys } : {}) });
  }
  return { publicationId: opened.publicationId, commit: { datasets: announced } };
}

describe('portal store: a crash at any moment', () => {
  it('of a full commit leaves the previous publication intact, and the commit can be retried', async () => {
    const crashPoints = await atEveryCrashPoint(
      async (store) => {
        const previous = await publishFull(store, 'ACME', 'data-manager', OLD);
        return { previous, next: await openAndUpload(store, NEW) };
      },
      (store, { next }) => store.commitPublication(next.publicationId, next.commit),
      async ({ root, prepared, completed, survivor }) => {
        const visible = await survivor.currentPublication('ACME', 'data-manager');
        if (completed) expect(visible?.publicationId).toBe(prepared.next.publicationId);
        await expectIntact(
          survivor,
          'ACME',
          'data-manager',
          visible?.publicationId === prepared.previous.publicationId ? OLD : NEW,
        );

        // Retrying the interrupted commit finishes it, whatever step it died at.
        const retried = await survivor.commitPublication(prepared.next.publicationId, prepared.next.commit);
        expect(retried.publicationId).toBe(prepared.next.publicationId);
        await expectIntact(survivor, 'ACME', 'data-manager', NEW);

        const following = await publishFull(survivor, 'ACME', 'data-manager', { customers: [{ code: 'C4' }] });
        await expectNoJunk(root, { 'ACME/data-manager': [prepared.next.publicationId, following.publicationId] });
      },
    );
    expect(crashPoints).toBeGreaterThan(10);
  });

  it('of a full commit that is never retried leaves a store where the next publication works', async () => {
    await atEveryCrashPoint(
      async (store) => {
        const previous = await publishFull(store, 'ACME', 'data-manager', OLD);
        return { previous, next: await openAndUpload(store, NEW) };
      },
      (store, { next }) => store.commitPublication(next.publicationId, next.commit),
      async ({ root, survivor }) => {
        const visible = await survivor.currentPublication('ACME', 'data-manager');
        const following = await publishFull(survivor, 'ACME', 'data-manager', { customers: [{ code: 'C4' }] });
        await expectIntact(survivor, 'ACME', 'data-manager', { customers: [{ code: 'C4' }] });
        // Once the interrupted publication's staging has expired, nothing of it remains.
        await expectNoJunk(root, { 'ACME/data-manager': [visible!.publicationId, following.publicationId] });
      },
    );
  });

  it('of an incremental commit leaves the base intact, and the commit can be retried', async () => {
    const base = {
      ledger: [
        { cbMarq: 1, v: 'a' },
        { cbMarq: 2, v: 'b' },
      ],
      items: [{ ref: 'A' }],
    };
    const delta = {
      ledger: [
        { cbMarq: 2, v: 'B' },
        { cbMarq: 3, v: 'c' },
      ],
    };
    const result = {
      ledger: [
        { cbMarq: 1, v: 'a' },
        { cbMarq: 2, v: 'B' },
        { cbMarq: 3, v: 'c' },
      ],
      items: [{ ref: 'A' }],
    };
    await atEveryCrashPoint(
      async (store) => {
        const previous = await publishFull(store, 'ACME', 'data-manager', base, {
          keys: { ledger: ['cbMarq'], items: ['ref'] },
        });
        return {
          previous,
          next: await openAndUpload(store, delta, {
            mode: 'incremental',
            basePublicationId: previous.publicationId,
            keys: ['cbMarq'],
          }),
        };
      },
      (store, { next }) => store.commitPublication(next.publicationId, next.commit),
      async ({ root, prepared, completed, survivor }) => {
        const visible = await survivor.currentPublication('ACME', 'data-manager');
        if (completed) expect(visible?.publicationId).toBe(prepared.next.publicationId);
        await expectIntact(
          survivor,
          'ACME',
          'data-manager',
          visible?.publicationId === prepared.previous.publicationId ? base : result,
        );
        await survivor.commitPublication(prepared.next.publicationId, prepared.next.commit);
        await expectIntact(survivor, 'ACME', 'data-manager', result);
        await expectNoJunk(root, {
          'ACME/data-manager': [prepared.previous.publicationId, prepared.next.publicationId],
        });
      },
    );
  });

  it('of an unpublish shows either the publication or nothing, and a retry finishes it', async () => {
    await atEveryCrashPoint(
      (store) => publishFull(store, 'ACME', 'data-manager', OLD),
      (store) => store.unpublish('ACME', 'data-manager'),
      async ({ root, completed, survivor }) => {
        const visible = await survivor.currentPublication('ACME', 'data-manager');
        if (completed) expect(visible).toBeUndefined();
        if (visible) await expectIntact(survivor, 'ACME', 'data-manager', OLD);
        await survivor.unpublish('ACME', 'data-manager');
        expect(await survivor.currentPublication('ACME', 'data-manager')).toBeUndefined();
        const again = await publishFull(survivor, 'ACME', 'data-manager', NEW);
        await expectIntact(survivor, 'ACME', 'data-manager', NEW);
        await expectNoJunk(root, { 'ACME/data-manager': [again.publicationId] });
      },
    );
  });

  it('of a company removal removes both services at once or neither', async () => {
    await atEveryCrashPoint(
      async (store) => {
        await publishFull(store, 'ACME', 'data-manager', OLD);
        await publishFull(store, 'ACME', 'business-mobile', { treasury: [{ bank: 'BNP' }] });
      },
      (store) => store.removeCompany('ACME'),
      async ({ completed, survivor }) => {
        const dataManager = await survivor.currentPublication('ACME', 'data-manager');
        const mobile = await survivor.currentPublication('ACME', 'business-mobile');
        expect(dataManager === undefined).toBe(mobile === undefined);
        if (completed) expect(dataManager).toBeUndefined();
        if (dataManager) await expectIntact(survivor, 'ACME', 'data-manager', OLD);
        await survivor.removeCompany('ACME');
        expect(await survivor.currentPublication('ACME', 'business-mobile')).toBeUndefined();
      },
    );
  });

  it('of a users push leaves the old users or the new ones, never a broken file', async () => {
    const passwordHash = await hashPassword('secret', { cost: 1024 });
    const before = [{ login: 'marie', name: 'Marie', passwordHash, views: { ACME: 'all' as const } }];
    const after = [{ login: 'paul', name: 'Paul', passwordHash, views: { ACME: ['treasury'] } }];
    await atEveryCrashPoint(
      (store) => store.putUsers(before),
      (store) => store.putUsers(after),
      async ({ completed, survivor }) => {
        const users = await survivor.readUsers();
        expect([before, after]).toContainEqual(users);
        if (completed) expect(users).toEqual(after);
      },
    );
  });
});
