/**
 * Commercial views: computed from sales documents (F_DOCENTETE + F_DOCLIGNE, joined on DO_Domaine, DO_Type,
 * DO_Piece), items, families, sales reps and stock. Rules common to the sales figures:
 * - invoiced sales are the lines of DO_Type 6 (invoice) and 7 (posted invoice): one document is in exactly
 *   one of the two states (posting converts it in place), so counting both neither misses nor doubles it;
 * - returns and credit notes are deducted: DO_Type 4 (bon de retour) and 5 (bon d'avoir financier), and
 *   invoices with DO_Provenance 1 (facture de retour) or 2 (facture d'avoir). Their lines count as
 *   −|DL_MontantHT|, whichever sign the database stores them with;
 * - only item lines count (AR_Ref not empty): comment lines carry no item and no amount;
 * - amounts are line amounts excluding tax (DL_MontantHT, net of line discounts), never header totals,
 *   dated by the document date (F_DOCENTETE.DO_Date) and read up to as-of.
 */
import {
  addDays,
  addMonthsTo,
  dateParam,
  day,
  daysFrom,
  integer,
  label,
  monthOf,
  text,
  warningsOf,
  type ViewContext,
} from './context.js';
import { byAmountDesc, compare, micro, money, percent } from './money.js';
import { tiersBalances } from './accounting.js';
import { monthlyComparison, monthlyWindow, type MonthAmounts, type MonthlyComparison } from './series.js';
import type { Comparison, Day, Money, Month, Period, Quantity, ViewBody } from './types.js';

const SALES_DOCUMENTS = 'h.DO_Domaine = 0 AND h.DO_Type IN (4, 5, 6, 7)';
const DEDUCTED = '(h.DO_Type IN (4, 5) OR h.DO_Provenance IN (1, 2))';
const SALES_AMOUNT = `CASE WHEN ${DEDUCTED} THEN -ABS(l.DL_MontantHT) ELSE l.DL_MontantHT END`;
const SALES_QUANTITY = `CASE WHEN ${DEDUCTED} THEN -ABS(l.DL_Qte) ELSE l.DL_Qte END`;
/** Cost price × quantity (DL_PrixRU, the unit cost Sage's own statistics use for margins), rounded per line. */
const salesCost = (ctx: ViewContext): string => {
  const cost = ctx.sql.moneyProduct('l.DL_PrixRU', 'l.DL_Qte');
  return `CASE WHEN ${DEDUCTED} THEN -ABS(${cost}) ELSE ${cost} END`;
};
const DOCUMENT_LINES =
  'F_DOCENTETE h JOIN F_DOCLIGNE l ON l.DO_Domaine = h.DO_Domaine AND l.DO_Type = h.DO_Type AND l.DO_Piece = h.DO_Piece';

const itemLine = (ctx: ViewContext) => `${ctx.sql.trim('l.AR_Ref')} <> ''`;

// ---------------------------------------------------------------------------------------------------------
// sales-by-month
// ---------------------------------------------------------------------------------------------------------

export type SalesByMonthData = MonthlyComparison;

export async function salesByMonth(ctx: ViewContext): Promise<ViewBody<SalesByMonthData>> {
  const year = await ctx.reportingYear();
  const window = monthlyWindow(year, ctx.asOf);
  // The months of the fiscal year and of the year before, out of the customer sales pass: the window's
  // edges are slice boundaries, so every slice is wholly inside or outside it and its year-to-date part.
  const byMonth = new Map<Month, MonthAmounts>();
  for (const slice of await customerSales(ctx)) {
    if (slice.from < window.from || slice.to > window.to) continue;
    const found = byMonth.get(slice.month) ?? { amount: 0n, previousToDate: 0n };
    found.amount += slice.amount;
    if (slice.to <= window.previousAsOfNext) found.previousToDate += slice.amount;
    byMonth.set(slice.month, found);
  }
  return { kind: 'series', data: monthlyComparison(year, ctx.asOf, byMonth), ...warningsOf(year.warning) };
}

// ---------------------------------------------------------------------------------------------------------
// Rankings over the last 12 months
// ---------------------------------------------------------------------------------------------------------

export interface SalesFigures {
  amount: bigint;
  quantity: bigint;
  cost: bigint;
}

interface SalesByKey {
  current: SalesFigures;
  previous: SalesFigures;
}

export interface TrailingYear {
  /** The 12 months ending at as-of. */
  period: Period;
  /** The 12 months before. */
  previousPeriod: Period;
}

