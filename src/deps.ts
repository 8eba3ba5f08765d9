/**
 * Everything a command needs from the outside world, injected. main.ts builds the real ones;
 * tests build their own (test/support/deps.ts) with real temp dirs and in-memory terminals.
 */
import type { Env } from './env.js';
import type { ExecFile } from './schedule/exec.js';
import type { Terminal } from './io.js';

export interface Clock {
  now(): Date;
}

export interface Deps {
  env: Env;
  cwd: string;
  platform: NodeJS.Platform;
  homeDir: string;
  terminal: Terminal;
  clock: Clock;
  readTextFile(absolutePath: string): Promise<string>;
  fileExists(absolutePath: string): Promise<boolean>;
  /** All of standard input (for `users hash-password` when piped). */
  readStdin(): Promise<string>;
  /** Aborted on Ctrl-C / SIGTERM; long operations stop cleanly when it fires. */
  signal: AbortSignal;
  /** Absolute path of the installed package (for config.example.yaml, the schema, docs). */
  packageRoot: string;
  version: string;
  /** This process id (recorded in run locks and the journal). */
  pid: number;
  /** Absolute path of the node executable (written into scheduled tasks). */
  execPath: string;
  /** Runs a program without a shell (schtasks.exe, systemctl). */
  execFile: ExecFile;
  tempDir: string;
  /** Opens the `--log-file` for appending. */
  openLogFile(absolutePath: string): import('./log-file.js').LogFileSink;
}
