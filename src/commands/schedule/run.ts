/**
 * `sbsync schedule print|install|remove|status` — the config's `schedule:` as a Windows Task Scheduler task
 * (`\sbsync\Publish`, registered from XML with schtasks.exe), or a systemd user timer (Linux) / crontab line.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandDeps } from '../../context.js';
import { OperationError, UsageError, ExitCode } from '../../errors.js';
import { EMBEDDED_DEFAULT } from '../../config/load.js';
import { localDate } from '../../journal/time.js';
import {
  commandLine,
  createArgs,
  cronLine,
  deleteArgs,
  DISABLE_ARGS,
  ENABLE_ARGS,
  encodeTaskXml,
  isNotFound,
  parseShow,
  parseTaskQuery,
  planSchedule,
  queryArgs,
  RELOAD_ARGS,
  schtasksPath,
  SERVICE_FILE,
  SHOW_SERVICE_ARGS,
  SHOW_TIMER_ARGS,
  shellQuote,
  systemdUnits,
  TASK_NAME,
  taskXml,
  TIMER_FILE,
  type ExecFile,
  type PublishCommand,
  type TaskAccount,
  type TaskStatus,
} from '../../schedule/index.js';

export type ScheduleAction = 'print' | 'install' | 'remove' | 'status';
export type SchedulePlatform = 'windows' | 'linux' | 'macos';

export const PASSWORD_ENV = 'SBSYNC_TASK_PASSWORD';

export interface ScheduleOptions {
  action: ScheduleAction;
  platform: SchedulePlatform;
  account: TaskAccount;
  /** --password-stdin: the account's password is the first line of standard input. */
  passwordStdin: boolean;
  /** print (Windows): also write the task XML there (UTF-16), ready for the printed schtasks command. */
  xmlFile?: string;
}

/** What the outside world gives scheduling; command.ts builds the real one. */
export interface ScheduleEnvironment {
  execFile: ExecFile;
  /** Absolute node(.exe) running sbsync now. */
  execPath: string;
  /** Absolute bin/sbsync.js. */
  binPath: string;
  /** Where `install` writes the task XML for schtasks (a fresh sub-folder, removed afterwards). */
  tempDir: string;
  /** systemd user unit folder (~/.config/systemd/user). */
  systemdDir: string;
  /** The platform sbsync runs on. */
  native: SchedulePlatform;
}

