/**
 * Windows Task Scheduler: the task as XML (Task Scheduler schema 1.2), registered with
 * `schtasks.exe /Create /XML` — XML says what flags cannot (MultipleInstancesPolicy, repetition, time limit).
 */
import type { PublishCommand, SchedulePlan, Weekday } from './plan.js';
import { runTimeLimitHours } from './plan.js';

export const TASK_FOLDER = '\\sbsync\\';
export const TASK_NAME = '\\sbsync\\Publish';
export const TASK_NAMESPACE = 'http://schemas.microsoft.com/windows/2004/02/mit/task';

/**
 * Who the task runs as — always "whether the user is logged on or not":
 * - current: the user who installs it, S4U logon (no password stored; no access to network shares or
 *   other Windows-authenticated network resources);
 * - user: a dedicated account (e.g. DOMAIN\svc-sbsync) with "Log on as a batch job"; its password is stored
 *   by Task Scheduler; it reaches what that account may reach;
 * - system: LocalSystem: no password, but no network share and its own (WinHTTP) proxy settings.
 */
export type TaskAccount = { kind: 'current' } | { kind: 'system' } | { kind: 'user'; user: string };

const DAY_ELEMENT: Record<Weekday, string> = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Quotes one argument for a Windows command line (CommandLineToArgvW rules): what Task Scheduler hands to node.exe. */
export function windowsQuote(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes += 1;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}

