import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { NotBuiltError } from '../../errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

export const publishCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('publish')
      .description('extract, upload and commit the publications of the config’s companies')
      .addOption(new Option('--company <code>', 'only this company (repeatable, or comma-separated)').argParser(collect))
      .addOption(new Option('--service <service>', 'only this service').choices(['data-manager', 'business-mobile']))
      .addOption(new Option('--view <id>', 'only this view (repeatable)').argParser(collect))
      .addOption(new Option('--full', 'Data Manager: re-publish every row instead of the changes since the last publication'))
      .addOption(new Option('--dry-run', 'extract and report sizes without sending anything'))
      .addOption(new Option('--as-of <date>', 'compute views as of this date, YYYY-MM-DD (default: today)'))
      .addOption(new Option('--strict', 'exit 3 when the publication succeeded with consistency warnings'))
      .addHelpText('after', '\nExamples:\n  sbsync publish\n  sbsync publish --company ACME --service business-mobile\n  sbsync publish --company ACME --full --json')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async () => {
          throw new NotBuiltError('Publishing (`sbsync publish`)');
        }, () => undefined),
      );
  },
};
