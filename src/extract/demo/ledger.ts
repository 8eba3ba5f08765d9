/**
 * The general ledger of the demo company (F_ECRITUREC): balanced pieces per journal, lettering of tiers
 * items with their settlements, balances per fiscal year and the opening entries (à-nouveaux) that
 * carry them into the next year.
 *
 * Lettering follows what a closed Sage exercise looks like: an item (an invoice due date, a credit note)
 * and its settlement are lettered together only when both lines lie in the same fiscal year. An item
 * still open at year end stays unlettered in the closed year and is carried forward as a detailed
 * opening line (EC_ANType = 1, same tiers, due date and reference) in the new year; the settlement then
 * letters that opening line. So "unlettered lines of the current year, opening lines included" is the
 * open-items list, and summing every year's unlettered lines double counts — the pitfall views avoid.
 */
import { civilFromDays, formatStoredDatetime, monthStart } from '../sage/calendar.js';
import { ACCOUNT, ACCOUNTS, JOURNAL, USERS, type FiscalYear } from './master.js';
import type { DemoWriter, Inserter, Stamp } from './writer.js';

export const NEVER = Number.MAX_SAFE_INTEGER;

/** An open item on a tiers account: one due date of an invoice or credit note, until it is settled. */
export interface TiersItem {
  readonly account: string;
  readonly tiers: string;
  /** Sens of the item line: 0 debit (customer invoice), 1 credit (supplier invoice, customer credit note). */
  readonly sens: 0 | 1;
  readonly cents: number;
  readonly dueDay: number;
  readonly refPiece: string;
  readonly label: string;
  readonly paymentMode: number;
  /** The day it is settled, or NEVER (not settled by `today`). */
  readonly settleDay: number;
  /** Lettering code, set when a line of the item gets lettered. */
  letter: string;
  /** Ledger number of the item's line in the current year (the original line or its opening line). */
  lineNo: number;
}

export interface LedgerLine {
  readonly account: string;
  readonly sens: 0 | 1;
  readonly cents: number;
  readonly label: string;
  readonly tiers?: string | null;
  readonly counterAccount?: string | null;
  readonly dueDay?: number | null;
  readonly paymentMode?: number;
  readonly taxCode?: string | null;
  readonly letter?: string;
  /** Day the line was lettered (its last modification). */
  readonly letteredDay?: number;
  readonly openingType?: number;
}

export interface PostOptions {
  /** Only for the deliberate inconsistency: a piece whose debits and credits differ. */
  readonly allowUnbalanced?: boolean;
  /** Date written in EC_Date (the document date); defaults to the accounting day. */
  readonly documentDay?: number;
}

const LEDGER_COLUMNS = [
  'EC_No', 'JO_Num', 'JM_Date', 'EC_Jour', 'EC_Date', 'EC_Piece', 'EC_RefPiece', 'CG_Num', 'CG_NumCont', 'CT_Num',
  'EC_Intitule', 'N_Reglement', 'EC_Echeance', 'EC_Sens', 'EC_Montant', 'EC_Lettre', 'EC_Lettrage', 'EC_Point',
  'EC_Pointage', 'EC_ANType', 'TA_Code', 'EC_DateRappro',
] as const;

const TREASURY_JOURNALS = new Set<string>([JOURNAL.bankMain, JOURNAL.bankSecond, JOURNAL.cash]);
const DETAIL_ACCOUNTS = new Set(ACCOUNTS.filter((a) => a.collective).map((a) => a.num));
const VAT_ACCOUNTS = new Set<string>([ACCOUNT.vatCollected20, ACCOUNT.vatCollected10, ACCOUNT.vatDeductible]);

const isIncomeStatement = (account: string): boolean => account.startsWith('6') || account.startsWith('7');

function letterCode(n: number): string {
  const k = n % 17576;
  return (
    String.fromCharCode(65 + Math.floor(k / 676)) + String.fromCharCode(65 + (Math.floor(k / 26) % 26)) + String.fromCharCode(65 + (k % 26))
  );
}

export class Ledger {
  private readonly insert: Inserter;
  private ecNo = 0;
  private readonly pieceCounters = new Map<string, number>();
  private readonly letterCounters = new Map<string, number>();
  /** Debit-minus-credit per account for the current fiscal year, opening lines included. */
  private readonly balances = new Map<string, number>();
  /** Items open on a tiers account; insertion order keeps the opening entries deterministic. */
  private readonly openItems = new Set<TiersItem>();
  /** VAT movements of sales and purchase journals per month start, for the monthly VAT return. */
  private readonly vatByMonth = new Map<number, Map<string, number>>();
  private readonly dayTexts = new Map<number, string>();
  private currentYear: FiscalYear;

