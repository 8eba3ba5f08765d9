import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTable, type ExtractOptions, type RawExtractionResult } from '../../src/extract/raw/extract.js';
import { KeyFileError, KeyReader, readKeyFile, unionKeys, writeKeyFile } from '../../src/extract/state/keys.js';
import { commitState, discardState, loadState, resetState } from '../../src/extract/state/store.js';
import { sqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;
let db: string;
let stateDir: string;

const line = (no: number, modified: string | null, label = `Ligne ${no}`) => ({
  EC_No: no,
  JO_Num: 'VTE',
  JM_Date: '2024-01-01',
  EC_Jour: 1,
  EC_Piece: 'P1',
  CG_Num: '706000',
  EC_Intitule: label,
  EC_Sens: no % 2,
  EC_Montant: `${no}.5`,
  cbModification: modified,
});

interface Run {
  rows: number[]; // EC_No of the lines
  result: RawExtractionResult;
  mode: 'full' | 'incremental';
  fullReason: string | undefined;
}

/** Syncs the replica of the Sage file (as `publish` does), then extracts F_ECRITUREC from it. */
async function run(options: ExtractOptions | 'auto'): Promise<Run> {
  // Checksums every sync: a row changed without its stamp moving reaches the replica, hence the delta.
  const source = await sqliteReplica(db, { dataDirectory: dir.file('data'), tables: ['F_ECRITUREC'], checksums: 'every-sync' });
  try {
    let opts: ExtractOptions;
    if (options === 'auto') {
      const since = await loadState(stateDir, 'F_ECRITUREC');
      opts = since ? { mode: 'incremental', since } : { mode: 'full', stateDir };
    } else opts = options;
    const ex = await extractTable(source, 'F_ECRITUREC', opts);
    const at = ex.columns.findIndex((c) => c.name === 'EC_No');
    const rows: number[] = [];
    for await (const l of ex.lines) rows.push(JSON.parse(l)[at]);
    const result = await ex.finish();
    return { rows, result, mode: ex.mode, fullReason: ex.fullReason };
  } finally {
    await source.close();
  }
}

async function deleted(result: RawExtractionResult): Promise<number[]> {
  const keys: number[] = [];
  for await (const k of result.deletedKeys()) keys.push(k);
  return keys;
}

function write(sql: string, ...params: unknown[]): void {
  const conn = new Database(db);
  try {
    conn.prepare(sql).run(...params);
  } finally {
    conn.close();
  }
}

const insertLine = (no: number, modified: string | null) =>
  write(
    `INSERT INTO F_ECRITUREC (EC_No, JO_Num, JM_Date, EC_Jour, CG_Num, EC_Intitule, EC_Sens, EC_Montant, cbModification) VALUES (?, 'VTE', '2024-01-01 00:00:00', 1, '706000', ?, 0, 1, ?)`,
    no,
    `Ligne ${no}`,
    modified,
  );

beforeEach(() => {
  dir = createTempDir('sbsync-state-');
  stateDir = dir.file('state/DEMO');
  db = createSageFixture(dir.file('sage.sqlite'), {
    F_ECRITUREC: [
      line(1, '2024-01-01 08:00:00'),
      line(2, '2024-01-01 08:10:00'),
      line(3, '2024-01-01 08:20:00'),
      line(4, '2024-01-01 08:30:00'),
      line(5, '2024-01-01 08:40:00'),
    ],
  });
});
afterEach(() => dir.remove());

describe('incremental extraction', () => {
  it('first run is full; the next yields exactly the changed and new rows and the deleted keys', async () => {
    const first = await run('auto');
    expect(first.mode).toBe('full');
    expect(first.rows).toEqual([1, 2, 3, 4, 5]);
    expect(first.result).toMatchObject({ rows: 5, deleted: 0, keyCount: 5, lastKey: 5, replicaGeneration: 1 });
    await commitState(first.result.pending!);
    expect((await loadState(stateDir, 'F_ECRITUREC'))?.manifest).toMatchObject({ generation: 1, keyCount: 5, lastKey: 5, replicaGeneration: 1 });

    write(`UPDATE F_ECRITUREC SET EC_Intitule = 'Modifiée', cbModification = '2024-01-01 09:00:00' WHERE EC_No = 2`);
    write(`DELETE FROM F_ECRITUREC WHERE EC_No = 4`);
    insertLine(6, '2024-01-01 09:05:00');
    insertLine(7, null); // inserted by plain SQL without a stamp: found through cbMarq > lastKey

    const second = await run('auto');
    expect(second.mode).toBe('incremental');
    // Exactly the rows the replica wrote since: no overlap window, nothing re-sent.
    expect(second.rows).toEqual([2, 6, 7]);
    expect(await deleted(second.result)).toEqual([4]);
    expect(second.result).toMatchObject({ rows: 3, deleted: 1, keyCount: 6, lastKey: 7, replicaGeneration: 2 });
    await commitState(second.result.pending!);

    const third = await run('auto');
    expect(third.rows).toEqual([]);
    expect(await deleted(third.result)).toEqual([]);
    expect(third.result.keyCount).toBe(6);
  });

  it('does not advance the state without a commit, and discard leaves only the committed files', async () => {
    const first = await run('auto');
    await commitState(first.result.pending!);
    write(`DELETE FROM F_ECRITUREC WHERE EC_No = 1`);
    write(`UPDATE F_ECRITUREC SET cbModification = '2024-01-02 00:00:00' WHERE EC_No = 3`);

    const a = await run('auto');
    expect(a.rows).toEqual([3]);
    expect(await deleted(a.result)).toEqual([1]);
    // The publication failed: no commit. The next run starts again from the same state.
    const state = await loadState(stateDir, 'F_ECRITUREC');
    expect(state?.manifest).toMatchObject({ generation: 1, replicaGeneration: 1, keyCount: 5 });
    await discardState(a.result.pending!);
    expect(readdirSync(stateDir).sort()).toEqual(['F_ECRITUREC.1.keys', 'F_ECRITUREC.json']);

    const b = await run('auto');
    expect(b.rows).toEqual([3]);
    expect(await deleted(b.result)).toEqual([1]);
    await commitState(b.result.pending!);
    expect(readdirSync(stateDir).sort()).toEqual(['F_ECRITUREC.2.keys', 'F_ECRITUREC.json']);
    expect(readKeyFile(`${stateDir}/F_ECRITUREC.2.keys`)).toEqual([2, 3, 4, 5]);
  });

  it('a full extraction after a state replaces it (next generation), with no deletions listed', async () => {
    const first = await run('auto');
    await commitState(first.result.pending!);
    write(`DELETE FROM F_ECRITUREC WHERE EC_No = 2`);
    const full = await run({ mode: 'full', stateDir });
    expect(full.mode).toBe('full');
    expect(full.fullReason).toBe('requested');
    expect(full.rows).toEqual([1, 3, 4, 5]);
    expect(full.result).toMatchObject({ deleted: 0, keyCount: 4 });
    await commitState(full.result.pending!);
    const state = await loadState(stateDir, 'F_ECRITUREC');
    expect(state?.manifest).toMatchObject({ generation: 2, keyCount: 4 });
    expect(readdirSync(stateDir).sort()).toEqual(['F_ECRITUREC.2.keys', 'F_ECRITUREC.json']);
  });

  it('falls back to a full extraction when the columns changed or the key file is damaged', async () => {
    const first = await run('auto');
    await commitState(first.result.pending!);
    const state = await loadState(stateDir, 'F_ECRITUREC');
    writeFileSync(state!.keysPath, 'garbage');
    const damaged = await run('auto');
    expect(damaged.mode).toBe('full');
    expect(damaged.fullReason).toBe('state-unreadable');
    expect(damaged.rows).toHaveLength(5);
    await commitState(damaged.result.pending!);

    write(`ALTER TABLE F_ECRITUREC ADD COLUMN "Code analytique" varchar(13)`);
    const changed = await run('auto');
    expect(changed.mode).toBe('full');
    expect(changed.fullReason).toBe('columns-changed');
  });

  it('a crash before commit leaves the old state; stale pending files are cleaned by the next run', async () => {
    const first = await run('auto');
    await commitState(first.result.pending!);
    // A run that died after writing its pending files:
    writeFileSync(`${stateDir}/F_ECRITUREC.pending-99999999-deadbeef.keys`, 'partial');
    writeFileSync(`${stateDir}/F_ECRITUREC.7.keys`, 'orphan of a commit that crashed before its manifest');
    expect((await loadState(stateDir, 'F_ECRITUREC'))?.manifest.generation).toBe(1);
    const next = await run('auto');
    expect(next.mode).toBe('incremental');
    await discardState(next.result.pending!);
    expect(readdirSync(stateDir).sort()).toEqual(['F_ECRITUREC.1.keys', 'F_ECRITUREC.json']);
  });

  it('refuses to commit over a newer commit, and commit is idempotent', async () => {
    const first = await run('auto');
    await commitState(first.result.pending!);
    const a = await run('auto');
    const b = await run('auto'); // extracted from the same generation 1 as `a`
    await commitState(a.result.pending!);
    await commitState(a.result.pending!); // again: no-op
    await expect(commitState(b.result.pending!)).rejects.toThrow(/changed since this extraction started/);
    await discardState(b.result.pending!);
    expect(readdirSync(stateDir).sort()).toEqual(['F_ECRITUREC.2.keys', 'F_ECRITUREC.json']);
    await resetState(stateDir, 'F_ECRITUREC');
    expect(await loadState(stateDir, 'F_ECRITUREC')).toBeUndefined();
  });

  it('reports an unreadable manifest with a --full hint', async () => {
    const first = await run('auto');
    await commitState(first.result.pending!);
    writeFileSync(`${stateDir}/F_ECRITUREC.json`, '{"format":"other"}');
    await expect(loadState(stateDir, 'F_ECRITUREC')).rejects.toMatchObject({ hint: expect.stringMatching(/--full/) });
  });
});

describe('deltas from the replica', () => {
  it('an incremental run with nothing changed yields no line and no deletion, run after run', async () => {
    const first = await run('auto');
    expect(first.rows).toEqual([1, 2, 3, 4, 5]);
    await commitState(first.result.pending!);
    for (let i = 0; i < 3; i++) {
      const again = await run('auto');
      expect(again.mode).toBe('incremental');
      expect(again.rows).toEqual([]);
      expect(again.result).toMatchObject({ rows: 0, deleted: 0, keyCount: 5 });
      expect(await deleted(again.result)).toEqual([]);
      await commitState(again.result.pending!);
    }
  });

  it('sends a row changed without its cbModification moving (a tool writing straight to the database)', async () => {
    await commitState((await run('auto')).result.pending!);
    write(`UPDATE F_ECRITUREC SET EC_Montant = 99 WHERE EC_No = 3`); // same stamp as before
    const second = await run('auto');
    expect(second.rows).toEqual([3]);
    await commitState(second.result.pending!);
    // Changed twice within the same minute stamp: only the values tell, and they are enough.
    write(`UPDATE F_ECRITUREC SET EC_Intitule = 'Corrigée' WHERE EC_No = 3`);
    expect((await run('auto')).rows).toEqual([3]);
  });

  it('finds a lone deletion, carries the key set over when nothing changed, and compares keys again when a row comes back under an old key', async () => {
    await commitState((await run('auto')).result.pending!);
    write(`DELETE FROM F_ECRITUREC WHERE EC_No = 3`);
    const afterDelete = await run('auto');
    expect(afterDelete.rows).toEqual([]);
    expect(await deleted(afterDelete.result)).toEqual([3]);
    expect(afterDelete.result.keyCount).toBe(4);
    await commitState(afterDelete.result.pending!);

    // Nothing changed: same count, no key above lastKey, nothing extracted: the committed keys are carried over.
    const unchanged = await run('auto');
    expect(unchanged.result).toMatchObject({ rows: 0, deleted: 0, keyCount: 4 });
    expect(readKeyFile(unchanged.result.pending!.pendingKeysPath)).toEqual([1, 2, 4, 5]);
    await commitState(unchanged.result.pending!);
    expect((await loadState(stateDir, 'F_ECRITUREC'))?.manifest.keyCount).toBe(4);

    // Row 2 deleted and a row put back under the old key 3 (IDENTITY_INSERT): the count is the same and no key
    // exceeds lastKey, but the new row is extracted, so the keys are compared and the deletion is found.
    write(`DELETE FROM F_ECRITUREC WHERE EC_No = 2`);
    write(
      `INSERT INTO F_ECRITUREC (cbMarq, EC_No, JO_Num, JM_Date, EC_Jour, CG_Num, EC_Intitule, EC_Sens, EC_Montant, cbModification) VALUES (3, 30, 'VTE', '2024-01-01 00:00:00', 1, '706000', 'Revenue', 0, 1, '2024-01-02 10:00:00')`,
    );
    const reused = await run('auto');
    expect(reused.rows).toEqual([30]);
    expect(await deleted(reused.result)).toEqual([2]);
    expect(reused.result.keyCount).toBe(4);
    expect(readKeyFile(reused.result.pending!.pendingKeysPath)).toEqual([1, 3, 4, 5]);
  });

  it('a rebuilt replica (its generations start over) makes the next publication full, never a delta that misses rows', async () => {
    await commitState((await run('auto')).result.pending!);
    // The rows of the new replica carry generation 1 again, as in the state: only the replica id tells them apart.
    rmSync(dir.file('data'), { recursive: true, force: true }); // `replica rebuild`, or a lost data directory
    write(`UPDATE F_ECRITUREC SET EC_Intitule = 'Après reconstruction', cbModification = '2024-01-02 00:00:00' WHERE EC_No = 2`);
    const next = await run('auto');
    expect(next).toMatchObject({ mode: 'full', fullReason: 'replica-rebuilt' });
    expect(next.rows).toEqual([1, 2, 3, 4, 5]);
  });

  it('a state of the earlier format (cbModification watermarks) is redone in full', async () => {
    await commitState((await run('auto')).result.pending!);
    const path = `${stateDir}/F_ECRITUREC.json`;
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...manifest, version: 1, watermark: '2024-01-01T08:40:00', replicaGeneration: undefined }));
    await expect(loadState(stateDir, 'F_ECRITUREC')).rejects.toMatchObject({ hint: expect.stringMatching(/--full/) });
    // What a publication does then: a full extraction, whose commit replaces the unreadable manifest.
    const full = await run({ mode: 'full', stateDir });
    await commitState(full.result.pending!);
    expect((await loadState(stateDir, 'F_ECRITUREC'))?.manifest).toMatchObject({ version: 2, keyCount: 5 });
    expect((await run('auto')).mode).toBe('incremental');
  });
});

