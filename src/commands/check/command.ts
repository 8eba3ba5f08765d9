import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { renderDiagnostic } from '../../config/diagnostics.js';
import { mark, table, type Mark } from '../render.js';
import type { TickStatus } from './run.js';

const TICK_MARK: Record<TickStatus, Mark> = { ok: 'ok', missing: 'fail', warning: 'warn', optional: 'skip' };

export const checkCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('check')
      .description('the publication assistant: tick every setting publication needs, then probe the databases and the portal')
      .addOption(new Option('--offline', 'skip the live probes (database connections, portal login)'))
      .addHelpText('after', '\nExit code 0 only when every required setting is present and every probe passed;\n1 when something is missing or a probe failed, 2 for config errors, 4 when a login was refused.\nExamples:\n  sbsync check\n  sbsync check --offline --json')
      .action(async (opts: { offline?: boolean }, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runCheck({ offline: opts.offline === true }, deps), (r, deps) => {
          const c = deps.io.chalk;
          for (const d of r.diagnostics) {
            deps.io.err(`${renderDiagnostic(d)}\n`);
            if (d.expected !== undefined) deps.io.err(c.dim(`  expected: ${d.expected}\n`));
          }
          const lines: string[] = [`${c.bold('sbsync check')} — config ${r.config}`, ''];
          const rows: string[][] = [];
          for (const t of r.ticks) {
            rows.push([`  ${mark(deps.io, TICK_MARK[t.status])}`, t.label, t.detail]);
            if (t.fix && t.status !== 'ok') rows.push(['', '', c.cyan(`fix: ${t.fix}`)]);
          }
          lines.push(table(rows, 1));
          if (r.offline) lines.push('', c.dim('  Live probes skipped (--offline).'));
          else if (r.probes.length > 0) {
            const probeRows: string[][] = [];
            for (const p of r.probes) {
              probeRows.push([`  ${mark(deps.io, p.status === 'ok' ? 'ok' : p.status === 'fail' ? 'fail' : 'skip')}`, p.label, p.detail]);
              if (p.fix && p.status === 'fail') probeRows.push(['', '', c.cyan(`fix: ${p.fix}`)]);
            }
            lines.push('', c.bold('Probes'), table(probeRows, 1));
          }
          lines.push('', r.ready ? c.green('Ready to publish.') : c.red('Not ready: fix the ✗ lines above.'));
          deps.io.out(`${lines.join('\n')}\n`);
        }),
      );
  },
};
