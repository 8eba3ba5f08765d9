/**
 * The day-by-day life of the demo company, from the first day of the oldest fiscal year to `today`:
 * sales deals (quote → order → delivery → invoice → posted invoice, converted in place), lost quotes,
 * returns and credit notes, purchases, customer and supplier payments with their allocations, overheads,
 * payroll, VAT returns and the ledger postings of all of it.
 *
 * Every document is written once, in its state as of `today`: the generator decides each deal's stage
 * dates up front and keeps the last stage reached. Conversions happen in place as in Sage: the header
 * and its lines carry the current DO_Type/DO_Piece, the lines remember the earlier pieces in
 * DL_PieceDE / DL_PieceBC / DL_PieceBL. Deals anchored up to a few weeks after `today` provide the open
 * quotes, open orders and not-yet-invoiced deliveries.
 *
 * Sign conventions (views rely on them): credit notes are invoices (DO_Type 6/7) with DO_Provenance 1
 * (return) or 2 (financial credit) whose quantities, amounts, totals, due dates, allocations and refund
 * payments are negative; returns not yet credited (BR, DO_Type 4) and credit vouchers (BA, DO_Type 5)
 * are stored positive, as Sage does. All amounts are computed in integer cents.
 */
import { civilFromDays, daysFromCivil, daysInMonth, formatStoredDatetime, monthStart, weekday } from '../sage/calendar.js';
import {
  ACCOUNT,
  accountName,
  JOURNAL,
  OVERHEAD_SUPPLIER,
  PAYMENT_MODE,
  tax,
  USERS,
  type Customer,
  type FiscalYear,
  type Item,
  type MasterData,
  type OverheadSupplier,
  type PaymentTerms,
  type Supplier,
  type TaxDefinition,
} from './master.js';
import { Ledger, NEVER, type LedgerLine, type TiersItem } from './ledger.js';
import { ORDER_REFERENCES, SITE_NAMES } from './names.js';
import type { Random } from './random.js';
import type { DemoSizes } from './scale.js';
import type { DemoUser, DemoWriter, Inserter, Stamp } from './writer.js';
import { DEMO_INCONSISTENCIES } from './inconsistencies.js';

// ---------------------------------------------------------------------------------------------------------
// Calendar helpers
// ---------------------------------------------------------------------------------------------------------

const isWorkday = (day: number): boolean => weekday(day) < 5;
const previousWorkday = (day: number): number => {
  let d = day;
  while (!isWorkday(d)) d -= 1;
  return d;
};
const nextWorkday = (day: number): number => {
  let d = day;
  while (!isWorkday(d)) d += 1;
  return d;
};
/** Invoices are posted to the ledger in a weekly batch, the Monday after their date. */
const postingDay = (day: number): number => day + (7 - weekday(day));
const endOfMonth = (day: number): number => {
  const { year, month } = civilFromDays(day);
  return daysFromCivil(year, month, daysInMonth(year, month));
};
const dayOfMonth = (year: number, month: number, day: number): number =>
  daysFromCivil(year, month, Math.min(day, daysInMonth(year, month)));

/** Sales seasonality by month (building trade: quiet in August and around Christmas). */
const SEASON = [0.85, 0.95, 1.1, 1.15, 1.15, 1.1, 0.95, 0.55, 1.1, 1.1, 1.05, 0.85];
const WORKDAYS_PER_YEAR = 252;
/** How far after `today` deals are anchored, so that pipelines in progress exist. */
const SALES_HORIZON_DAYS = 40;
const PURCHASE_HORIZON_DAYS = 35;
/**
 * Lost quotes older than this are closed (DO_Cloture = 1), as a sales office does when it cleans up its
 * pipeline; younger ones stay open. Without it every lost quote of the three years stays open (about 20,000
 * at scale 50), which no real company has and which open-quotes would list. Decided from the dates alone:
 * it draws no random number, so the rest of the company is unchanged.
 */
const LOST_QUOTE_CLOSED_AFTER_DAYS = 90;

// ---------------------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------------------

const SERIES = {
  quote: 'DE',
  order: 'BC',
  delivery: 'BL',
  invoice: 'FA',
  return: 'BR',
  creditVoucher: 'BA',
  creditNote: 'AV',
  purchaseOrder: 'CF',
  reception: 'RF',
  purchaseInvoice: 'FF',
} as const;

const TYPE = {
  quote: 0,
  order: 1,
  delivery: 3,
  return: 4,
  creditVoucher: 5,
  invoice: 6,
  postedInvoice: 7,
  purchaseOrder: 12,
  reception: 13,
  purchaseInvoice: 16,
  postedPurchaseInvoice: 17,
} as const;

interface Stage {
  readonly piece: string;
  readonly day: number;
}

interface DraftLine {
  readonly item: Item | null;
  readonly ref: string;
  readonly design: string;
  readonly qty: number;
  readonly puCents: number;
  readonly discount: number;
  readonly htCents: number;
  readonly tax: TaxDefinition | null;
  readonly costCents: number;
  readonly salesAccount: string;
  readonly purchaseAccount: string;
}

interface DocumentDraft {
  readonly domain: 0 | 1;
  readonly type: number;
  readonly piece: string;
  readonly day: number;
  readonly tiers: string;
  readonly repNo: number | null;
  readonly depotNo: number;
  readonly provenance: number;
  readonly status: number;
  readonly reference: string | null;
  readonly site: string | null;
  readonly deliveryDay: number | null;
  readonly quote?: Stage;
  readonly order?: Stage;
  readonly delivery?: Stage;
  readonly lines: readonly DraftLine[];
  /** -1 for credit notes in DO_Type 6/7: quantities and amounts are stored negative. */
  readonly sign: 1 | -1;
  /** DL_MvtStock of stocked item lines: 0 none, 1 in, 3 out. */
  readonly stockMovement: number;
  readonly supplierInvoice: string | null;
  readonly originalPiece: string | null;
  readonly motive: string | null;
  readonly paidCents: number;
  readonly stamp: Stamp;
  readonly lineStamp: Stamp;
  readonly posted: boolean;
  /** DO_Cloture: closed by hand (a lost quote nobody will convert any more). */
  readonly closed?: boolean;
}

interface Totals {
  readonly htCents: number;
  readonly ttcCents: number;
  readonly vatByTax: ReadonlyMap<TaxDefinition, number>;
  readonly htByAccount: ReadonlyMap<string, number>;
}

function computeTotals(lines: readonly DraftLine[], domain: 0 | 1): Totals {
  let htCents = 0;
  const htByTax = new Map<TaxDefinition, number>();
  const htByAccount = new Map<string, number>();
  for (const line of lines) {
    if (line.htCents === 0) continue;
    htCents += line.htCents;
    if (line.tax) htByTax.set(line.tax, (htByTax.get(line.tax) ?? 0) + line.htCents);
    const account = domain === 0 ? line.salesAccount : line.purchaseAccount;
    htByAccount.set(account, (htByAccount.get(account) ?? 0) + line.htCents);
  }
  const vatByTax = new Map<TaxDefinition, number>();
  let vat = 0;
  for (const [t, base] of htByTax) {
    // VAT is computed on the document's base per rate, as Sage does, not line by line.
    const amount = Math.round((base * t.rate) / 100);
    vatByTax.set(t, amount);
    vat += amount;
  }
  return { htCents, ttcCents: htCents + vat, vatByTax, htByAccount };
}

interface DueDate {
  readonly drNo: number;
  readonly day: number;
  readonly cents: number;
  readonly item: TiersItem;
}

/** A payment, refund or supplier settlement happening on its day. */
interface SettlementEvent {
  readonly kind: 'customer' | 'refund' | 'supplier' | 'overhead';
  readonly item: TiersItem;
  readonly tiersName: string;
  readonly drNo: number;
  readonly domain: 0 | 1;
  readonly docType: number;
  readonly docPiece: string;
}

