import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import type { CommandDeps } from '../../context.js';
import { formatBytes, formatCount } from '../../publish/progress.js';
import type { PublishResult } from '../../publish/publication.js';

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

function render(r: PublishResult & { journal: string }, deps: CommandDeps): void {
  const c = deps.io.chalk;
  const symbol = { published: c.green('✓'), warnings: c.yellow('⚠'), failed: c.red('✗'), 'dry-run': c.cyan('○') };
  const lines: string[] = [];
  for (const company of r.companies) {
    const parts = company.services.map((s) => {
      if (s.error) return `${s.service} ${c.red('failed')}`;
      const rows = s.datasets.reduce((n, d) => n + d.rows, 0);
      const bytes = s.datasets.reduce((n, d) => n + d.storedBytes, 0);
      if (s.status === 'up-to-date') return `${s.service} up to date`;
      return s.service === 'business-mobile' ? `${s.service} ${s.datasets.length} views` : `${s.service} ${formatCount(rows)} rows${s.mode ? ` (${s.mode})` : ''}, ${formatBytes(bytes)}`;
    });
    const warn = company.warnings.count > 0 ? c.yellow(` · ${company.warnings.count} consistency warning${company.warnings.count > 1 ? 's' : ''}`) : '';
    lines.push(`${symbol[company.status]} ${company.company}  ${parts.join(' · ')}${warn}  ${c.dim(`${(company.durationMs / 1000).toFixed(1)} s`)}`);
    const errors = [company.error, ...company.services.map((s) => s.error)].filter((e) => e !== undefined);
    for (const e of errors) {
      lines.push(`    ${c.red(e.message)}`);
      if (e.hint) lines.push(`    ${c.cyan(`hint: ${e.hint}`)}`);
    }
    for (const w of company.warnings.items.slice(0, deps.flags.verbose ? 20 : 3)) lines.push(`    ${c.yellow('⚠')} ${w.table}: ${w.message}`);
    if (company.warnings.count > (deps.flags.verbose ? 20 : 3)) lines.push(`    ${c.dim(`… all of them: sbsync log --run ${r.runId}`)}`);
  }
  const failed = r.companies.filter((co) => co.status === 'failed').length;
  const verb = r.dryRun ? 'dry run, nothing sent' : `${r.companies.length - failed} published, ${failed} failed`;
  lines.push(c.dim(`run ${r.runId}: ${verb}; ${formatCount(r.totals.rows)} rows, ${formatBytes(r.totals.storedBytes)} in ${(r.totals.durationMs / 1000).toFixed(1)} s → ${r.portal}`));
  deps.io.out(`${lines.join('\n')}\n`);
}

export const publishCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('publish')
      .description('extract, upload and commit the publications of the config’s companies')
      .addOption(new Option('--company <code>', 'only this company (repeatable, or comma-separated)').argParser(collect))
      .addOption(new Option('--service <service>', 'only this service').choices(['data-manager', 'business-mobile']))
      .addOption(new Option('--view <id>', 'only this view (repeatable); the other views stay as published').argParser(collect))
      .addOption(new Option('--full', 'Data Manager: re-publish every row instead of the changes since the last publication'))
      .addOption(new Option('--dry-run', 'extract and report sizes without sending anything'))
      .addOption(new Option('--as-of <date>', 'compute views as of this date, YYYY-MM-DD (default: today)'))
      .addOption(new Option('--strict', 'exit 3 when the publication succeeded with consistency warnings'))
      .addHelpText(
        'after',
        '\nOne company failing does not stop the others; the exit code is the worst outcome (1 failed, 4 login refused).\nExamples:\n  sbsync publish\n  sbsync publish --company ACME --service business-mobile\n  sbsync publish --company ACME --full --json',
      )
      .action(async (opts: Record<string, unknown>, cmd: Command) =>
        runner.run(
          cmd,
          async (deps) => {
            const { resolvePublishOptions } = await import('./options.js');
            const { runPublish } = await import('./run.js');
            return runPublish(resolvePublishOptions(opts), deps);
          },
          render,
        ),
      );
  },
};
