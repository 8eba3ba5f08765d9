/** Linux and macOS: a crontab line, and a systemd user timer + service pair (what `install` writes on Linux). */
import path from 'node:path';
import type { PublishCommand, SchedulePlan, Weekday } from './plan.js';
import { runTimeLimitHours } from './plan.js';

export const UNIT_NAME = 'sbsync-publish';
export const TIMER_FILE = `${UNIT_NAME}.timer`;
export const SERVICE_FILE = `${UNIT_NAME}.service`;

const CRON_DAY: Record<Weekday, number> = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 };
const SYSTEMD_DAY: Record<Weekday, string> = { monday: 'Mon', tuesday: 'Tue', wednesday: 'Wed', thursday: 'Thu', friday: 'Fri', saturday: 'Sat', sunday: 'Sun' };

const pad = (n: number) => String(n).padStart(2, '0');

/** POSIX shell quoting (single quotes), only when needed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function cronDays(plan: SchedulePlan): string {
  if (plan.frequency === 'daily') return '*';
  if (plan.frequency === 'workdays') return '1-5';
  return plan.days.map((d) => CRON_DAY[d]).join(',');
}

/**
 * One crontab line. cron runs it with `sh` from the home folder, without the login environment: absolute paths,
 * a `cd` to the config's folder, and the output appended to `logFile`. `%` is special in crontab: escaped.
 */
export function cronLine(plan: SchedulePlan, command: PublishCommand, logFile: string): string {
  const run = [command.node, ...command.args].map(shellQuote).join(' ');
  const line = `${plan.minute} ${plan.hours.join(',')} * * ${cronDays(plan)} cd ${shellQuote(command.workingDirectory)} && ${run} >> ${shellQuote(logFile)} 2>&1`;
  return line.replace(/%/g, '\\%');
}

/** systemd calendar expression: `Mon..Fri *-*-* 07,12,17:00:00`. */
export function onCalendar(plan: SchedulePlan): string {
  const days = plan.frequency === 'daily' ? '' : plan.frequency === 'workdays' ? 'Mon..Fri ' : `${plan.days.map((d) => SYSTEMD_DAY[d]).join(',')} `;
  return `${days}*-*-* ${plan.hours.map(pad).join(',')}:${pad(plan.minute)}:00`;
}

/** Quotes one word of an ExecStart= line: double quotes when needed; `%` and `$` are escaped for systemd. */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface SystemdUnits {
  timer: string;
  service: string;
}

export function systemdUnits(plan: SchedulePlan, command: PublishCommand, version: string): SystemdUnits {
  const timer = [
    '# Written by `sbsync schedule install`; remove with `sbsync schedule remove`.',
    '[Unit]',
    `Description=sbsync publication schedule (${plan.description})`,
    '',
    '[Timer]',
    `OnCalendar=${onCalendar(plan)}`,
    // A run missed while the machine was off starts at the next boot.
    'Persistent=true',
    `Unit=${SERVICE_FILE}`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  const service = [
    '# Written by `sbsync schedule install`; remove with `sbsync schedule remove`.',
    '[Unit]',
    `Description=sbsync ${version}: publish the Sage 100 companies of ${command.config}`,
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${systemdQuote(command.workingDirectory)}`,
    `ExecStart=${[command.node, ...command.args].map(systemdQuote).join(' ')}`,
    // Same limit as the Windows task: a stuck run is stopped (SIGTERM: sbsync commits nothing half-done).
    `TimeoutStartSec=${runTimeLimitHours(plan)}h`,
    '',
  ].join('\n');
  return { timer, service };
}

/** `$XDG_CONFIG_HOME/systemd/user`, else `~/.config/systemd/user`. */
export function systemdUserDir(homeDir: string, env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homeDir, '.config');
  return path.join(base, 'systemd', 'user');
}

export const ENABLE_ARGS = ['--user', 'enable', '--now', TIMER_FILE];
export const DISABLE_ARGS = ['--user', 'disable', '--now', TIMER_FILE];
export const RELOAD_ARGS = ['--user', 'daemon-reload'];
export const SHOW_TIMER_ARGS = ['--user', 'show', TIMER_FILE, '--property=ActiveState,UnitFileState,NextElapseUSecRealtime,LastTriggerUSec'];
export const SHOW_SERVICE_ARGS = ['--user', 'show', SERVICE_FILE, '--property=Result,ExecMainStatus,ExecMainExitTimestamp'];

/** `Key=Value` lines of `systemctl show`. */
export function parseShow(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split(/\r?\n/)) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