interface ReturnEvent {
  readonly kind: 'return' | 'credit';
  /** Day the return (BR) or credit voucher (BA) was entered. */
  readonly voucherDay: number;
  /** Day it is converted into a credit note; the event fires then (or on voucherDay if that is after today). */
  readonly convertDay: number;
  readonly customer: Customer;
  readonly lines: readonly DraftLine[];
  readonly invoicePiece: string;
  readonly deliveryPiece: string | null;
  readonly depotNo: number;
}

type DayEvent = SettlementEvent | ReturnEvent;

export interface FlowInputs {
  readonly writer: DemoWriter;
  readonly random: Random;
  readonly master: MasterData;
  readonly sizes: DemoSizes;
  readonly years: readonly FiscalYear[];
  readonly today: number;
}

export interface FlowResult {
  /** Quantities sold per item index (for stock sizing). */
  readonly soldQty: Float64Array;
  /** Open customer-order quantities per item index × depot. */
  readonly reservedQty: Float64Array;
  /** Open purchase-order quantities per item index × depot. */
  readonly orderedQty: Float64Array;
}

const euros = (cents: number): number => cents / 100;

// ---------------------------------------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------------------------------------

export function runFlows(inputs: FlowInputs): FlowResult {
  return new CompanySimulation(inputs).run();
}

class CompanySimulation {
  private readonly writer: DemoWriter;
  private readonly master: MasterData;
  private readonly sizes: DemoSizes;
  private readonly years: readonly FiscalYear[];
  private readonly today: number;
  private readonly firstDay: number;
  private readonly ledger: Ledger;
  private readonly sales: Random;
  private readonly purchases: Random;
  private readonly events: Random;
  private readonly overheads: Random;
  private readonly stamps: Random;

  private readonly insertHeader: Inserter;
  private readonly insertLine: Inserter;
  private readonly insertDueDate: Inserter;
  private readonly insertPayment: Inserter;
  private readonly insertAllocation: Inserter;

  private readonly series = new Map<string, number>();
  private readonly buckets: DayEvent[][];
  private dlNo = 0;
  private drNo = 0;
  private rgNo = 0;
  private readonly dayTexts = new Map<number, string>();

  private readonly soldQty: Float64Array;
  private readonly reservedQty: Float64Array;
  private readonly orderedQty: Float64Array;
  private readonly purchaseLineTargetCents: number;
  private loanRemainingCents: number;
  private readonly loanPrincipalCents: number;

  constructor(inputs: FlowInputs) {
    this.writer = inputs.writer;
    this.master = inputs.master;
    this.sizes = inputs.sizes;
    this.years = inputs.years;
    this.today = inputs.today;
    this.firstDay = (inputs.years[0] as FiscalYear).start;
    this.ledger = new Ledger(this.writer, this.years, this.today);
    this.sales = inputs.random.fork('sales');
    this.purchases = inputs.random.fork('purchases');
    this.events = inputs.random.fork('events');
    this.overheads = inputs.random.fork('overheads');
    this.stamps = inputs.random.fork('stamps');

    this.insertHeader = this.writer.inserter('F_DOCENTETE', [
      'DO_Domaine', 'DO_Type', 'DO_Piece', 'DO_Date', 'DO_Ref', 'DO_Tiers', 'CO_No', 'cbCO_No', 'DE_No', 'cbDE_No',
      'CT_NumPayeur', 'DO_Imprim', 'DO_DateLivr', 'CG_Num', 'DO_Statut', 'DO_Heure', 'DO_Provenance', 'DO_MajCpta',
      'DO_Motif', 'DO_DateLivrRealisee', 'DO_FactureFrs', 'DO_PieceOrig', 'DO_GUID', 'DO_Valide', 'DO_TotalHT',
      'DO_TotalHTNet', 'DO_TotalTTC', 'DO_NetAPayer', 'DO_MontantRegle', 'DO_Cloture', 'Référence chantier',
    ]);
    this.insertLine = this.writer.inserter('F_DOCLIGNE', [
      'DO_Domaine', 'DO_Type', 'CT_Num', 'DO_Piece', 'DL_PieceBC', 'DL_PieceBL', 'DO_Date', 'DL_DateBC', 'DL_DateBL',
      'DL_Ligne', 'DO_Ref', 'AR_Ref', 'DL_Design', 'DL_Qte', 'DL_QteBC', 'DL_QteBL', 'DL_PoidsNet', 'DL_PoidsBrut',
      'DL_Remise01REM_Valeur', 'DL_Remise01REM_Type', 'DL_PrixUnitaire', 'DL_PUBC', 'DL_Taxe1', 'CO_No', 'cbCO_No',
      'DL_PrixRU', 'DL_CMUP', 'DL_MvtStock', 'EU_Enumere', 'EU_Qte', 'DE_No', 'cbDE_No', 'DL_PUTTC', 'DL_No',
      'DO_DateLivr', 'DL_MontantHT', 'DL_MontantTTC', 'DL_PieceDE', 'DL_DateDE', 'DL_QteDE', 'DL_CodeTaxe1',
    ]);
    this.insertDueDate = this.writer.inserter('F_DOCREGL', [
      'DR_No', 'DO_Domaine', 'DO_Type', 'DO_Piece', 'DR_TypeRegl', 'DR_Date', 'DR_Libelle', 'DR_Pourcent', 'DR_Montant',
      'DR_MontantDev', 'DR_Equil', 'EC_No', 'cbEC_No', 'DR_Regle', 'N_Reglement',
    ]);
    this.insertPayment = this.writer.inserter('F_CREGLEMENT', [
      'RG_No', 'CT_NumPayeur', 'RG_Date', 'RG_Reference', 'RG_Libelle', 'RG_Montant', 'RG_MontantDev', 'N_Reglement',
      'RG_Impute', 'RG_Compta', 'EC_No', 'cbEC_No', 'RG_Type', 'JO_Num', 'CG_Num', 'RG_TypeReg', 'RG_Heure', 'RG_Piece',
    ]);
    this.insertAllocation = this.writer.inserter('F_REGLECH', ['RG_No', 'DR_No', 'DO_Domaine', 'DO_Type', 'DO_Piece', 'RC_Montant', 'RG_TypeReg']);

    this.buckets = Array.from({ length: this.today - this.firstDay + 1 }, () => []);
    const itemCount = this.master.items.length + 2;
    const depots = this.master.depots.length;
    this.soldQty = new Float64Array(itemCount);
    this.reservedQty = new Float64Array(itemCount * depots);
    this.orderedQty = new Float64Array(itemCount * depots);
    this.purchaseLineTargetCents = this.estimatePurchaseLineTarget();
    this.loanPrincipalCents = Math.round(12_000_000 * this.sizes.overheadFactor);
    this.loanRemainingCents = this.loanPrincipalCents;
  }

  run(): FlowResult {
    const lastYear = this.years[this.years.length - 1] as FiscalYear;
    const inconsistencyDay = Math.max(lastYear.start, this.today - 10);
    for (let day = this.firstDay; day <= this.today; day++) {
      const next = this.years.find((y) => y.start === day && y !== this.years[0]);
      if (next) this.ledger.openYear(next);
      if (day === this.firstDay) this.postOpeningCapital(day);
      if (isWorkday(day)) {
        this.lostQuotes(day);
        this.salesDeals(day);
        this.purchaseInvoices(day);
      }
      this.overheadsOf(day);
      if (day === inconsistencyDay) this.writeInconsistencies(day);
      const bucket = this.buckets[day - this.firstDay] as DayEvent[];
      for (let i = 0; i < bucket.length; i++) this.handle(bucket[i] as DayEvent, day);
      this.buckets[day - this.firstDay] = [];
    }
    // Deals that will be invoiced in the coming weeks: only their stages reached by today exist.
    for (let day = this.today + 1; day <= this.today + Math.max(SALES_HORIZON_DAYS, PURCHASE_HORIZON_DAYS); day++) {
      if (!isWorkday(day)) continue;
      if (day <= this.today + SALES_HORIZON_DAYS) this.salesDeals(day);
      if (day <= this.today + PURCHASE_HORIZON_DAYS) this.purchaseInvoices(day);
    }
    return { soldQty: this.soldQty, reservedQty: this.reservedQty, orderedQty: this.orderedQty };
  }

