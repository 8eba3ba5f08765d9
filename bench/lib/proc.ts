/**
 * Child processes of the benchmark: every child is tracked so that an error, a timeout or Ctrl-C kills
 * what is still running (by pid, never by name). Each child runs in its own process group, so killing the
 * group also stops a shell pipeline's sqlite3, gzip and curl.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, milliseconds. */
  wallMs: number;
}

const running = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Kills every child still running (SIGTERM, then SIGKILL after a second). */
export async function killAllChildren(): Promise<void> {
  const pids = [...running];
  for (const pid of pids) killGroup(pid, 'SIGTERM');
  if (pids.length === 0) return;
  await new Promise((r) => setTimeout(r, 1000));
  for (const pid of [...running]) killGroup(pid, 'SIGKILL');
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (whole process group) after this long. */
  timeoutMs: number;
  /** Mirror the child's stderr on ours (progress of long steps). */
  echoStderr?: boolean;
}

/** Runs a command to completion, capturing its output; never throws for a non-zero exit. */
export function runChild(command: string, args: readonly string[], options: RunOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: kill(-pid) reaches the whole pipeline
    };
    const started = performance.now();
    const child = spawn(command, args, spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
      if (options.echoStderr) process.stderr.write(c);
    });
    if (child.pid !== undefined) running.add(child.pid);
    const timer = setTimeout(() => {
      stderr += `\n[bench] timed out after ${options.timeoutMs} ms, killed\n`;
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** Is `command` on the PATH? */
export async function hasCommand(command: string): Promise<boolean> {
  try {
    const r = await runChild('sh', ['-c', 'command -v "$1"', 'sh', command], { timeoutMs: 10_000 });
    return r.code === 0 && r.stdout.trim().length > 0;
  } catch {
    return false;
  }
}

/** Prefix of the result line a step child prints (bench/step.ts). */
export const RESULT_PREFIX = 'BENCH-RESULT ';

/** The JSON after RESULT_PREFIX on the child's last result line, or undefined. */
export function parseStepResult(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_PREFIX));
  return line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, unknown>) : undefined;
}
