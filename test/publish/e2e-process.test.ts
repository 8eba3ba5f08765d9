/**
 * The built binary as Task Scheduler runs it: through a real proxy with Basic authentication, killed
 * mid-publication (SIGKILL), and stopped with SIGINT/SIGTERM. No partial publication is ever visible.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT, tempDir } from '../support/cli.js';
import { findTinyproxy, startTinyproxy, type RunningTinyproxy } from '../support/proxy-server.js';
import { ENV, TODAY, demoDatabase, startChaos, startPortal, writeConfig, type Portal } from './support.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'sbsync.js');
let dir: string;
let cleanup: () => Promise<void>;
let sqlite: string;
let portal: Portal;

beforeAll(async () => {
  if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'src', 'main.js'))) throw new Error('run `npm run build` first (npm test does it)');
  ({ dir, cleanup } = await tempDir('sbsync-e2e-proc-'));
  sqlite = await demoDatabase(dir);
  portal = await startPortal(path.join(dir, 'store'));
});
afterAll(async () => {
  await portal?.server.close({ graceMs: 1000 });
  await cleanup();
});

interface Child {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

function sbsync(args: string[], env: Record<string, string> = ENV): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = new Promise<number | null>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? -1 : null))));
  return { code, stdout: () => out, stderr: () => err, kill: (s) => child.kill(s) };
}

const waitFor = async (what: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

const tinyproxy = await findTinyproxy();
if (!tinyproxy && process.env.CI) throw new Error('tinyproxy must be installed in CI (.ci/run installs it)');

describe.skipIf(!tinyproxy)('through a real proxy with Basic authentication', () => {
  let proxy: RunningTinyproxy;
  beforeAll(async () => {
    proxy = await startTinyproxy(tinyproxy!, { user: 'sync', password: 'Proxy-Pass-9' });
  });
  afterAll(async () => proxy?.stop());

  test('publishes through the proxy (manual mode)', async () => {
    const config = await writeConfig(dir, 'proxy-ok.yaml', {
      url: portal.url,
      sqlite,
      proxy: `proxy: { mode: manual, host: 127.0.0.1, port: ${proxy.port}, user: sync, password: "\${env:SB_PROXY}" }`,
    });
    const child = sbsync(['publish', '--config', config, '--company', 'DEMO', '--as-of', TODAY], { ...ENV, SB_PROXY: 'Proxy-Pass-9' });
    expect(await child.code).toBe(0);
    expect(await proxy.log()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${new URL(portal.url).port}`));
    expect(child.stdout() + child.stderr()).not.toContain('Proxy-Pass-9');
  });

  test('wrong proxy credentials: exit 4 with a message naming the proxy and the user, not the password', async () => {
    const config = await writeConfig(dir, 'proxy-ko.yaml', {
      url: portal.url,
      sqlite,
      proxy: `proxy: { mode: manual, url: "http://127.0.0.1:${proxy.port}", user: sync, password: "\${env:SB_PROXY}" }`,
    });
    const child = sbsync(['publish', '--config', config, '--company', 'DEMO', '--service', 'business-mobile', '--as-of', TODAY], { ...ENV, SB_PROXY: 'Wrong-Pass' });
    expect(await child.code).toBe(4);
    const all = child.stdout() + child.stderr();
    expect(all).toContain(`127.0.0.1:${proxy.port}`);
    expect(all).toContain('"sync"');
    expect(all).not.toContain('Wrong-Pass');
  });
});

describe('interrupted publications', () => {
  test('killed (SIGKILL) mid-upload: nothing partial is visible, and the next run succeeds', async () => {
    const config = await writeConfig(dir, 'kill.yaml', { url: portal.url, sqlite });
    expect(await sbsync(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--as-of', TODAY]).code).toBe(0);
    const before = await portal.store.currentPublication('DEMO', 'data-manager');

    // The chaos proxy holds the third dataset upload forever, so the kill lands mid-publication.
    let uploads = 0;
    const chaos = await startChaos(portal.url, (req) => (req.method === 'PUT' && ++uploads === 3 ? 'stall' : undefined));
    try {
      const stalled = await writeConfig(dir, 'kill-stall.yaml', { url: chaos.url, sqlite, timeoutSeconds: 600 });
      const child = sbsync(['publish', '--config', stalled, '--company', 'DEMO', '--service', 'data-manager', '--full', '--as-of', TODAY]);
      await waitFor(() => uploads >= 3);
      child.kill('SIGKILL');
      await child.code;
    } finally {
      await chaos.close();
    }
    // Readers still see the previous publication, whole.
    expect((await portal.store.currentPublication('DEMO', 'data-manager'))?.publicationId).toBe(before?.publicationId);
    // The dead run's lock is taken over and the next run publishes.
    const next = sbsync(['publish', '--config', config, '--company', 'DEMO', '--service', 'data-manager', '--full', '--as-of', TODAY]);
    expect(await next.code).toBe(0);
    const after = await portal.store.currentPublication('DEMO', 'data-manager');
    expect(after?.publicationId).not.toBe(before?.publicationId);
    expect(after?.datasets.find((d) => d.name === 'ledger-lines')?.rows).toBe(before?.datasets.find((d) => d.name === 'ledger-lines')?.rows);
  });

  test.each(['SIGINT', 'SIGTERM'] as const)('%s mid-upload: exit 130, publication aborted, journal says so, lock released', async (signal) => {
    const config = await writeConfig(dir, `sig-${signal}.yaml`, { url: portal.url, sqlite });
    expect(await sbsync(['publish', '--config', config, '--company', 'DEMO', '--service', 'business-mobile', '--as-of', TODAY]).code).toBe(0);
    const before = await portal.store.currentPublication('DEMO', 'business-mobile');
    let uploads = 0;
    const chaos = await startChaos(portal.url, (req) => (req.method === 'PUT' && req.url?.includes('/datasets/') && ++uploads === 2 ? 'stall' : undefined));
    try {
      const stalled = await writeConfig(dir, `sig-${signal}-stall.yaml`, { url: chaos.url, sqlite, timeoutSeconds: 600 });
      const child = sbsync(['publish', '--config', stalled, '--company', 'DEMO', '--service', 'business-mobile', '--as-of', TODAY]);
      await waitFor(() => uploads >= 2);
      child.kill(signal);
      expect(await child.code).toBe(130);
      expect(chaos.requests.some((q) => q.startsWith('DELETE /v1/publications/'))).toBe(true);
      const journalDir = path.join(dir, `journal-sig-${signal}-stall-yaml`);
      const journal = (await Promise.all((await readdir(journalDir)).map((f) => readFile(path.join(journalDir, f), 'utf8')))).join('');
      expect(journal).toContain('"event":"interrupted"');
      expect(await readdir(path.join(dir, `data-sig-${signal}-stall-yaml`, 'locks'))).toEqual([]);
    } finally {
      await chaos.close();
    }
    expect((await portal.store.currentPublication('DEMO', 'business-mobile'))?.publicationId).toBe(before?.publicationId);
  });
});
