/** `publish`: wires the config, the journal, the portal connection and progress into a publication run. */
import type { CommandDeps } from '../../context.js';
import { localDate } from '../../time.js';
import type { PublishOptions } from './options.js';
import type { PublishResult } from '../../publish/publication.js';
import { openRunJournal } from '../run-journal.js';

export async function runPublish(options: PublishOptions, deps: CommandDeps): Promise<PublishResult & { journal: string }> {
  const config = await deps.loadConfig();
  const [{ publish }, { connectPortal }, { createProgress }, { hashPassword }] = await Promise.all([
    import('../../publish/publication.js'),
    import('../../publish/connect.js'),
    import('../../publish/progress.js'),
    import('../../portal/password.js'),
  ]);
  const journal = await openRunJournal(config, deps, 'publish');
  const progress = createProgress(deps.io, deps.logger, deps.terminal.stderr.stream);
  try {
    const result = await publish(
      {
        companies: options.companies,
        ...(options.service ? { service: options.service } : {}),
        views: options.views,
        full: options.full,
        dryRun: options.dryRun,
        asOf: options.asOf ?? localDate(deps.clock.now()),
        strict: options.strict,
      },
      {
        config,
        journal,
        logger: deps.logger,
        progress,
        signal: deps.signal,
        now: () => deps.clock.now(),
        pid: deps.pid,
        hashPassword: (password) => hashPassword(password),
        version: deps.version,
        connect: () =>
          connectPortal(config, {
            env: deps.env,
            platform: deps.platform,
            redactor: deps.redactor,
            signal: deps.signal,
            onRetry: (r) => deps.logger.warn(`${r.method} ${r.url} failed (${r.reason}); retry ${r.attempt} in ${(r.delayMs / 1000).toFixed(1)} s`),
          }),
      },
    );
    return { ...result, journal: journal.dir };
  } finally {
    progress.stop();
  }
}
