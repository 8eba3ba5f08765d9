import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { Deps } from '../../src/deps.js';
import type { ExecFile, ExecResult } from '../../src/schedule/index.js';
import { createTestDeps, PACKAGE_ROOT, runInProcess, tempDir, type TestDepsOptions } from '../support/cli.js';
import { at, parseXml, textAt } from './xml.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('sbsync-schedule-')));
afterEach(async () => cleanup());

const SECRET = 'Pa$$w0rd "task" secret';

function config(schedule: string): string {
  return `portal:
  url: file:store
companies:
  - code: ACME
    source: { type: sqlite, path: acme.sqlite }
    services: { dataManager: { accounting: true } }
${schedule}`;
}

const WORKDAYS = `schedule:
  frequency: workdays
  startTime: "07:00"
  timesPerDay: 3
  intervalHours: 5
`;

async function writeConfig(text = config(WORKDAYS)): Promise<string> {
  const file = path.join(dir, 'sbsync.yaml');
  await writeFile(file, text);
  return file;
}

interface Call {
  file: string;
  args: string[];
  xml?: Buffer;
}

/** The one allowed stand-in: schtasks.exe / systemctl cannot run here. Records argv and answers as told. */
function fakeExec(answer: (call: Call) => Partial<ExecResult> | Error = () => ({})): { execFile: ExecFile; calls: Call[] } {
  const calls: Call[] = [];
  const execFile: ExecFile = async (file, args) => {
    const call: Call = { file, args: [...args] };
    const xmlAt = args.indexOf('/XML');
    if (xmlAt >= 0) call.xml = await readFile(args[xmlAt + 1]!);
    calls.push(call);
    const result = answer(call);
    if (result instanceof Error) throw result;
    return { exitCode: 0, stdout: '', stderr: '', ...result };
  };
  return { execFile, calls };
}

async function run(argv: string[], extra: Record<string, unknown>, options: Partial<TestDepsOptions> = {}) {
  const sink = { stdout: [] as string[], stderr: [] as string[] };
  const deps = { ...createTestDeps({ cwd: dir, now: new Date(2026, 10, 27, 10, 0), ...options }, sink), ...extra } as Deps;
  const exitCode = await runCli(argv, deps);
  return { stdout: sink.stdout.join(''), stderr: sink.stderr.join(''), exitCode };
}

const NODE = 'C:\\Program Files\\nodejs\\node.exe';

function windows(execFile: ExecFile, more: Record<string, unknown> = {}) {
  return { platform: 'win32', execFile, execPath: NODE, tempDir: path.join(dir, 'tmp'), env: { NO_COLOR: '1', SystemRoot: 'C:\\Windows' }, ...more };
}

