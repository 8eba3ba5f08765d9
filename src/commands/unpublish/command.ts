import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';

export const unpublishCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('unpublish')
      .description('delete the last publication of a company from the portal (mobile users and data consumers no longer see it)')
      .addOption(new Option('--company <code>', 'company code').makeOptionMandatory())
      .addOption(new Option('--service <service>', 'only this service (default: every service the company publishes)').choices(['data-manager', 'business-mobile']))
      .addHelpText('after', '\nThe next `sbsync publish` publishes the company again, in full.\nExample:\n  sbsync unpublish --company ACME --service business-mobile')
      .action(async (opts: { company: string; service?: 'data-manager' | 'business-mobile' }, cmd: Command) =>
        runner.run(
          cmd,
          async (deps) => (await import('./run.js')).runUnpublish({ company: opts.company, ...(opts.service ? { service: opts.service } : {}) }, deps),
          (r, deps) => deps.io.out(`${deps.io.chalk.green('✓')} ${r.company}: ${r.unpublished.join(', ')} unpublished from ${r.portal}\n`),
        ),
      );
  },
};
