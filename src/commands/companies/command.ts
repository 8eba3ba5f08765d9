import type { Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { table } from '../render.js';

export const companiesCommand: CommandModule = {
  register(program: Command, runner) {
    const companies = program.command('companies').description('the companies of the config and their data on the portal');
    companies
      .command('list')
      .description('list the companies: code, name, source, published services, users')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runCompaniesList(deps), (r, deps) => {
          const c = deps.io.chalk;
          const services = (row: (typeof r.companies)[number]) =>
            [
              row.dataManager.accounting && 'data:accounting',
              row.dataManager.commercial && 'data:commercial',
              row.businessMobile.accountingViews && 'views:accounting',
              row.businessMobile.commercialViews && 'views:commercial',
            ].filter(Boolean).join(' ') || c.dim('nothing');
          deps.io.out(`${table([[c.bold('code'), c.bold('name'), c.bold('publishes'), c.bold('users'), c.bold('source')], ...r.companies.map((row) => [row.code, row.name, services(row), String(row.users.length), row.source])])}\n`);
        }),
      );
    companies
      .command('remove')
      .description('delete everything published for a company on the portal (the YAML entry is yours to delete)')
      .argument('<code>', 'company code')
      .addHelpText('after', '\nWorks for a company already deleted from the config too.\nExample:\n  sbsync companies remove ACME')
      .action(async (code: string, _opts, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runCompaniesRemove(code, deps), (r, deps) =>
          deps.io.out(`${deps.io.chalk.green('✓')} ${r.company} and all its published data removed from ${r.portal}\n`),
        ),
      );
  },
};