  constructor(
    writer: DemoWriter,
    private readonly years: readonly FiscalYear[],
    private readonly today: number,
  ) {
    this.insert = writer.inserter('F_ECRITUREC', LEDGER_COLUMNS);
    this.currentYear = years[0] as FiscalYear;
  }

  private dayText(day: number): string {
    let text = this.dayTexts.get(day);
    if (text === undefined) {
      text = formatStoredDatetime(day);
      this.dayTexts.set(day, text);
    }
    return text;
  }

  private yearOf(day: number): number {
    return civilFromDays(day).year;
  }

  balance(account: string): number {
    return this.balances.get(account) ?? 0;
  }

  /**
   * The line of an item in the piece that creates it (or carries it forward on `day`): lettered now if
   * its settlement falls in the same fiscal year and by `today`, otherwise left open.
   */
  itemLine(item: TiersItem, day: number, label: string, counterAccount: string | null, openingType = 0): LedgerLine {
    const lettered = item.settleDay <= this.today && this.yearOf(item.settleDay) === this.yearOf(day);
    if (lettered) {
      const key = `${item.account}|${item.tiers}`;
      const n = this.letterCounters.get(key) ?? 0;
      this.letterCounters.set(key, n + 1);
      item.letter = letterCode(n);
      this.openItems.delete(item);
    } else {
      item.letter = '';
      this.openItems.add(item);
    }
    return {
      account: item.account,
      sens: item.sens,
      cents: item.cents,
      label,
      tiers: item.tiers,
      counterAccount,
      dueDay: item.dueDay,
      paymentMode: item.paymentMode,
      ...(lettered ? { letter: item.letter, letteredDay: item.settleDay } : {}),
      openingType,
    };
  }

  /** The settlement line of an item (opposite sens), lettered with the item's current line. */
  settlementLine(item: TiersItem, label: string, counterAccount: string | null): LedgerLine {
    if (item.letter === '') {
      throw new Error(`Demo ledger: settling ${item.refPiece} on ${item.tiers} whose line is not lettered`);
    }
    this.openItems.delete(item);
    return {
      account: item.account,
      sens: item.sens === 0 ? 1 : 0,
      cents: item.cents,
      label,
      tiers: item.tiers,
      counterAccount,
      dueDay: item.dueDay,
      paymentMode: item.paymentMode,
      letter: item.letter,
      letteredDay: item.settleDay,
    };
  }

  /**
   * Writes one piece dated `day` in `journal`; returns the EC_No of each line. Throws when the piece does
   * not balance (a bug in the generator), unless the caller asks for the deliberate unbalanced piece.
   */
  post(journal: string, day: number, refPiece: string, lines: readonly LedgerLine[], stamp: Stamp, options: PostOptions = {}): number[] {
    let debit = 0;
    let credit = 0;
    for (const line of lines) {
      if (!Number.isInteger(line.cents) || line.cents < 0) throw new Error(`Demo ledger: bad amount ${line.cents} on ${refPiece}`);
      if (line.sens === 0) debit += line.cents;
      else credit += line.cents;
    }
    if (debit !== credit && !options.allowUnbalanced) {
      throw new Error(`Demo ledger: piece ${journal} ${refPiece} is unbalanced (${debit} D / ${credit} C)`);
    }
    const pieceNo = (this.pieceCounters.get(journal) ?? 0) + 1;
    this.pieceCounters.set(journal, pieceNo);
    const piece = String(pieceNo).padStart(6, '0');
    const month = monthStart(day);
    const jmDate = this.dayText(month);
    const ecJour = day - month + 1;
    const documentDay = this.dayText(options.documentDay ?? day);
    const treasury = TREASURY_JOURNALS.has(journal);
    // Bank statements are reconciled about ten days after the end of each month.
    const reconciled = treasury && month < monthStart(this.today - 10);
    const reconciledOn = reconciled ? this.dayText(month + 40 - civilFromDays(month + 40).day) : null;
    const pointage = `R${String(civilFromDays(month).month).padStart(2, '0')}`;
    const numbers: number[] = [];
    for (const line of lines) {
      this.ecNo += 1;
      numbers.push(this.ecNo);
      const signed = line.sens === 0 ? line.cents : -line.cents;
      this.balances.set(line.account, (this.balances.get(line.account) ?? 0) + signed);
      if ((journal === JOURNAL.sales || journal === JOURNAL.purchases) && VAT_ACCOUNTS.has(line.account)) {
        let vat = this.vatByMonth.get(month);
        if (!vat) this.vatByMonth.set(month, (vat = new Map()));
        vat.set(line.account, (vat.get(line.account) ?? 0) + signed);
      }
      const pointed = reconciled && line.account.startsWith('5');
      const letter = line.letter ?? '';
      // Lettering modifies the line; it cannot happen before the line exists (comparable text timestamps).
      const lettered =
        line.letteredDay !== undefined && line.letteredDay > day
          ? formatStoredDatetime(line.letteredDay, 16 * 3600 + (this.ecNo % 3600))
          : stamp.modified;
      const modified = lettered > stamp.created ? lettered : stamp.created;
      this.insert(
        [
          this.ecNo, journal, jmDate, ecJour, documentDay, piece, refPiece.slice(0, 17), line.account, line.counterAccount ?? null,
          line.tiers ?? null, line.label.slice(0, 35), line.paymentMode ?? 0,
          line.dueDay === undefined || line.dueDay === null ? null : this.dayText(line.dueDay), line.sens, line.cents / 100,
          letter === '' ? 0 : 1, letter, pointed ? 1 : 0, pointed ? pointage : '',
          line.openingType ?? 0, line.taxCode ?? null, pointed ? reconciledOn : null,
        ],
        modified === stamp.modified ? stamp : { ...stamp, modified },
      );
    }
    return numbers;
  }

