import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { NotBuiltError } from '../../errors.js';

export const unpublishCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('unpublish')
      .description('delete the last publication of a company from the portal')
      .addOption(new Option('--company <code>', 'company code').makeOptionMandatory())
      .addOption(new Option('--service <service>', 'only this service (default: both)').choices(['data-manager', 'business-mobile']))
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async () => {
          throw new NotBuiltError('Unpublishing (`sbsync unpublish`)');
        }, () => undefined),
      );
  },
};