  // -------------------------------------------------------------------------------------------------------
  // Small helpers
  // -------------------------------------------------------------------------------------------------------

  private dayText(day: number): string {
    let text = this.dayTexts.get(day);
    if (text === undefined) {
      text = formatStoredDatetime(day);
      this.dayTexts.set(day, text);
    }
    return text;
  }

  private stamp(createdDay: number, modifiedDay: number, user: DemoUser): Stamp {
    const createdAt = 8 * 3600 + this.stamps.int(0, 9 * 3600);
    const created = formatStoredDatetime(createdDay, createdAt);
    const modified =
      modifiedDay > createdDay ? formatStoredDatetime(modifiedDay, 8 * 3600 + this.stamps.int(0, 9 * 3600)) : created;
    return { user, created, modified };
  }

  private nextPiece(prefix: string): string {
    const n = (this.series.get(prefix) ?? 0) + 1;
    this.series.set(prefix, n);
    return `${prefix}${String(n).padStart(6, '0')}`;
  }

  /**
   * Returns and credit vouchers are written when they reach their final state: on their conversion day
   * (so the credit note is posted in the right fiscal year), or on their entry day if still unconverted.
   */
  private enqueueReturn(event: ReturnEvent): void {
    this.enqueue(event.convertDay <= this.today ? event.convertDay : event.voucherDay, event);
  }

  private enqueue(day: number, event: DayEvent): void {
    if (day > this.today) return;
    (this.buckets[day - this.firstDay] as DayEvent[]).push(event);
  }

  private rate(perYear: number, day: number): number {
    return (perYear / WORKDAYS_PER_YEAR) * (SEASON[civilFromDays(day).month - 1] as number);
  }

  private pickCustomer(day: number): Customer {
    for (let attempt = 0; attempt < 8; attempt++) {
      const c = this.master.customers[this.sales.weighted(this.master.customerWeights)] as Customer;
      if (c.activeFrom <= day && day <= c.activeUntil) return c;
    }
    return this.master.customers[0] as Customer;
  }

  private estimatePurchaseLineTarget(): number {
    const weights = this.master.itemWeights;
    let total = 0;
    let cost = 0;
    this.master.items.forEach((item, i) => {
      const w = (weights[i] as number) - (i === 0 ? 0 : (weights[i - 1] as number));
      total += w;
      if (item.stocked) cost += w * item.costCents * item.typicalQty;
    });
    const annualCost = (cost / total) * 3.4 * this.sizes.salesDealsPerYear;
    return annualCost / this.sizes.purchaseInvoicesPerYear / 4;
  }

  private dueDates(invoiceDay: number, terms: PaymentTerms, ttcCents: number): Array<[day: number, cents: number]> {
    const base = terms.days === 0 ? invoiceDay : terms.endOfMonth ? endOfMonth(invoiceDay + terms.days) : invoiceDay + terms.days;
    if (!terms.split) return [[base, ttcCents]];
    const first = Math.round(ttcCents / 2);
    return [
      [base, first],
      [base + 30, ttcCents - first],
    ];
  }

  // -------------------------------------------------------------------------------------------------------
  // Sales
  // -------------------------------------------------------------------------------------------------------

  private salesLine(item: Item, random: Random): DraftLine {
    const c = item.family.catalogue;
    const qty = random.int(c.qtyMin, c.qtyMax);
    const discount = random.chance(0.2) ? (random.chance(0.6) ? 5 : 10) : 0;
    const htCents = Math.round((qty * item.priceCents * (100 - discount)) / 100);
    return {
      item,
      ref: item.ref,
      design: item.design,
      qty,
      puCents: item.priceCents,
      discount,
      htCents,
      tax: item.family.tax,
      costCents: item.costCents,
      salesAccount: item.family.salesAccount,
      purchaseAccount: item.family.purchaseAccount,
    };
  }

  private commentLine(text: string): DraftLine {
    return {
      item: null, ref: '', design: text, qty: 0, puCents: 0, discount: 0, htCents: 0, tax: null, costCents: 0,
      salesAccount: ACCOUNT.salesGoods, purchaseAccount: ACCOUNT.purchasesGoods,
    };
  }

  private dealLines(random: Random): DraftLine[] {
    const count = 1 + Math.min(11, Math.floor(-Math.log(1 - random.next()) * 2.6));
    const lines: DraftLine[] = [];
    const used = new Set<number>();
    for (let i = 0; i < count; i++) {
      const index = random.weighted(this.master.itemWeights);
      if (used.has(index)) continue;
      used.add(index);
      lines.push(this.salesLine(this.master.items[index] as Item, random));
    }
    if (random.chance(0.15)) {
      const ship = this.master.shippingItem;
      lines.push({ ...this.salesLine(ship, random), qty: 1, discount: 0, htCents: ship.priceCents });
    }
    if (random.chance(0.05)) lines.push(this.commentLine(random.pick(['Livraison sur chantier', 'Merci de votre confiance', 'Prévoir accès poids lourd'])));
    return lines;
  }

  private orderReference(random: Random): { reference: string | null; site: string | null } {
    const roll = random.next();
    if (roll < 0.35) return { reference: `${random.pick(ORDER_REFERENCES)} ${random.int(100, 99999)}`.slice(0, 17), site: null };
    if (roll < 0.6) {
      const site = random.pick(SITE_NAMES);
      return { reference: site.slice(0, 17), site };
    }
    return { reference: null, site: null };
  }

  private lostQuotes(day: number): void {
    const count = this.sales.stochasticRound(this.rate(this.sizes.salesDealsPerYear, day) * 0.15);
    for (let k = 0; k < count; k++) {
      const customer = this.pickCustomer(day);
      const lines = this.dealLines(this.sales);
      const { reference, site } = this.orderReference(this.sales);
      const user = USERS.sales;
      const stamp = this.stamp(day, Math.min(this.today, day + (this.sales.chance(0.3) ? this.sales.int(1, 10) : 0)), user);
      this.writeDocument({
        domain: 0, type: TYPE.quote, piece: this.nextPiece(SERIES.quote), day, tiers: customer.num, repNo: customer.rep.no,
        depotNo: customer.depot.no, provenance: 0, status: this.sales.chance(0.5) ? 0 : 1, reference, site,
        deliveryDay: day + 21, lines, sign: 1, stockMovement: 0, supplierInvoice: null, originalPiece: null, motive: null,
        paidCents: 0, stamp, lineStamp: stamp, posted: false, closed: this.today - day > LOST_QUOTE_CLOSED_AFTER_DAYS,
      });
    }
  }

  private salesDeals(anchor: number): void {
    const count = this.sales.stochasticRound(this.rate(this.sizes.salesDealsPerYear, anchor));
    for (let k = 0; k < count; k++) this.salesDeal(anchor);
  }

