/** In-process CLI runs with real temp dirs and captured streams (no process globals touched). */
import { mkdtemp, readFile, access, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli.js';
import type { Deps } from '../../src/deps.js';
import { openLogFile } from '../../src/log-file.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface TestDepsOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  now?: Date;
  signal?: AbortSignal;
  execFile?: Deps['execFile'];
}

export function createTestDeps(options: TestDepsOptions, sink: { stdout: string[]; stderr: string[] }): Deps {
  return {
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...options.env },
    cwd: options.cwd,
    platform: 'linux',
    homeDir: path.join(options.cwd, 'home'),
    terminal: {
      stdout: { write: (t: string) => void sink.stdout.push(t), isTTY: options.stdoutIsTTY ?? false },
      stderr: { write: (t: string) => void sink.stderr.push(t), isTTY: false },
      stdinIsTTY: options.stdinIsTTY ?? false,
    },
    clock: { now: () => options.now ?? new Date('2026-11-27T10:00:00') },
    readTextFile: (file) => readFile(file, 'utf8'),
    fileExists: (file) => access(file).then(() => true, () => false),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    signal: options.signal ?? new AbortController().signal,
    packageRoot: PACKAGE_ROOT,
    version: '0.0.0-test',
    pid: process.pid,
    execPath: '/usr/bin/node',
    execFile: options.execFile ?? (async (file) => ({ exitCode: 127, stdout: '', stderr: `${file}: not run in tests` })),
    tempDir: os.tmpdir(),
    openLogFile,
  };
}

export async function runInProcess(argv: string[], options: TestDepsOptions): Promise<CliRun> {
  const sink = { stdout: [] as string[], stderr: [] as string[] };
  const exitCode = await runCli(argv, createTestDeps(options, sink));
  return { stdout: sink.stdout.join(''), stderr: sink.stderr.join(''), exitCode };
}

export async function tempDir(prefix = 'sbsync-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
