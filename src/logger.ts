/** One verbosity scale: --quiet (errors only) < default < --verbose < --debug. Writes to stderr only. */
import type { IO } from './io.js';

export type LogLevel = 'quiet' | 'normal' | 'verbose' | 'debug';
const RANK: Record<LogLevel, number> = { quiet: 0, normal: 1, verbose: 2, debug: 3 };

export interface Logger {
  readonly level: LogLevel;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  verbose(message: string): void;
  debug(message: string): void;
}

export function createLogger(io: IO, level: LogLevel, extraSink?: (level: string, message: string) => void): Logger {
  const at = (min: LogLevel) => RANK[level] >= RANK[min];
  const c = io.chalk;
  const emit = (kind: string, min: LogLevel, line: string, message: string) => {
    extraSink?.(kind, message);
    if (at(min)) io.err(`${line}\n`);
  };
  return {
    level,
    error: (m) => emit('error', 'quiet', `${c.red('error:')} ${m}`, m),
    warn: (m) => emit('warning', 'normal', `${c.yellow('warning:')} ${m}`, m),
    info: (m) => emit('info', 'normal', m, m),
    verbose: (m) => emit('verbose', 'verbose', c.dim(m), m),
    debug: (m) => emit('debug', 'debug', c.dim(`debug: ${m}`), m),
  };
}

export function logLevelFrom(flags: { quiet: boolean; verbose: boolean; debug: boolean }): LogLevel {
  if (flags.debug) return 'debug';
  if (flags.quiet) return 'quiet';
  if (flags.verbose) return 'verbose';
  return 'normal';
}
