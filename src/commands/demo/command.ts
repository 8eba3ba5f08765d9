import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { table } from '../render.js';

export const demoCommand: CommandModule = {
  register(program: Command, runner) {
    const demo = program.command('demo').description('the generated demo company');
    demo
      .command('create')
      .description('generate a realistic Sage 100 demo database (SQLite): 3 fiscal years ending today')
      .addOption(new Option('--scale <n>', 'size multiplier: 1 ≈ 20,000 ledger lines, 50 ≈ 1,000,000').argParser(Number))
      .addOption(new Option('--seed <n>', 'the same seed gives the same company (default 1)').argParser(Number))
      .addOption(new Option('--out <file>', 'output file (default sbsync-data/demo.sqlite)'))
      .addOption(new Option('--today <date>', "the company's today, YYYY-MM-DD, for reproducible files (default: today)"))
      .addHelpText('after', '\nExamples:\n  sbsync demo create\n  sbsync demo create --scale 50 --out big.sqlite   (about 1,000,000 ledger lines)')
      .action(async (opts: { scale?: number; seed?: number; out?: string; today?: string }, cmd: Command) =>
        runner.run(cmd, async (deps) => {
          const run = await import('./run.js');
          return run.runDemoCreate(run.resolveDemoCreateOptions(opts), deps);
        }, (r, deps) => {
          const c = deps.io.chalk;
          const main = ['F_ECRITUREC', 'F_DOCENTETE', 'F_DOCLIGNE', 'F_COMPTET', 'F_ARTICLE'].map((t) => [t, (r.counts[t] ?? 0).toLocaleString('en-US')]);
          deps.io.out(`${c.green('✓')} demo company written to ${r.path} in ${(r.durationMs / 1000).toFixed(1)} s (today ${r.today}, scale ${r.scale}, seed ${r.seed})\n${table(main)}\n`);
        }),
      );
  },
};
