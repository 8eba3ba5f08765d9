import path from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import type { CommandDeps } from '../../context.js';
import type { RawScheduleOptions, ScheduleEnvironment, ScheduleResult } from './run.js';

async function environment(deps: CommandDeps): Promise<ScheduleEnvironment> {
  const { systemdUserDir } = await import('../../schedule/unix.js');
  const { platformOf } = await import('./run.js');
  return {
    execFile: deps.execFile,
    execPath: deps.execPath,
    binPath: path.join(deps.packageRoot, 'bin', 'sbsync.js'),
    tempDir: deps.tempDir,
    systemdDir: systemdUserDir(deps.homeDir, deps.env),
    native: platformOf(deps.platform),
  };
}

export const scheduleCommand: CommandModule = {
  register(program: Command, runner) {
    program
      .command('schedule')
      .description('Windows Task Scheduler tasks (cron or systemd timers elsewhere) from the config’s schedule')
      .argument('<action>', 'print | install | remove | status')
      .addOption(new Option('--user <account>', 'Windows: run the task as this account (DOMAIN\\user), password from $SBSYNC_TASK_PASSWORD or --password-stdin'))
      .addOption(new Option('--password-stdin', 'read the --user password from the first line of standard input'))
      .addOption(new Option('--system', 'Windows: run the task as SYSTEM (no network shares, machine proxy settings)'))
      .addOption(new Option('--platform <platform>', 'print for another platform').choices(['windows', 'linux', 'macos']))
      .addOption(new Option('--xml-file <file>', 'print (Windows): also write the task XML (UTF-16) to this file'))
      .addHelpText(
        'after',
        `
The task \\sbsync\\Publish (Windows) or the systemd user timer sbsync-publish.timer (Linux) runs
"node sbsync.js publish --config <this config>" with absolute paths, as the config's schedule says.
Without --user or --system the Windows task runs as you, whether you are logged on or not, with no
stored password (it cannot open network shares). Task Scheduler's "Last Result" is sbsync's exit code.
status exits 1 when nothing is installed. See docs/operations.md.
Examples:
  sbsync schedule print
  sbsync schedule install --config C:\\ProgramData\\sbsync\\sbsync.yaml
  sbsync schedule status`,
      )
      .action(async (action: string, opts: RawScheduleOptions, cmd: Command) =>
        runner.run(
          cmd,
          async (deps) => {
            const { resolveScheduleOptions, runSchedule } = await import('./run.js');
            const env = await environment(deps);
            return runSchedule(resolveScheduleOptions(action, opts, env.native, deps.cwd), deps, env);
          },
          (result, deps) => render(result, deps),
        ),
      );
  },
};

function accountText(result: Extract<ScheduleResult, { account: unknown }>): string {
  switch (result.account.kind) {
    case 'current':
      return 'you, whether logged on or not (no stored password; no network shares)';
    case 'system':
      return 'SYSTEM (no password; no network shares; the machine’s WinHTTP proxy settings)';
    case 'user':
      return `${result.account.user}, whether logged on or not (needs "Log on as a batch job")`;
  }
}

function render(result: ScheduleResult, deps: CommandDeps): void {
  const { io } = deps;
  const c = io.chalk;
  const out = (lines: string[]) => io.out(`${lines.join('\n')}\n`);

  if ('removed' in result) {
    out([result.message]);
    return;
  }
  if ('xml' in result) {
    const lines = [
      `${c.bold(`Task ${result.taskName}`)} — ${result.description}`,
      `  runs:    ${result.runs}`,
      `  account: ${accountText(result)}`,
    ];
    if (result.action === 'install') {
      lines.push('', c.green(`Installed ${result.taskName}.`), c.dim(`  ${result.commandLine}`), '', 'Check it with `sbsync schedule status`; the outcome of each run is in `sbsync log`.');
      out(lines);
      return;
    }
    lines.push('', result.xml.trimEnd(), '');
    if (result.xmlFile !== undefined) lines.push(`XML written to ${result.xmlFile} (UTF-16). Create the task with:`);
    else lines.push('Create the task with `sbsync schedule install`, or save the XML with --xml-file FILE (UTF-16) and run:');
    lines.push(`  ${result.commandLine}`);
    if (result.account.kind === 'user') lines.push(c.dim('  (/RP *** stands for the password: sbsync install reads it from $SBSYNC_TASK_PASSWORD or --password-stdin)'));
    out(lines);
    return;
  }
  if ('cron' in result) {
    const lines = [`${c.bold('Schedule')} — ${result.description}`, `  runs: ${result.runs}`, ''];
    if (result.action === 'install' && result.installed) {
      lines.push(c.green(`Installed ${result.installed.timerFile}`), c.green(`      and ${result.installed.serviceFile}`), c.dim(`  enabled with: ${result.enable.map((a) => a.join(' ')).join(' && ')}`), '');
      lines.push(c.dim('User timers run while you have a session; to run them when you are logged out: loginctl enable-linger $USER'));
      out(lines);
      return;
    }
    lines.push(c.bold('crontab line') + c.dim(' (crontab -e):'), result.cron, '');
    lines.push(c.bold(`systemd user timer`) + c.dim(` (${path.posix.join(result.unitDir, 'sbsync-publish.timer')}):`), result.timer.trimEnd(), '');
    lines.push(c.bold(`systemd user service`) + c.dim(` (${path.posix.join(result.unitDir, 'sbsync-publish.service')}):`), result.service.trimEnd(), '');
    lines.push(`\`sbsync schedule install\` writes both units and runs: ${result.enable.map((a) => a.join(' ')).join(' && ')}`);
    out(lines);
    return;
  }
  if (result.platform === 'windows' && 'taskName' in result) {
    if (!result.installed) {
      out([`No task ${result.taskName} on this machine. Install it with \`sbsync schedule install\`.`]);
      return;
    }
    const t = result.task;
    const rows = [
      `${c.bold(`Task ${result.taskName}`)}`,
      `  status:      ${t?.status ?? '?'}${t?.scheduledTaskState ? ` (${t.scheduledTaskState})` : ''}`,
      `  next run:    ${t?.nextRunTime ?? '?'}`,
      `  last run:    ${t?.lastRunTime ?? '?'}`,
      `  last result: ${t?.lastResult ?? '?'}${t?.lastResultMeaning ? ` — ${t.lastResultMeaning}` : ''}`,
      `  runs as:     ${t?.runAsUser ?? '?'}`,
      `  runs:        ${t?.taskToRun ?? '?'}`,
      '',
      c.dim('The outcome of each company is in `sbsync log` (`sbsync log --status` for monitoring).'),
    ];
    out(rows);
    return;
  }
  if ('unitDir' in result) {
    if (!result.installed) {
      out([`No sbsync-publish.timer in ${result.unitDir}. Install it with \`sbsync schedule install\`.`]);
      return;
    }
    const t = result.timer ?? {};
    const s = result.service ?? {};
    const lines = [
      c.bold('Timer sbsync-publish.timer'),
      `  state:       ${t.ActiveState ?? '?'} (${t.UnitFileState ?? '?'})`,
      `  next run:    ${t.NextElapseUSecRealtime || '?'}`,
      `  last run:    ${t.LastTriggerUSec || 'never'}`,
      `  last result: ${s.ExecMainStatus ?? '?'}${s.Result ? ` (${s.Result})` : ''}`,
    ];
    if (result.note) lines.push(c.dim(`  ${result.note}`));
    lines.push('', c.dim('The outcome of each company is in `sbsync log` (`sbsync log --status` for monitoring).'));
    out(lines);
  }
}