export function trailingYear(asOf: Day): TrailingYear {
  return {
    period: { from: addDays(addMonthsTo(asOf, -12), 1), to: asOf },
    previousPeriod: { from: addDays(addMonthsTo(asOf, -24), 1), to: addMonthsTo(asOf, -12) },
  };
}

const noSales = (): SalesFigures => ({ amount: 0n, quantity: 0n, cost: 0n });

interface SalesGroup {
  /** The values of the grouping expressions, as text ('' for NULL). */
  keys: string[];
  current: SalesFigures;
  previous: SalesFigures;
}

/**
 * Sales of the trailing year and of the year before, grouped by `keyExpressions`. Rankings roll these
 * groups up in memory, so one pass over the document lines serves several views (customers and reps from
 * one, items and families from another).
 */
function salesGroups(ctx: ViewContext, keyExpressions: readonly string[]): Promise<SalesGroup[]> {
  return ctx.shared(`sales:${keyExpressions.join(',')}`, async () => {
    const q = ctx.sql;
    const { period, previousPeriod } = trailingYear(ctx.asOf);
    const keys = keyExpressions.map((_, i) => `x.k${i}`);
    const rows = await ctx.rows(
      `SELECT ${keys.join(', ')}, x.cur, ${q.formatExactSum(q.exactSum('x.amount'))} AS amount,
         ${q.formatExactSum(q.exactSum('x.quantity'))} AS quantity, ${q.formatExactSum(q.exactSum('x.cost'))} AS cost
       FROM (SELECT ${keyExpressions.map((e, i) => `${e} AS k${i}`).join(', ')}, CASE WHEN h.DO_Date >= @currentFrom THEN 1 ELSE 0 END AS cur,
               ${SALES_AMOUNT} AS amount, ${SALES_QUANTITY} AS quantity, ${salesCost(ctx)} AS cost
             FROM ${DOCUMENT_LINES}
             WHERE ${SALES_DOCUMENTS} AND ${itemLine(ctx)} AND h.DO_Date >= @from AND h.DO_Date < @to) x
       GROUP BY ${keys.join(', ')}, x.cur`,
      { from: dateParam(previousPeriod.from), currentFrom: dateParam(period.from), to: dateParam(ctx.asOfNext) },
    );
    const groups = new Map<string, SalesGroup>();
    for (const r of rows) {
      const values = keyExpressions.map((_, i) => label(r[`k${i}`]));
      const id = JSON.stringify(values);
      const group = groups.get(id) ?? { keys: values, current: noSales(), previous: noSales() };
      const target = integer(r.cur) === 1 ? group.current : group.previous;
      target.amount += micro(r.amount);
      target.quantity += micro(r.quantity);
      target.cost += micro(r.cost);
      groups.set(id, group);
    }
    return [...groups.values()];
  });
}

/** Sales of one customer and rep in one month, within one slice of dates [from, to). */
interface CustomerSalesSlice {
  customer: string;
  rep: string;
  month: Month;
  from: Day;
  /** Exclusive. */
  to: Day;
  amount: bigint;
}

/**
 * The sales pass by customer (F_DOCENTETE.DO_Tiers), rep (CO_No) and month, cut at the edges of every
 * period the views compare: the trailing year and the year before (top-customers, sales-by-rep,
 * customer-cards) and the fiscal-year window of sales-by-month. One pass over the document lines serves
 * the four views; the few thousand groups are added up in memory with BigInt.
 */
