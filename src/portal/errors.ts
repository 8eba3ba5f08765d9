/**
 * Why a store operation was refused. The portal server maps each reason to one HTTP status; the `file:`
 * transport surfaces the same error to the user (it is a PortalError, so the CLI exits 1).
 */
import { PortalError, type ErrorDetails } from '../errors.js';

export type StoreErrorReason =
  /** Malformed input: a bad company code, dataset name, announcement or commit body. */
  | 'invalid'
  /** No such publication (never opened, aborted, expired or already cleaned up). */
  | 'not-found'
  /** The request contradicts the store's state: base changed, publication already committed or committing. */
  | 'conflict'
  /** The data does not match what was announced: row count, SHA-256, NDJSON syntax, keys. */
  | 'verification'
  /** A body, a dataset or one NDJSON line is larger than the store accepts. */
  | 'too-large'
  /** Another writer holds the company lock for longer than we are willing to wait. */
  | 'busy';

export class PortalStoreError extends PortalError {
  constructor(
    readonly reason: StoreErrorReason,
    message: string,
    /** Machine-readable sub-code for clients, e.g. `base-changed`, `sha256-mismatch`. */
    readonly detailCode: string = reason,
    details: ErrorDetails = {},
  ) {
    super(message, details);
  }
}

export function isStoreError(error: unknown, reason?: StoreErrorReason): error is PortalStoreError {
  return error instanceof PortalStoreError && (reason === undefined || error.reason === reason);
}
