/**
 * What every view computation shares: the replica it reads and the SQL dialect, the as-of date, the company's
 * parameters (fiscal years, opening-entries journal, currency) read once from P_DOSSIER, the ledger's
 * "opening base" and column feature detection. One context serves every view of a `computeViews` call,
 * so P_DOSSIER and the opening-entries scan are read once per run.
 */
import { SQLITE_DIALECT, type SqlDialect } from '../dialect.js';
import { addMonths, daysFromCivil, dayOf, formatDay, monthStart, civilFromDays } from '../sage/calendar.js';
import { requireReplica, type Row, type SqlParams, type SqlSource, type SqlValue } from '../../sources/source.js';
import type { Day, Month } from './types.js';

export interface FiscalYear {
  start: Day;
  /** Last day, inclusive. */
  end: Day;
}

export interface CompanyParameters {
  fiscalYears: FiscalYear[];
  /** P_DOSSIER.JO_NumAN: the journal holding opening entries (à-nouveaux), when set. */
  openingJournal: string | null;
  currency: string;
}

/** The fiscal year a period view reports on; `warning` says when it had to be guessed. */
export interface ReportingYear extends FiscalYear {
  warning?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Calendar helpers on `YYYY-MM-DD` text (no Date objects: Sage dates are wall-clock values)
// ---------------------------------------------------------------------------------------------------------

export const addDays = (day: Day, n: number): Day => formatDay(dayOf(day) + n);
export const addMonthsTo = (day: Day, n: number): Day => formatDay(addMonths(dayOf(day), n));
export const startOfMonth = (day: Day): Day => formatDay(monthStart(dayOf(day)));
export const monthOf = (day: Day): Month => day.slice(0, 7);
export const monthKey = (year: number, month: number): Month => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
export const shiftMonth = (month: Month, n: number): Month => monthOf(addMonthsTo(`${month}-01`, n));

/** Month keys from the month of `from` to the month of `to`, inclusive. */
export function monthsBetween(from: Day, to: Day): Month[] {
  const months: Month[] = [];
  for (let m = monthOf(from); m <= monthOf(to); m = shiftMonth(m, 1)) months.push(m);
  return months;
}

/** Days from `from` to `to` (positive when `to` is later). */
export const daysFrom = (from: Day, to: Day): number => dayOf(to) - dayOf(from);

// ---------------------------------------------------------------------------------------------------------
// Row values
// ---------------------------------------------------------------------------------------------------------

export function text(value: SqlValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

/** Text with Sage's trailing padding removed; '' stays ''. */
export function label(value: SqlValue | undefined): string {
  return (text(value) ?? '').trim();
}

export function integer(value: SqlValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return 0;
}

/** `YYYY-MM-DD` of a datetime value (or null). */
export function day(value: SqlValue | undefined): Day | null {
  const t = text(value);
  return t === null ? null : t.slice(0, 10);
}

/** `{ warnings }` when there are any, to spread into a ViewBody. */
export function warningsOf(...warnings: Array<string | undefined>): { warnings?: string[] } {
  const present = warnings.filter((w): w is string => w !== undefined && w !== '');
  return present.length > 0 ? { warnings: present } : {};
}

export const dateParam = (value: Day) => ({ type: 'date', value }) as const;
export const textParam = (value: string) => ({ type: 'text', value }) as const;

// ---------------------------------------------------------------------------------------------------------
// The context
// ---------------------------------------------------------------------------------------------------------

const AS_OF = /^\d{4}-\d{2}-\d{2}$/;

export class ViewContext {
  readonly sql: SqlDialect = SQLITE_DIALECT;
  /** The day after as-of: every "up to as-of" filter is `< asOfNext`, so times of day never matter. */
  readonly asOfNext: Day;
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    readonly source: SqlSource,
    readonly asOf: Day,
  ) {
    if (!AS_OF.test(asOf)) throw new RangeError(`as-of must be a date YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
    dayOf(asOf); // rejects 2025-02-30
    requireReplica(source, 'A view');
    this.asOfNext = addDays(asOf, 1);
  }

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs one query and collects its rows. Queries run one after the other even when a view starts several
   * at once: a source connection streams one statement at a time, and aggregates return few rows.
   */
  rows(sql: string, params?: SqlParams): Promise<Row[]> {
    const run = async () => {
      const rows: Row[] = [];
      for await (const row of this.source.query(sql, params)) rows.push(row);
      return rows;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let found = this.cache.get(key) as Promise<T> | undefined;
    if (!found) {
      found = compute();
      this.cache.set(key, found);
    }
    return found;
  }

  /** Whether `table` has `column` (case-insensitive): how optional, version-dependent columns are detected. */
  async hasColumn(table: string, column: string): Promise<boolean> {
    const names = await this.once(`columns:${table.toUpperCase()}`, async () =>
      new Set((await this.source.columns(table)).map((c) => c.name.toLowerCase())),
    );
    return names.has(column.toLowerCase());
  }

  company(): Promise<CompanyParameters> {
    return this.once('company', () => this.readCompany());
  }

  private async readCompany(): Promise<CompanyParameters> {
    const q = this.sql;
    const slots = ['01', '02', '03', '04', '05'];
    const dates = slots
      .map((n) => `${q.dateText(q.validDate(`D_DebutExo${n}`))} AS start${n}, ${q.dateText(q.validDate(`D_FinExo${n}`))} AS end${n}`)
      .join(', ');
    const [row] = await this.rows(`SELECT ${dates}, JO_NumAN, N_DeviseCompte FROM P_DOSSIER ORDER BY cbMarq ${q.limit(1)}`);
    const fiscalYears: FiscalYear[] = [];
    for (const n of slots) {
      const start = day(row?.[`start${n}`]);
      const end = day(row?.[`end${n}`]);
      if (start && end && start <= end) fiscalYears.push({ start, end });
    }
    fiscalYears.sort((a, b) => (a.start < b.start ? -1 : 1));
    const journal = label(row?.JO_NumAN);
    return {
      fiscalYears,
      openingJournal: journal === '' ? null : journal,
      currency: await this.readCurrency(integer(row?.N_DeviseCompte)),
    };
  }

  /** P_DEVISE is optional in our reading: without it (or with currency index 0) the book currency is the euro. */
  private async readCurrency(index: number): Promise<string> {
    if (index <= 0 || !(await this.hasColumn('P_DEVISE', 'D_CodeISO'))) return 'EUR';
    const [row] = await this.rows('SELECT D_CodeISO FROM P_DEVISE WHERE cbIndice = @index', { index: { type: 'int', value: index } });
    const code = label(row?.D_CodeISO);
    return /^[A-Z]{3}$/.test(code) ? code : 'EUR';
  }

  /** The fiscal year containing as-of; the calendar year (with a warning) when P_DOSSIER has none. */
  reportingYear(): Promise<ReportingYear> {
    return this.once('reportingYear', async () => {
      const { fiscalYears } = await this.company();
      const found = fiscalYears.find((y) => y.start <= this.asOf && this.asOf <= y.end);
      if (found) return found;
      const { year } = civilFromDays(dayOf(this.asOf));
      return {
        start: formatDay(daysFromCivil(year, 1, 1)),
        end: formatDay(daysFromCivil(year, 12, 31)),
        warning: `No fiscal year of P_DOSSIER (D_DebutExo01..05 / D_FinExo01..05) contains ${this.asOf}: the calendar year ${year} is used instead.`,
      };
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Ledger (F_ECRITUREC, alias `e`)
  // -------------------------------------------------------------------------------------------------------

  /** The accounting date of a ledger line: DATEADD(day, EC_Jour-1, JM_Date). */
  get ledgerDate(): string {
    return this.sql.ledgerDate('e.JM_Date', 'e.EC_Jour');
  }

  /** Signed amount, debit positive (EC_Sens 0 = debit, 1 = credit). */
  readonly debitMinusCredit = 'CASE WHEN e.EC_Sens = 0 THEN e.EC_Montant ELSE -e.EC_Montant END';
  readonly creditMinusDebit = 'CASE WHEN e.EC_Sens = 1 THEN e.EC_Montant ELSE -e.EC_Montant END';

  /** A period movement: not an opening entry. Written positively so a NULL journal never drops rows. */
  async periodMovement(): Promise<string> {
    const { openingJournal } = await this.company();
    return openingJournal ? '(e.EC_ANType = 0 AND e.JO_Num <> @openingJournal)' : 'e.EC_ANType = 0';
  }

  /**
   * `e`'s accounting date is before `day` (exclusive), written on JM_Date (the first day of the period)
   * and EC_Jour rather than on DATEADD(day, EC_Jour-1, JM_Date): the same test, but one that the ledger
   * indexes (CG_Num, JM_Date, EC_Jour…) can serve and that costs no date function per row.
   * Uses the parameters `@<name>Month` and `@<name>Day` from `ledgerDateParams(name, day)`.
   */
  ledgerBefore(name: string): string {
    // The bare range on JM_Date comes first so that SQLite sees an index range.
    return `e.JM_Date <= @${name}Month AND (e.JM_Date < @${name}Month OR e.EC_Jour < @${name}Day)`;
  }

  /** `e`'s accounting date is `day` or later (see ledgerBefore). */
  ledgerOnOrAfter(name: string): string {
    return `e.JM_Date >= @${name}Month AND (e.JM_Date > @${name}Month OR e.EC_Jour >= @${name}Day)`;
  }

  ledgerDateParams(name: string, date: Day): SqlParams {
    return {
      [`${name}Month`]: dateParam(startOfMonth(date)),
      [`${name}Day`]: { type: 'int', value: Number(date.slice(8, 10)) },
    };
  }

  /** Parameters the ledger fragments use: as-of, the opening base and the opening-entries journal. */
  async ledgerParams(): Promise<SqlParams> {
    const { openingJournal } = await this.company();
    const base = await this.ledgerBase();
    return {
      asOf: dateParam(this.asOf),
      asOfNext: dateParam(this.asOfNext),
      ...this.ledgerDateParams('asOfNext', this.asOfNext),
      ...(openingJournal ? { openingJournal: textParam(openingJournal) } : {}),
      ...(base ? this.ledgerDateParams('baseFrom', base) : {}),
    };
  }

  /**
   * The start of the "opening base": the first day of the latest fiscal year (up to as-of) that holds
   * opening entries, or null when the ledger has none.
   *
   * Why: when a fiscal year is closed, its balances are restated by opening entries at the start of the
   * next one, so summing the whole history would count them twice. Balances are therefore the lines dated
   * from this day to as-of, opening entries included: that counts every amount once whether or not the
   * previous year has been closed yet (before closing, the base is simply an older year).
   */
  ledgerBase(): Promise<Day | null> {
    return this.once('ledgerBase', async () => {
      const q = this.sql;
      const { openingJournal, fiscalYears } = await this.company();
      const opening = openingJournal ? '(e.EC_ANType <> 0 OR e.JO_Num = @openingJournal)' : 'e.EC_ANType <> 0';
      const journal: SqlParams = openingJournal ? { openingJournal: textParam(openingJournal) } : {};
      // Sage dates opening entries on the first day of the fiscal year: probing each year's first period
      // (latest first) is an index seek, where looking for them anywhere would read the whole ledger.
      for (const year of [...fiscalYears].reverse()) {
        if (year.start > this.asOf) continue;
        const found = await this.rows(
          `SELECT e.EC_No FROM F_ECRITUREC e WHERE e.JM_Date = @periodStart AND ${opening} ${q.limit(1)}`,
          { periodStart: dateParam(startOfMonth(year.start)), ...journal },
        );
        if (found.length > 0) return year.start;
      }
      // No fiscal year of P_DOSSIER opens with them: look for opening entries anywhere up to as-of.
      const [row] = await this.rows(
        `SELECT ${q.dateText('MAX(e.JM_Date)')} AS last_opening FROM F_ECRITUREC e WHERE ${opening} AND ${this.ledgerBefore('asOfNext')}`,
        { ...this.ledgerDateParams('asOfNext', this.asOfNext), ...journal },
      );
      return day(row?.last_opening);
    });
  }

  /** Lines that make up balances as of as-of: the opening base (see ledgerBase) up to as-of. */
  async balanceScope(): Promise<string> {
    const base = await this.ledgerBase();
    const upToAsOf = this.ledgerBefore('asOfNext');
    return base ? `${this.ledgerOnOrAfter('baseFrom')} AND ${upToAsOf}` : upToAsOf;
  }

  /** Computes `compute` once per context under `key` (for aggregates several views share). */
  shared<T>(key: string, compute: () => Promise<T>): Promise<T> {
    return this.once(`shared:${key}`, compute);
  }

  /** Due date of a ledger line, or its accounting date when it has none (NULL or a 1900 placeholder). */
  get dueDate(): string {
    return this.sql.isNull(this.sql.validDate('e.EC_Echeance'), this.ledgerDate);
  }
}