function customerSales(ctx: ViewContext): Promise<CustomerSalesSlice[]> {
  return ctx.shared('sales:customer-rep-month', async () => {
    const q = ctx.sql;
    const { period, previousPeriod } = trailingYear(ctx.asOf);
    const window = monthlyWindow(await ctx.reportingYear(), ctx.asOf);
    // Slice i runs from cuts[i] to cuts[i+1] (the last one to as-of); every window edge is a cut.
    const cuts = [...new Set([previousPeriod.from, period.from, window.from, window.previousAsOfNext])]
      .filter((d) => d < ctx.asOfNext)
      .sort();
    const slice = `CASE ${cuts
      .slice(1)
      .map((_, i) => `WHEN h.DO_Date < @cut${i + 1} THEN ${i}`)
      .join(' ')} ELSE ${cuts.length - 1} END`;
    const rows = await ctx.rows(
      `SELECT x.customer, x.rep, ${q.dateText('x.month_start')} AS month_start, x.slice,
         ${q.formatExactSum(q.exactSum('x.amount'))} AS amount
       FROM (SELECT h.DO_Tiers AS customer, h.CO_No AS rep, ${q.monthStart('h.DO_Date')} AS month_start, ${slice} AS slice,
               ${SALES_AMOUNT} AS amount
             FROM ${DOCUMENT_LINES}
             WHERE ${SALES_DOCUMENTS} AND ${itemLine(ctx)} AND h.DO_Date >= @cut0 AND h.DO_Date < @to) x
       GROUP BY x.customer, x.rep, x.month_start, x.slice`,
      { ...Object.fromEntries(cuts.map((d, i) => [`cut${i}`, dateParam(d)])), to: dateParam(ctx.asOfNext) },
    );
    return rows.map((r) => {
      const i = integer(r.slice);
      return {
        customer: label(r.customer),
        rep: label(r.rep),
        month: monthOf(day(r.month_start) ?? ''),
        from: cuts[i] as Day,
        to: cuts[i + 1] ?? ctx.asOfNext,
        amount: micro(r.amount),
      };
    });
  });
}

/** Sums sales groups under the key `keyOf` gives them. */
function rollUp(groups: readonly SalesGroup[], keyOf: (keys: string[]) => string): Map<string, SalesByKey> {
  const byKey = new Map<string, SalesByKey>();
  for (const g of groups) {
    const key = keyOf(g.keys);
    const entry = byKey.get(key) ?? { current: noSales(), previous: noSales() };
    for (const period of ['current', 'previous'] as const) {
      entry[period].amount += g[period].amount;
      entry[period].quantity += g[period].quantity;
      entry[period].cost += g[period].cost;
    }
    byKey.set(key, entry);
  }
  return byKey;
}

/** Trailing-year sales by customer and rep (amounts only: quantity and cost are not ranked for them). */
function byCustomerAndRep(ctx: ViewContext): Promise<SalesGroup[]> {
  return ctx.shared('sales:customer-rep', async () => {
    const { period, previousPeriod } = trailingYear(ctx.asOf);
    const groups = new Map<string, SalesGroup>();
    for (const slice of await customerSales(ctx)) {
      const target = slice.from >= period.from ? 'current' : slice.from >= previousPeriod.from ? 'previous' : null;
      if (target === null) continue;
      const id = JSON.stringify([slice.customer, slice.rep]);
      const group = groups.get(id) ?? { keys: [slice.customer, slice.rep], current: noSales(), previous: noSales() };
      group[target].amount += slice.amount;
      groups.set(id, group);
    }
    return [...groups.values()];
  });
}
const byItem = (ctx: ViewContext) => salesGroups(ctx, ['l.AR_Ref']);

async function names(ctx: ViewContext, sql: string, pick: (r: Record<string, unknown>) => string = (r) => label(r.name as string)): Promise<Map<string, string>> {
  const rows = await ctx.shared(sql, () => ctx.rows(sql));
  return new Map(rows.map((r) => [label(r.code), pick(r)]));
}

export interface RankingRow {
  rank: number;
  code: string;
  name: string;
  /** Sales of the trailing year against the year before. */
  sales: Comparison;
  /** Share of the total of the trailing year, in percent with one decimal. */
  share: string | null;
}

export interface RankingData<TRow extends RankingRow = RankingRow> extends TrailingYear {
  total: Comparison;
  /** Number of keys with sales in either year. */
  count: number;
  rows: TRow[];
  /** What the top rows leave out (absent when every key is listed). */
  others?: { count: number; sales: Money };
}

function ranking<TRow extends RankingRow>(
  ctx: ViewContext,
  byKey: Map<string, SalesByKey>,
  nameOf: (code: string) => string,
  top: number | undefined,
  extra: (figures: SalesByKey) => Omit<TRow, keyof RankingRow>,
): RankingData<TRow> {
  const entries = [...byKey].filter(([, s]) => s.current.amount !== 0n || s.previous.amount !== 0n);
  entries.sort(byAmountDesc(([, s]) => s.current.amount, ([code]) => code));
  const totalNow = entries.reduce((s, [, f]) => s + f.current.amount, 0n);
  const totalBefore = entries.reduce((s, [, f]) => s + f.previous.amount, 0n);
  const shown = top === undefined ? entries : entries.slice(0, top);
  const rest = entries.slice(shown.length);
  const rows = shown.map(([code, figures], i) => ({
    rank: i + 1,
    code,
    name: nameOf(code),
    sales: compare(figures.current.amount, figures.previous.amount),
    share: percent(figures.current.amount, totalNow),
    ...extra(figures),
  })) as TRow[];
  return {
    ...trailingYear(ctx.asOf),
    total: compare(totalNow, totalBefore),
    count: entries.length,
    rows,
    ...(rest.length > 0 ? { others: { count: rest.length, sales: money(rest.reduce((s, [, f]) => s + f.current.amount, 0n)) } } : {}),
  };
}

