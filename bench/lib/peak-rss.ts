/**
 * The peak resident set size of this process since it started, in bytes. On Linux, `VmHWM` of
 * /proc/self/status: `resourceUsage().maxRSS` (getrusage's ru_maxrss) also keeps the peak of the image before
 * `execve`, and a child forked by the benchmark starts as a copy of the benchmark process, so its maxRSS is
 * never below the benchmark's own RSS at spawn time (the portal, the TDS test server…). Elsewhere, maxRSS.
 */
import { readFileSync } from 'node:fs';

export function peakRssBytes(): number {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024; // kilobytes
}
