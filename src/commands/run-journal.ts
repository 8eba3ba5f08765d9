/** The journal of one command run (publish, unpublish, companies remove): opened the same way by each. */
import type { CommandDeps } from '../context.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Journal } from '../journal/index.js';

export async function openRunJournal(config: ResolvedConfig, deps: CommandDeps, command: string): Promise<Journal> {
  const { openJournal, createRunId } = await import('../journal/index.js');
  return openJournal(
    { dir: config.journal.path, retentionDays: config.journal.retentionDays, maxSizeMB: config.journal.maxSizeMB },
    { clock: deps.clock, redactor: deps.redactor, runId: createRunId(deps.clock.now()), command, pid: deps.pid },
  );
}
