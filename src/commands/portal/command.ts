import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { NotBuiltError } from '../../errors.js';

export const portalCommand: CommandModule = {
  register(program: Command, runner) {
    const portal = program.command('portal').description('the reference portal');
    portal
      .command('serve')
      .description('run the reference portal (the publication protocol and the mobile dashboard) on a store directory')
      .addOption(new Option('--store <dir>', 'store directory (default: the file: directory of the config’s portal)'))
      .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
      .addOption(new Option('--port <n>', 'port to listen on').default(8080).argParser((v) => Number.parseInt(v, 10)))
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async () => {
          throw new NotBuiltError('The reference portal (`sbsync portal serve`)');
        }, () => undefined),
      );
  },
};
