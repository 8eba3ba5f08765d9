/** The publication journal's vocabulary: what the publisher writes and what `sbsync log` reads. */

export type JournalLevel = 'info' | 'warning' | 'error';
export type JournalService = 'data-manager' | 'business-mobile';

/** Events sbsync itself writes; the journal accepts any kebab-case name, these are the ones `sbsync log` knows. */
export const JOURNAL_EVENTS = [
  'run-start',
  'company-start',
  'dataset-uploaded',
  'view-uploaded',
  'consistency-warning',
  'publication-committed',
  'publication-failed',
  'unpublished',
  'company-removed',
  'lock-taken-over',
  'interrupted',
  'run-end',
] as const;
export type KnownJournalEvent = (typeof JOURNAL_EVENTS)[number];

/** What a caller hands to `Journal.write`. */
export interface JournalEvent {
  level: JournalLevel;
  /** kebab-case event name, e.g. `dataset-uploaded` (see JOURNAL_EVENTS). */
  event: KnownJournalEvent | (string & {});
  /** One sentence for people. */
  message: string;
  company?: string;
  service?: JournalService;
  /** Data Manager dataset (e.g. `accounting/F_ECRITUREC`). */
  dataset?: string;
  /** Business Mobile view id. */
  view?: string;
  /** Sage table concerned (e.g. by a consistency warning). */
  table?: string;
  counts?: { rows?: number; deleted?: number; [name: string]: number | undefined };
  bytes?: number;
  durationMs?: number;
  /**
   * Anything else, JSON-serialisable. Conventions `sbsync log` understands: `run-start` → `{ companies: [...] }`;
   * `run-end` → `{ exitCode }`; error events → `{ hint }` (the next step shown by `sbsync log --run`).
   */
  details?: Record<string, unknown>;
}

/** One line of a journal file. */
export interface JournalEntry extends JournalEvent {
  /** Line format version. */
  v: 1;
  /** Local wall-clock time with its offset, e.g. `2026-11-27T07:00:02.123+01:00`. */
  time: string;
  runId: string;
  /** The sbsync command that wrote it (`publish`, `unpublish`, `companies remove`). */
  command: string;
  pid: number;
}

export const LEVEL_RANK: Record<JournalLevel, number> = { info: 0, warning: 1, error: 2 };