function margin(figures: SalesFigures): { margin: Money; marginRate: string | null } {
  const value = figures.amount - figures.cost;
  return { margin: money(value), marginRate: percent(value, figures.amount) };
}

export const TOP_ROWS = 20;

const ITEMS = 'SELECT AR_Ref AS code, AR_Design AS name, FA_CodeFamille FROM F_ARTICLE';

export type TopCustomersData = RankingData;

export async function topCustomers(ctx: ViewContext): Promise<ViewBody<TopCustomersData>> {
  const sales = rollUp(await byCustomerAndRep(ctx), ([customer]) => customer ?? '');
  const customerNames = await names(ctx, 'SELECT CT_Num AS code, CT_Intitule AS name FROM F_COMPTET');
  return { kind: 'ranking', data: ranking(ctx, sales, (c) => customerNames.get(c) ?? '', TOP_ROWS, () => ({})) };
}

export interface ItemRankingRow extends RankingRow {
  /** Quantity sold in the trailing year (returns deducted). */
  quantity: Quantity;
  /** Sales − DL_PrixRU × quantity over the trailing year. */
  margin: Money;
  /** margin / sales in percent, one decimal. */
  marginRate: string | null;
}

export type TopItemsData = RankingData<ItemRankingRow>;

export async function topItems(ctx: ViewContext): Promise<ViewBody<TopItemsData>> {
  const sales = rollUp(await byItem(ctx), ([item]) => item ?? '');
  const itemNames = await names(ctx, ITEMS);
  return {
    kind: 'ranking',
    data: ranking<ItemRankingRow>(ctx, sales, (c) => itemNames.get(c) ?? '', TOP_ROWS, (f) => ({
      quantity: money(f.current.quantity),
      ...margin(f.current),
    })),
  };
}

export interface FamilyRankingRow extends RankingRow {
  margin: Money;
  marginRate: string | null;
}

export type SalesByFamilyData = RankingData<FamilyRankingRow>;

export const NO_FAMILY = { fr: 'Sans famille', en: 'No family' };
export const NO_REP = { fr: 'Sans représentant', en: 'No sales rep' };

export async function salesByFamily(ctx: ViewContext): Promise<ViewBody<SalesByFamilyData>> {
  // Items roll up into their family (F_ARTICLE.FA_CodeFamille); an item without one, or unknown, into ''.
  const familyOf = await names(ctx, ITEMS, (r) => label(r.FA_CodeFamille as string));
  const sales = rollUp(await byItem(ctx), ([item]) => familyOf.get(item ?? '') ?? '');
  const familyNames = await names(ctx, 'SELECT FA_CodeFamille AS code, FA_Intitule AS name FROM F_FAMILLE WHERE FA_Type = 0');
  return {
    kind: 'ranking',
    data: ranking<FamilyRankingRow>(ctx, sales, (c) => (c === '' ? NO_FAMILY.fr : (familyNames.get(c) ?? '')), undefined, (f) =>
      margin(f.current),
    ),
  };
}

export type SalesByRepData = RankingData;

export async function salesByRep(ctx: ViewContext): Promise<ViewBody<SalesByRepData>> {
  // CO_No NULL and 0 both mean "no rep".
  const sales = rollUp(await byCustomerAndRep(ctx), ([, rep]) => (rep === '0' ? '' : (rep ?? '')));
  const repNames = await names(ctx, 'SELECT CO_No AS code, CO_Prenom, CO_Nom FROM F_COLLABORATEUR', (r) =>
    [label(r.CO_Prenom as string), label(r.CO_Nom as string)].filter((x) => x !== '').join(' '),
  );
  return {
    kind: 'ranking',
    data: ranking(ctx, sales, (c) => (c === '' ? NO_REP.fr : (repNames.get(c) ?? '')), undefined, () => ({})),
  };
}

