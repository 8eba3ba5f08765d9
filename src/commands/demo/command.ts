import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { NotBuiltError } from '../../errors.js';

export const demoCommand: CommandModule = {
  register(program: Command, runner) {
    const demo = program.command('demo').description('the generated demo company');
    demo
      .command('create')
      .description('generate a realistic Sage 100 demo database (SQLite)')
      .addOption(new Option('--scale <n>', 'size multiplier: 1 ≈ 20,000 ledger lines, 50 ≈ 1,000,000').default(1).argParser(Number))
      .addOption(new Option('--seed <n>', 'the same seed gives the same company').default(1).argParser((v) => Number.parseInt(v, 10)))
      .addOption(new Option('--out <file>', 'output file').default('sbsync-data/demo.sqlite'))
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async () => {
          throw new NotBuiltError('The demo company generator (`sbsync demo create`)');
        }, () => undefined),
      );
  },
};