export function platformOf(platform: NodeJS.Platform): SchedulePlatform {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

export interface RawScheduleOptions {
  user?: string;
  system?: boolean;
  passwordStdin?: boolean;
  platform?: string;
  xmlFile?: string;
}

export function resolveScheduleOptions(action: string, raw: RawScheduleOptions, native: SchedulePlatform, cwd: string): ScheduleOptions {
  if (!['print', 'install', 'remove', 'status'].includes(action)) {
    throw new UsageError(`unknown action "${action}": expected print, install, remove or status`, { hint: 'sbsync schedule print shows what install would do.' });
  }
  const platform = (raw.platform as SchedulePlatform | undefined) ?? native;
  if (platform !== native && action !== 'print') throw new UsageError(`--platform ${platform} works with print only: ${action} acts on this machine (${native})`);
  if (raw.user !== undefined && raw.system === true) throw new UsageError('--user cannot be combined with --system: pick one account');
  if (raw.passwordStdin === true && raw.user === undefined) throw new UsageError('--password-stdin needs --user (the password is the account’s)');
  if ((raw.user !== undefined || raw.system === true) && platform !== 'windows') throw new UsageError(`--${raw.user !== undefined ? 'user' : 'system'} applies to Windows tasks only (systemd user timers run as you)`);
  if ((raw.user !== undefined || raw.system === true) && action !== 'print' && action !== 'install') throw new UsageError(`--${raw.user !== undefined ? 'user' : 'system'} applies to print and install only`);
  if (raw.xmlFile !== undefined && (action !== 'print' || platform !== 'windows')) throw new UsageError('--xml-file goes with `schedule print` for Windows');
  const account: TaskAccount = raw.system === true ? { kind: 'system' } : raw.user !== undefined ? { kind: 'user', user: raw.user } : { kind: 'current' };
  const options: ScheduleOptions = { action: action as ScheduleAction, platform, account, passwordStdin: raw.passwordStdin === true };
  if (raw.xmlFile !== undefined) options.xmlFile = path.resolve(cwd, raw.xmlFile);
  return options;
}

interface Base {
  action: ScheduleAction;
  platform: SchedulePlatform;
  exitCode: number;
}

export interface WindowsPlan extends Base {
  platform: 'windows';
  taskName: string;
  description: string;
  account: TaskAccount;
  /** What the task runs, as a command line. */
  runs: string;
  xml: string;
  /** The exact schtasks command (password shown as ***). */
  command: string[];
  commandLine: string;
  xmlFile?: string;
}

export interface UnixPlan extends Base {
  platform: 'linux' | 'macos';
  description: string;
  runs: string;
  cron: string;
  cronLog: string;
  timer: string;
  service: string;
  unitDir: string;
  /** The commands install runs after writing the units. */
  enable: string[][];
  installed?: { timerFile: string; serviceFile: string };
}

export interface RemoveResult extends Base {
  removed: boolean;
  message: string;
  command: string[];
}

export interface WindowsStatus extends Base {
  platform: 'windows';
  installed: boolean;
  taskName: string;
  task?: TaskStatus;
  command: string[];
}

export interface UnixStatus extends Base {
  platform: 'linux' | 'macos';
  installed: boolean;
  unitDir: string;
  timer?: Record<string, string>;
  service?: Record<string, string>;
  note?: string;
}

export type ScheduleResult = WindowsPlan | UnixPlan | RemoveResult | WindowsStatus | UnixStatus;

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function publishCommand(deps: CommandDeps, env: ScheduleEnvironment, platform: SchedulePlatform) {
  const config = await deps.loadConfig();
  if (config.file === EMBEDDED_DEFAULT) {
    throw new UsageError('there is no config file to schedule: sbsync is running on the embedded default', {
      hint: 'Copy config.example.yaml to sbsync.yaml, set your companies, then run `sbsync schedule print --config <absolute path to sbsync.yaml>`.',
    });
  }
  const plan = planSchedule(config.schedule);
  const p = platform === 'windows' ? path.win32 : path.posix;
  const command: PublishCommand = {
    node: env.execPath,
    bin: env.binPath,
    config: config.file,
    workingDirectory: p.dirname(config.file),
    args: [env.binPath, 'publish', '--config', config.file],
  };
  return { config, plan, command };
}

async function readPassword(options: ScheduleOptions, deps: CommandDeps): Promise<string | undefined> {
  if (options.account.kind !== 'user') return undefined;
  let password: string | undefined;
  if (options.passwordStdin) {
    if (deps.terminal.stdinIsTTY) throw new UsageError('--password-stdin reads a pipe, not the keyboard', { hint: `Pipe it (e.g. from a secret store), or set ${PASSWORD_ENV}.` });
    password = (await deps.readStdin()).split(/\r?\n/)[0];
  } else {
    password = deps.env[PASSWORD_ENV];
  }
  if (password === undefined || password === '') {
    throw new UsageError(`the password of ${options.account.user} is needed to run the task while nobody is logged on`, {
      hint: `Set ${PASSWORD_ENV} for this command, or pipe it with --password-stdin. It is handed to schtasks.exe only, never printed or written to a file.`,
    });
  }
  deps.redactor.add(password);
  return password;
}

async function windowsPlan(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<WindowsPlan & { password?: string }> {
  const { plan, command } = await publishCommand(deps, env, 'windows');
  const xml = taskXml(plan, command, { startDate: localDate(deps.clock.now()), account: options.account, version: deps.version });
  const shownFile = options.xmlFile ?? 'sbsync-publish.xml';
  const args = createArgs(shownFile, options.account, options.account.kind === 'user' ? '***' : undefined);
  const schtasks = schtasksPath(deps.env);
  const result: WindowsPlan = {
    action: options.action,
    platform: 'windows',
    taskName: TASK_NAME,
    description: plan.description,
    account: options.account,
    runs: commandLine(command.node, command.args),
    xml,
    command: [schtasks, ...args],
    commandLine: commandLine(schtasks, args),
    exitCode: ExitCode.ok,
  };
  if (options.xmlFile !== undefined) result.xmlFile = options.xmlFile;
  return result;
}

async function unixPlan(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<UnixPlan> {
  const { config, plan, command } = await publishCommand(deps, env, options.platform);
  const cronLog = path.posix.join(path.posix.dirname(config.journal.path), 'sbsync-cron.log');
  const units = systemdUnits(plan, command, deps.version);
  return {
    action: options.action,
    platform: options.platform as 'linux' | 'macos',
    description: plan.description,
    runs: [command.node, ...command.args].map(shellQuote).join(' '),
    cron: cronLine(plan, command, cronLog),
    cronLog,
    timer: units.timer,
    service: units.service,
    unitDir: env.systemdDir,
    enable: [['systemctl', ...RELOAD_ARGS], ['systemctl', ...ENABLE_ARGS]],
    exitCode: ExitCode.ok,
  };
}

async function installWindows(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<WindowsPlan> {
  const result = await windowsPlan(options, deps, env);
  const password = await readPassword(options, deps);
  await mkdir(env.tempDir, { recursive: true });
  const dir = await mkdtemp(path.join(env.tempDir, 'sbsync-task-'));
  const xmlFile = path.join(dir, 'sbsync-publish.xml');
  try {
    await writeFile(xmlFile, encodeTaskXml(result.xml));
    const args = createArgs(xmlFile, options.account, password);
    let run;
    try {
      run = await env.execFile(result.command[0]!, args);
    } catch (error) {
      throw new OperationError(`cannot run ${result.command[0]}: ${describe(error)}`, { cause: error, hint: 'schtasks.exe is part of Windows; check %SystemRoot%.' });
    }
    if (run.exitCode !== 0) {
      const output = (run.stderr || run.stdout).trim();
      const denied = /access is denied|accès refusé|0x80070005/i.test(output);
      throw new OperationError(`schtasks could not create ${TASK_NAME}: ${output || `exit code ${run.exitCode}`}`, {
        hint: denied
          ? 'Open the command prompt with "Run as administrator", or install the task as the account it runs as.'
          : options.account.kind === 'user'
            ? `Check the account name and password, and that ${options.account.user} has the "Log on as a batch job" right.`
            : '`sbsync schedule print --xml-file task.xml` writes the task so you can import it in Task Scheduler and read its error.',
      });
    }
    result.command = [result.command[0]!, ...createArgs(xmlFile, options.account, password === undefined ? undefined : '***')];
    result.commandLine = commandLine(result.command[0]!, result.command.slice(1));
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function installUnix(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<UnixPlan> {
  const result = await unixPlan(options, deps, env);
  if (options.platform === 'macos') {
    throw new OperationError('macOS has no systemd: `schedule install` cannot install the timer here', {
      hint: 'Add the crontab line printed by `sbsync schedule print` with `crontab -e`.',
    });
  }
  await mkdir(env.systemdDir, { recursive: true });
  const timerFile = path.join(env.systemdDir, TIMER_FILE);
  const serviceFile = path.join(env.systemdDir, SERVICE_FILE);
  await writeFile(serviceFile, result.service);
  await writeFile(timerFile, result.timer);
  result.installed = { timerFile, serviceFile };
  for (const args of [RELOAD_ARGS, ENABLE_ARGS]) {
    let failure: string | undefined;
    try {
      const run = await env.execFile('systemctl', args);
      if (run.exitCode !== 0) failure = (run.stderr || run.stdout).trim() || `exit code ${run.exitCode}`;
    } catch (error) {
      failure = describe(error);
    }
    if (failure !== undefined) {
      throw new OperationError(`the units are written to ${env.systemdDir}, but \`systemctl ${args.join(' ')}\` failed: ${failure}`, {
        hint: `Run \`systemctl ${RELOAD_ARGS.join(' ')} && systemctl ${ENABLE_ARGS.join(' ')}\` in your session; without systemd, use the crontab line from \`sbsync schedule print\`.`,
      });
    }
  }
  return result;
}

async function removeWindows(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<RemoveResult> {
  const schtasks = schtasksPath(deps.env);
  const args = deleteArgs();
  let run;
  try {
    run = await env.execFile(schtasks, args);
  } catch (error) {
    throw new OperationError(`cannot run ${schtasks}: ${describe(error)}`, { cause: error });
  }
  const base = { action: options.action, platform: options.platform, command: [schtasks, ...args], exitCode: ExitCode.ok };
  if (run.exitCode === 0) return { ...base, removed: true, message: `removed the task ${TASK_NAME}` };
  const output = (run.stderr || run.stdout).trim();
  if (isNotFound(output)) return { ...base, removed: false, message: `no task ${TASK_NAME}: nothing to remove` };
  throw new OperationError(`schtasks could not delete ${TASK_NAME}: ${output || `exit code ${run.exitCode}`}`, { hint: 'Run the command prompt as administrator, or delete it in Task Scheduler.' });
}

async function removeUnix(options: ScheduleOptions, env: ScheduleEnvironment): Promise<RemoveResult> {
  const timerFile = path.join(env.systemdDir, TIMER_FILE);
  const serviceFile = path.join(env.systemdDir, SERVICE_FILE);
  const present = (await exists(timerFile)) || (await exists(serviceFile));
  const base = { action: options.action, platform: options.platform, command: ['systemctl', ...DISABLE_ARGS], exitCode: ExitCode.ok };
  if (!present) return { ...base, removed: false, message: `no ${TIMER_FILE} in ${env.systemdDir}: nothing to remove` };
  // Stopping the timer may fail (no user session, already disabled): the files go anyway.
  await env.execFile('systemctl', DISABLE_ARGS).catch(() => undefined);
  await rm(timerFile, { force: true });
  await rm(serviceFile, { force: true });
  await env.execFile('systemctl', RELOAD_ARGS).catch(() => undefined);
  return { ...base, removed: true, message: `removed ${TIMER_FILE} and ${SERVICE_FILE} from ${env.systemdDir}` };
}

async function statusWindows(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<WindowsStatus> {
  const schtasks = schtasksPath(deps.env);
  const args = queryArgs();
  let run;
  try {
    run = await env.execFile(schtasks, args);
  } catch (error) {
    throw new OperationError(`cannot run ${schtasks}: ${describe(error)}`, { cause: error });
  }
  const base = { action: options.action, platform: 'windows' as const, taskName: TASK_NAME, command: [schtasks, ...args] };
  if (run.exitCode !== 0) {
    const output = (run.stderr || run.stdout).trim();
    if (isNotFound(output)) return { ...base, installed: false, exitCode: ExitCode.failed };
    throw new OperationError(`schtasks could not query ${TASK_NAME}: ${output || `exit code ${run.exitCode}`}`);
  }
  return { ...base, installed: true, task: parseTaskQuery(run.stdout), exitCode: ExitCode.ok };
}

async function statusUnix(options: ScheduleOptions, env: ScheduleEnvironment): Promise<UnixStatus> {
  const installed = await exists(path.join(env.systemdDir, TIMER_FILE));
  const result: UnixStatus = { action: options.action, platform: options.platform as 'linux' | 'macos', installed, unitDir: env.systemdDir, exitCode: installed ? ExitCode.ok : ExitCode.failed };
  if (!installed) return result;
  try {
    const timer = await env.execFile('systemctl', SHOW_TIMER_ARGS);
    const service = await env.execFile('systemctl', SHOW_SERVICE_ARGS);
    if (timer.exitCode === 0) result.timer = parseShow(timer.stdout);
    if (service.exitCode === 0) result.service = parseShow(service.stdout);
    if (timer.exitCode !== 0) result.note = `systemctl: ${(timer.stderr || timer.stdout).trim()}`;
  } catch (error) {
    result.note = `systemctl: ${describe(error)}`;
  }
  return result;
}

export async function runSchedule(options: ScheduleOptions, deps: CommandDeps, env: ScheduleEnvironment): Promise<ScheduleResult> {
  const windows = options.platform === 'windows';
  switch (options.action) {
    case 'print': {
      if (!windows) return unixPlan(options, deps, env);
      const result = await windowsPlan(options, deps, env);
      if (options.xmlFile !== undefined) {
        await mkdir(path.dirname(options.xmlFile), { recursive: true });
        await writeFile(options.xmlFile, encodeTaskXml(result.xml));
      }
      return result;
    }
    case 'install':
      return windows ? installWindows(options, deps, env) : installUnix(options, deps, env);
    case 'remove':
      return windows ? removeWindows(options, deps, env) : removeUnix(options, env);
    case 'status':
      return windows ? statusWindows(options, deps, env) : statusUnix(options, env);
  }
}
