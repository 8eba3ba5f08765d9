import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { NotBuiltError } from '../../errors.js';

export const logCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('log')
      .description('show the publication journal: ✓ published, ⚠ consistency warning, ✗ error')
      .addOption(new Option('--company <code>', 'only this company'))
      .addOption(new Option('--since <when>', 'from a date (YYYY-MM-DD) or a duration (24h, 7d)'))
      .addOption(new Option('--level <level>', 'minimum level').choices(['warning', 'error']))
      .addOption(new Option('--run <id>', 'the details of one run'))
      .addOption(new Option('--last <n>', 'the last N runs').argParser((v) => Number.parseInt(v, 10)))
      .addOption(new Option('--follow', 'keep printing new entries'))
      .addOption(new Option('--status', 'exit non-zero when the latest run of any company failed (for monitoring)'))
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async () => {
          throw new NotBuiltError('The publication journal (`sbsync log`)');
        }, () => undefined),
      );
  },
};
