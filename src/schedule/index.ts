/** Scheduling publications: Windows Task Scheduler (XML + schtasks.exe), cron and systemd timers. */
export { planSchedule, nothingToSchedule, runTimeLimitHours, WEEKDAYS, type SchedulePlan, type PublishCommand, type Weekday } from './plan.js';
export * from './windows.js';
export * from './unix.js';
export { nodeExecFile, type ExecFile, type ExecResult } from './exec.js';
