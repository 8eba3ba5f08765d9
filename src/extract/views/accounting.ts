/**
 * Accounting views: computed from the general ledger (F_ECRITUREC) with the chart of accounts (F_COMPTEG),
 * third parties (F_COMPTET) and the company parameters (P_DOSSIER). Rules common to all of them:
 * - accounting date = DATEADD(day, EC_Jour-1, JM_Date); signed amount from EC_Sens (0 debit, 1 credit);
 * - period figures never include opening entries (EC_ANType ≠ 0 or the P_DOSSIER.JO_NumAN journal);
 * - balances count opening entries exactly once (ViewContext.ledgerBase);
 * - third parties are identified by CT_Num and CT_Type, never by the collective account number.
 */
import {
  addDays,
  addMonthsTo,
  dateParam,
  day,
  integer,
  label,
  monthKey,
  monthOf,
  shiftMonth,
  text,
  warningsOf,
  type ViewContext,
} from './context.js';
import { byAmountDesc, compare, micro, money } from './money.js';
import { monthAmounts, monthlyComparison, monthlyWindow, type MonthAmounts, type MonthlyComparison } from './series.js';
import type { Comparison, Day, Money, Month, Period, ViewBody } from './types.js';

const CUSTOMER = 0;
const SUPPLIER = 1;

/** `e.CG_Num` within the accounts starting with `prefix` (a range, so the CG_Num index can serve it). */
function accountClass(column: string, prefix: string): string {
  const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return `${column} >= '${prefix}' AND ${column} < '${next}'`;
}

// ---------------------------------------------------------------------------------------------------------
// Profit and loss by month (shared by revenue-by-month and income-expenses)
// ---------------------------------------------------------------------------------------------------------

type ProfitAndLossGroup = 'revenue' | 'otherIncome' | 'expenses';

/**
 * Period movements (no opening entries) on classes 6 and 7 per month, from the start of the fiscal year
 * one year earlier up to as-of: revenue (class 70) and other income (rest of class 7) as credit − debit,
 * expenses (class 6) as debit − credit. One pass over the ledger serves both views.
 */
function profitAndLossByMonth(ctx: ViewContext): Promise<Record<ProfitAndLossGroup, Map<Month, MonthAmounts>>> {
  return ctx.shared('profitAndLossByMonth', async () => {
    const q = ctx.sql;
    const year = await ctx.reportingYear();
    const window = monthlyWindow(year, ctx.asOf);
    const group = `CASE WHEN e.CG_Num < '7' THEN 6 WHEN e.CG_Num < '71' THEN 70 ELSE 7 END`;
    const amount = `CASE WHEN e.CG_Num < '7' THEN ${ctx.debitMinusCredit} ELSE ${ctx.creditMinusDebit} END`;
    const rows = await ctx.rows(
      `SELECT ${group} AS account_group, ${q.year('e.JM_Date')} AS y, ${q.month('e.JM_Date')} AS m,
         ${q.formatExactSum(q.exactSum(amount))} AS amount,
         ${q.formatExactSum(q.exactSum(`CASE WHEN ${ctx.ledgerBefore('previousAsOfNext')} THEN ${amount} ELSE 0 END`))} AS previous_to_date
       FROM F_ECRITUREC e
       WHERE e.CG_Num >= '6' AND e.CG_Num < '8' AND ${await ctx.periodMovement()}
         AND ${ctx.ledgerOnOrAfter('from')} AND ${ctx.ledgerBefore('asOfNext')}
       GROUP BY ${group}, ${q.year('e.JM_Date')}, ${q.month('e.JM_Date')}`,
      {
        ...(await ctx.ledgerParams()),
        ...ctx.ledgerDateParams('from', window.from),
        ...ctx.ledgerDateParams('previousAsOfNext', window.previousAsOfNext),
      },
    );
    const of = (n: number) => monthAmounts(rows.filter((r) => integer(r.account_group) === n));
    return { revenue: of(70), otherIncome: of(7), expenses: of(6) };
  });
}

