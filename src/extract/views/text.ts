/**
 * A plain-text rendering of a ViewResult for people at a terminal (`sbsync views show`): a header, the
 * headline figures and a small table. Amounts are printed as the exact decimals the view holds.
 */
import type { AgedData, IncomeExpensesData, OutstandingData, TreasuryData, UpcomingDueDatesData } from './accounting.js';
import type { CustomerCardsData, ItemRankingRow, OpenDocumentsData, RankingData, StockShortagesData, StockValueData } from './commercial.js';
import type { MonthlyComparison } from './series.js';
import type { Comparison, ViewResult } from './types.js';

export type TableFormatter = (rows: readonly (readonly string[])[]) => string;

const versus = (c: Comparison): string =>
  `${c.current} (last year ${c.previous}, ${c.changePercent === null ? 'n/a' : `${c.changePercent.startsWith('-') ? '' : '+'}${c.changePercent} %`})`;

const orDash = (value: string | null | undefined): string => (value === null || value === undefined || value === '' ? '–' : value);

export function formatViewText(result: ViewResult, table: TableFormatter): string {
  const lines = [`${result.title.en} — ${result.title.fr}`, `as of ${result.asOf}, amounts in ${result.currency}`, ''];
  lines.push(...body(result, table));
  return `${lines.join('\n').trimEnd()}\n`;
}