  private salesDeal(invoiceDay: number): void {
    const random = this.sales;
    const customer = this.pickCustomer(invoiceDay);
    const lines = this.dealLines(random);
    const { reference, site } = this.orderReference(random);
    const deliveryDay = previousWorkday(random.chance(0.35) ? invoiceDay : invoiceDay - random.int(1, 4));
    const orderDay = previousWorkday(deliveryDay - random.int(1, 10));
    const quoteDay = random.chance(0.45) ? previousWorkday(orderDay - random.int(2, 21)) : null;
    const today = this.today;
    const firstStage = quoteDay ?? orderDay;
    if (firstStage > today || firstStage < this.firstDay) return;

    const quote = quoteDay !== null ? { piece: this.nextPiece(SERIES.quote), day: quoteDay } : undefined;
    const order = orderDay <= today ? { piece: this.nextPiece(SERIES.order), day: orderDay } : undefined;
    const delivery = order && deliveryDay <= today ? { piece: this.nextPiece(SERIES.delivery), day: deliveryDay } : undefined;
    const invoiced = delivery !== undefined && invoiceDay <= today;
    const postDay = postingDay(invoiceDay);
    const posted = invoiced && postDay <= today;

    let type: number;
    let piece: string;
    let day: number;
    if (invoiced) {
      type = posted ? TYPE.postedInvoice : TYPE.invoice;
      piece = this.nextPiece(SERIES.invoice);
      day = invoiceDay;
    } else if (delivery) {
      type = TYPE.delivery;
      piece = delivery.piece;
      day = delivery.day;
    } else if (order) {
      type = TYPE.order;
      piece = order.piece;
      day = order.day;
    } else {
      type = TYPE.quote;
      piece = (quote as Stage).piece;
      day = (quote as Stage).day;
    }

    const totals = computeTotals(lines, 0);
    let dueDates: DueDate[] = [];
    let paidCents = 0;
    let lastChange = posted ? postDay : day;
    if (invoiced) {
      dueDates = this.dueDates(invoiceDay, customer.terms, totals.ttcCents).map(([dueDay, cents]) => {
        let settleDay = NEVER;
        if (posted && !random.chance(customer.unpaidRate)) {
          const delay = customer.terms.days === 0 ? random.int(0, 1) : random.int(customer.minDelay, customer.maxDelay);
          const candidate = nextWorkday(Math.max(invoiceDay, dueDay + delay));
          if (candidate <= today) settleDay = candidate;
        }
        if (settleDay !== NEVER) {
          paidCents += cents;
          lastChange = Math.max(lastChange, settleDay);
        }
        this.drNo += 1;
        return {
          drNo: this.drNo,
          day: dueDay,
          cents,
          item: {
            account: ACCOUNT.customers, tiers: customer.num, sens: 0, cents, dueDay, refPiece: piece,
            label: `Fact. ${piece} ${customer.name}`, paymentMode: customer.terms.mode, settleDay, letter: '', lineNo: 0,
          },
        };
      });
    }

    const stamp = this.stamp(firstStage, lastChange, USERS.sales);
    const lineStamp = lastChange === (posted ? postDay : day) ? stamp : { ...stamp, modified: formatStoredDatetime(posted ? postDay : day, 17 * 3600) };
    const stockMovement = type === TYPE.delivery || invoiced ? 3 : 0;
    this.writeDocument({
      domain: 0, type, piece, day, tiers: customer.num, repNo: customer.rep.no, depotNo: customer.depot.no, provenance: 0,
      status: type === TYPE.quote ? 1 : 2, reference, site, deliveryDay, ...(quote && type !== TYPE.quote ? { quote } : {}),
      ...(order && type !== TYPE.order ? { order } : {}), ...(delivery && type !== TYPE.delivery ? { delivery } : {}),
      lines, sign: 1, stockMovement, supplierInvoice: null, originalPiece: null, motive: null, paidCents, stamp, lineStamp, posted,
    });

    for (const line of lines) {
      if (!line.item) continue;
      if (stockMovement === 3) this.soldQty[line.item.index] = (this.soldQty[line.item.index] ?? 0) + line.qty;
      if (type === TYPE.order && line.item.stocked) {
        const slot = line.item.index * this.master.depots.length + (customer.depot.no - 1);
        this.reservedQty[slot] = (this.reservedQty[slot] ?? 0) + line.qty;
      }
    }
    if (!invoiced) return;

    const ecNumbers = posted ? this.postSalesInvoice(piece, invoiceDay, customer.name, totals, dueDates, false, stamp) : [];
    dueDates.forEach((due, i) => {
      const ecNo = ecNumbers[i] ?? 0;
      due.item.lineNo = ecNo;
      this.writeDueDate(0, type, piece, due, totals.ttcCents, i === dueDates.length - 1, customer.terms.mode, ecNo, stamp, 1);
      if (due.item.settleDay !== NEVER) {
        this.enqueue(due.item.settleDay, { kind: 'customer', item: due.item, tiersName: customer.name, drNo: due.drNo, domain: 0, docType: type, docPiece: piece });
      }
    });
    if (!posted) return;
    // A few deliveries come back; a few invoices get a commercial credit note.
    if (random.chance(0.03)) {
      const returned = lines.filter((l) => l.item?.stocked).slice(0, random.int(1, 2));
      if (returned.length > 0) {
        const returnLines = returned.map((l) => {
          const qty = random.int(1, l.qty);
          return { ...l, qty, htCents: Math.round((qty * l.puCents * (100 - l.discount)) / 100) };
        });
        const voucherDay = nextWorkday(invoiceDay + random.int(3, 25));
        this.enqueueReturn({
          kind: 'return', voucherDay, convertDay: nextWorkday(voucherDay + random.int(2, 10)), customer, lines: returnLines,
          invoicePiece: piece, deliveryPiece: delivery?.piece ?? null, depotNo: customer.depot.no,
        });
      }
    } else if (random.chance(0.015)) {
      const base = lines.find((l) => l.tax !== null);
      if (base) {
        const cents = Math.max(500, Math.round((totals.htCents * random.int(3, 10)) / 100 / 10) * 10);
        const discount = this.master.discountItem;
        const line: DraftLine = {
          item: discount, ref: discount.ref, design: `Geste commercial sur ${piece}`, qty: 1, puCents: cents, discount: 0,
          htCents: cents, tax: base.tax, costCents: 0, salesAccount: base.salesAccount, purchaseAccount: base.purchaseAccount,
        };
        const voucherDay = nextWorkday(invoiceDay + random.int(5, 40));
        this.enqueueReturn({
          kind: 'credit', voucherDay, convertDay: nextWorkday(voucherDay + random.int(1, 5)), customer, lines: [line],
          invoicePiece: piece, deliveryPiece: null, depotNo: customer.depot.no,
        });
      }
    }
  }

  /** VTE piece of a sales invoice (or credit note): tiers item lines, sales accounts, VAT accounts. */
  private postSalesInvoice(
    piece: string,
    day: number,
    customerName: string,
    totals: Totals,
    dueDates: readonly DueDate[],
    creditNote: boolean,
    stamp: Stamp,
  ): number[] {
    const label = `${creditNote ? 'Avoir' : 'Fact.'} ${piece} ${customerName}`;
    const counter = [...totals.htByAccount.keys()][0] ?? ACCOUNT.salesGoods;
    const lines: LedgerLine[] = dueDates.map((due) => this.ledger.itemLine(due.item, day, label, counter));
    const sens = creditNote ? 0 : 1;
    for (const [account, cents] of totals.htByAccount) {
      lines.push({ account, sens, cents, label, counterAccount: ACCOUNT.customers, taxCode: account === ACCOUNT.salesServices ? 'C10' : 'C20' });
    }
    for (const [t, cents] of totals.vatByTax) {
      if (cents !== 0) lines.push({ account: t.account, sens, cents, label, counterAccount: ACCOUNT.customers, taxCode: t.code });
    }
    const posting = { ...stamp, user: USERS.accounting, created: formatStoredDatetime(Math.min(this.today, postingDay(day)), 18 * 3600 + (day % 1800)) };
    const fixedPosting = posting.modified < posting.created ? { ...posting, modified: posting.created } : posting;
    return this.ledger.post(JOURNAL.sales, day, piece, lines, fixedPosting);
  }

