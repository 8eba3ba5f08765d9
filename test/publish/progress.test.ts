/** Progress off a terminal: steps are logged, counters at most every few seconds (a log file stays readable). */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { IO } from '../../src/io.js';
import type { Logger } from '../../src/logger.js';
import { createProgress } from '../../src/publish/progress.js';

function offTerminal(): { io: IO; logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const io: IO = { out: () => undefined, err: () => undefined, stdoutIsTTY: false, stderrIsTTY: false, color: false, interactive: false, chalk: new Chalk({ level: 0 }), columns: 0 };
  const logger: Logger = { level: 'verbose', error: () => undefined, warn: () => undefined, info: () => undefined, verbose: (m) => lines.push(m), debug: () => undefined };
  return { io, logger, lines };
}

describe('progress without a terminal', () => {
  it('logs every step but a counter only every 5 seconds', () => {
    const { io, logger, lines } = offTerminal();
    let clock = 0;
    const progress = createProgress(io, logger, undefined, () => clock);
    progress.update('ACME: F_ECRITUREC…');
    for (let i = 1; i <= 100; i++) {
      clock += 100; // a counter every 100 ms for 10 s
      progress.tick(`ACME: F_ECRITUREC ${i * 1000} rows`);
    }
    progress.update('ACME: F_DOCLIGNE…');
    clock += 100;
    progress.tick('ACME: F_DOCLIGNE 1000 rows');
    expect(lines).toEqual(['ACME: F_ECRITUREC…', 'ACME: F_ECRITUREC 50000 rows', 'ACME: F_ECRITUREC 100000 rows', 'ACME: F_DOCLIGNE…']);
  });
});
