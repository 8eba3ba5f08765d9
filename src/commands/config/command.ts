import type { Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { renderDiagnostic } from '../../config/diagnostics.js';
import { table } from '../render.js';

export const configCommand: CommandModule = {
  register(program: Command, runner) {
    const config = program.command('config').description('check or print the configuration, without side effects');
    config
      .command('validate')
      .description('check the config file: YAML syntax, schema, secret references and cross-field rules')
      .addHelpText('after', '\nExit code 0 when valid (warnings allowed), 2 when any error is found.\nExample:\n  sbsync config validate --config C:\\ProgramData\\sbsync\\sbsync.yaml')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runValidate(deps), (r, deps) => {
          const c = deps.io.chalk;
          for (const d of r.diagnostics) {
            deps.io.err(`${renderDiagnostic(d)}\n`);
            if (d.expected !== undefined) deps.io.err(c.dim(`  expected: ${d.expected}\n`));
          }
          const summary = r.valid
            ? `${c.green('✓')} ${r.config} is valid${r.warnings > 0 ? ` (${r.warnings} warning${r.warnings > 1 ? 's' : ''})` : ''}`
            : `${c.red('✗')} ${r.config}: ${r.errors} error${r.errors > 1 ? 's' : ''}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}`;
          deps.io.out(`${summary}\n`);
        }),
      );
    config
      .command('show')
      .description('print the resolved config (defaults filled in, secrets redacted) with where each value came from')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runShow(deps), (r, deps) => {
          const c = deps.io.chalk;
          deps.io.out(`${c.bold('config')} ${r.config}\n`);
          deps.io.out(`${table(r.values.map((v) => [v.path, Array.isArray(v.value) ? JSON.stringify(v.value) : String(v.value), c.dim(v.source)]))}\n`);
        }),
      );
  },
};