  /** Net VAT movements (debit minus credit) of a month's sales and purchase journals, by VAT account. */
  vatMovements(monthStartDay: number): ReadonlyMap<string, number> {
    return this.vatByMonth.get(monthStartDay) ?? new Map();
  }

  forgetVat(monthStartDay: number): void {
    this.vatByMonth.delete(monthStartDay);
  }

  /**
   * Closes the current fiscal year and writes the opening piece of `next` in the RAN journal: balance
   * sheet accounts by balance, tiers collectives item by item, the year's result on 120000 / 129000.
   */
  openYear(next: FiscalYear): void {
    const closing = this.currentYear;
    const day = next.start;
    let result = 0;
    const lines: LedgerLine[] = [];
    const openByAccount = new Map<string, number>();
    for (const item of this.openItems) {
      openByAccount.set(item.account, (openByAccount.get(item.account) ?? 0) + (item.sens === 0 ? item.cents : -item.cents));
    }
    const accounts = [...this.balances.keys()].sort();
    for (const account of accounts) {
      const balance = this.balances.get(account) ?? 0;
      if (isIncomeStatement(account)) {
        result += balance;
      } else if (DETAIL_ACCOUNTS.has(account)) {
        if ((openByAccount.get(account) ?? 0) !== balance) {
          throw new Error(`Demo ledger: ${account} balance ${balance} differs from its open items at the end of ${closing.year}`);
        }
      } else if (balance !== 0) {
        lines.push({
          account,
          sens: balance > 0 ? 0 : 1,
          cents: Math.abs(balance),
          label: `A nouveau ${closing.year}`,
          openingType: 1,
        });
      }
    }
    if (result !== 0) {
      // Debit-minus-credit of the income statement: negative is a profit (credit balance).
      lines.push({
        account: result < 0 ? ACCOUNT.profit : ACCOUNT.loss,
        sens: result < 0 ? 1 : 0,
        cents: Math.abs(result),
        label: `Résultat ${closing.year}`,
        openingType: 1,
      });
    }
    this.balances.clear();
    this.currentYear = next;
    const carried = [...this.openItems];
    this.openItems.clear();
    for (const item of carried) lines.push(this.itemLine(item, day, `AN ${item.refPiece}`.slice(0, 35), null, 1));
    const createdDay = Math.min(this.today, day + 14);
    const created = formatStoredDatetime(createdDay, 18 * 3600);
    const numbers = this.post(JOURNAL.opening, day, `AN${closing.year}`, lines, { user: USERS.accounting, created, modified: created });
    carried.forEach((item, i) => {
      item.lineNo = numbers[lines.length - carried.length + i] as number;
    });
  }

  /** Fiscal year of a day among the demo's years. */
  fiscalYearOf(day: number): FiscalYear | undefined {
    return this.years.find((y) => y.start <= day && day <= y.end);
  }
}
