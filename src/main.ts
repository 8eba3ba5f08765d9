/**
 * The only module that touches the process: argv, env, streams, signals and the exit code.
 * Everything below receives these as injected dependencies.
 */
import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.js';
import type { Deps } from './deps.js';
import { ExitCode } from './errors.js';
import { nodeExecFile } from './schedule/exec.js';
import { openLogFile } from './log-file.js';

/** dist/src/main.js → the package root (two levels up from dist/src). */
function findPackageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(): Promise<void> {
  const packageRoot = findPackageRoot();
  const packageJson = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const interruption = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    // A second Ctrl-C means "now": leave with 130 at once; the first lets the command clean up.
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    interruption.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGBREAK', onSignal);

  const deps: Deps = {
    env: process.env,
    cwd: process.cwd(),
    platform: process.platform,
    homeDir: os.homedir(),
    terminal: {
      stdout: process.stdout,
      stderr: { write: (text: string) => process.stderr.write(text), isTTY: process.stderr.isTTY === true, stream: process.stderr },
      stdinIsTTY: process.stdin.isTTY === true,
    },
    clock: { now: () => new Date() },
    readTextFile: (file) => readFile(file, 'utf8'),
    fileExists: async (file) => access(file).then(() => true, () => false),
    readStdin,
    signal: interruption.signal,
    packageRoot,
    version: packageJson.version,
    pid: process.pid,
    execPath: process.execPath,
    execFile: nodeExecFile,
    tempDir: os.tmpdir(),
    openLogFile,
  };
  const code = await runCli(process.argv.slice(2), deps);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGBREAK', onSignal);
  process.exitCode = interruption.signal.aborted && code === ExitCode.ok ? ExitCode.interrupted : code;
}
