/**
 * Monthly series of a fiscal year against the same months one year earlier: the shape shared by
 * revenue-by-month, income-expenses and sales-by-month.
 */
import type { Row } from '../../sources/source.js';
import { addDays, addMonthsTo, integer, monthKey, monthOf, monthsBetween, shiftMonth, type FiscalYear } from './context.js';
import { compare, micro, money } from './money.js';
import type { Comparison, Day, Money, Month, Period } from './types.js';

/** Per month: the whole month, and the part dated up to the as-of day one year earlier. */
export interface MonthAmounts {
  amount: bigint;
  previousToDate: bigint;
}

export interface MonthlyWindow {
  /** First day read (the fiscal year's start, one year earlier). */
  from: Day;
  /** The day after as-of: lines are read up to as-of. */
  to: Day;
  /** The day after as-of one year earlier: the end of the previous year-to-date. */
  previousAsOfNext: Day;
  previousPeriod: Period;
}

export function monthlyWindow(year: FiscalYear, asOf: Day): MonthlyWindow {
  const previousAsOf = addMonthsTo(asOf, -12);
  return {
    from: addMonthsTo(year.start, -12),
    to: addDays(asOf, 1),
    previousAsOfNext: addDays(previousAsOf, 1),
    previousPeriod: { from: addMonthsTo(year.start, -12), to: previousAsOf },
  };
}

/** Rows `{ y, m, <amountColumn>, <previousColumn> }` → month key → amounts. */
export function monthAmounts(rows: Row[], amountColumn = 'amount', previousColumn = 'previous_to_date'): Map<Month, MonthAmounts> {
  const byMonth = new Map<Month, MonthAmounts>();
  for (const row of rows) {
    const key = monthKey(integer(row.y), integer(row.m));
    const found = byMonth.get(key) ?? { amount: 0n, previousToDate: 0n };
    found.amount += micro(row[amountColumn]);
    found.previousToDate += micro(row[previousColumn]);
    byMonth.set(key, found);
  }
  return byMonth;
}

export interface MonthPoint {
  month: Month;
  /** null for months after as-of (the month of as-of counts up to as-of). */
  current: Money | null;
  /** The same month one year earlier, whole. */
  previous: Money;
}

export interface MonthlyComparison {
  fiscalYear: FiscalYear;
  /** Fiscal year start to as-of, against the same span one year earlier. */
  yearToDate: Comparison;
  previousPeriod: Period;
  months: MonthPoint[];
}

export function monthlyComparison(year: FiscalYear, asOf: Day, amounts: Map<Month, MonthAmounts>): MonthlyComparison {
  const window = monthlyWindow(year, asOf);
  const lastMonth = monthOf(asOf);
  let current = 0n;
  let previousToDate = 0n;
  const months = monthsBetween(year.start, year.end).map((month) => {
    const here = amounts.get(month);
    const before = amounts.get(shiftMonth(month, -12));
    const isPast = month <= lastMonth;
    if (isPast) current += here?.amount ?? 0n;
    previousToDate += before?.previousToDate ?? 0n;
    return { month, current: isPast ? money(here?.amount ?? 0n) : null, previous: money(before?.amount ?? 0n) };
  });
  return {
    fiscalYear: { start: year.start, end: year.end },
    yearToDate: compare(current, previousToDate),
    previousPeriod: window.previousPeriod,
    months,
  };
}