describe('Windows', () => {
  test('install writes the XML (UTF-16LE + BOM) to a temp file and runs schtasks /Create /XML … /TN \\sbsync\\Publish /F, no shell', async () => {
    const file = await writeConfig();
    const fake = fakeExec();
    const r = await run(['schedule', 'install', '--config', file], windows(fake.execFile));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(fake.calls).toHaveLength(1);
    const [call] = fake.calls;
    expect(call!.file).toBe('C:\\Windows\\System32\\schtasks.exe');
    expect(call!.args).toEqual(['/Create', '/XML', expect.stringMatching(/sbsync-publish\.xml$/), '/TN', '\\sbsync\\Publish', '/F']);
    expect([...call!.xml!.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const task = parseXml(call!.xml!.subarray(2).toString('utf16le'));
    expect(at(task, 'Triggers/CalendarTrigger/ScheduleByWeek/DaysOfWeek')!.children.map((c) => c.name)).toEqual(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']);
    expect(textAt(task, 'Triggers/CalendarTrigger/StartBoundary')).toBe('2026-11-27T07:00:00');
    expect(textAt(task, 'Triggers/CalendarTrigger/Repetition/Interval')).toBe('PT5H');
    expect(textAt(task, 'Actions/Exec/Command')).toBe(NODE);
    expect(textAt(task, 'Actions/Exec/Arguments')).toMatch(new RegExp(`bin/sbsync\\.js publish --config ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    // The temp file is gone afterwards.
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    expect(r.stdout).toContain('Installed \\sbsync\\Publish.');
  });

  test('--user: /RU and /RP go to schtasks only; the password (from the environment) is never printed', async () => {
    const file = await writeConfig();
    const fake = fakeExec();
    const r = await run(['schedule', 'install', '--user', 'CORP\\svc-sbsync', '--config', file, '--json'], windows(fake.execFile, { env: { NO_COLOR: '1', SystemRoot: 'C:\\Windows', SBSYNC_TASK_PASSWORD: SECRET } }));
    expect(r.exitCode).toBe(0);
    expect(fake.calls[0]!.args.slice(-4)).toEqual(['/RU', 'CORP\\svc-sbsync', '/RP', SECRET]);
    const task = parseXml(fake.calls[0]!.xml!.subarray(2).toString('utf16le'));
    expect(textAt(task, 'Principals/Principal/UserId')).toBe('CORP\\svc-sbsync');
    expect(textAt(task, 'Principals/Principal/LogonType')).toBe('Password');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain('Pa$$w0rd');
    const doc = JSON.parse(r.stdout);
    expect(doc.command.slice(-4)).toEqual(['/RU', 'CORP\\svc-sbsync', '/RP', '***']);
  });

  test('--user --password-stdin reads the first line of a pipe; no password at all is a usage error', async () => {
    const file = await writeConfig();
    const fake = fakeExec();
    let r = await run(['schedule', 'install', '--user', 'svc', '--password-stdin', '--config', file], windows(fake.execFile), { stdin: `${SECRET}\r\n` });
    expect(r.exitCode).toBe(0);
    expect(fake.calls[0]!.args.slice(-2)).toEqual(['/RP', SECRET]);
    r = await run(['schedule', 'install', '--user', 'svc', '--config', file], windows(fake.execFile));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the password of svc is needed');
    expect(r.stderr).toContain('SBSYNC_TASK_PASSWORD');
    expect(fake.calls).toHaveLength(1);
  });

  test('--system: /RU SYSTEM, principal S-1-5-18', async () => {
    const file = await writeConfig();
    const fake = fakeExec();
    const r = await run(['schedule', 'install', '--system', '--config', file], windows(fake.execFile));
    expect(r.exitCode).toBe(0);
    expect(fake.calls[0]!.args.slice(-2)).toEqual(['/RU', 'SYSTEM']);
    expect(textAt(parseXml(fake.calls[0]!.xml!.subarray(2).toString('utf16le')), 'Principals/Principal/UserId')).toBe('S-1-5-18');
  });

  test('schtasks refusing is exit 1 with its message and a next step', async () => {
    const file = await writeConfig();
    const fake = fakeExec(() => ({ exitCode: 1, stderr: 'ERROR: Access is denied.\r\n' }));
    const r = await run(['schedule', 'install', '--config', file], windows(fake.execFile));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: schtasks could not create \\sbsync\\Publish: ERROR: Access is denied.');
    expect(r.stderr).toContain('hint: Open the command prompt with "Run as administrator"');
  });

  test('remove: /Delete /TN \\sbsync\\Publish /F; a missing task is not an error', async () => {
    let fake = fakeExec();
    let r = await run(['schedule', 'remove'], windows(fake.execFile));
    expect(r.exitCode).toBe(0);
    expect(fake.calls.map((c) => [c.file, ...c.args])).toEqual([['C:\\Windows\\System32\\schtasks.exe', '/Delete', '/TN', '\\sbsync\\Publish', '/F']]);
    expect(r.stdout).toContain('removed the task \\sbsync\\Publish');
    fake = fakeExec(() => ({ exitCode: 1, stderr: 'ERROR: The system cannot find the file specified.\r\n' }));
    r = await run(['schedule', 'remove', '--json'], windows(fake.execFile));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ removed: false, message: 'no task \\sbsync\\Publish: nothing to remove' });
  });

  test('status: /Query /TN … /V /FO LIST parsed, Last Result explained; not installed exits 1', async () => {
    const listing = ['Folder: \\sbsync', 'HostName:                             SRV', 'TaskName:                             \\sbsync\\Publish', 'Next Run Time:                        11/28/2026 7:00:00 AM', 'Status:                               Ready', 'Logon Mode:                           Interactive/Background', 'Last Run Time:                        11/27/2026 7:00:00 AM', 'Last Result:                          4', 'Author:                               SRV\\compta', 'Task To Run:                          node.exe sbsync.js publish', 'Start In:                             N/A', 'Comment:                              N/A', 'Scheduled Task State:                 Enabled', 'Idle Time:                            Disabled', 'Power Management:                     ', 'Run As User:                          compta'].join('\r\n');
    let fake = fakeExec(() => ({ stdout: listing }));
    let r = await run(['schedule', 'status'], windows(fake.execFile));
    expect(r.exitCode).toBe(0);
    expect(fake.calls[0]!.args).toEqual(['/Query', '/TN', '\\sbsync\\Publish', '/V', '/FO', 'LIST']);
    expect(r.stdout).toMatch(/next run: +11\/28\/2026 7:00:00 AM/);
    expect(r.stdout).toMatch(/last result: 4 — authentication refused \(portal or database\)/);
    fake = fakeExec(() => ({ exitCode: 1, stderr: 'ERROR: The system cannot find the file specified.' }));
    r = await run(['schedule', 'status'], windows(fake.execFile));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('No task \\sbsync\\Publish on this machine');
  });

  test('print shows the XML and the exact command; --xml-file writes it in UTF-16', async () => {
    const file = await writeConfig();
    const fake = fakeExec();
    const xmlFile = path.join(dir, 'out', 'task.xml');
    const r = await run(['schedule', 'print', '--xml-file', xmlFile, '--config', file], windows(fake.execFile));
    expect(r.exitCode).toBe(0);
    expect(fake.calls).toEqual([]);
    expect(r.stdout).toContain('<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">');
    expect(r.stdout).toContain(`C:\\Windows\\System32\\schtasks.exe /Create /XML ${xmlFile} /TN \\sbsync\\Publish /F`);
    const bytes = await readFile(xmlFile);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(parseXml(bytes.subarray(2).toString('utf16le')).name).toBe('Task');
  });
});

describe('Linux', () => {
  test('install writes the systemd user units and enables the timer', async () => {
    const file = await writeConfig();
    const fake = fakeExec();
    const r = await run(['schedule', 'install', '--config', file], { execFile: fake.execFile, execPath: '/usr/bin/node' });
    expect(r.exitCode).toBe(0);
    const unitDir = path.join(dir, 'home', '.config', 'systemd', 'user');
    expect((await readdir(unitDir)).sort()).toEqual(['sbsync-publish.service', 'sbsync-publish.timer']);
    expect(await readFile(path.join(unitDir, 'sbsync-publish.timer'), 'utf8')).toContain('OnCalendar=Mon..Fri *-*-* 07,12,17:00:00');
    const service = await readFile(path.join(unitDir, 'sbsync-publish.service'), 'utf8');
    expect(service).toContain(`\nExecStart=/usr/bin/node ${path.join(PACKAGE_ROOT, 'bin', 'sbsync.js')} publish --config ${file}\n`);
    expect(service).toContain(`\nWorkingDirectory=${dir}\n`);
    expect(fake.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'sbsync-publish.timer'],
    ]);
    expect(r.stdout).toContain('loginctl enable-linger');
  });

  test('systemctl failing: exit 1, the units stay, the message says what to run', async () => {
    const file = await writeConfig();
    const fake = fakeExec((c) => (c.args.includes('enable') ? { exitCode: 1, stderr: 'Failed to connect to bus: No medium found' } : {}));
    const r = await run(['schedule', 'install', '--config', file], { execFile: fake.execFile, execPath: '/usr/bin/node' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('`systemctl --user enable --now sbsync-publish.timer` failed: Failed to connect to bus');
    expect(r.stderr).toContain('crontab line');
  });

  test('remove disables the timer and deletes the units; status reads systemctl show', async () => {
    const file = await writeConfig();
    const fake = fakeExec((c) =>
      c.args.includes('show') ? { stdout: c.args[2] === 'sbsync-publish.timer' ? 'ActiveState=active\nUnitFileState=enabled\nNextElapseUSecRealtime=Mon 2026-11-30 07:00:00 CET\nLastTriggerUSec=\n' : 'Result=success\nExecMainStatus=0\n' } : {},
    );
    const deps = { execFile: fake.execFile, execPath: '/usr/bin/node' };
    expect((await run(['schedule', 'install', '--config', file], deps)).exitCode).toBe(0);
    let r = await run(['schedule', 'status'], deps);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/state: +active \(enabled\)/);
    expect(r.stdout).toMatch(/next run: +Mon 2026-11-30 07:00:00 CET/);
    expect(r.stdout).toMatch(/last result: 0 \(success\)/);
    r = await run(['schedule', 'remove'], deps);
    expect(r.exitCode).toBe(0);
    expect(fake.calls.slice(-2).map((c) => c.args)).toEqual([['--user', 'disable', '--now', 'sbsync-publish.timer'], ['--user', 'daemon-reload']]);
    expect(await readdir(path.join(dir, 'home', '.config', 'systemd', 'user'))).toEqual([]);
    r = await run(['schedule', 'remove'], deps);
    expect(r.stdout).toContain('nothing to remove');
    r = await run(['schedule', 'status'], deps);
    expect(r.exitCode).toBe(1);
  });

  test('print: the crontab line and the systemd pair', async () => {
    const file = await writeConfig();
    const r = await runInProcess(['schedule', 'print', '--config', file], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^0 7,12,17 \* \* 1-5 cd .+ && .+node.* .+bin\/sbsync\.js publish --config .+sbsync\.yaml >> .+sbsync-cron\.log 2>&1$/m);
    expect(r.stdout).toContain('OnCalendar=Mon..Fri *-*-* 07,12,17:00:00');
    expect(r.stdout).toContain('Persistent=true');
    expect(r.stdout).toContain('systemctl --user enable --now sbsync-publish.timer');
  });

  test('macOS: print works, install says to use crontab', async () => {
    const file = await writeConfig();
    const r = await run(['schedule', 'install', '--config', file], { platform: 'darwin', execFile: fakeExec().execFile });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('crontab -e');
  });
});

describe('every platform', () => {
  test('frequency none: exit 1, nothing to schedule', async () => {
    const file = await writeConfig(config('schedule:\n  frequency: none\n'));
    for (const extra of [{}, windows(fakeExec().execFile)]) {
      for (const action of ['print', 'install']) {
        const r = await run(['schedule', action, '--config', file], extra);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toContain('error: nothing to schedule: set schedule.frequency');
      }
    }
  });

  test('the embedded default has no file to schedule: exit 2', async () => {
    await mkdir(path.join(dir, 'empty'), { recursive: true });
    const r = await runInProcess(['schedule', 'print'], { cwd: path.join(dir, 'empty') });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('there is no config file to schedule');
  });

  test('usage errors exit 2', async () => {
    for (const [argv, message] of [
      [['schedule', 'start'], /unknown action "start"/],
      [['schedule', 'install', '--platform', 'windows'], /--platform windows works with print only/],
      [['schedule', 'print', '--user', 'x', '--system', '--platform', 'windows'], /--user cannot be combined with --system/],
      [['schedule', 'print', '--user', 'x'], /applies to Windows tasks only/],
    ] as const) {
      const r = await runInProcess([...argv], { cwd: dir });
      expect(r.exitCode, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
