/** The built binary, spawned with a clean environment: what a batch file or Task Scheduler sees. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT, tempDir } from '../support/cli.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'sbsync.js');
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'src', 'main.js'))) throw new Error('run `npm run build` first (npm test does it)');
  ({ dir, cleanup } = await tempDir('sbsync-spawn-'));
});
afterAll(async () => cleanup());

function sbsync(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('built binary', () => {
  test('--version prints the package version', () => {
    const r = sbsync(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('--help lists the commands and the exit codes', () => {
    const r = sbsync(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit codes: 0 success');
    expect(r.stderr).toBe('');
  });

  test('check --offline on the embedded default exits 0 with the ticklist on stdout only', () => {
    const r = sbsync(['check', '--offline']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Ready to publish.');
    // No colour and no spinner when redirected: the file stays readable.
    expect(r.stdout + r.stderr).not.toMatch(/\u001b\[/);
  });

  test('a broken config exits 2 with located errors on stderr', async () => {
    await writeFile(path.join(dir, 'sbsync.yaml'), 'portal:\n  url: file:store\n  retries: lots\ncompanies:\n  - code: BAD CODE\n    source: { type: demo }\n    services: {}\n');
    const r = sbsync(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sbsync.yaml:3:12 error: portal.retries: must be an integer (found "lots")');
    expect(r.stderr).toContain('sbsync.yaml:5:11 error: companies[0].code:');
    expect(r.stdout).toContain('✗ Config file');
  });

  test('an unknown flag exits 2; --json errors are one JSON document on stdout', () => {
    expect(sbsync(['check', '--nope']).code).toBe(2);
    const r = sbsync(['config', 'validate', '--json', '--config', 'missing.yaml']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'config' } });
  });

  test('a failed publication exits 1 with the reason, the exit code batch files read in %ERRORLEVEL%', async () => {
    await writeFile(
      path.join(dir, 'broken-source.yaml'),
      'portal:\n  url: file:store\ncompanies:\n  - code: ACME\n    source: { type: sqlite, path: nowhere.sqlite }\n    services: { dataManager: { accounting: true } }\n',
    );
    const r = sbsync(['publish', '--config', 'broken-source.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ ACME/);
    expect(r.stdout).toContain('nowhere.sqlite');
  });
});
