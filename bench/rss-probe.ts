/**
 * Preloaded into a child (`node --import file:///…/dist/bench/rss-probe.js bin/sbsync.js …`): when the
 * process exits, writes its resource usage (peak RSS, CPU) as JSON to the file named by
 * SBSYNC_BENCH_USAGE_FILE. Portable replacement for `/usr/bin/time -v`.
 */
import { writeFileSync } from 'node:fs';
import { peakRssBytes } from './lib/peak-rss.js';

const file = process.env.SBSYNC_BENCH_USAGE_FILE;
if (file) {
  delete process.env.SBSYNC_BENCH_USAGE_FILE; // not inherited by anything the CLI might start
  process.on('exit', (code) => {
    const u = process.resourceUsage();
    try {
      writeFileSync(
        file,
        JSON.stringify({ exitCode: code, maxRssBytes: peakRssBytes(), cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }),
      );
    } catch {
      /* the benchmark reports the figure as missing */
    }
  });
}
