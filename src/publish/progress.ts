/**
 * Progress of a long run: a spinner line on a terminal (ora, on stderr), plain verbose log lines otherwise
 * (Task Scheduler, redirected output), nothing with --quiet or --json.
 */
import ora, { type Ora } from 'ora';
import type { IO } from '../io.js';
import type { Logger } from '../logger.js';

export interface Progress {
  /** The current step; on a terminal it replaces the spinner text. */
  update(text: string): void;
  /**
   * A counter within the current step (rows so far…), reported every few hundred KB: on a terminal like
   * update; otherwise logged at most every TICK_LOG_MS, so a log file gets a line every few seconds of a long
   * table instead of thousands per run.
   */
  tick(text: string): void;
  /** A step finished: printed as a line (✓/⚠/✗) above the spinner. */
  done(kind: 'ok' | 'warn' | 'fail', text: string): void;
  stop(): void;
}

const TICK_LOG_MS = 5000;

export function createProgress(io: IO, logger: Logger, stream?: NodeJS.WritableStream, now: () => number = Date.now): Progress {
  const c = io.chalk;
  const symbol = { ok: c.green('✓'), warn: c.yellow('⚠'), fail: c.red('✗') };
  let spinner: Ora | undefined;
  // A terminal that reports no width (some pseudo-terminals) would make the spinner redraw endlessly.
  const columns = (stream as { columns?: number } | undefined)?.columns ?? 0;
  if (io.interactive && stream && columns > 0) {
    spinner = ora({ stream, isEnabled: true, discardStdin: false, color: 'cyan' });
  }
  let lastUpdate = 0;
  let lastLogged = now();
  const update = (text: string): void => {
    if (spinner) {
      // Redraws are cheap but not free: at most ~12 a second.
      const t = now();
      if (t - lastUpdate < 80 && spinner.isSpinning) return;
      lastUpdate = t;
      spinner.text = text;
      if (!spinner.isSpinning) spinner.start();
    } else {
      lastLogged = now();
      logger.verbose(text);
    }
  };
  return {
    update,
    tick(text) {
      if (spinner || now() - lastLogged >= TICK_LOG_MS) update(text);
    },
    done(kind, text) {
      // Without a terminal the final summary on stdout says the same: these lines are detail.
      if (spinner) spinner.stopAndPersist({ symbol: symbol[kind], text });
      else logger.verbose(`${symbol[kind]} ${text}`);
    },
    stop() {
      spinner?.stop();
    },
  };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
