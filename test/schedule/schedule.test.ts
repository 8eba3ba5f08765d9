import { describe, expect, test } from 'vitest';
import type { ResolvedSchedule } from '../../src/config/resolve.js';
import {
  cronLine,
  encodeTaskXml,
  isoDuration,
  lastResultMeaning,
  onCalendar,
  parseTaskQuery,
  planSchedule,
  systemdUnits,
  TASK_NAMESPACE,
  taskXml,
  windowsQuote,
  type PublishCommand,
  type TaskAccount,
} from '../../src/schedule/index.js';
import { at, parseXml, textAt } from './xml.js';

type Case = { name: string; schedule: ResolvedSchedule; hours: number[]; days: string[]; cronDays: string; calendar: string };

/** Every frequency × one run / several runs a day. */
export const CASES: Case[] = [
  { name: 'daily, once', schedule: { frequency: 'daily', startTime: '06:30', timesPerDay: 1 }, hours: [6], days: [], cronDays: '*', calendar: '*-*-* 06:30:00' },
  { name: 'daily, 4 times every 3 h', schedule: { frequency: 'daily', startTime: '08:15', timesPerDay: 4, intervalHours: 3 }, hours: [8, 11, 14, 17], days: [], cronDays: '*', calendar: '*-*-* 08,11,14,17:15:00' },
  { name: 'workdays, once', schedule: { frequency: 'workdays', startTime: '07:00', timesPerDay: 1 }, hours: [7], days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'], cronDays: '1-5', calendar: 'Mon..Fri *-*-* 07:00:00' },
  { name: 'workdays, 3 times every 5 h', schedule: { frequency: 'workdays', startTime: '07:00', timesPerDay: 3, intervalHours: 5 }, hours: [7, 12, 17], days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'], cronDays: '1-5', calendar: 'Mon..Fri *-*-* 07,12,17:00:00' },
  { name: 'weekly on Sunday, once', schedule: { frequency: 'weekly', weekday: 'sunday', startTime: '23:59', timesPerDay: 1 }, hours: [23], days: ['Sunday'], cronDays: '0', calendar: 'Sun *-*-* 23:59:00' },
  { name: 'weekly on Wednesday, 2 times every 10 h', schedule: { frequency: 'weekly', weekday: 'wednesday', startTime: '09:05', timesPerDay: 2, intervalHours: 10 }, hours: [9, 19], days: ['Wednesday'], cronDays: '3', calendar: 'Wed *-*-* 09,19:05:00' },
];

const WIN: PublishCommand = {
  node: 'C:\\Program Files\\nodejs\\node.exe',
  bin: 'C:\\Users\\compta\\AppData\\Roaming\\npm\\node_modules\\sbsync\\bin\\sbsync.js',
  config: 'C:\\ProgramData\\Sage & Co\\sbsync.yaml',
  workingDirectory: 'C:\\ProgramData\\Sage & Co',
  args: ['C:\\Users\\compta\\AppData\\Roaming\\npm\\node_modules\\sbsync\\bin\\sbsync.js', 'publish', '--config', 'C:\\ProgramData\\Sage & Co\\sbsync.yaml'],
};

const UNIX: PublishCommand = {
  node: '/usr/local/bin/node',
  bin: '/opt/sbsync/bin/sbsync.js',
  config: '/srv/sage data/100% ok/sbsync.yaml',
  workingDirectory: '/srv/sage data/100% ok',
  args: ['/opt/sbsync/bin/sbsync.js', 'publish', '--config', '/srv/sage data/100% ok/sbsync.yaml'],
};

describe('planSchedule', () => {
  test.each(CASES)('$name', ({ schedule, hours }) => {
    const plan = planSchedule(schedule);
    expect(plan.hours).toEqual(hours);
    expect(plan.timesPerDay).toBe(hours.length);
  });

  test('frequency none: nothing to schedule', () => {
    expect(() => planSchedule({ frequency: 'none', startTime: '06:00', timesPerDay: 1 })).toThrow('nothing to schedule: set schedule.frequency');
  });

  test('descriptions', () => {
    expect(planSchedule(CASES[3]!.schedule).description).toBe('Monday to Friday, 3 times a day: 07:00, 12:00, 17:00');
    expect(planSchedule(CASES[4]!.schedule).description).toBe('every Sunday at 23:59');
  });
});

describe('Windows Task Scheduler XML', () => {
  test.each(CASES)('$name', ({ schedule, days }) => {
    const plan = planSchedule(schedule);
    const xml = taskXml(plan, WIN, { startDate: '2026-11-27', account: { kind: 'current' }, version: '1.2.3' });
    const task = parseXml(xml);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    expect(task.name).toBe('Task');
    expect(task.attributes).toEqual({ version: '1.2', xmlns: TASK_NAMESPACE });
    expect(textAt(task, 'RegistrationInfo/URI')).toBe('\\sbsync\\Publish');

    const trigger = at(task, 'Triggers/CalendarTrigger')!;
    expect(at(task, 'Triggers')!.children).toHaveLength(1);
    // Schema order of triggerBaseType: Enabled, StartBoundary, (EndBoundary), Repetition, then the schedule.
    expect(trigger.children.map((c) => c.name)).toEqual(['Enabled', 'StartBoundary', ...(plan.timesPerDay > 1 ? ['Repetition'] : []), schedule.frequency === 'daily' ? 'ScheduleByDay' : 'ScheduleByWeek']);
    expect(textAt(trigger, 'StartBoundary')).toBe(`2026-11-27T${schedule.startTime}:00`);
    if (schedule.frequency === 'daily') {
      expect(textAt(trigger, 'ScheduleByDay/DaysInterval')).toBe('1');
    } else {
      expect(at(trigger, 'ScheduleByWeek/DaysOfWeek')!.children.map((c) => c.name)).toEqual(days);
      expect(textAt(trigger, 'ScheduleByWeek/WeeksInterval')).toBe('1');
    }
    if (plan.timesPerDay > 1) {
      const interval = schedule.intervalHours!;
      expect(textAt(trigger, 'Repetition/Interval')).toBe(`PT${interval}H`);
      // Covers every run of the day (the last one starts (n-1)·interval after the first) and no extra one.
      const lastRun = (plan.timesPerDay - 1) * interval * 60;
      expect(textAt(trigger, 'Repetition/Duration')).toBe(isoDuration(lastRun + 30));
      expect(lastRun + 30).toBeLessThan(lastRun + interval * 60);
      expect(textAt(trigger, 'Repetition/StopAtDurationEnd')).toBe('false');
      expect(textAt(task, 'Settings/ExecutionTimeLimit')).toBe(`PT${interval}H`);
    } else {
      expect(at(trigger, 'Repetition')).toBeUndefined();
      expect(textAt(task, 'Settings/ExecutionTimeLimit')).toBe('PT12H');
    }

    expect(textAt(task, 'Settings/MultipleInstancesPolicy')).toBe('IgnoreNew');
    expect(textAt(task, 'Settings/StartWhenAvailable')).toBe('true');
    expect(textAt(task, 'Settings/DisallowStartIfOnBatteries')).toBe('false');
    expect(textAt(task, 'Settings/Enabled')).toBe('true');
    // Absolute paths, quoted for the Windows command line; & escaped in the XML and decoded back.
    expect(textAt(task, 'Actions/Exec/Command')).toBe('C:\\Program Files\\nodejs\\node.exe');
    expect(textAt(task, 'Actions/Exec/Arguments')).toBe('C:\\Users\\compta\\AppData\\Roaming\\npm\\node_modules\\sbsync\\bin\\sbsync.js publish --config "C:\\ProgramData\\Sage & Co\\sbsync.yaml"');
    expect(textAt(task, 'Actions/Exec/WorkingDirectory')).toBe('C:\\ProgramData\\Sage & Co');
    expect(xml).toContain('Sage &amp; Co');
    expect(at(task, 'Actions')!.attributes.Context).toBe('Author');
    expect(at(task, 'Principals/Principal')!.attributes.id).toBe('Author');
  });

  test.each([
    [{ kind: 'current' }, { LogonType: 'S4U', RunLevel: 'LeastPrivilege' }],
    [{ kind: 'system' }, { UserId: 'S-1-5-18', RunLevel: 'LeastPrivilege' }],
    [{ kind: 'user', user: 'CORP\\svc-sbsync' }, { UserId: 'CORP\\svc-sbsync', LogonType: 'Password', RunLevel: 'LeastPrivilege' }],
  ] as [TaskAccount, Record<string, string>][])('principal for %j: runs whether or not a user is logged on', (account, expected) => {
    const task = parseXml(taskXml(planSchedule(CASES[0]!.schedule), WIN, { startDate: '2026-11-27', account, version: '1' }));
    const principal = at(task, 'Principals/Principal')!;
    expect(Object.fromEntries(principal.children.map((c) => [c.name, c.text]))).toEqual(expected);
  });

  test('the file is UTF-16LE with a byte-order mark', () => {
    const xml = taskXml(planSchedule(CASES[3]!.schedule), WIN, { startDate: '2026-11-27', account: { kind: 'current' }, version: '1' });
    const bytes = encodeTaskXml(xml);
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x3c, 0x00]); // BOM, then "<" in UTF-16LE
    expect(bytes.subarray(2).toString('utf16le')).toBe(xml);
  });

  test('windowsQuote follows the CommandLineToArgvW rules', () => {
    expect(windowsQuote('C:\\a\\b.js')).toBe('C:\\a\\b.js');
    expect(windowsQuote('C:\\Program Files\\x')).toBe('"C:\\Program Files\\x"');
    expect(windowsQuote('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(windowsQuote('say "hi"')).toBe('"say \\"hi\\""');
    expect(windowsQuote('')).toBe('""');
  });
});

describe('cron and systemd', () => {
  test.each(CASES)('$name', ({ schedule, cronDays, calendar }) => {
    const plan = planSchedule(schedule);
    const minute = Number(schedule.startTime.slice(3));
    const line = cronLine(plan, UNIX, '/srv/sage data/sbsync-cron.log');
    expect(line).toBe(
      `${minute} ${plan.hours.join(',')} * * ${cronDays} cd '/srv/sage data/100\\% ok' && /usr/local/bin/node /opt/sbsync/bin/sbsync.js publish --config '/srv/sage data/100\\% ok/sbsync.yaml' >> '/srv/sage data/sbsync-cron.log' 2>&1`,
    );
    expect(onCalendar(plan)).toBe(calendar);
    const units = systemdUnits(plan, UNIX, '1.2.3');
    expect(units.timer).toContain(`\nOnCalendar=${calendar}\n`);
    expect(units.timer).toContain('\nPersistent=true\n');
    expect(units.timer).toContain('\nUnit=sbsync-publish.service\n');
    expect(units.timer).toContain('\nWantedBy=timers.target\n');
    expect(units.service).toContain('\nType=oneshot\n');
    expect(units.service).toContain('\nExecStart=/usr/local/bin/node /opt/sbsync/bin/sbsync.js publish --config "/srv/sage data/100%% ok/sbsync.yaml"\n');
    expect(units.service).toContain('\nWorkingDirectory="/srv/sage data/100%% ok"\n');
    expect(units.service).toContain(`\nTimeoutStartSec=${schedule.intervalHours ?? 12}h\n`);
  });
});

describe('schtasks /Query /V /FO LIST', () => {
  const english = [
    '',
    'Folder: \\sbsync',
    'HostName:                             SAGE-SRV',
    'TaskName:                             \\sbsync\\Publish',
    'Next Run Time:                        11/28/2026 7:00:00 AM',
    'Status:                               Ready',
    'Logon Mode:                           Interactive/Background',
    'Last Run Time:                        11/27/2026 5:00:01 PM',
    'Last Result:                          1',
    'Author:                               SAGE-SRV\\compta',
    'Task To Run:                          "C:\\Program Files\\nodejs\\node.exe" C:\\sbsync\\bin\\sbsync.js publish --config C:\\sbsync\\sbsync.yaml',
    'Start In:                             C:\\sbsync',
    'Comment:                              sbsync',
    'Scheduled Task State:                 Enabled',
    'Idle Time:                            Disabled',
    'Power Management:                     ',
    'Run As User:                          CORP\\svc-sbsync',
    'Delete Task If Not Rescheduled:       Disabled',
    'Stop Task If Runs X Hours and X Mins: 05:00:00',
    'Schedule:                             Scheduling data is not available in this format.',
    'Schedule Type:                        Weekly',
    'Repeat: Every:                        5 Hour(s), 0 Minute(s)',
    '',
  ].join('\r\n');

  test('English Windows', () => {
    const s = parseTaskQuery(english);
    expect(s).toMatchObject({
      taskName: '\\sbsync\\Publish',
      status: 'Ready',
      nextRunTime: '11/28/2026 7:00:00 AM',
      lastRunTime: '11/27/2026 5:00:01 PM',
      lastResult: 1,
      lastResultMeaning: 'a publication or operation failed (see `sbsync log`)',
      runAsUser: 'CORP\\svc-sbsync',
      scheduledTaskState: 'Enabled',
      logonMode: 'Interactive/Background',
    });
    expect(s.fields).toContainEqual(['Stop Task If Runs X Hours and X Mins', '05:00:00']);
    expect(s.fields).toContainEqual(['Repeat: Every', '5 Hour(s), 0 Minute(s)']);
  });

  test('French Windows: labels translated, fields found by position', () => {
    const french = [
      'Dossier : \\sbsync',
      'Nom de l’hôte :                              SAGE-SRV',
      'Nom de la tâche :                            \\sbsync\\Publish',
      'Prochaine exécution :                        28/11/2026 07:00:00',
      'Statut :                                     Prêt',
      'Mode d’ouverture de session :                Interactif/Arrière-plan',
      'Dernière exécution :                         27/11/2026 17:00:01',
      'Dernier résultat :                           0',
      'Auteur :                                     SAGE-SRV\\compta',
      'Tâche à exécuter :                           C:\\node.exe publish',
      'Démarrer dans :                              C:\\sbsync',
      'Commentaire :                                N/A',
      'État de la tâche planifiée :                 Activé',
      'Temps d’inactivité :                         Désactivé',
      'Gestion de l’alimentation :                  ',
      'Exécuter en tant qu’utilisateur :            SYSTEM',
    ].join('\r\n');
    expect(parseTaskQuery(french)).toMatchObject({ taskName: '\\sbsync\\Publish', status: 'Prêt', nextRunTime: '28/11/2026 07:00:00', lastResult: 0, lastResultMeaning: 'success', runAsUser: 'SYSTEM', scheduledTaskState: 'Activé' });
  });

  test('Last Result codes', () => {
    expect(lastResultMeaning(0)).toBe('success');
    expect(lastResultMeaning(2)).toMatch(/config error/);
    expect(lastResultMeaning(4)).toMatch(/authentication refused/);
    expect(lastResultMeaning(130)).toBe('interrupted');
    expect(lastResultMeaning(267011)).toBe('has not run yet');
    expect(lastResultMeaning(267009)).toBe('running now');
    expect(lastResultMeaning(-2147216609)).toBe('not started: an instance was already running');
    expect(lastResultMeaning(-1073741510)).toMatch(/interrupted/);
  });
});

test('the XML reader of these tests rejects malformed XML', () => {
  expect(() => parseXml('<a><b></a>')).toThrow();
  expect(() => parseXml('<a>x & y</a>')).toThrow();
  expect(parseXml(new TextDecoder('utf-16le').decode(encodeTaskXml('<?xml version="1.0" encoding="UTF-16"?>\r\n<a x="1"><b /></a>'))).children[0]!.name).toBe('b');
});