/** ISO-8601 duration of whole minutes: PT5H, PT10H30M. */
export function isoDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 || h === 0 ? `${m}M` : ''}`;
}

/**
 * How long the repetition lasts after the first run of the day: up to the last run, plus half an hour so the
 * last run is inside it whether the scheduler counts the end as included or not (it is less than an interval,
 * so no extra run can fit).
 */
export function repetitionMinutes(plan: SchedulePlan): number | undefined {
  if (plan.intervalHours === undefined || plan.timesPerDay < 2) return undefined;
  return (plan.timesPerDay - 1) * plan.intervalHours * 60 + 30;
}

export interface TaskXmlOptions {
  /** The date the trigger starts from (local, `YYYY-MM-DD`): normally today. */
  startDate: string;
  account: TaskAccount;
  /** sbsync version, for the description. */
  version: string;
}

function principalXml(account: TaskAccount): string[] {
  switch (account.kind) {
    case 'system':
      return ['      <UserId>S-1-5-18</UserId>', '      <RunLevel>LeastPrivilege</RunLevel>'];
    case 'user':
      return [`      <UserId>${xmlEscape(account.user)}</UserId>`, '      <LogonType>Password</LogonType>', '      <RunLevel>LeastPrivilege</RunLevel>'];
    case 'current':
      return ['      <LogonType>S4U</LogonType>', '      <RunLevel>LeastPrivilege</RunLevel>'];
  }
}

/** The task definition, as schtasks /Create /XML expects it (write it with `encodeTaskXml`). */
export function taskXml(plan: SchedulePlan, command: PublishCommand, options: TaskXmlOptions): string {
  const start = `${options.startDate}T${plan.startTime}:00`;
  const repetition = repetitionMinutes(plan);
  const schedule =
    plan.frequency === 'daily'
      ? ['      <ScheduleByDay>', '        <DaysInterval>1</DaysInterval>', '      </ScheduleByDay>']
      : [
          '      <ScheduleByWeek>',
          '        <DaysOfWeek>',
          ...plan.days.map((d) => `          <${DAY_ELEMENT[d]} />`),
          '        </DaysOfWeek>',
          '        <WeeksInterval>1</WeeksInterval>',
          '      </ScheduleByWeek>',
        ];
  const args = command.args.map(windowsQuote).join(' ');
  const lines = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    `<Task version="1.2" xmlns="${TASK_NAMESPACE}">`,
    '  <RegistrationInfo>',
    `    <Description>${xmlEscape(`sbsync ${options.version}: publish the Sage 100 companies of ${command.config} — ${plan.description}. Managed by \`sbsync schedule\`; exit codes are listed in docs/operations.md.`)}</Description>`,
    '    <Author>sbsync</Author>',
    `    <URI>${xmlEscape(TASK_NAME)}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <CalendarTrigger>',
    '      <Enabled>true</Enabled>',
    `      <StartBoundary>${start}</StartBoundary>`,
    ...(repetition === undefined
      ? []
      : [
          '      <Repetition>',
          `        <Interval>PT${plan.intervalHours}H</Interval>`,
          `        <Duration>${isoDuration(repetition)}</Duration>`,
          '        <StopAtDurationEnd>false</StopAtDurationEnd>',
          '      </Repetition>',
        ]),
    ...schedule,
    '    </CalendarTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    ...principalXml(options.account),
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    `    <ExecutionTimeLimit>PT${runTimeLimitHours(plan)}H</ExecutionTimeLimit>`,
    '    <Priority>7</Priority>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlEscape(command.node)}</Command>`,
    `      <Arguments>${xmlEscape(args)}</Arguments>`,
    `      <WorkingDirectory>${xmlEscape(command.workingDirectory)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** UTF-16LE with a byte-order mark: the encoding the XML declares and schtasks reads without complaint. */
export function encodeTaskXml(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}

/** `%SystemRoot%\System32\schtasks.exe`, so PATH cannot substitute another program. */
export function schtasksPath(env: Readonly<Record<string, string | undefined>>): string {
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? 'C:\\Windows';
  return `${root.replace(/\\+$/, '')}\\System32\\schtasks.exe`;
}

/** `/Create` arguments; `password` only for a `user` account (pass '***' to print them). */
export function createArgs(xmlFile: string, account: TaskAccount, password?: string): string[] {
  const args = ['/Create', '/XML', xmlFile, '/TN', TASK_NAME, '/F'];
  if (account.kind === 'system') args.push('/RU', 'SYSTEM');
  if (account.kind === 'user') {
    args.push('/RU', account.user);
    if (password !== undefined) args.push('/RP', password);
  }
  return args;
}

export function deleteArgs(): string[] {
  return ['/Delete', '/TN', TASK_NAME, '/F'];
}

export function queryArgs(): string[] {
  return ['/Query', '/TN', TASK_NAME, '/V', '/FO', 'LIST'];
}

/** A command line as one would type it in cmd.exe. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(windowsQuote).join(' ');
}

export interface TaskStatus {
  taskName?: string;
  status?: string;
  nextRunTime?: string;
  lastRunTime?: string;
  /** Task Scheduler's "Last Result": sbsync's exit code once the task has run. */
  lastResult?: number;
  lastResultMeaning?: string;
  runAsUser?: string;
  logonMode?: string;
  taskToRun?: string;
  scheduledTaskState?: string;
  /** Every field as printed (labels are in the language of Windows). */
  fields: [string, string][];
}

/**
 * Field order of `schtasks /Query /V /FO LIST`, from TaskName on: the labels are translated on non-English
 * Windows (a French server prints "Nom de la tâche:"), the order is not — so fields are found by position
 * from the line that holds our task name.
 */
const ORDER_FROM_TASKNAME = ['taskName', 'nextRunTime', 'status', 'logonMode', 'lastRunTime', 'lastResult', 'author', 'taskToRun', 'startIn', 'comment', 'scheduledTaskState', 'idleTime', 'powerManagement', 'runAsUser'] as const;

/** Parses `schtasks /Query /TN … /V /FO LIST` for one task. */
export function parseTaskQuery(stdout: string, taskName = TASK_NAME): TaskStatus {
  const lines = stdout.split(/\r?\n/).filter((l) => l.trim() !== '');
  // Labels are padded to one column: the value column is the most common "label:   value" offset.
  const votes = new Map<number, number>();
  for (const line of lines) {
    const m = /^(.*?:)( {2,})\S/.exec(line);
    if (m) votes.set(m[1]!.length + m[2]!.length, (votes.get(m[1]!.length + m[2]!.length) ?? 0) + 1);
  }
  const column = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const fields: [string, string][] = [];
  for (const line of lines) {
    let key: string;
    let value: string;
    if (column !== undefined && line.length >= column && line.slice(0, column).trimEnd().endsWith(':') && line[column - 1] === ' ') {
      key = line.slice(0, column).trim().replace(/\s*:$/, '');
      value = line.slice(column).trim();
    } else {
      const i = line.indexOf(':');
      if (i < 0) continue;
      key = line.slice(0, i).trim();
      value = line.slice(i + 1).trim();
    }
    fields.push([key, value]);
  }
  const status: TaskStatus = { fields };
  const at = fields.findIndex(([, v]) => v.toLowerCase() === taskName.toLowerCase());
  if (at >= 0) {
    ORDER_FROM_TASKNAME.forEach((name, i) => {
      const value = fields[at + i]?.[1];
      if (value === undefined) return;
      if (name === 'lastResult') {
        const n = Number(value);
        if (Number.isFinite(n)) status.lastResult = n;
      } else if (name !== 'author' && name !== 'startIn' && name !== 'comment' && name !== 'idleTime' && name !== 'powerManagement') {
        status[name] = value;
      }
    });
  }
  if (status.lastResult !== undefined) status.lastResultMeaning = lastResultMeaning(status.lastResult);
  return status;
}

/** What Task Scheduler's "Last Result" means for sbsync (its exit code, or a scheduler status). */
export function lastResultMeaning(code: number): string {
  const unsigned = code < 0 ? code + 0x1_0000_0000 : code;
  switch (unsigned) {
    case 0:
      return 'success';
    case 1:
      return 'a publication or operation failed (see `sbsync log`)';
    case 2:
      return 'usage or config error (run `sbsync config validate`)';
    case 3:
      return 'success with warnings (--strict)';
    case 4:
      return 'authentication refused (portal or database)';
    case 70:
      return 'unexpected error in sbsync (please report it)';
    case 130:
      return 'interrupted';
    case 0x41300:
      return 'ready to run';
    case 0x41301:
      return 'running now';
    case 0x41303:
      return 'has not run yet';
    case 0x41306:
      return 'stopped by the user or the time limit';
    case 0x8004131f:
      return 'not started: an instance was already running';
    case 0xc000013a:
      return 'interrupted (Ctrl-C or window closed)';
    case 0x800710e0:
      return 'refused by the operator or the account policy (Log on as a batch job?)';
    case 0x80070002:
      return 'program not found (was node.exe or sbsync moved? run `sbsync schedule install` again)';
    default:
      return `code 0x${unsigned.toString(16).toUpperCase()}`;
  }
}

/** schtasks' "task not found" (English and French Windows). */
export function isNotFound(output: string): boolean {
  return /cannot find|does not exist|introuvable|n'existe pas|spécifié est introuvable/i.test(output);
}
