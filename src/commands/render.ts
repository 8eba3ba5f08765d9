/** Small rendering helpers shared by the human reporters of several commands. */
import type { IO } from '../io.js';

export type Mark = 'ok' | 'fail' | 'warn' | 'skip';

export function mark(io: IO, kind: Mark): string {
  const c = io.chalk;
  switch (kind) {
    case 'ok':
      return c.green('✓');
    case 'fail':
      return c.red('✗');
    case 'warn':
      return c.yellow('⚠');
    case 'skip':
      return c.dim('–');
  }
}

/** Left-aligned columns; the last column is not padded. */
export function table(rows: readonly (readonly string[])[], gap = 2): string {
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell))));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell) + gap))).join('').trimEnd())
    .join('\n');
}