// ---------------------------------------------------------------------------------------------------------
// open-orders, open-quotes
// ---------------------------------------------------------------------------------------------------------

export const OPEN_DOCUMENTS_LISTED = 200;

export interface OpenDocument {
  /** DO_Type: 0 quote, 1 order, 2 delivery preparation. */
  type: number;
  piece: string;
  date: Day;
  /** Days from the document date to as-of. */
  ageDays: number;
  customer: { code: string; name: string };
  /** DO_DateLivr, when set. */
  deliveryDate: Day | null;
  /** DO_Statut: 0 entered, 1 confirmed, 2 accepted. */
  status: number;
  /** Σ DL_MontantHT of the item lines still on the document. */
  amount: Money;
  amountInclTax: Money;
  lines: number;
}

export interface OpenDocumentsData {
  count: number;
  amount: Money;
  amountInclTax: Money;
  /** Count and amount by age of the document (days from its date to as-of). */
  byAge: Array<{ id: 'upTo30' | 'days31to90' | 'over90'; count: number; amount: Money }>;
  /** Most recent first; at most OPEN_DOCUMENTS_LISTED. */
  documents: OpenDocument[];
  truncated: boolean;
}

const AGE_GROUPS = [
  { id: 'upTo30', maxDays: 30 },
  { id: 'days31to90', maxDays: 90 },
  { id: 'over90', maxDays: Number.POSITIVE_INFINITY },
] as const;

/**
 * Documents still in a given state. Conversion happens in place (a quote becomes an order by changing the
 * DO_Type of its lines, a delivery moves the delivered lines out of the order), so whatever is still typed
 * as a quote or an order is, by definition, not converted or not delivered yet. Documents closed by hand
 * (DO_Cloture = 1: abandoned quotes, cancelled remainders) are not open.
 */
async function openDocuments(ctx: ViewContext, types: readonly number[]): Promise<ViewBody<OpenDocumentsData>> {
  const q = ctx.sql;
  const notClosed = (await ctx.hasColumn('F_DOCENTETE', 'DO_Cloture')) ? 'AND h.DO_Cloture = 0' : '';
  const rows = await ctx.rows(
    `SELECT h.DO_Type AS type, h.DO_Piece AS piece, ${q.dateText('h.DO_Date')} AS doc_date,
       ${q.dateText(q.validDate('h.DO_DateLivr'))} AS delivery_date, h.DO_Tiers AS tiers, t.CT_Intitule AS name, h.DO_Statut AS status,
       ${q.formatExactSum(q.exactSum('l.DL_MontantHT'))} AS amount, ${q.formatExactSum(q.exactSum('l.DL_MontantTTC'))} AS amount_incl_tax,
       COUNT(*) AS line_count
     FROM ${DOCUMENT_LINES} LEFT JOIN F_COMPTET t ON t.CT_Num = h.DO_Tiers
     WHERE h.DO_Domaine = 0 AND h.DO_Type IN (${types.join(', ')}) ${notClosed} AND h.DO_Date < @asOfNext AND ${itemLine(ctx)}
     GROUP BY h.DO_Type, h.DO_Piece, h.DO_Date, h.DO_DateLivr, h.DO_Tiers, t.CT_Intitule, h.DO_Statut`,
    { asOfNext: dateParam(ctx.asOfNext) },
  );
  const documents: OpenDocument[] = rows.map((r) => {
    const date = day(r.doc_date) ?? ctx.asOf;
    return {
      type: integer(r.type),
      piece: label(r.piece),
      date,
      ageDays: daysFrom(date, ctx.asOf),
      customer: { code: label(r.tiers), name: label(r.name) },
      deliveryDate: day(r.delivery_date),
      status: integer(r.status),
      amount: money(micro(r.amount)),
      amountInclTax: money(micro(r.amount_incl_tax)),
      lines: integer(r.line_count),
    };
  });
  documents.sort((a, b) => (a.date !== b.date ? (a.date > b.date ? -1 : 1) : a.piece > b.piece ? -1 : a.piece < b.piece ? 1 : b.type - a.type));
  const byAge = AGE_GROUPS.map((g) => ({ id: g.id, count: 0, amount: 0n }));
  for (const d of documents) {
    const group = byAge[AGE_GROUPS.findIndex((g) => d.ageDays <= g.maxDays)] as (typeof byAge)[number];
    group.count += 1;
    group.amount += micro(d.amount);
  }
  return {
    kind: 'list',
    data: {
      count: documents.length,
      amount: money(documents.reduce((s, d) => s + micro(d.amount), 0n)),
      amountInclTax: money(documents.reduce((s, d) => s + micro(d.amountInclTax), 0n)),
      byAge: byAge.map((g) => ({ id: g.id, count: g.count, amount: money(g.amount) })),
      documents: documents.slice(0, OPEN_DOCUMENTS_LISTED),
      truncated: documents.length > OPEN_DOCUMENTS_LISTED,
    },
  };
}

