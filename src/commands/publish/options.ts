/** `publish` flags → PublishOptions, with every cross-flag rule in one place. */
import { UsageError } from '../../errors.js';
import { VIEW_CATALOG } from '../../extract/views/catalog.js';
import { closest } from '../../text.js';

export type ServiceFlag = 'data-manager' | 'business-mobile';

export interface PublishOptions {
  companies: string[];
  service?: ServiceFlag;
  views: string[];
  full: boolean;
  dryRun: boolean;
  asOf?: string;
  strict: boolean;
}

export interface RawPublishFlags {
  company?: string[];
  service?: ServiceFlag;
  view?: string[];
  full?: boolean;
  dryRun?: boolean;
  asOf?: string;
  strict?: boolean;
}

export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function resolveAsOf(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isCalendarDate(value)) throw new UsageError(`${flag} must be a date YYYY-MM-DD (got "${value}")`, { hint: `Example: ${flag} 2025-12-31` });
  return value;
}

export function resolvePublishOptions(raw: RawPublishFlags): PublishOptions {
  const views = [...new Set(raw.view ?? [])];
  for (const id of views) {
    if (!VIEW_CATALOG.some((v) => v.id === id)) {
      const suggestion = closest(id, VIEW_CATALOG.map((v) => v.id));
      throw new UsageError(`--view ${id}: unknown view${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, { hint: 'Run `sbsync views list` for the ids.' });
    }
  }
  if (views.length > 0 && raw.service === 'data-manager') {
    throw new UsageError('--view selects Business Mobile views; it cannot be combined with --service data-manager');
  }
  if (raw.full && raw.service === 'business-mobile') {
    throw new UsageError('--full applies to Data Manager data; it cannot be combined with --service business-mobile (views are always published whole)');
  }
  const companies = [...new Set((raw.company ?? []).map((c) => c.toUpperCase()))];
  for (const code of companies) {
    if (!/^[A-Z0-9]{1,17}$/.test(code)) throw new UsageError(`--company ${code}: a company code is uppercase letters and digits`);
  }
  const asOf = resolveAsOf('--as-of', raw.asOf);
  return {
    companies,
    ...(raw.service ? { service: raw.service } : {}),
    views,
    full: raw.full === true,
    dryRun: raw.dryRun === true,
    ...(asOf ? { asOf } : {}),
    strict: raw.strict === true,
  };
}
