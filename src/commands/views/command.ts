import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { formatViewText } from '../../extract/views/text.js';
import { table } from '../render.js';

export const viewsCommand: CommandModule = {
  register(program: Command, runner) {
    const views = program.command('views').description('the Business Mobile views: list the catalogue, compute one');
    views
      .command('list')
      .description('list every view with its id, group and title')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async () => (await import('./run.js')).runViewsList(), (r, deps) => {
          const c = deps.io.chalk;
          deps.io.out(`${table([[c.bold('id'), c.bold('group'), c.bold('title')], ...r.views.map((v) => [v.id, v.group, `${v.title.fr} — ${v.title.en}`])])}\n`);
        }),
      );
    views
      .command('show')
      .description("compute one view for one company from its replica (synced first) and print it")
      .argument('<view>', 'view id (see `sbsync views list`)')
      .addOption(new Option('--company <code>', 'company code (default: the only company of the config)'))
      .addOption(new Option('--as-of <date>', 'compute as of this date, YYYY-MM-DD (default: today)'))
      .addOption(new Option('--no-sync', "read the company’s replica as it stands, without syncing it with Sage first"))
      .addHelpText('after', '\nExample:\n  sbsync views show revenue-by-month --company DEMO --as-of 2025-12-31 --json')
      .action(async (view: string, opts: { company?: string; asOf?: string; sync?: boolean }, cmd: Command) =>
        runner.run(cmd, async (deps) => {
          const run = await import('./run.js');
          return run.runViewsShow(run.resolveViewsShowOptions(view, opts), deps);
        }, (r, deps) => {
          deps.io.out(`${deps.io.chalk.dim(`${r.company.code} ${r.company.name}`)}\n${formatViewText(r.view, table)}`);
        }),
      );
  },
};
