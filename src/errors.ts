/**
 * The error taxonomy. Every failure the user can act on is one of these; main.ts renders them in one
 * place and turns them into the documented exit codes. Anything else is a bug (exit 70).
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  warnings: 3,
  auth: 4,
  bug: 70,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
}

export abstract class SbsyncError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** Stable machine-readable code, printed in --json errors. */
  abstract readonly code: string;
  readonly hint: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

/** Bad flags or arguments. */
export class UsageError extends SbsyncError {
  readonly exitCode = ExitCode.usage;
  readonly code = 'usage';
}

/** The config file is missing, unreadable or invalid; `diagnostics` holds every located problem. */
export class ConfigError extends SbsyncError {
  readonly exitCode = ExitCode.usage;
  readonly code = 'config';
  constructor(
    message: string,
    readonly diagnostics: readonly import('./config/diagnostics.js').Diagnostic[] = [],
    details: ErrorDetails = {},
  ) {
    super(message, details);
  }
}

/** The Sage database could not be read (connection, query, timeout). */
export class SourceError extends SbsyncError {
  readonly exitCode = ExitCode.failed;
  readonly code = 'source';
}

/** The portal answered with an error or could not be reached. */
export class PortalError extends SbsyncError {
  readonly exitCode = ExitCode.failed;
  readonly code = 'portal';
}

/** Any other operation that failed for a reason outside the user's input. */
export class OperationError extends SbsyncError {
  readonly exitCode = ExitCode.failed;
  readonly code = 'failed';
}

/** The portal, the proxy or the database refused the credentials. */
export class AuthError extends SbsyncError {
  readonly exitCode = ExitCode.auth;
  readonly code = 'auth';
}

/** Ctrl-C, SIGTERM or Task Scheduler's "End". */
export class InterruptedError extends SbsyncError {
  readonly exitCode = ExitCode.interrupted;
  readonly code = 'interrupted';
}

export function isSbsyncError(error: unknown): error is SbsyncError {
  return error instanceof SbsyncError;
}
