/**
 * Computing views: `computeView(replica, id, { asOf })` for one, `computeViews` for several on one shared
 * context (P_DOSSIER and the ledger's opening base are read once). Views read a company's replica
 * (openReplicaSource), in SQLite through the dialect; amounts stay exact decimal text end to end.
 */
import type { SqlSource } from '../../sources/source.js';
import { findView, VIEW_IDS } from './catalog.js';
import {
  customerAgedBalance,
  customerOutstanding,
  incomeExpenses,
  revenueByMonth,
  supplierAgedBalance,
  supplierOutstanding,
  treasury,
  upcomingDueDates,
} from './accounting.js';
import {
  customerCards,
  openOrders,
  openQuotes,
  salesByFamily,
  salesByMonth,
  salesByRep,
  stockShortages,
  stockValue,
  topCustomers,
  topItems,
} from './commercial.js';
import { ViewContext } from './context.js';
import type { ViewBody, ViewOptions, ViewResult } from './types.js';

export type { ViewOptions, ViewResult, ViewKind, Money, Comparison } from './types.js';

type ViewComputation = (ctx: ViewContext) => Promise<ViewBody>;

const COMPUTATIONS: Record<string, ViewComputation> = {
  'revenue-by-month': revenueByMonth,
  treasury,
  'customer-outstanding': customerOutstanding,
  'customer-aged-balance': customerAgedBalance,
  'supplier-outstanding': supplierOutstanding,
  'supplier-aged-balance': supplierAgedBalance,
  'upcoming-due-dates': upcomingDueDates,
  'income-expenses': incomeExpenses,
  'sales-by-month': salesByMonth,
  'top-customers': topCustomers,
  'top-items': topItems,
  'sales-by-family': salesByFamily,
  'sales-by-rep': salesByRep,
  'open-orders': openOrders,
  'open-quotes': openQuotes,
  'stock-value': stockValue,
  'stock-shortages': stockShortages,
  'customer-cards': customerCards,
};

// Every catalogued id has a computation (checked once at load: a missing one is a programming error).
for (const id of VIEW_IDS) if (!COMPUTATIONS[id]) throw new Error(`View ${id} has no computation`);

async function computeWith(ctx: ViewContext, viewId: string): Promise<ViewResult> {
  const info = findView(viewId);
  const compute = COMPUTATIONS[viewId];
  if (!info || !compute) throw new RangeError(`Unknown view ${JSON.stringify(viewId)}; known views: ${VIEW_IDS.join(', ')}`);
  const body = await compute(ctx);
  const { currency } = await ctx.company();
  return {
    id: info.id,
    group: info.group,
    title: { fr: info.title.fr, en: info.title.en },
    asOf: ctx.asOf,
    kind: body.kind,
    currency,
    data: body.data,
    ...(body.warnings && body.warnings.length > 0 ? { warnings: body.warnings } : {}),
  };
}

export async function computeView(source: SqlSource, viewId: string, options: ViewOptions): Promise<ViewResult> {
  return computeWith(new ViewContext(source, options.asOf), viewId);
}

/** Computes several views in order on one context (one at a time: a source streams one query at a time). */
export async function computeViews(source: SqlSource, viewIds: readonly string[], options: ViewOptions): Promise<ViewResult[]> {
  const ctx = new ViewContext(source, options.asOf);
  const results: ViewResult[] = [];
  for (const id of viewIds) results.push(await computeWith(ctx, id));
  return results;
}