describe('key files', () => {
  it('round-trip sorted keys with large gaps, and detect damage', () => {
    const d = createTempDir('sbsync-keys-');
    try {
      const keys = [0, 1, 2, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 40, Number.MAX_SAFE_INTEGER];
      const { count, sha256 } = writeKeyFile(d.file('a.keys'), keys);
      expect(count).toBe(keys.length);
      expect(readKeyFile(d.file('a.keys'))).toEqual(keys);
      const r = new KeyReader(d.file('a.keys'));
      while (r.next() !== undefined);
      expect(r.digest()).toBe(sha256);
      r.close();
      expect(() => writeKeyFile(d.file('b.keys'), [3, 3])).toThrow(KeyFileError);
      writeFileSync(d.file('c.keys'), 'nope');
      expect(() => new KeyReader(d.file('c.keys'))).toThrow(KeyFileError);
    } finally {
      d.remove();
    }
  });

  it('handles a million keys quickly in about one byte per key', () => {
    const d = createTempDir('sbsync-keys-');
    try {
      const n = 1_000_000;
      const t0 = performance.now();
      function* gen() {
        for (let i = 1; i <= n; i++) yield i * 2 + (i % 3 === 0 ? 1 : 0);
      }
      writeKeyFile(d.file('big.keys'), gen());
      const r = new KeyReader(d.file('big.keys'));
      const other = new KeyReader(d.file('big.keys'));
      const u = unionKeys(r, other);
      let c = 0;
      while (u.next() !== undefined) c++;
      r.close();
      other.close();
      expect(c).toBe(n);
      expect(readdirSync(d.path)).toEqual(['big.keys']);
      expect(performance.now() - t0).toBeLessThan(10_000);
    } finally {
      d.remove();
    }
  });
});
