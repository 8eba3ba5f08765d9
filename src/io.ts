/**
 * The terminal, decided once (in main.ts) and handed to everything as data: the streams, whether they are
 * terminals, colour and spinners. Every write goes through the Redactor, so no secret reaches a stream.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Redactor } from './redact.js';

export interface TextSink {
  write(text: string): void;
}

export interface Terminal {
  stdout: TextSink & { isTTY?: boolean; columns?: number };
  /** On a terminal this is the real stream, which the spinner (ora) draws on. */
  stderr: TextSink & { isTTY?: boolean; stream?: NodeJS.WritableStream };
  stdinIsTTY: boolean;
}

export interface OutputFlags {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  /** commander's `--no-color` sets color: false. */
  color: boolean;
}

export interface IO {
  /** Results only. */
  out(text: string): void;
  /** Everything else: progress, notes, warnings, errors. */
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly color: boolean;
  /** Spinners and progress bars are allowed (stderr is a terminal, not --json/--quiet, not CI). */
  readonly interactive: boolean;
  readonly chalk: ChalkInstance;
  readonly columns: number;
}

export function decideColor(flags: Pick<OutputFlags, 'color' | 'json'>, env: Readonly<Record<string, string | undefined>>, stdoutIsTTY: boolean): boolean {
  if (!flags.color || flags.json) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stdoutIsTTY;
}

export function createIO(terminal: Terminal, flags: OutputFlags, env: Readonly<Record<string, string | undefined>>, redactor: Redactor): IO {
  const stdoutIsTTY = terminal.stdout.isTTY === true;
  const stderrIsTTY = terminal.stderr.isTTY === true;
  const color = decideColor(flags, env, stdoutIsTTY);
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false';
  return {
    out: (text) => terminal.stdout.write(redactor.redact(text)),
    err: (text) => terminal.stderr.write(redactor.redact(text)),
    stdoutIsTTY,
    stderrIsTTY,
    color,
    interactive: stderrIsTTY && !flags.json && !flags.quiet && !ci,
    chalk: new Chalk({ level: color ? 1 : 0 }),
    columns: terminal.stdout.columns ?? 100,
  };
}
