import type { Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { NotBuiltError } from '../../errors.js';

export const scheduleCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('schedule')
      .description('Windows Task Scheduler tasks (cron or systemd timers elsewhere) from the config’s schedule')
      .argument('<action>', 'print | install | remove | status')
      .addHelpText('after', '\nExamples:\n  sbsync schedule print\n  sbsync schedule install --config C:\\ProgramData\\sbsync\\sbsync.yaml')
      .action(async (action: string, _opts, cmd: Command) =>
        runner.run(cmd, async () => {
          throw new NotBuiltError(`Scheduling (\`sbsync schedule ${action}\`)`);
        }, () => undefined),
      );
  },
};
