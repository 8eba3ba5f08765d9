/**
 * The shapes views return. A ViewResult is plain JSON (no Date, no bigint, no number for money) so it can
 * be published as is and rendered by a mobile dashboard. Every amount and quantity is exact decimal text
 * with six decimals (`"1234.500000"`), straight from SQL or from BigInt micro-unit arithmetic.
 */
import type { ViewGroup } from './catalog.js';

/** Exact six-decimal text: `"-12.500000"`. */
export type Money = string;
/** Exact six-decimal text of a quantity. */
export type Quantity = string;
/** `YYYY-MM-DD`. */
export type Day = string;
/** `YYYY-MM`. */
export type Month = string;

export type ViewKind = 'series' | 'ranking' | 'aged' | 'list' | 'balances' | 'cards';

export interface ViewOptions {
  /** The date the view is computed as of, `YYYY-MM-DD` (the caller defaults it to today). */
  asOf: Day;
}

export interface ViewResult<TData = unknown> {
  id: string;
  group: ViewGroup;
  title: { fr: string; en: string };
  asOf: Day;
  kind: ViewKind;
  /** ISO 4217 code of the accounting currency. */
  currency: string;
  data: TData;
  /** Consistency problems found in the Sage data (the seed's yellow triangle); never fatal. */
  warnings?: string[];
}

/** A figure against the same figure one year earlier. */
export interface Comparison {
  current: Money;
  previous: Money;
  /** current − previous. */
  change: Money;
  /** Change in percent of |previous|, one decimal (`"-12.5"`); null when previous is 0. */
  changePercent: string | null;
}

export interface Period {
  from: Day;
  to: Day;
}

/** What a view computation hands back before the common fields are added. */
export interface ViewBody<TData = unknown> {
  kind: ViewKind;
  data: TData;
  warnings?: string[];
}
