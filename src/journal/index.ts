/** The publication journal: writer (publisher side), reader and summaries (`sbsync log` side). */
export { openJournal, createRunId, formatEntry, type Journal, type JournalOptions, type JournalContext } from './journal.js';
export { readJournal, followJournal, parseLine, matches, entryTime, type JournalFilter, type SkippedLine, type ReadOptions } from './reader.js';
export { summariseRuns, latestByCompany, RunSummariser, FAILING_OUTCOMES, type Outcome, type RunSummary, type CompanySummary, type CompanyStatus, type SummariseOptions } from './summary.js';
export { listJournalFiles, journalFileName, parseJournalFileName, type JournalFile } from './files.js';
export { JOURNAL_EVENTS, LEVEL_RANK, type JournalEntry, type JournalEvent, type JournalLevel, type JournalService, type KnownJournalEvent } from './types.js';
export { localIso, localDate, localDateTime, localTime, formatDuration, parseSince } from './time.js';