/** Customer orders (BC, 1) and delivery preparations (PL, 2): ordered, not delivered yet. */
export const openOrders = (ctx: ViewContext) => openDocuments(ctx, [1, 2]);
/** Quotes (DE, 0) not converted yet. */
export const openQuotes = (ctx: ViewContext) => openDocuments(ctx, [0]);

// ---------------------------------------------------------------------------------------------------------
// stock-value, stock-shortages
// ---------------------------------------------------------------------------------------------------------

export interface StockValueData {
  total: { quantity: Quantity; value: Money; items: number };
  warehouses: Array<{ code: number; name: string; quantity: Quantity; value: Money; items: number; negativeItems: number }>;
}

/** Current stock (F_ARTSTOCK): Sage keeps no stock snapshots, so as-of only dates the reading. */
export async function stockValue(ctx: ViewContext): Promise<ViewBody<StockValueData>> {
  const q = ctx.sql;
  const rows = await ctx.rows(
    `SELECT s.DE_No AS code, d.DE_Intitule AS name, ${q.formatExactSum(q.exactSum('s.AS_QteSto'))} AS quantity,
       ${q.formatExactSum(q.exactSum('s.AS_MontSto'))} AS stock_value,
       SUM(CASE WHEN s.AS_QteSto <> 0 THEN 1 ELSE 0 END) AS items, SUM(CASE WHEN s.AS_QteSto < 0 THEN 1 ELSE 0 END) AS negative_items
     FROM F_ARTSTOCK s LEFT JOIN F_DEPOT d ON d.DE_No = s.DE_No
     GROUP BY s.DE_No, d.DE_Intitule
     ORDER BY s.DE_No`,
  );
  const warehouses = rows.map((r) => ({
    code: integer(r.code),
    name: label(r.name),
    quantity: money(micro(r.quantity)),
    value: money(micro(r.stock_value)),
    items: integer(r.items),
    negativeItems: integer(r.negative_items),
  }));
  const negative = warehouses.filter((w) => w.negativeItems > 0);
  return {
    kind: 'balances',
    data: {
      total: {
        quantity: money(warehouses.reduce((s, w) => s + micro(w.quantity), 0n)),
        value: money(warehouses.reduce((s, w) => s + micro(w.value), 0n)),
        items: warehouses.reduce((s, w) => s + w.items, 0),
      },
      warehouses,
    },
    ...warningsOf(
      negative.length > 0
        ? `Negative stock in ${negative.map((w) => `${w.name || `depot ${w.code}`} (${w.negativeItems} item(s))`).join(', ')}: check stock movements in Sage.`
        : undefined,
    ),
  };
}

export interface StockShortage {
  item: string;
  name: string;
  warehouse: { code: number; name: string };
  quantity: Quantity;
  minimum: Quantity;
  /** minimum − quantity. */
  shortfall: Quantity;
  /** AS_QteRes: reserved by customer orders. */
  reserved: Quantity;
  /** AS_QteCom: on order from suppliers. */
  ordered: Quantity;
  /** quantity − reserved + ordered. */
  projected: Quantity;
}

export interface StockShortagesData {
  count: number;
  items: StockShortage[];
}