function body(result: ViewResult, table: TableFormatter): string[] {
  switch (result.id) {
    case 'revenue-by-month':
    case 'sales-by-month': {
      const d = result.data as MonthlyComparison;
      return [
        `Fiscal year ${d.fiscalYear.start} – ${d.fiscalYear.end}, year to date: ${versus(d.yearToDate)}`,
        '',
        table([['month', 'amount', 'last year'], ...d.months.map((m) => [m.month, orDash(m.current), m.previous])]),
      ];
    }
    case 'income-expenses': {
      const d = result.data as IncomeExpensesData;
      return [
        `Income:   ${versus(d.income)}`,
        `Expenses: ${versus(d.expenses)}`,
        `Result:   ${versus(d.result)}`,
        '',
        table([['month', 'income', 'expenses', 'result'], ...d.months.map((m) => [m.month, orDash(m.income), orDash(m.expenses), orDash(m.result)])]),
      ];
    }
    case 'treasury': {
      const d = result.data as TreasuryData;
      return [
        `Treasury: ${versus(d.balance)}`,
        '',
        table([['account', 'name', 'balance'], ...d.accounts.map((a) => [a.account, a.name, a.balance])]),
        '',
        table([['month end', 'balance'], ...d.monthEnds.map((m) => [m.date, m.balance])]),
      ];
    }
    case 'customer-outstanding':
    case 'supplier-outstanding': {
      const d = result.data as OutstandingData;
      const limit = result.id === 'customer-outstanding';
      return [
        `Total ${d.total}, of which overdue ${d.overdue}, ${d.count} account(s)${limit ? `, ${d.overLimitCount} over their credit limit` : ''}`,
        '',
        table([
          ['account', 'name', 'outstanding', 'overdue', ...(limit ? ['credit limit'] : [])],
          ...d.rows.map((r) => [r.account, r.name, r.outstanding, r.overdue, ...(limit ? [`${r.creditLimit ?? ''}${r.overLimit ? ' (over)' : ''}`] : [])]),
        ]),
      ];
    }
    case 'customer-aged-balance':
    case 'supplier-aged-balance': {
      const d = result.data as AgedData;
      const ids = d.buckets.map((b) => b.id);
      return [
        table([
          ['account', 'name', ...d.buckets.map((b) => b.label.en), 'total'],
          ...d.rows.map((r) => [r.account, r.name, ...ids.map((id) => r[id]), r.total]),
          ['total', '', ...ids.map((id) => d.totals[id]), d.totals.total],
        ]),
      ];
    }
    case 'upcoming-due-dates': {
      const d = result.data as UpcomingDueDatesData;
      return [
        `Already overdue: receivable ${d.overdue.receivable}, payable ${d.overdue.payable}`,
        '',
        table([['week', 'from', 'to', 'receivable', 'payable', 'net'], ...d.weeks.map((w) => [String(w.week), w.from, w.to, w.receivable, w.payable, w.net])]),
        '',
        `${d.itemCount} open item(s) due by ${d.horizon.to}${d.items.length < d.itemCount ? `, the first ${d.items.length}:` : ':'}`,
        table([['due', 'side', 'account', 'name', 'piece', 'amount'], ...d.items.map((i) => [i.dueDate, i.side, i.account, i.name, i.piece, i.amount])]),
      ];
    }
    case 'top-customers':
    case 'top-items':
    case 'sales-by-family':
    case 'sales-by-rep': {
      const d = result.data as RankingData<ItemRankingRow>;
      const items = result.id === 'top-items';
      const family = result.id === 'sales-by-family';
      return [
        `${d.period.from} – ${d.period.to}: ${versus(d.total)}`,
        '',
        table([
          ['#', 'code', 'name', 'sales', 'last year', 'share %', ...(items ? ['quantity'] : []), ...(items || family ? ['margin', 'margin %'] : [])],
          ...d.rows.map((r) => [
            String(r.rank),
            orDash(r.code),
            r.name,
            r.sales.current,
            r.sales.previous,
            orDash(r.share),
            ...(items ? [r.quantity] : []),
            ...(items || family ? [r.margin, orDash(r.marginRate)] : []),
          ]),
        ]),
        ...(d.others ? ['', `… and ${d.others.count} more: ${d.others.sales}`] : []),
      ];
    }
    case 'open-orders':
    case 'open-quotes': {
      const d = result.data as OpenDocumentsData;
      return [
        `${d.count} document(s), ${d.amount} excl. tax, ${d.amountInclTax} incl. tax${d.truncated ? ` (the ${d.documents.length} oldest listed)` : ''}`,
        '',
        table([
          ['piece', 'date', 'age (days)', 'customer', 'amount', 'delivery'],
          ...d.documents.map((doc) => [doc.piece, doc.date, String(doc.ageDays), `${doc.customer.code} ${doc.customer.name}`.trim(), doc.amount, orDash(doc.deliveryDate)]),
        ]),
      ];
    }
    case 'stock-value': {
      const d = result.data as StockValueData;
      return [
        `Total: ${d.total.value} for ${d.total.quantity} unit(s), ${d.total.items} item line(s) in stock`,
        '',
        table([['warehouse', 'name', 'quantity', 'value', 'items'], ...d.warehouses.map((w) => [String(w.code), w.name, w.quantity, w.value, String(w.items)])]),
      ];
    }
    case 'stock-shortages': {
      const d = result.data as StockShortagesData;
      return [
        `${d.count} item(s) below their minimum`,
        '',
        table([
          ['item', 'name', 'warehouse', 'quantity', 'minimum', 'shortfall', 'projected'],
          ...d.items.map((i) => [i.item, i.name, i.warehouse.name || String(i.warehouse.code), i.quantity, i.minimum, i.shortfall, i.projected]),
        ]),
      ];
    }
    case 'customer-cards': {
      const d = result.data as CustomerCardsData;
      const lines = [`${d.count} customer card(s); sales over ${d.period.from} – ${d.period.to}`];
      for (const c of d.cards) {
        lines.push(
          '',
          `${c.account}  ${c.name}`,
          `  ${[c.contact, c.address.street, `${c.address.postalCode} ${c.address.city}`.trim(), c.phone, c.email].filter((s) => s !== '').join(' · ')}`,
          `  sales ${versus(c.sales12Months)}; outstanding ${c.outstanding} (overdue ${c.overdue}); credit limit ${c.creditLimit}${c.rep ? `; rep ${c.rep.name}` : ''}`,
          ...c.lastDocuments.map((doc) => `  ${doc.date}  ${doc.label} ${doc.piece}  ${doc.amount}${doc.remainingToPay !== undefined ? ` (to pay ${doc.remainingToPay})` : ''}`),
        );
      }
      return lines;
    }
    default:
      return [JSON.stringify(result.data, null, 2)];
  }
}
