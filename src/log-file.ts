/** `--log-file PATH`: every log line at debug level, as NDJSON, secrets redacted, appended line by line. */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

export type LogFileSink = { write(line: string): void; close(): void };

export function openLogFile(file: string): LogFileSink {
  mkdirSync(path.dirname(file), { recursive: true });
  // Append mode: one write per line, so concurrent runs sharing a log file never interleave partial lines.
  const fd = openSync(file, 'a');
  return {
    write: (line) => void writeSync(fd, `${line}\n`),
    close: () => closeSync(fd),
  };
}