/** Item × warehouse rows whose stock is below a set minimum (AS_QteMini > 0); dormant items left out. */
export async function stockShortages(ctx: ViewContext): Promise<ViewBody<StockShortagesData>> {
  const q = ctx.sql;
  const rows = await ctx.rows(
    `SELECT s.AR_Ref AS item, a.AR_Design AS name, s.DE_No AS warehouse, d.DE_Intitule AS warehouse_name,
       ${q.money('s.AS_QteSto')} AS quantity, ${q.money('s.AS_QteMini')} AS minimum,
       ${q.money('s.AS_QteRes')} AS reserved, ${q.money('s.AS_QteCom')} AS ordered
     FROM F_ARTSTOCK s JOIN F_ARTICLE a ON a.AR_Ref = s.AR_Ref LEFT JOIN F_DEPOT d ON d.DE_No = s.DE_No
     WHERE s.AS_QteMini > 0 AND s.AS_QteSto < s.AS_QteMini AND a.AR_Sommeil = 0
     ORDER BY s.AR_Ref, s.DE_No`,
  );
  const items = rows.map((r) => {
    const quantity = micro(r.quantity);
    const minimum = micro(r.minimum);
    const reserved = micro(r.reserved);
    const ordered = micro(r.ordered);
    return {
      item: label(r.item),
      name: label(r.name),
      warehouse: { code: integer(r.warehouse), name: label(r.warehouse_name) },
      quantity: money(quantity),
      minimum: money(minimum),
      shortfall: money(minimum - quantity),
      reserved: money(reserved),
      ordered: money(ordered),
      projected: money(quantity - reserved + ordered),
    };
  });
  return { kind: 'list', data: { count: items.length, items } };
}

// ---------------------------------------------------------------------------------------------------------
// customer-cards
// ---------------------------------------------------------------------------------------------------------

export const LAST_DOCUMENTS = 3;

const DOCUMENT_KINDS: Record<number, { kind: string; fr: string }> = {
  0: { kind: 'quote', fr: 'Devis' },
  1: { kind: 'order', fr: 'Bon de commande' },
  2: { kind: 'preparation', fr: 'Préparation de livraison' },
  3: { kind: 'delivery', fr: 'Bon de livraison' },
  4: { kind: 'return', fr: 'Bon de retour' },
  5: { kind: 'credit-note', fr: "Bon d'avoir financier" },
  6: { kind: 'invoice', fr: 'Facture' },
  7: { kind: 'posted-invoice', fr: 'Facture comptabilisée' },
};

/** Document kind from DO_Type and DO_Provenance (invoices of returns and credit notes are DO_Type 6/7). */
export function documentKind(type: number, provenance: number): { kind: string; label: string } {
  if ((type === 6 || type === 7) && provenance === 1) return { kind: 'return-invoice', label: 'Facture de retour' };
  if ((type === 6 || type === 7) && provenance === 2) return { kind: 'credit-invoice', label: "Facture d'avoir" };
  const found = DOCUMENT_KINDS[type];
  return found ? { kind: found.kind, label: found.fr } : { kind: 'other', label: `Document ${type}` };
}

export interface CardDocument {
  kind: string;
  label: string;
  piece: string;
  date: Day;
  /** Σ DL_MontantHT of the document's lines, as stored. */
  amount: Money;
  /** DO_NetAPayer − DO_MontantRegle on invoices, when the database has these columns (v5+). */
  remainingToPay?: Money;
}

export interface CustomerCard {
  account: string;
  name: string;
  contact: string;
  address: { street: string; complement: string; postalCode: string; city: string; country: string };
  phone: string;
  email: string;
  rep: { code: number; name: string } | null;
  /** CT_Encours: the authorised credit limit (0 = none), not the outstanding. */
  creditLimit: Money;
  /** Invoiced sales of the 12 months ending at as-of against the 12 months before. */
  sales12Months: Comparison;
  /** Ledger balance (opening entries counted once). */
  outstanding: Money;
  overdue: Money;
  /** The latest sales documents of the 12 months ending at as-of (LAST_DOCUMENTS at most). */
  lastDocuments: CardDocument[];
}

export interface CustomerCardsData extends TrailingYear {
  count: number;
  cards: CustomerCard[];
}

