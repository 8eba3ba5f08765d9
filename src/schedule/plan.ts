/** The config's `schedule:` as a plan every scheduler can express: days, first time, runs a day, interval. */
import type { ResolvedSchedule } from '../config/resolve.js';
import { OperationError } from '../errors.js';

export type Weekday = NonNullable<ResolvedSchedule['weekday']>;

export const WEEKDAYS: readonly Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

export interface SchedulePlan {
  frequency: 'daily' | 'workdays' | 'weekly';
  /** The days it runs, Monday first (all seven for daily). */
  days: Weekday[];
  startTime: string;
  timesPerDay: number;
  /** Hours between two runs of the same day (undefined with one run a day). */
  intervalHours?: number;
  /** Start hour of every run of a day, e.g. [7, 12, 17]. */
  hours: number[];
  minute: number;
  /** For people: "Monday to Friday, 3 times a day: 07:00, 12:00, 17:00". */
  description: string;
}

/** What the scheduled task runs, with absolute paths only (Task Scheduler has no PATH or working folder of its own). */
export interface PublishCommand {
  /** node(.exe), absolute. */
  node: string;
  /** bin/sbsync.js, absolute. */
  bin: string;
  /** The config file, absolute. */
  config: string;
  /** The config file's folder (relative paths in the config resolve from the config file anyway). */
  workingDirectory: string;
  /** Arguments after node: [bin, 'publish', '--config', config]. */
  args: string[];
}

export function nothingToSchedule(): OperationError {
  return new OperationError('nothing to schedule: set schedule.frequency', {
    hint: 'Set schedule.frequency to daily, workdays or weekly in the config (with startTime, timesPerDay and intervalHours), then run `sbsync schedule print`.',
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Throws "nothing to schedule" for frequency none. The config rules already rejected impossible schedules. */
export function planSchedule(schedule: ResolvedSchedule): SchedulePlan {
  if (schedule.frequency === 'none') throw nothingToSchedule();
  const [hh = 0, mm = 0] = schedule.startTime.split(':').map(Number);
  const times = Math.max(1, schedule.timesPerDay);
  const interval = times > 1 ? (schedule.intervalHours ?? 1) : undefined;
  const hours = Array.from({ length: times }, (_, k) => hh + k * (interval ?? 0));
  if (hours.some((h) => h > 23)) {
    throw new OperationError(`the schedule runs past midnight (${times} runs every ${interval} h from ${schedule.startTime})`, { hint: 'Run `sbsync config validate`: it says how to fix schedule.timesPerDay.' });
  }
  let days: Weekday[];
  let dayText: string;
  if (schedule.frequency === 'daily') {
    days = [...WEEKDAYS];
    dayText = 'every day';
  } else if (schedule.frequency === 'workdays') {
    days = WEEKDAYS.slice(0, 5);
    dayText = 'Monday to Friday';
  } else {
    if (!schedule.weekday) throw new OperationError('a weekly schedule needs a weekday', { hint: 'Set schedule.weekday (monday … sunday), then run `sbsync config validate`.' });
    days = [schedule.weekday];
    dayText = `every ${schedule.weekday[0]!.toUpperCase()}${schedule.weekday.slice(1)}`;
  }
  const clock = hours.map((h) => `${pad(h)}:${pad(mm)}`);
  const plan: SchedulePlan = {
    frequency: schedule.frequency,
    days,
    startTime: `${pad(hh)}:${pad(mm)}`,
    timesPerDay: times,
    hours,
    minute: mm,
    description: times === 1 ? `${dayText} at ${clock[0]}` : `${dayText}, ${times} times a day: ${clock.join(', ')}`,
  };
  if (interval !== undefined) plan.intervalHours = interval;
  return plan;
}

/**
 * How long one run may last before the scheduler stops it: 12 h with one run a day; with several, the
 * interval (a stuck run is stopped when the next one is due, and the next run resumes its work).
 */
export function runTimeLimitHours(plan: SchedulePlan): number {
  return plan.intervalHours ?? 12;
}
