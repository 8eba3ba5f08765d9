import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import type { CommandDeps } from '../../context.js';
import { counted, frenchCount, formatSize } from '../../text.js';
import { table } from '../render.js';
import type { ReplicaStatusResult, ReplicaSyncCommandResult, ReplicaVerifyResult } from './run.js';


/** `31/12/2025 07:00` from an ISO instant, in local time; `—` when never. */
function when(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function renderSync(r: ReplicaSyncCommandResult, deps: CommandDeps): void {
  const c = deps.io.chalk;
  const lines = r.companies.flatMap((co) => {
    if ('error' in co) return [`${c.red('✗')} ${co.company}  ${c.red(co.error.message)}`, ...(co.error.hint ? [`    ${c.cyan(`hint: ${co.error.hint}`)}`] : [])];
    const changed = co.tables.reduce((n, t) => n + t.inserted + t.updated + t.deleted, 0);
    const read = co.tables.reduce((n, t) => n + t.rowsRead, 0);
    const rows = co.tables.reduce((n, t) => n + t.rowCount, 0);
    return [`${c.green('✓')} ${co.company}  ${counted(rows, 'ligne', 'lignes')}, ${counted(read, 'lue', 'lues')}, ${counted(changed, 'changée', 'changées')} · ${formatSize(co.sizeBytes)}  ${c.dim(`${(co.ms / 1000).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} s`)}`];
  });
  deps.io.out(`${lines.join('\n')}\n`);
}

function renderStatus(r: ReplicaStatusResult, deps: CommandDeps): void {
  const c = deps.io.chalk;
  const out: string[] = [];
  for (const co of r.companies) {
    if (!co.exists) {
      out.push(`${c.dim('–')} ${co.company}  pas encore de réplique (${co.path}) : sbsync replica sync --company ${co.company}`);
      continue;
    }
    out.push(`${c.bold(co.company)}  ${co.path}  ${formatSize(co.bytes)}`);
    const verified = (t: (typeof co.tables)[number]) => (t.verifiedEqual === null ? '—' : `${when(t.verifiedAt)} ${t.verifiedEqual ? c.green('✓') : c.red('✗')}`);
    out.push(table([[c.bold('table'), c.bold('lignes'), c.bold('taille'), c.bold('synchro'), c.bold('vérifiée')], ...co.tables.map((t) => [t.table, frenchCount(t.rows), formatSize(t.bytes), when(t.syncedAt), verified(t)])]));
    for (const name of co.building) out.push(c.yellow(`  ⚠ ${name}: première copie interrompue, reprise à la prochaine synchro`));
  }
  if (r.freeBytes !== null) out.push(c.dim(`espace libre : ${formatSize(r.freeBytes)}`));
  deps.io.out(`${out.join('\n')}\n`);
}

function renderVerify(r: ReplicaVerifyResult, deps: CommandDeps): void {
  const c = deps.io.chalk;
  const out: string[] = [];
  for (const co of r.companies) {
    out.push(`${co.equal ? c.green('✓') : c.red('✗')} ${co.company}  ${co.equal ? 'identique à la source' : 'diffère de la source'}`);
    for (const problem of co.fileProblems) out.push(`    ${c.red(problem)}`);
    for (const t of co.tables) {
      if (t.equal || !t.difference) continue;
      const d = t.difference;
      const parts = d.columnsChanged
        ? ['colonnes changées dans la source']
        : [
            d.missing && counted(d.missing, 'manquante', 'manquantes'),
            d.extra && `${frenchCount(d.extra)} en trop`,
            d.different && counted(d.different, 'différente', 'différentes'),
            d.buckets && counted(d.buckets, 'tranche de clés', 'tranches de clés'),
          ].filter(Boolean);
      out.push(`    ${c.red('✗')} ${t.table}: ${parts.join(', ')}${d.sampleKeys.length > 0 ? c.dim(` (cbMarq ${d.sampleKeys.join(', ')}…)`) : ''}`);
    }
    if (!co.equal) out.push(`    ${c.cyan(`hint: sbsync replica sync --company ${co.company} remet la réplique à niveau`)}`);
  }
  deps.io.out(`${out.join('\n')}\n`);
}

export const replicaCommand: CommandModule = {
  register(program: Command, runner) {
    const replica = program.command('replica').description('the local copy of each company’s Sage tables (views and data are computed from it)');
    replica
      .command('sync')
      .description('bring the replicas level with their Sage databases (also the first step of publish)')
      .addOption(new Option('--company <code>', 'only this company'))
      .addOption(new Option('--full', 'copy every table again from scratch'))
      .action(async (opts: { company?: string; full?: boolean }, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runReplicaSync(opts, deps), renderSync),
      );
    replica
      .command('status')
      .description('per company and table: rows, size on disk, last sync, last verification')
      .addOption(new Option('--company <code>', 'only this company'))
      .action(async (opts: { company?: string }, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runReplicaStatus(opts, deps), renderStatus),
      );
    replica
      .command('verify')
      .description('compare each replica with its source; exit 0 when identical, 1 otherwise')
      .addOption(new Option('--company <code>', 'only this company'))
      .addOption(new Option('--rows', 'SQL Server: compare every row (default: counts and checksums per range of keys)'))
      .action(async (opts: { company?: string; rows?: boolean }, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runReplicaVerify(opts, deps), renderVerify),
      );
    replica
      .command('rebuild')
      .description('delete a company’s replica and copy its tables again (a damaged file, another source)')
      .requiredOption('--company <code>', 'the company')
      .action(async (opts: { company: string }, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runReplicaRebuild(opts, deps), renderSync),
      );
  },
};