/** Active customers, plus dormant customers and prospects that still have sales or an outstanding. */
export async function customerCards(ctx: ViewContext): Promise<ViewBody<CustomerCardsData>> {
  const q = ctx.sql;
  const hasProspect = await ctx.hasColumn('F_COMPTET', 'CT_Prospect');
  const hasPaymentTotals = (await ctx.hasColumn('F_DOCENTETE', 'DO_NetAPayer')) && (await ctx.hasColumn('F_DOCENTETE', 'DO_MontantRegle'));
  const [customers, sales, balances, documents] = await Promise.all([
    ctx.rows(
      `SELECT t.CT_Num, t.CT_Intitule, t.CT_Contact, t.CT_Adresse, t.CT_Complement, t.CT_CodePostal, t.CT_Ville, t.CT_Pays,
         t.CT_Telephone, t.CT_EMail, ${q.money('t.CT_Encours')} AS credit_limit, t.CT_Sommeil,
         ${hasProspect ? 't.CT_Prospect' : '0'} AS prospect, c.CO_No, c.CO_Prenom, c.CO_Nom
       FROM F_COMPTET t LEFT JOIN F_COLLABORATEUR c ON c.CO_No = t.CO_No
       WHERE t.CT_Type = 0
       ORDER BY t.CT_Num`,
    ),
    byCustomerAndRep(ctx).then((groups) => rollUp(groups, ([customer]) => customer ?? '')),
    tiersBalances(ctx, 0),
    // Documents are ranked on their key columns alone (which the header indexes cover); only the few
    // latest of each customer are then read in full, with the sum of their lines.
    ctx.rows(
      `SELECT r.tiers, h.DO_Type AS type, h.DO_Provenance AS provenance, h.DO_Piece AS piece, ${q.dateText('h.DO_Date')} AS doc_date,
         ${q.formatExactSum(`(SELECT ${q.exactSum('l.DL_MontantHT')} FROM F_DOCLIGNE l
            WHERE l.DO_Domaine = h.DO_Domaine AND l.DO_Type = h.DO_Type AND l.DO_Piece = h.DO_Piece)`)} AS amount
         ${hasPaymentTotals ? `, ${q.money('h.DO_NetAPayer - h.DO_MontantRegle')} AS remaining` : ''}
       FROM (SELECT k.DO_Domaine, k.DO_Type, k.DO_Piece, k.DO_Tiers AS tiers,
               ROW_NUMBER() OVER (PARTITION BY k.DO_Tiers ORDER BY k.DO_Date DESC, k.DO_Type DESC, k.DO_Piece DESC) AS doc_rank
             FROM F_DOCENTETE k
             WHERE k.DO_Domaine = 0 AND k.DO_Type IN (0, 1, 2, 3, 4, 5, 6, 7) AND k.DO_Date >= @from AND k.DO_Date < @asOfNext) r
       JOIN F_DOCENTETE h ON h.DO_Domaine = r.DO_Domaine AND h.DO_Type = r.DO_Type AND h.DO_Piece = r.DO_Piece
       WHERE r.doc_rank <= ${LAST_DOCUMENTS}
       ORDER BY r.tiers, r.doc_rank`,
      { from: dateParam(trailingYear(ctx.asOf).period.from), asOfNext: dateParam(ctx.asOfNext) },
    ),
  ]);
  const lastDocuments = new Map<string, CardDocument[]>();
  for (const r of documents) {
    const tiers = label(r.tiers);
    const type = integer(r.type);
    const list = lastDocuments.get(tiers) ?? [];
    list.push({
      ...documentKind(type, integer(r.provenance)),
      piece: label(r.piece),
      date: day(r.doc_date) ?? '',
      amount: money(micro(r.amount)),
      ...(hasPaymentTotals && (type === 6 || type === 7) ? { remainingToPay: money(micro(text(r.remaining))) } : {}),
    });
    lastDocuments.set(tiers, list);
  }
  const cards: CustomerCard[] = [];
  for (const r of customers) {
    const account = label(r.CT_Num);
    const figures = sales.get(account);
    const balance = balances.get(account);
    const active = integer(r.CT_Sommeil) === 0 && integer(r.prospect) === 0;
    const hasActivity = (figures && (figures.current.amount !== 0n || figures.previous.amount !== 0n)) || (balance && balance.balance !== 0n);
    if (!active && !hasActivity) continue;
    const repCode = integer(r.CO_No);
    cards.push({
      account,
      name: label(r.CT_Intitule),
      contact: label(r.CT_Contact),
      address: {
        street: label(r.CT_Adresse),
        complement: label(r.CT_Complement),
        postalCode: label(r.CT_CodePostal),
        city: label(r.CT_Ville),
        country: label(r.CT_Pays),
      },
      phone: label(r.CT_Telephone),
      email: label(r.CT_EMail),
      rep: repCode > 0 ? { code: repCode, name: [label(r.CO_Prenom), label(r.CO_Nom)].filter((s) => s !== '').join(' ') } : null,
      creditLimit: money(micro(r.credit_limit)),
      sales12Months: compare(figures?.current.amount ?? 0n, figures?.previous.amount ?? 0n),
      outstanding: money(balance?.balance ?? 0n),
      overdue: money(balance?.overdue ?? 0n),
      lastDocuments: lastDocuments.get(account) ?? [],
    });
  }
  return { kind: 'cards', data: { ...trailingYear(ctx.asOf), count: cards.length, cards } };
}