  /** A return (BR) or credit voucher (BA), converted into a credit note (AV, DO_Type 6/7) when due. */
  private returnOrCredit(event: ReturnEvent): void {
    const random = this.events;
    const isReturn = event.kind === 'return';
    const day = event.voucherDay;
    const voucher = { piece: this.nextPiece(isReturn ? SERIES.return : SERIES.creditVoucher), day };
    const convertDay = event.convertDay;
    const converted = convertDay <= this.today;
    const postDay = postingDay(convertDay);
    const posted = converted && postDay <= this.today;
    const totals = computeTotals(event.lines, 0);
    const customer = event.customer;
    const type = !converted ? (isReturn ? TYPE.return : TYPE.creditVoucher) : posted ? TYPE.postedInvoice : TYPE.invoice;
    const piece = converted ? this.nextPiece(SERIES.creditNote) : voucher.piece;
    const docDay = converted ? convertDay : day;
    let paidCents = 0;
    let lastChange = posted ? postDay : docDay;
    const dueDates: DueDate[] = [];
    if (converted) {
      const dueDay = convertDay + 30;
      let settleDay = NEVER;
      if (posted) {
        const candidate = nextWorkday(dueDay + random.int(-20, 5));
        if (candidate <= this.today && candidate >= postDay) settleDay = candidate;
      }
      if (settleDay !== NEVER) {
        paidCents = totals.ttcCents;
        lastChange = Math.max(lastChange, settleDay);
      }
      this.drNo += 1;
      dueDates.push({
        drNo: this.drNo,
        day: dueDay,
        cents: totals.ttcCents,
        item: {
          account: ACCOUNT.customers, tiers: customer.num, sens: 1, cents: totals.ttcCents, dueDay, refPiece: piece,
          label: `Avoir ${piece} ${customer.name}`, paymentMode: PAYMENT_MODE.transfer, settleDay, letter: '', lineNo: 0,
        },
      });
    }
    const stamp = this.stamp(day, lastChange, USERS.sales);
    this.writeDocument({
      domain: 0, type, piece, day: docDay, tiers: customer.num, repNo: customer.rep.no, depotNo: event.depotNo,
      provenance: converted ? (isReturn ? 1 : 2) : 0, status: 2, reference: event.invoicePiece, site: null, deliveryDay: null,
      ...(converted && isReturn ? { delivery: voucher } : {}), lines: event.lines, sign: converted ? -1 : 1,
      stockMovement: isReturn ? 1 : 0, supplierInvoice: null, originalPiece: event.invoicePiece,
      motive: isReturn ? 'Retour marchandise' : 'Geste commercial', paidCents: -paidCents, stamp,
      lineStamp: stamp, posted,
    });
    if (!converted) return;
    const ecNumbers = posted ? this.postSalesInvoice(piece, convertDay, customer.name, totals, dueDates, true, stamp) : [];
    const due = dueDates[0] as DueDate;
    due.item.lineNo = ecNumbers[0] ?? 0;
    this.writeDueDate(0, type, piece, due, totals.ttcCents, true, PAYMENT_MODE.transfer, ecNumbers[0] ?? 0, stamp, -1);
    if (due.item.settleDay !== NEVER) {
      this.enqueue(due.item.settleDay, { kind: 'refund', item: due.item, tiersName: customer.name, drNo: due.drNo, domain: 0, docType: type, docPiece: piece });
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Purchases
  // -------------------------------------------------------------------------------------------------------

  private purchaseInvoices(anchor: number): void {
    const count = this.purchases.stochasticRound(this.sizes.purchaseInvoicesPerYear / WORKDAYS_PER_YEAR);
    for (let k = 0; k < count; k++) this.purchaseInvoice(anchor);
  }

  private purchaseInvoice(invoiceDay: number): void {
    const random = this.purchases;
    const supplier: Supplier = random.pick(this.master.suppliers);
    const orderDay = previousWorkday(invoiceDay - random.int(10, 30));
    const receptionDay = previousWorkday(invoiceDay - random.int(0, 6));
    if (orderDay > this.today || orderDay < this.firstDay) return;
    const lineCount = random.int(2, 6);
    const lines: DraftLine[] = [];
    const used = new Set<string>();
    for (let i = 0; i < lineCount; i++) {
      const family = random.pick(supplier.families);
      const candidates = this.master.itemsByFamily.get(family.code) ?? [];
      if (candidates.length === 0) continue;
      // Popular items are bought more often: favour the head of the family's list.
      const item = candidates[Math.floor(candidates.length * random.next() ** 2)] as Item;
      if (used.has(item.ref)) continue;
      used.add(item.ref);
      const qty = Math.max(1, Math.round((this.purchaseLineTargetCents / item.costCents) * (0.5 + random.next())));
      lines.push({
        item, ref: item.ref, design: item.design, qty, puCents: item.costCents, discount: 0, htCents: qty * item.costCents,
        tax: tax('D20'), costCents: item.costCents, salesAccount: item.family.salesAccount, purchaseAccount: item.family.purchaseAccount,
      });
    }
    if (lines.length === 0) return;
    const order = { piece: this.nextPiece(SERIES.purchaseOrder), day: orderDay };
    const received = receptionDay <= this.today;
    const reception = received ? { piece: this.nextPiece(SERIES.reception), day: receptionDay } : undefined;
    const invoiced = received && invoiceDay <= this.today;
    const postDay = postingDay(invoiceDay);
    const posted = invoiced && postDay <= this.today;
    const type = invoiced ? (posted ? TYPE.postedPurchaseInvoice : TYPE.purchaseInvoice) : received ? TYPE.reception : TYPE.purchaseOrder;
    const piece = invoiced ? this.nextPiece(SERIES.purchaseInvoice) : (reception ?? order).piece;
    const day = invoiced ? invoiceDay : (reception ?? order).day;
    const totals = computeTotals(lines, 1);
    const supplierInvoice = invoiced ? `${supplier.num.slice(1, 5)}-${civilFromDays(invoiceDay).year}-${random.int(1000, 99999)}` : null;

    let paidCents = 0;
    let lastChange = posted ? postDay : day;
    let dueDates: DueDate[] = [];
    if (invoiced) {
      dueDates = this.dueDates(invoiceDay, supplier.terms, totals.ttcCents).map(([dueDay, cents]) => {
        let settleDay = NEVER;
        if (posted) {
          const candidate = nextWorkday(Math.max(postDay, dueDay + random.int(-2, 6)));
          if (candidate <= this.today) settleDay = candidate;
        }
        if (settleDay !== NEVER) {
          paidCents += cents;
          lastChange = Math.max(lastChange, settleDay);
        }
        this.drNo += 1;
        return {
          drNo: this.drNo,
          day: dueDay,
          cents,
          item: {
            account: ACCOUNT.suppliers, tiers: supplier.num, sens: 1, cents, dueDay, refPiece: piece,
            label: `Fact. ${supplierInvoice ?? piece} ${supplier.name}`, paymentMode: supplier.terms.mode, settleDay, letter: '', lineNo: 0,
          },
        };
      });
    }
    const stamp = this.stamp(orderDay, lastChange, USERS.purchasing);
    const mainDepot = 1;
    this.writeDocument({
      domain: 1, type, piece, day, tiers: supplier.num, repNo: null, depotNo: mainDepot, provenance: 0, status: 2,
      reference: `Cde ${order.piece}`, site: null, deliveryDay: receptionDay, ...(type !== TYPE.purchaseOrder ? { order } : {}),
      ...(reception && invoiced ? { delivery: reception } : {}), lines, sign: 1, stockMovement: received ? 1 : 0,
      supplierInvoice, originalPiece: null, motive: null, paidCents, stamp, lineStamp: stamp, posted,
    });
    if (type === TYPE.purchaseOrder) {
      for (const line of lines) {
        if (!line.item) continue;
        const slot = line.item.index * this.master.depots.length + (mainDepot - 1);
        this.orderedQty[slot] = (this.orderedQty[slot] ?? 0) + line.qty;
      }
    }
    if (!invoiced) return;
    let ecNumbers: number[] = [];
    if (posted) {
      const label = `Fact. ${supplierInvoice} ${supplier.name}`;
      const ledgerLines: LedgerLine[] = dueDates.map((due) => this.ledger.itemLine(due.item, invoiceDay, label, ACCOUNT.purchasesGoods));
      for (const [account, cents] of totals.htByAccount) ledgerLines.push({ account, sens: 0, cents, label, counterAccount: ACCOUNT.suppliers, taxCode: 'D20' });
      for (const [t, cents] of totals.vatByTax) ledgerLines.push({ account: t.account, sens: 0, cents, label, counterAccount: ACCOUNT.suppliers, taxCode: t.code });
      ecNumbers = this.ledger.post(JOURNAL.purchases, invoiceDay, piece, ledgerLines, { ...stamp, user: USERS.accounting, created: formatStoredDatetime(postDay, 18 * 3600) });
    }
    dueDates.forEach((due, i) => {
      const ecNo = ecNumbers[i] ?? 0;
      due.item.lineNo = ecNo;
      this.writeDueDate(1, type, piece, due, totals.ttcCents, i === dueDates.length - 1, supplier.terms.mode, ecNo, stamp, 1);
      if (due.item.settleDay !== NEVER) {
        this.enqueue(due.item.settleDay, { kind: 'supplier', item: due.item, tiersName: supplier.name, drNo: due.drNo, domain: 1, docType: type, docPiece: piece });
      }
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Writing documents
  // -------------------------------------------------------------------------------------------------------

  private writeDocument(doc: DocumentDraft): void {
    const totals = computeTotals(doc.lines, doc.domain);
    const sign = doc.sign;
    const random = this.stamps;
    const time = `000${String(random.int(8, 18)).padStart(2, '0')}${String(random.int(0, 59)).padStart(2, '0')}${String(random.int(0, 59)).padStart(2, '0')}`;
    const invoiceLike = doc.type === TYPE.invoice || doc.type === TYPE.postedInvoice || doc.type === TYPE.purchaseInvoice || doc.type === TYPE.postedPurchaseInvoice;
    const delivered = doc.type !== TYPE.quote && doc.type !== TYPE.order && doc.type !== TYPE.purchaseOrder && doc.deliveryDay !== null;
    this.insertHeader(
      [
        doc.domain, doc.type, doc.piece, this.dayText(doc.day), doc.reference, doc.tiers, doc.repNo, doc.repNo, doc.depotNo,
        doc.depotNo, doc.tiers, invoiceLike || doc.type === TYPE.delivery ? 1 : 0,
        doc.deliveryDay === null ? null : this.dayText(doc.deliveryDay), doc.domain === 0 ? ACCOUNT.customers : ACCOUNT.suppliers,
        doc.status, time, doc.provenance, doc.posted ? 1 : 0, doc.motive,
        delivered && doc.deliveryDay !== null && doc.deliveryDay <= this.today ? this.dayText(doc.deliveryDay) : null,
        doc.supplierInvoice, doc.originalPiece, random.guid(), doc.posted ? 1 : 0, euros(sign * totals.htCents),
        euros(sign * totals.htCents), euros(sign * totals.ttcCents), euros(sign * totals.ttcCents), euros(doc.paidCents),
        doc.closed === true ? 1 : 0, doc.site,
      ],
      doc.stamp,
    );
    const quote = doc.quote;
    const order = doc.order;
    const delivery = doc.delivery;
    const dayText = this.dayText(doc.day);
    const deliveryText = doc.deliveryDay === null ? null : this.dayText(doc.deliveryDay);
    // DL_QteDE/BC/BL hold the quantity of each stage the line went through, its current one included.
    const quoteType = doc.type === TYPE.quote;
    const orderType = doc.type === TYPE.order || doc.type === TYPE.purchaseOrder;
    const deliveryType = doc.type === TYPE.delivery || doc.type === TYPE.reception;
    doc.lines.forEach((line, i) => {
      this.dlNo += 1;
      const item = line.item;
      const qty = sign * line.qty;
      const rate = line.tax?.rate ?? 0;
      const ht = sign * line.htCents;
      const ttc = sign * Math.round((line.htCents * (100 + rate)) / 100);
      const weight = item ? (line.qty * item.weightGrams) / 1000 : 0;
      const stocked = item?.stocked === true;
      this.insertLine(
        [
          doc.domain, doc.type, doc.tiers, doc.piece, order?.piece ?? '', delivery?.piece ?? '', dayText,
          order ? this.dayText(order.day) : null, delivery ? this.dayText(delivery.day) : null, (i + 1) * 1000, doc.reference,
          line.ref, line.design, qty, order || orderType ? qty : 0, delivery || deliveryType ? qty : 0, sign * weight,
          sign * Math.round(weight * 1080) / 1000,
          line.discount, line.discount > 0 ? 1 : 0, euros(line.puCents), order ? euros(line.puCents) : 0, rate, doc.repNo, doc.repNo,
          euros(line.costCents), euros(line.costCents), stocked ? doc.stockMovement : 0, item ? item.family.catalogue.unit : null,
          qty, doc.depotNo, doc.depotNo, euros(Math.round((line.puCents * (100 + rate)) / 100)), this.dlNo, deliveryText,
          euros(ht), euros(ttc), quote?.piece ?? '', quote ? this.dayText(quote.day) : null, quote || quoteType ? qty : 0,
          line.tax?.code ?? null,
        ],
        doc.lineStamp,
      );
    });
  }

  private writeDueDate(
    domain: 0 | 1,
    type: number,
    piece: string,
    due: DueDate,
    totalCents: number,
    last: boolean,
    mode: number,
    ecNo: number,
    stamp: Stamp,
    sign: 1 | -1,
  ): void {
    const percent = totalCents === 0 ? 100 : Math.round((due.cents / totalCents) * 10000) / 100;
    const paid = due.item.settleDay !== NEVER;
    const modified = paid ? formatStoredDatetime(due.item.settleDay, 16 * 3600) : stamp.modified;
    this.insertDueDate(
      [
        due.drNo, domain, type, piece, 0, this.dayText(due.day), null, percent, euros(sign * due.cents), euros(sign * due.cents),
        last ? 1 : 0, ecNo, ecNo === 0 ? null : ecNo, paid ? 1 : 0, mode,
      ],
      modified === stamp.modified ? stamp : { ...stamp, modified },
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Events: payments, refunds, returns
  // -------------------------------------------------------------------------------------------------------

  private handle(event: DayEvent, day: number): void {
    if ('lines' in event) this.returnOrCredit(event);
    else this.settle(event, day);
  }

  private settle(event: SettlementEvent, day: number): void {
    const item = event.item;
    const cashJournal = item.paymentMode === PAYMENT_MODE.cash;
    const journal = cashJournal ? JOURNAL.cash : JOURNAL.bankMain;
    const treasury = cashJournal ? ACCOUNT.cash : ACCOUNT.bankMain;
    const incoming = event.kind === 'customer';
    const label = `${incoming ? 'Règlement' : event.kind === 'refund' ? 'Remboursement' : 'Paiement'} ${event.tiersName}`;
    const settlement = this.ledger.settlementLine(item, label, treasury);
    const treasuryLine: LedgerLine = { account: treasury, sens: incoming ? 0 : 1, cents: item.cents, label, counterAccount: item.account };
    const created = formatStoredDatetime(day, 10 * 3600 + this.events.int(0, 7 * 3600));
    const stamp: Stamp = { user: USERS.accounting, created, modified: created };
    const numbers = this.ledger.post(journal, day, `${event.docPiece}`, incoming ? [treasuryLine, settlement] : [settlement, treasuryLine], stamp);
    if (event.kind === 'overhead') return;
    // The commercial side: the payment (F_CREGLEMENT) and its allocation to the due date (F_REGLECH).
    this.rgNo += 1;
    const signed = event.kind === 'refund' ? -item.cents : item.cents;
    const ecNo = (incoming ? numbers[0] : numbers[1]) as number; // the treasury line
    const reference = item.paymentMode === PAYMENT_MODE.cheque ? `CHQ ${this.events.int(1000000, 9999999)}` : `${event.kind === 'supplier' ? 'VIRF' : 'VIR'} ${this.rgNo}`;
    const time = `000${String(this.events.int(8, 18)).padStart(2, '0')}${String(this.events.int(0, 59)).padStart(2, '0')}00`;
    this.insertPayment(
      [
        this.rgNo, item.tiers, this.dayText(day), reference.slice(0, 17), label.slice(0, 35), euros(signed), euros(signed),
        item.paymentMode, 1, 1, ecNo, ecNo, event.domain === 0 ? 0 : 1, journal, treasury, 0, time, String(this.rgNo).padStart(8, '0'),
      ],
      stamp,
    );
    this.insertAllocation([this.rgNo, event.drNo, event.domain, event.docType, event.docPiece, euros(signed), 0], stamp);
  }

  // -------------------------------------------------------------------------------------------------------
  // Overheads, payroll, VAT, treasury
  // -------------------------------------------------------------------------------------------------------

  private scaled(cents: number, exponent: number): number {
    return Math.round(cents * this.sizes.overheadFactor ** exponent);
  }

  private accountingStamp(day: number): Stamp {
    const created = formatStoredDatetime(Math.min(this.today, day + 2), 17 * 3600 + this.overheads.int(0, 3600));
    return { user: USERS.accounting, created, modified: created };
  }

  private postOpeningCapital(day: number): void {
    const capital = this.scaled(5_000_000, 1);
    const loan = this.loanPrincipalCents;
    const label = 'Apport en capital et emprunt';
    this.ledger.post(
      JOURNAL.misc,
      day,
      'CAPITAL',
      [
        { account: ACCOUNT.bankMain, sens: 0, cents: capital + loan - this.scaled(2_000_000, 1), label },
        { account: ACCOUNT.bankSecond, sens: 0, cents: this.scaled(2_000_000, 1), label },
        { account: ACCOUNT.capital, sens: 1, cents: capital, label },
        { account: ACCOUNT.loan, sens: 1, cents: loan, label },
      ],
      this.accountingStamp(day),
    );
  }

  /** An accounting-only supplier invoice (ACH) settled by direct debit or transfer on `settleDay`. */
  private overheadInvoice(
    day: number,
    supplier: OverheadSupplier,
    expenseAccount: string,
    htCents: number,
    vatRate: number,
    settleDay: number,
    reference: string,
  ): void {
    const vat = Math.round((htCents * vatRate) / 100);
    const item: TiersItem = {
      account: ACCOUNT.suppliers, tiers: supplier.num, sens: 1, cents: htCents + vat, dueDay: settleDay, refPiece: reference,
      label: `${accountName(expenseAccount)} ${supplier.name}`.slice(0, 35), paymentMode: PAYMENT_MODE.directDebit,
      settleDay: settleDay <= this.today ? settleDay : NEVER, letter: '', lineNo: 0,
    };
    const label = `${reference} ${supplier.name}`;
    const lines: LedgerLine[] = [
      this.ledger.itemLine(item, day, label, expenseAccount),
      { account: expenseAccount, sens: 0, cents: htCents, label, counterAccount: ACCOUNT.suppliers, taxCode: vatRate > 0 ? 'D20' : null },
    ];
    if (vat > 0) lines.push({ account: ACCOUNT.vatDeductible, sens: 0, cents: vat, label, counterAccount: ACCOUNT.suppliers, taxCode: 'D20' });
    item.lineNo = this.ledger.post(JOURNAL.purchases, day, reference, lines, this.accountingStamp(day))[0] as number;
    if (item.settleDay !== NEVER) {
      this.enqueue(item.settleDay, { kind: 'overhead', item, tiersName: supplier.name, drNo: 0, domain: 1, docType: 0, docPiece: reference });
    }
  }

  private transfer(day: number, from: [journal: string, account: string], to: [journal: string, account: string], cents: number, label: string): void {
    if (cents <= 0) return;
    const stamp = this.accountingStamp(day);
    this.ledger.post(from[0], day, 'VIRINT', [
      { account: ACCOUNT.internalTransfers, sens: 0, cents, label },
      { account: from[1], sens: 1, cents, label },
    ], stamp);
    this.ledger.post(to[0], day, 'VIRINT', [
      { account: to[1], sens: 0, cents, label },
      { account: ACCOUNT.internalTransfers, sens: 1, cents, label },
    ], stamp);
  }

  private overheadsOf(day: number): void {
    const { year, month } = civilFromDays(day);
    const period = `${String(month).padStart(2, '0')}/${year}`;
    const random = this.overheads;
    // The working day nearest to the `d`th of the month, staying inside the month.
    const on = (d: number) => {
      const target = dayOfMonth(year, month, d);
      const after = nextWorkday(target);
      return day === (civilFromDays(after).month === month ? after : previousWorkday(target));
    };
    const lastWorkday = previousWorkday(endOfMonth(day));

    if (on(1)) {
      this.overheadInvoice(day, OVERHEAD_SUPPLIER.landlord, ACCOUNT.rent, this.scaled(280_000, 0.8), 20, nextWorkday(dayOfMonth(year, month, 5)), `LOY ${period}`);
    }
    if (on(3)) {
      const ht = this.scaled(38_000 + random.int(0, 24_000) + (month <= 2 || month === 12 ? 20_000 : 0), 0.8);
      this.overheadInvoice(day, OVERHEAD_SUPPLIER.energy, ACCOUNT.energy, ht, 20, nextWorkday(day + 15), `EN ${period}`);
    }
    if (on(10)) {
      this.overheadInvoice(day, OVERHEAD_SUPPLIER.telecom, ACCOUNT.telecom, this.scaled(18_000 + random.int(0, 3_000), 0.6), 20, nextWorkday(day + 12), `TEL ${period}`);
    }
    if (on(15) && (month - 1) % 3 === 0) {
      this.overheadInvoice(day, OVERHEAD_SUPPLIER.insurer, ACCOUNT.insurance, this.scaled(120_000, 0.8), 0, nextWorkday(day + 10), `ASS T${(month + 2) / 3} ${year}`);
      this.overheadInvoice(day, OVERHEAD_SUPPLIER.accountant, ACCOUNT.fees, this.scaled(180_000, 0.7), 20, nextWorkday(day + 30), `HON T${(month + 2) / 3} ${year}`);
    }
    if (on(5) && this.loanRemainingCents > 0) {
      const interest = Math.round((this.loanRemainingCents * 0.035) / 12);
      const principal = Math.min(this.loanRemainingCents, Math.round(this.loanPrincipalCents / 84));
      this.loanRemainingCents -= principal;
      const label = `Échéance prêt ${period}`;
      this.ledger.post(JOURNAL.bankSecond, day, `PRET ${period}`, [
        { account: ACCOUNT.loan, sens: 0, cents: principal, label },
        { account: ACCOUNT.interest, sens: 0, cents: interest, label },
        { account: ACCOUNT.bankSecond, sens: 1, cents: principal + interest, label },
      ], this.accountingStamp(day));
    }
    if (on(15)) this.payPreviousSocialCharges(day, year, month);
    if (on(20)) this.vatReturn(day, year, month);
    if (on(25)) {
      this.transfer(day, [JOURNAL.bankMain, ACCOUNT.bankMain], [JOURNAL.bankSecond, ACCOUNT.bankSecond], this.scaled(3_900_000, 1), `Virement interne ${period}`);
    }
    if (on(28)) {
      const label = `Frais bancaires ${period}`;
      const fees = this.scaled(4_500 + random.int(0, 3_000), 0.6);
      this.ledger.post(JOURNAL.bankMain, day, `FRAIS ${period}`, [
        { account: ACCOUNT.bankFees, sens: 0, cents: fees, label },
        { account: ACCOUNT.bankMain, sens: 1, cents: fees, label },
      ], this.accountingStamp(day));
      const cash = this.ledger.balance(ACCOUNT.cash);
      this.transfer(day, [JOURNAL.cash, ACCOUNT.cash], [JOURNAL.bankMain, ACCOUNT.bankMain], cash - (cash % 10_000), `Remise espèces ${period}`);
    }
    if (day === lastWorkday) this.payroll(day, period);
    if (month === 6 && on(30) && year > (this.years[0] as FiscalYear).year) this.allocateResult(day, year);
  }

  private payroll(day: number, period: string): void {
    const gross = this.scaled(2_500_000 + this.overheads.int(0, 80_000), 1);
    const charges = Math.round(gross * 0.42);
    const net = Math.round(gross * 0.78);
    const social = gross + charges - net;
    const label = `Salaires ${period}`;
    this.ledger.post(JOURNAL.misc, day, `PAIE ${period}`, [
      { account: ACCOUNT.wages, sens: 0, cents: gross, label },
      { account: ACCOUNT.socialCharges, sens: 0, cents: charges, label },
      { account: ACCOUNT.payroll, sens: 1, cents: net, label },
      { account: ACCOUNT.social, sens: 1, cents: social, label },
    ], this.accountingStamp(day));
    this.ledger.post(JOURNAL.bankSecond, day, `PAIE ${period}`, [
      { account: ACCOUNT.payroll, sens: 0, cents: net, label: `Virement ${label}` },
      { account: ACCOUNT.bankSecond, sens: 1, cents: net, label: `Virement ${label}` },
    ], this.accountingStamp(day));
  }

  private payPreviousSocialCharges(day: number, year: number, month: number): void {
    const owed = -this.ledger.balance(ACCOUNT.social);
    if (owed <= 0) return;
    const label = `URSSAF ${String(month === 1 ? 12 : month - 1).padStart(2, '0')}/${month === 1 ? year - 1 : year}`;
    this.ledger.post(JOURNAL.bankSecond, day, 'URSSAF', [
      { account: ACCOUNT.social, sens: 0, cents: owed, label },
      { account: ACCOUNT.bankSecond, sens: 1, cents: owed, label },
    ], this.accountingStamp(day));
  }

  /** Monthly VAT return for the previous month: clears collected and deductible VAT, pays the balance. */
  private vatReturn(day: number, year: number, month: number): void {
    const previous = monthStart(daysFromCivil(year, month, 1) - 1);
    if (previous < this.firstDay) return;
    const movements = this.ledger.vatMovements(previous);
    const period = `${String(civilFromDays(previous).month).padStart(2, '0')}/${civilFromDays(previous).year}`;
    const label = `Déclaration TVA ${period}`;
    const lines: LedgerLine[] = [];
    let net = 0; // debit-minus-credit of the cleared VAT accounts, negated: what is owed to the State
    for (const account of [ACCOUNT.vatCollected20, ACCOUNT.vatCollected10, ACCOUNT.vatDeductible]) {
      const movement = movements.get(account) ?? 0;
      if (movement === 0) continue;
      lines.push({ account, sens: movement < 0 ? 0 : 1, cents: Math.abs(movement), label });
      net -= movement;
    }
    this.ledger.forgetVat(previous);
    if (lines.length === 0) return;
    if (net > 0) lines.push({ account: ACCOUNT.vatToPay, sens: 1, cents: net, label });
    else if (net < 0) lines.push({ account: ACCOUNT.vatCredit, sens: 0, cents: -net, label });
    this.ledger.post(JOURNAL.misc, day, `TVA ${period}`, lines, this.accountingStamp(day));
    if (net > 0) {
      this.ledger.post(JOURNAL.bankMain, day, `TVA ${period}`, [
        { account: ACCOUNT.vatToPay, sens: 0, cents: net, label: `Paiement TVA ${period}` },
        { account: ACCOUNT.bankMain, sens: 1, cents: net, label: `Paiement TVA ${period}` },
      ], this.accountingStamp(day));
    }
  }

  /** The general meeting allocates last year's result to reserves. */
  private allocateResult(day: number, year: number): void {
    const profit = -this.ledger.balance(ACCOUNT.profit);
    const loss = this.ledger.balance(ACCOUNT.loss);
    const label = `Affectation du résultat ${year - 1}`;
    const lines: LedgerLine[] = [];
    if (profit > 0) lines.push({ account: ACCOUNT.profit, sens: 0, cents: profit, label });
    if (loss > 0) lines.push({ account: ACCOUNT.loss, sens: 1, cents: loss, label });
    const reserves = profit - loss;
    if (reserves !== 0) lines.push({ account: '106800', sens: reserves > 0 ? 1 : 0, cents: Math.abs(reserves), label });
    if (lines.length > 0) this.ledger.post(JOURNAL.misc, day, `AFFECT ${year - 1}`, lines, this.accountingStamp(day));
  }

  // -------------------------------------------------------------------------------------------------------
  // Deliberate inconsistencies (see inconsistencies.ts)
  // -------------------------------------------------------------------------------------------------------

  private writeInconsistencies(day: number): void {
    const known = DEMO_INCONSISTENCIES;
    const customer = this.master.customers[0] as Customer;
    const item = this.master.items[0] as Item;
    const stamp = this.stamp(day, day, USERS.sales);
    const invoice = (piece: string, tiers: string, lines: DraftLine[], posted: boolean, ledger: boolean) => {
      const totals = computeTotals(lines, 0);
      const type = posted ? TYPE.postedInvoice : TYPE.invoice;
      this.writeDocument({
        domain: 0, type, piece, day, tiers, repNo: customer.rep.no, depotNo: 1, provenance: 0, status: 2, reference: null, site: null,
        deliveryDay: day, lines, sign: 1, stockMovement: 3, supplierInvoice: null, originalPiece: null, motive: null, paidCents: 0,
        stamp, lineStamp: stamp, posted,
      });
      this.drNo += 1;
      const due: DueDate = {
        drNo: this.drNo,
        day: day + 30,
        cents: totals.ttcCents,
        item: {
          account: ACCOUNT.customers, tiers, sens: 0, cents: totals.ttcCents, dueDay: day + 30, refPiece: piece,
          label: `Fact. ${piece}`, paymentMode: PAYMENT_MODE.transfer, settleDay: NEVER, letter: '', lineNo: 0,
        },
      };
      const ecNumbers = ledger ? this.postSalesInvoice(piece, day, customer.name, totals, [due], false, stamp) : [];
      this.writeDueDate(0, type, piece, due, totals.ttcCents, true, PAYMENT_MODE.transfer, ecNumbers[0] ?? 0, stamp, 1);
    };
    const ghost: DraftLine = {
      ...this.salesLine(item, this.sales),
      item: null,
      ref: known.unknownItemLine.arRef,
      design: 'Article supprimé du catalogue',
      qty: 2,
      puCents: 4990,
      discount: 0,
      htCents: 9980,
    };
    invoice(known.unknownItemLine.doPiece, customer.num, [this.salesLine(item, this.sales), ghost], true, true);
    invoice(known.unknownCustomerInvoice.doPiece, known.unknownCustomerInvoice.tiers, [this.salesLine(item, this.sales)], false, false);
    invoice(known.postedInvoiceWithoutLedger.doPiece, customer.num, [this.salesLine(item, this.sales)], true, false);
    const label = 'Régularisation écart de caisse';
    this.ledger.post(
      known.unbalancedPiece.journal,
      day,
      known.unbalancedPiece.refPiece,
      [
        { account: ACCOUNT.bankFees, sens: 0, cents: 1235, label },
        { account: ACCOUNT.bankMain, sens: 1, cents: 1234, label },
      ],
      this.accountingStamp(day),
      { allowUnbalanced: true },
    );
  }
}
