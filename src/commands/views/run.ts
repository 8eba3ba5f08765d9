/** `views list`: the catalogue. `views show`: compute one view for one company. */
import { VIEW_CATALOG, type ViewInfo } from '../../extract/views/catalog.js';
import type { CommandDeps } from '../../context.js';
import { NotBuiltError, UsageError } from '../../errors.js';
import { closest } from '../../text.js';

export interface ViewsListResult {
  views: ViewInfo[];
}

export function runViewsList(): Promise<ViewsListResult> {
  return Promise.resolve({ views: [...VIEW_CATALOG] });
}

export interface ViewsShowOptions {
  view: string;
  company?: string;
  asOf?: string;
}

export function resolveViewsShowOptions(view: string, raw: { company?: string; asOf?: string }): ViewsShowOptions {
  if (!VIEW_CATALOG.some((v) => v.id === view)) {
    const suggestion = closest(view, VIEW_CATALOG.map((v) => v.id));
    throw new UsageError(`unknown view "${view}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, { hint: 'Run `sbsync views list` for the ids.' });
  }
  if (raw.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(raw.asOf)) {
    throw new UsageError(`--as-of must be a date YYYY-MM-DD (got "${raw.asOf}")`);
  }
  return { view, ...(raw.company !== undefined ? { company: raw.company } : {}), ...(raw.asOf !== undefined ? { asOf: raw.asOf } : {}) };
}

export async function runViewsShow(_options: ViewsShowOptions, _deps: CommandDeps): Promise<never> {
  throw new NotBuiltError('Computing views (`sbsync views show`)');
}