function addMonthAmounts(a: Map<Month, MonthAmounts>, b: Map<Month, MonthAmounts>): Map<Month, MonthAmounts> {
  const total = new Map<Month, MonthAmounts>();
  for (const source of [a, b]) {
    for (const [month, v] of source) {
      const t = total.get(month) ?? { amount: 0n, previousToDate: 0n };
      total.set(month, { amount: t.amount + v.amount, previousToDate: t.previousToDate + v.previousToDate });
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------
// revenue-by-month
// ---------------------------------------------------------------------------------------------------------

export type RevenueByMonthData = MonthlyComparison;

export async function revenueByMonth(ctx: ViewContext): Promise<ViewBody<RevenueByMonthData>> {
  const year = await ctx.reportingYear();
  const { revenue } = await profitAndLossByMonth(ctx);
  return { kind: 'series', data: monthlyComparison(year, ctx.asOf, revenue), ...warningsOf(year.warning) };
}

// ---------------------------------------------------------------------------------------------------------
// income-expenses
// ---------------------------------------------------------------------------------------------------------

export interface IncomeExpensesMonth {
  month: Month;
  /** null for months after as-of. */
  income: Money | null;
  expenses: Money | null;
  result: Money | null;
  previousIncome: Money;
  previousExpenses: Money;
  previousResult: Money;
}

export interface IncomeExpensesData {
  fiscalYear: { start: Day; end: Day };
  previousPeriod: Period;
  /** Year to date against the same span one year earlier. */
  income: Comparison;
  expenses: Comparison;
  result: Comparison;
  months: IncomeExpensesMonth[];
}

export async function incomeExpenses(ctx: ViewContext): Promise<ViewBody<IncomeExpensesData>> {
  const year = await ctx.reportingYear();
  const byMonth = await profitAndLossByMonth(ctx);
  const income = monthlyComparison(year, ctx.asOf, addMonthAmounts(byMonth.revenue, byMonth.otherIncome));
  const expenses = monthlyComparison(year, ctx.asOf, byMonth.expenses);
  const result = (a: Money | null, b: Money | null) => (a === null || b === null ? null : money(micro(a) - micro(b)));
  const months = income.months.map((inc, i) => {
    const exp = expenses.months[i] ?? { current: null, previous: money(0n) };
    return {
      month: inc.month,
      income: inc.current,
      expenses: exp.current,
      result: result(inc.current, exp.current),
      previousIncome: inc.previous,
      previousExpenses: exp.previous,
      previousResult: money(micro(inc.previous) - micro(exp.previous)),
    };
  });
  const resultNow = micro(income.yearToDate.current) - micro(expenses.yearToDate.current);
  const resultBefore = micro(income.yearToDate.previous) - micro(expenses.yearToDate.previous);
  return {
    kind: 'series',
    data: {
      fiscalYear: income.fiscalYear,
      previousPeriod: income.previousPeriod,
      income: income.yearToDate,
      expenses: expenses.yearToDate,
      result: compare(resultNow, resultBefore),
      months,
    },
    ...warningsOf(year.warning),
  };
}

// ---------------------------------------------------------------------------------------------------------
// treasury
// ---------------------------------------------------------------------------------------------------------

export interface TreasuryAccount {
  account: string;
  name: string;
  /** F_COMPTEG.N_Nature: 4 bank, 5 cash; 0 when the chart does not set natures. */
  nature: 'bank' | 'cash' | 'other';
  balance: Money;
}

export interface TreasuryData {
  /** Total balance at as-of against the balance one year earlier. */
  balance: Comparison;
  accounts: TreasuryAccount[];
  /** Month-end balances of the last 12 months; the last point is as-of itself. */
  monthEnds: Array<{ month: Month; date: Day; balance: Money }>;
}

/** Bank and cash accounts: class 5 detail accounts of nature Banque/Caisse, or 51x/53x when natures are not set. */
const TREASURY_ACCOUNT = `g.CG_Type = 0 AND ${accountClass('g.CG_Num', '5')} AND (g.N_Nature IN (4, 5)
  OR (g.N_Nature = 0 AND ((${accountClass('g.CG_Num', '51')}) OR (${accountClass('g.CG_Num', '53')}))))`;

export async function treasury(ctx: ViewContext): Promise<ViewBody<TreasuryData>> {
  const q = ctx.sql;
  const params = await ctx.ledgerParams();
  const balances = await ctx.rows(
    `SELECT g.CG_Num AS account, g.CG_Intitule AS name, g.N_Nature AS nature, b.balance
     FROM F_COMPTEG g
     LEFT JOIN (SELECT e.CG_Num, ${q.formatExactSum(q.exactSum(ctx.debitMinusCredit))} AS balance
                FROM F_ECRITUREC e
                WHERE ${accountClass('e.CG_Num', '5')} AND ${await ctx.balanceScope()}
                GROUP BY e.CG_Num) b ON b.CG_Num = g.CG_Num
     WHERE ${TREASURY_ACCOUNT}
     ORDER BY g.CG_Num`,
    params,
  );
  const accounts: TreasuryAccount[] = balances
    .map((r) => ({
      account: label(r.account),
      name: label(r.name),
      nature: integer(r.nature) === 4 ? ('bank' as const) : integer(r.nature) === 5 ? ('cash' as const) : ('other' as const),
      balance: money(micro(r.balance)),
    }))
    .filter((a, i) => micro(a.balance) !== 0n || balances[i]?.balance !== null);
  const total = accounts.reduce((s, a) => s + micro(a.balance), 0n);

  // Earlier balances are walked back from today's with period movements only: opening entries are not
  // movements, so this stays right across fiscal-year closings.
  const previousAsOfNext = addDays(addMonthsTo(ctx.asOf, -12), 1);
  const movements = await ctx.rows(
    `SELECT ${q.year('e.JM_Date')} AS y, ${q.month('e.JM_Date')} AS m, ${q.formatExactSum(q.exactSum(ctx.debitMinusCredit))} AS amount
     FROM F_ECRITUREC e JOIN F_COMPTEG g ON g.CG_Num = e.CG_Num
     WHERE ${TREASURY_ACCOUNT} AND ${await ctx.periodMovement()}
       AND ${ctx.ledgerOnOrAfter('from')} AND ${ctx.ledgerBefore('asOfNext')}
     GROUP BY ${q.year('e.JM_Date')}, ${q.month('e.JM_Date')}`,
    { ...params, ...ctx.ledgerDateParams('from', previousAsOfNext) },
  );
  const movementByMonth = new Map<Month, bigint>();
  let movedThisYear = 0n;
  for (const r of movements) {
    const amount = micro(r.amount);
    movementByMonth.set(monthKey(integer(r.y), integer(r.m)), amount);
    movedThisYear += amount;
  }
  const asOfMonth = monthOf(ctx.asOf);
  const monthEnds: TreasuryData['monthEnds'] = [];
  let balance = total;
  for (let k = 0; k < 12; k++) {
    const month = shiftMonth(asOfMonth, -k);
    const date = k === 0 ? ctx.asOf : addDays(`${shiftMonth(month, 1)}-01`, -1);
    monthEnds.unshift({ month, date, balance: money(balance) });
    balance -= movementByMonth.get(month) ?? 0n;
  }
  return { kind: 'balances', data: { balance: compare(total, total - movedThisYear), accounts, monthEnds } };
}

// ---------------------------------------------------------------------------------------------------------
// Third parties: one pass over their ledger lines serves outstanding, aged balances, due dates and cards
// ---------------------------------------------------------------------------------------------------------

/**
 * Due-date slots of open items relative to as-of, in order: over 90, 61–90, 31–60 and 1–30 days past
 * due, then one slot per coming week (the first starts on as-of: due today is not late), then later.
 */
const LATE_SLOTS = 4;
export const UPCOMING_WEEKS = 8;
const SLOT_COUNT = LATE_SLOTS + UPCOMING_WEEKS + 1;

interface TiersLedger {
  tiersType: number;
  /** Debit − credit of every line of the opening base. */
  balance: bigint;
  /** Debit − credit of unlettered lines, per due-date slot, and their count. */
  openBySlot: bigint[];
  openCountBySlot: number[];
}

function tiersLedger(ctx: ViewContext): Promise<Map<string, TiersLedger>> {
  return ctx.shared('tiersLedger', async () => {
    const q = ctx.sql;
    const bounds: Array<[string, number]> = [
      ['late90', -90],
      ['late60', -60],
      ['late30', -30],
      ['asOf', 0],
      ...Array.from({ length: UPCOMING_WEEKS }, (_, i) => [`week${i + 1}End`, 7 * (i + 1)] as [string, number]),
    ];
    // Due dates are compared with day boundaries (no date function per line): days late > 90 ⟺ due < as-of − 90.
    const slot = `CASE WHEN x.lettered = 1 THEN -1 ${bounds.map(([name], i) => `WHEN x.due < @${name} THEN ${i}`).join(' ')} ELSE ${SLOT_COUNT - 1} END`;
    const rows = await ctx.rows(
      `SELECT y.ct_num, y.tiers_type, y.slot, ${q.formatExactSum(q.exactSum('y.amount'))} AS amount, COUNT(*) AS n
       FROM (SELECT x.ct_num, x.tiers_type, ${slot} AS slot, x.amount
             FROM (SELECT e.CT_Num AS ct_num, t.CT_Type AS tiers_type, CASE WHEN e.EC_Lettre = 0 THEN 0 ELSE 1 END AS lettered,
                     ${ctx.dueDate} AS due, ${ctx.debitMinusCredit} AS amount
                   FROM F_ECRITUREC e JOIN F_COMPTET t ON t.CT_Num = e.CT_Num
                   WHERE t.CT_Type IN (${CUSTOMER}, ${SUPPLIER}) AND ${await ctx.balanceScope()}) x) y
       GROUP BY y.ct_num, y.tiers_type, y.slot`,
      {
        ...(await ctx.ledgerParams()),
        ...Object.fromEntries(bounds.map(([name, days]) => [name, dateParam(addDays(ctx.asOf, days))])),
      },
    );
    const byTiers = new Map<string, TiersLedger>();
    for (const r of rows) {
      const account = label(r.ct_num);
      const entry = byTiers.get(account) ?? {
        tiersType: integer(r.tiers_type),
        balance: 0n,
        openBySlot: Array.from({ length: SLOT_COUNT }, () => 0n),
        openCountBySlot: Array.from({ length: SLOT_COUNT }, () => 0),
      };
      const amount = micro(r.amount);
      const at = integer(r.slot);
      entry.balance += amount;
      if (at >= 0) {
        entry.openBySlot[at] = (entry.openBySlot[at] ?? 0n) + amount;
        entry.openCountBySlot[at] = (entry.openCountBySlot[at] ?? 0) + integer(r.n);
      }
      byTiers.set(account, entry);
    }
    return byTiers;
  });
}

interface TiersInfo {
  name: string;
  creditLimit: bigint;
}

function tiersInfo(ctx: ViewContext, tiersType: number): Promise<Map<string, TiersInfo>> {
  return ctx.shared(`tiersInfo:${tiersType}`, async () => {
    const rows = await ctx.rows(
      `SELECT CT_Num, CT_Intitule, ${ctx.sql.money('CT_Encours')} AS credit_limit FROM F_COMPTET WHERE CT_Type = @tiersType`,
      { tiersType: { type: 'int', value: tiersType } },
    );
    return new Map(rows.map((r) => [label(r.CT_Num), { name: label(r.CT_Intitule), creditLimit: micro(r.credit_limit) }]));
  });
}

export interface TiersBalance {
  balance: bigint;
  openItems: bigint;
  overdue: bigint;
  /** Open items per aged bucket: not due, 0–30, 31–60, 61–90, over 90 (AGED_BUCKETS order). */
  aged: bigint[];
}

/**
 * Per third party of a type: balance (every line of the opening base), open items (unlettered lines),
 * overdue open items and aged buckets, signed so that what customers owe us or what we owe suppliers is
 * positive.
 */
export async function tiersBalances(ctx: ViewContext, tiersType: number): Promise<Map<string, TiersBalance>> {
  const sign = tiersType === SUPPLIER ? -1n : 1n;
  const result = new Map<string, TiersBalance>();
  for (const [account, t] of await tiersLedger(ctx)) {
    if (t.tiersType !== tiersType) continue;
    const slot = (i: number) => (t.openBySlot[i] ?? 0n) * sign;
    const notDue = t.openBySlot.slice(LATE_SLOTS).reduce((s, v) => s + v, 0n) * sign;
    const aged = [notDue, slot(3), slot(2), slot(1), slot(0)];
    result.set(account, {
      balance: t.balance * sign,
      openItems: aged.reduce((s, v) => s + v, 0n),
      overdue: slot(0) + slot(1) + slot(2) + slot(3),
      aged,
    });
  }
  return result;
}

function letteringWarning(balances: Map<string, TiersBalance>, who: string): string[] {
  const odd = [...balances].filter(([, b]) => b.balance !== b.openItems).map(([code]) => code);
  if (odd.length === 0) return [];
  return [
    `${odd.length} ${who} account(s) have lettered entries that do not balance (e.g. ${odd.slice(0, 3).join(', ')}): their open items differ from their balance; check the lettering in Sage.`,
  ];
}

export interface OutstandingRow {
  account: string;
  name: string;
  outstanding: Money;
  /** Unlettered amounts whose due date is before as-of. */
  overdue: Money;
  /** CT_Encours: the authorised credit limit (customers; 0 = none). */
  creditLimit: Money | null;
  overLimit: boolean;
}

export interface OutstandingData {
  total: Money;
  overdue: Money;
  count: number;
  overLimitCount: number;
  rows: OutstandingRow[];
}

async function outstanding(ctx: ViewContext, tiersType: number): Promise<ViewBody<OutstandingData>> {
  const balances = await tiersBalances(ctx, tiersType);
  const info = await tiersInfo(ctx, tiersType);
  const rows: OutstandingRow[] = [];
  let total = 0n;
  let overdue = 0n;
  for (const [account, b] of balances) {
    if (b.balance === 0n && b.overdue === 0n) continue;
    const limit = tiersType === CUSTOMER ? (info.get(account)?.creditLimit ?? 0n) : null;
    total += b.balance;
    overdue += b.overdue;
    rows.push({
      account,
      name: info.get(account)?.name ?? '',
      outstanding: money(b.balance),
      overdue: money(b.overdue),
      creditLimit: limit === null ? null : money(limit),
      // CT_Encours is a limit, not the outstanding: a customer is over it only when one is set.
      overLimit: limit !== null && limit > 0n && b.balance > limit,
    });
  }
  rows.sort(byAmountDesc((r) => micro(r.outstanding), (r) => r.account));
  const warnings = letteringWarning(balances, tiersType === CUSTOMER ? 'customer' : 'supplier');
  return {
    kind: 'balances',
    data: { total: money(total), overdue: money(overdue), count: rows.length, overLimitCount: rows.filter((r) => r.overLimit).length, rows },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export const customerOutstanding = (ctx: ViewContext) => outstanding(ctx, CUSTOMER);
export const supplierOutstanding = (ctx: ViewContext) => outstanding(ctx, SUPPLIER);

export const AGED_BUCKETS = [
  { id: 'notDue', label: { fr: 'Non échu', en: 'Not due' }, fromDays: null, toDays: 0 },
  { id: 'days0to30', label: { fr: '0–30 j', en: '0–30 days' }, fromDays: 1, toDays: 30 },
  { id: 'days31to60', label: { fr: '31–60 j', en: '31–60 days' }, fromDays: 31, toDays: 60 },
  { id: 'days61to90', label: { fr: '61–90 j', en: '61–90 days' }, fromDays: 61, toDays: 90 },
  { id: 'over90', label: { fr: '> 90 j', en: 'Over 90 days' }, fromDays: 91, toDays: null },
] as const;

export type AgedBucketId = (typeof AGED_BUCKETS)[number]['id'];
export type AgedAmounts = Record<AgedBucketId, Money> & { total: Money };

export interface AgedData {
  /** Days past due of each bucket (due date before as-of); due today counts as not due. */
  buckets: typeof AGED_BUCKETS;
  totals: AgedAmounts;
  rows: Array<{ account: string; name: string } & AgedAmounts>;
}

function agedAmounts(values: bigint[]): AgedAmounts {
  const amounts = {} as Record<string, Money>;
  AGED_BUCKETS.forEach((b, i) => (amounts[b.id] = money(values[i] ?? 0n)));
  return { ...(amounts as Record<AgedBucketId, Money>), total: money(values.reduce((s, v) => s + v, 0n)) };
}

async function agedBalance(ctx: ViewContext, tiersType: number): Promise<ViewBody<AgedData>> {
  const balances = await tiersBalances(ctx, tiersType);
  const info = await tiersInfo(ctx, tiersType);
  const totals = AGED_BUCKETS.map(() => 0n);
  const rows: AgedData['rows'] = [];
  for (const [account, b] of balances) {
    b.aged.forEach((v, i) => (totals[i] = (totals[i] ?? 0n) + v));
    if (b.aged.some((v) => v !== 0n)) rows.push({ account, name: info.get(account)?.name ?? '', ...agedAmounts(b.aged) });
  }
  rows.sort(byAmountDesc((r) => micro(r.total), (r) => r.account));
  const warnings = letteringWarning(balances, tiersType === CUSTOMER ? 'customer' : 'supplier');
  return { kind: 'aged', data: { buckets: AGED_BUCKETS, totals: agedAmounts(totals), rows }, ...(warnings.length > 0 ? { warnings } : {}) };
}

export const customerAgedBalance = (ctx: ViewContext) => agedBalance(ctx, CUSTOMER);
export const supplierAgedBalance = (ctx: ViewContext) => agedBalance(ctx, SUPPLIER);

// ---------------------------------------------------------------------------------------------------------
// upcoming-due-dates
// ---------------------------------------------------------------------------------------------------------

export const UPCOMING_ITEMS = 50;

export interface DueItem {
  dueDate: Day;
  side: 'receivable' | 'payable';
  account: string;
  name: string;
  piece: string;
  reference: string;
  label: string;
  amount: Money;
}

export interface UpcomingDueDatesData {
  /** as-of to the last day of the last week. */
  horizon: Period;
  /** Open items already past due (due before as-of). */
  overdue: { receivable: Money; payable: Money };
  weeks: Array<{ week: number; from: Day; to: Day; receivable: Money; payable: Money; net: Money }>;
  /** The first open items falling due in the horizon, by due date. */
  items: DueItem[];
  /** How many open items fall due in the horizon (items lists the first ones only). */
  itemCount: number;
}

export async function upcomingDueDates(ctx: ViewContext): Promise<ViewBody<UpcomingDueDatesData>> {
  const q = ctx.sql;
  const horizonEnd = addDays(ctx.asOf, UPCOMING_WEEKS * 7); // exclusive
  // Receivables are what customers owe (debit − credit), payables what we owe suppliers (credit − debit).
  const amount = `CASE WHEN t.CT_Type = ${CUSTOMER} THEN ${ctx.debitMinusCredit} ELSE ${ctx.creditMinusDebit} END`;
  const items = await ctx.rows(
    `SELECT ${q.dateText(ctx.dueDate)} AS due_date, t.CT_Type AS tiers_type, e.CT_Num AS ct_num,
       t.CT_Intitule AS name, e.EC_Piece AS piece, e.EC_RefPiece AS reference, e.EC_Intitule AS label, ${q.money(amount)} AS amount
     FROM F_ECRITUREC e JOIN F_COMPTET t ON t.CT_Num = e.CT_Num
     WHERE t.CT_Type IN (${CUSTOMER}, ${SUPPLIER}) AND e.EC_Lettre = 0 AND ${await ctx.balanceScope()}
       AND ${ctx.dueDate} >= @asOf AND ${ctx.dueDate} < @horizonEnd
     ORDER BY ${ctx.dueDate}, e.EC_No ${q.limit(UPCOMING_ITEMS)}`,
    { ...(await ctx.ledgerParams()), horizonEnd: dateParam(horizonEnd) },
  );
  const weeks = Array.from({ length: UPCOMING_WEEKS }, () => ({ receivable: 0n, payable: 0n }));
  const overdue = { receivable: 0n, payable: 0n };
  let itemCount = 0;
  for (const t of (await tiersLedger(ctx)).values()) {
    const side = t.tiersType === CUSTOMER ? 'receivable' : 'payable';
    const sign = t.tiersType === CUSTOMER ? 1n : -1n;
    for (let i = 0; i < LATE_SLOTS; i++) overdue[side] += (t.openBySlot[i] ?? 0n) * sign;
    weeks.forEach((w, i) => {
      w[side] += (t.openBySlot[LATE_SLOTS + i] ?? 0n) * sign;
      itemCount += t.openCountBySlot[LATE_SLOTS + i] ?? 0;
    });
  }
  return {
    kind: 'list',
    data: {
      horizon: { from: ctx.asOf, to: addDays(horizonEnd, -1) },
      overdue: { receivable: money(overdue.receivable), payable: money(overdue.payable) },
      weeks: weeks.map((w, i) => ({
        week: i + 1,
        from: addDays(ctx.asOf, i * 7),
        to: addDays(ctx.asOf, i * 7 + 6),
        receivable: money(w.receivable),
        payable: money(w.payable),
        net: money(w.receivable - w.payable),
      })),
      items: items.map((r) => ({
        dueDate: day(r.due_date) ?? '',
        side: integer(r.tiers_type) === CUSTOMER ? ('receivable' as const) : ('payable' as const),
        account: label(r.ct_num),
        name: label(r.name),
        piece: label(r.piece),
        reference: label(r.reference),
        label: label(r.label),
        amount: money(micro(text(r.amount))),
      })),
      itemCount,
    },
  };
}
