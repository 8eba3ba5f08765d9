/** `demo create`: generate the demo company into a SQLite file. */
import path from 'node:path';
import type { CommandDeps } from '../../context.js';
import { UsageError } from '../../errors.js';
import { localDate } from '../../time.js';
import { resolveAsOf } from '../publish/options.js';

export interface DemoCreateOptions {
  scale: number;
  seed: number;
  out: string;
  today?: string;
}

export interface DemoCreateResult {
  path: string;
  today: string;
  scale: number;
  seed: number;
  counts: Record<string, number>;
  durationMs: number;
}

export function resolveDemoCreateOptions(raw: { scale?: number; seed?: number; out?: string; today?: string }): DemoCreateOptions {
  const scale = raw.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--scale must be a number greater than 0 (got ${String(raw.scale)})`);
  const seed = raw.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number (got ${String(raw.seed)})`);
  const today = resolveAsOf('--today', raw.today);
  return { scale, seed, out: raw.out ?? 'sbsync-data/demo.sqlite', ...(today ? { today } : {}) };
}

export async function runDemoCreate(options: DemoCreateOptions, deps: CommandDeps): Promise<DemoCreateResult> {
  const { createDemoDatabase } = await import('../../extract/demo/index.js');
  const today = options.today ?? localDate(deps.clock.now());
  const file = path.resolve(deps.cwd, options.out);
  deps.logger.info(`Generating the demo company (scale ${options.scale}, seed ${options.seed}) into ${file}…`);
  const result = await createDemoDatabase({ path: file, scale: options.scale, seed: options.seed, today });
  return { path: result.path, today, scale: options.scale, seed: options.seed, counts: result.counts, durationMs: Math.round(result.durationMs) };
}
