/**
 * kill -9 at random points of `sbsync replica sync` (the built binary), first copies and updates alike:
 * after every kill each table of the replica is whole (its rows and its bookkeeping agree), and the next sync
 * completes with a replica equal to its source (`replica verify` exits 0).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT, tempDir } from '../support/cli.js';
import { ENV, demoDatabase, writeConfig } from '../publish/support.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'sbsync.js');
let dir: string;
let cleanup: () => Promise<void>;
let source: string;
let config: string;

beforeAll(async () => {
  if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'src', 'main.js'))) throw new Error('run `npm run build` first (npm test does it)');
  ({ dir, cleanup } = await tempDir('sbsync-replica-crash-'));
  source = path.join(dir, 'source.sqlite');
  copyFileSync(await demoDatabase(dir), source);
  config = await writeConfig(dir, 'crash.yaml', { url: 'file:portal', sqlite: source });
}, 60_000);
afterAll(async () => cleanup());

function sbsync(args: string[]): { code: Promise<number | null>; kill: () => void; output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args, '--config', config], { cwd: dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = new Promise<number | null>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? -9 : null))));
  return { code, kill: () => child.kill('SIGKILL'), output: () => output };
}

const replicaFile = () => path.join(dir, 'data-crash-yaml', 'replica', 'DEMO.sqlite');

/** Every live table's row count is the one its bookkeeping recorded in the same transaction. */
function checkWhole(): void {
  if (!existsSync(replicaFile())) return;
  const db = new Database(replicaFile(), { readonly: true });
  try {
    const tables = db.prepare('SELECT name, row_count FROM sbsync_tables').all() as { name: string; row_count: number }[];
    for (const t of tables) expect(db.prepare(`SELECT count(*) FROM "${t.name}"`).pluck().get(), t.name).toBe(t.row_count);
    for (const b of db.prepare('SELECT name, resume_after FROM sbsync_builds').all() as { name: string; resume_after: number }[]) {
      const copied = db.prepare(`SELECT max(cbMarq) FROM "sbsync_build__${b.name}"`).pluck().get() as number | null;
      expect(copied ?? -1, `${b.name} building copy`).toBe(b.resume_after);
    }
  } finally {
    db.close();
  }
}

/** Stamped changes to many rows (so that an update takes long enough to be killed), and deletions. */
function changeSource(round: number): void {
  const db = new Database(source);
  try {
    db.prepare(`UPDATE F_ECRITUREC SET EC_Intitule = substr(EC_Intitule, 1, 20) || ' k${round}', cbModification = ? WHERE cbMarq % 3 = ?`).run(`2027-02-0${(round % 9) + 1} 08:00:00`, round % 3);
    db.prepare('DELETE FROM F_DOCLIGNE WHERE cbMarq IN (SELECT cbMarq FROM F_DOCLIGNE ORDER BY cbMarq LIMIT 5 OFFSET ?)').run(round * 40);
  } finally {
    db.close();
  }
}

describe('replica sync killed with SIGKILL', () => {
  test('at random points, many times: every table stays whole and the next sync completes', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let killedMidway = 0;
    for (let round = 0; round < 8; round++) {
      if (round >= 4) changeSource(round);
      // Killed a random few milliseconds after a random table was done (--verbose prints one line per table).
      const run = sbsync(['replica', 'sync', '--verbose']);
      const after = Math.floor(random() * 12);
      const delay = Math.floor(random() * 40);
      const watch = setInterval(() => {
        if ((run.output().match(/✓ DEMO /g) ?? []).length >= after) {
          clearInterval(watch);
          setTimeout(run.kill, delay);
        }
      }, 2);
      const code = await run.code;
      clearInterval(watch);
      if (code === -9) killedMidway++;
      else expect(code, run.output()).toBe(0);
      checkWhole();
    }
    expect(killedMidway).toBeGreaterThanOrEqual(4);
    const last = sbsync(['replica', 'sync']);
    expect(await last.code, last.output()).toBe(0);
    const verify = sbsync(['replica', 'verify']);
    expect(await verify.code, verify.output()).toBe(0);
    expect(verify.output()).toContain('identique à la source');
  }, 120_000);
});
