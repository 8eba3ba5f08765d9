/**
 * Master data of the demo company: parameters, chart of accounts, journals, taxes, payment modes, staff,
 * warehouses, families, items, customers and suppliers. Everything is built in memory (a few thousand
 * rows at most) from the seeded PRNG, then written once.
 */
import { daysFromCivil, formatStoredDatetime } from '../sage/calendar.js';
import {
  CITIES,
  CUSTOMER_TRADES,
  FAMILIES,
  FIRST_NAMES,
  INSTITUTIONAL_CUSTOMERS,
  LAST_NAMES,
  LEGAL_FORMS,
  STREETS,
  SUPPLIER_NAMES,
  type FamilyCatalogue,
} from './names.js';
import { cumulativeWeights, type Random } from './random.js';
import type { DemoSizes } from './scale.js';
import type { DemoUser, DemoWriter, Stamp } from './writer.js';

// ---------------------------------------------------------------------------------------------------------
// Static reference data
// ---------------------------------------------------------------------------------------------------------

export const COMPANY = Object.freeze({
  name: 'DÉMO NÉGOCE SA',
  activity: 'Négoce de fournitures pour le bâtiment',
  address: '12 rue des Artisans',
  postalCode: '69100',
  city: 'Villeurbanne',
  siret: '51234567800021',
  ape: '4674B',
  vatNumber: 'FR42512345678',
  email: 'contact@demo-negoce.fr',
  phone: '04 72 00 12 34',
});

/** Account numbers the flows post to. */
export const ACCOUNT = Object.freeze({
  capital: '101300',
  profit: '120000',
  loss: '129000',
  loan: '164000',
  suppliers: '401000',
  customers: '411000',
  payroll: '421000',
  social: '431000',
  vatToPay: '445510',
  vatDeductible: '445660',
  vatCredit: '445670',
  vatCollected20: '445710',
  vatCollected10: '445712',
  bankMain: '512000',
  bankSecond: '512100',
  cash: '530000',
  internalTransfers: '580000',
  purchasesGoods: '607000',
  purchasesServices: '604000',
  energy: '606100',
  rent: '613200',
  insurance: '616000',
  fees: '622600',
  telecom: '626000',
  bankFees: '627000',
  wages: '641000',
  socialCharges: '645000',
  interest: '661100',
  salesServices: '706000',
  salesGoods: '707000',
  shippingBilled: '708500',
  openingSuspense: '890000',
});

export interface AccountDefinition {
  readonly num: string;
  readonly name: string;
  /** N_Nature: 1 client, 2 fournisseur, 3 salarié, 4 banque, 5 caisse, 8 charge, 9 produit, 12 capitaux… */
  readonly nature: number;
  /** CG_Report: 0 none (P&L), 1 balance, 2 detail (lettrable tiers collectives). */
  readonly report: number;
  readonly lettrable: boolean;
  readonly collective: boolean;
  readonly taxCode?: string;
}

const account = (
  num: string,
  name: string,
  nature: number,
  report: number,
  options: { lettrable?: boolean; collective?: boolean; taxCode?: string } = {},
): AccountDefinition =>
  Object.freeze({
    num,
    name,
    nature,
    report,
    lettrable: options.lettrable ?? false,
    collective: options.collective ?? false,
    ...(options.taxCode === undefined ? {} : { taxCode: options.taxCode }),
  });

export const ACCOUNTS: readonly AccountDefinition[] = Object.freeze([
  account(ACCOUNT.capital, 'Capital souscrit - appelé, versé', 12, 1),
  account('106800', 'Autres réserves', 12, 1),
  account(ACCOUNT.profit, 'Résultat de l’exercice (bénéfice)', 7, 1),
  account(ACCOUNT.loss, 'Résultat de l’exercice (perte)', 7, 1),
  account(ACCOUNT.loan, 'Emprunts auprès des éts de crédit', 12, 1),
  account(ACCOUNT.suppliers, 'Fournisseurs', 2, 2, { lettrable: true, collective: true }),
  account(ACCOUNT.customers, 'Clients', 1, 2, { lettrable: true, collective: true }),
  account(ACCOUNT.payroll, 'Personnel - Rémunérations dues', 3, 1),
  account(ACCOUNT.social, 'Sécurité sociale', 0, 1),
  account(ACCOUNT.vatToPay, 'TVA à décaisser', 0, 1),
  account(ACCOUNT.vatDeductible, 'TVA déductible sur ABS', 0, 1, { taxCode: 'D20' }),
  account(ACCOUNT.vatCredit, 'Crédit de TVA à reporter', 0, 1),
  account(ACCOUNT.vatCollected20, 'TVA collectée 20 %', 0, 1, { taxCode: 'C20' }),
  account(ACCOUNT.vatCollected10, 'TVA collectée 10 %', 0, 1, { taxCode: 'C10' }),
  account(ACCOUNT.bankMain, 'Banque Rhône-Alpes', 4, 1),
  account(ACCOUNT.bankSecond, 'Crédit Coopératif', 4, 1),
  account(ACCOUNT.cash, 'Caisse', 5, 1),
  account(ACCOUNT.internalTransfers, 'Virements internes', 0, 1),
  account(ACCOUNT.purchasesServices, 'Achats d’études et prestations', 8, 0, { taxCode: 'D20' }),
  account(ACCOUNT.energy, 'Fournitures non stockables', 8, 0, { taxCode: 'D20' }),
  account(ACCOUNT.purchasesGoods, 'Achats de marchandises', 8, 0, { taxCode: 'D20' }),
  account(ACCOUNT.rent, 'Locations immobilières', 8, 0, { taxCode: 'D20' }),
  account(ACCOUNT.insurance, 'Primes d’assurances', 8, 0),
  account(ACCOUNT.fees, 'Honoraires', 8, 0, { taxCode: 'D20' }),
  account(ACCOUNT.telecom, 'Frais postaux et télécommunications', 8, 0, { taxCode: 'D20' }),
  account(ACCOUNT.bankFees, 'Services bancaires', 8, 0),
  account(ACCOUNT.wages, 'Rémunérations du personnel', 8, 0),
  account(ACCOUNT.socialCharges, 'Cotisations à l’URSSAF', 8, 0),
  account(ACCOUNT.interest, 'Intérêts des emprunts', 8, 0),
  account(ACCOUNT.salesServices, 'Prestations de services', 9, 0, { taxCode: 'C10' }),
  account(ACCOUNT.salesGoods, 'Ventes de marchandises', 9, 0, { taxCode: 'C20' }),
  account(ACCOUNT.shippingBilled, 'Ports et frais accessoires facturés', 9, 0, { taxCode: 'C20' }),
  account(ACCOUNT.openingSuspense, 'Bilan d’ouverture', 0, 0),
]);

export function accountName(num: string): string {
  return ACCOUNTS.find((a) => a.num === num)?.name ?? num;
}

export interface JournalDefinition {
  readonly num: string;
  readonly name: string;
  /** JO_Type: 0 achats, 1 ventes, 2 trésorerie, 3 général. */
  readonly type: number;
  readonly treasuryAccount?: string;
}

export const JOURNAL = Object.freeze({
  sales: 'VTE',
  purchases: 'ACH',
  bankMain: 'BQ1',
  bankSecond: 'BQ2',
  cash: 'CAI',
  misc: 'OD',
  opening: 'RAN',
});

export const JOURNALS: readonly JournalDefinition[] = Object.freeze([
  { num: JOURNAL.sales, name: 'Journal des ventes', type: 1 },
  { num: JOURNAL.purchases, name: 'Journal des achats', type: 0 },
  { num: JOURNAL.bankMain, name: 'Banque Rhône-Alpes', type: 2, treasuryAccount: ACCOUNT.bankMain },
  { num: JOURNAL.bankSecond, name: 'Crédit Coopératif', type: 2, treasuryAccount: ACCOUNT.bankSecond },
  { num: JOURNAL.cash, name: 'Caisse', type: 2, treasuryAccount: ACCOUNT.cash },
  { num: JOURNAL.misc, name: 'Opérations diverses', type: 3 },
  { num: JOURNAL.opening, name: 'Reports à nouveau', type: 3 },
]);

export interface TaxDefinition {
  readonly no: number;
  readonly code: string;
  readonly name: string;
  /** Rate in percent. */
  readonly rate: number;
  readonly account: string;
  /** TA_Sens: 0 deductible, 1 collected. */
  readonly direction: 0 | 1;
}

export const TAXES: readonly TaxDefinition[] = Object.freeze([
  { no: 1, code: 'C20', name: 'TVA collectée 20 %', rate: 20, account: ACCOUNT.vatCollected20, direction: 1 },
  { no: 2, code: 'C10', name: 'TVA collectée 10 %', rate: 10, account: ACCOUNT.vatCollected10, direction: 1 },
  { no: 3, code: 'D20', name: 'TVA déductible 20 %', rate: 20, account: ACCOUNT.vatDeductible, direction: 0 },
  { no: 4, code: 'D10', name: 'TVA déductible 10 %', rate: 10, account: ACCOUNT.vatDeductible, direction: 0 },
]);

export function tax(code: string): TaxDefinition {
  const found = TAXES.find((t) => t.code === code);
  if (!found) throw new Error(`Unknown demo tax ${code}`);
  return found;
}

/** P_REGLEMENT rows; `N_Reglement` values point at these (1-based). */
export const PAYMENT_MODE = Object.freeze({ cheque: 1, transfer: 2, lcr: 3, directDebit: 4, card: 5, cash: 6 });
export const PAYMENT_MODES = Object.freeze([
  { index: PAYMENT_MODE.cheque, name: 'Chèque', code: 'CHQ' },
  { index: PAYMENT_MODE.transfer, name: 'Virement', code: 'VIR' },
  { index: PAYMENT_MODE.lcr, name: 'LCR directe', code: 'LCR' },
  { index: PAYMENT_MODE.directDebit, name: 'Prélèvement', code: 'PRE' },
  { index: PAYMENT_MODE.card, name: 'Carte bancaire', code: 'CB' },
  { index: PAYMENT_MODE.cash, name: 'Espèces', code: 'ESP' },
]);

/** Sage users who create and modify rows (cbCreateur / cbCreationUser). */
export const USERS = Object.freeze({
  admin: { code: 'ADMN', guid: '5A1C0E2B-7D4F-4B8E-9C61-0F3A2B4C5D01' },
  sales: { code: 'VENT', guid: '5A1C0E2B-7D4F-4B8E-9C61-0F3A2B4C5D02' },
  purchasing: { code: 'ACHT', guid: '5A1C0E2B-7D4F-4B8E-9C61-0F3A2B4C5D03' },
  accounting: { code: 'COMP', guid: '5A1C0E2B-7D4F-4B8E-9C61-0F3A2B4C5D04' },
} satisfies Record<string, DemoUser>);

// ---------------------------------------------------------------------------------------------------------
// Generated master data
// ---------------------------------------------------------------------------------------------------------

export interface Family {
  readonly code: string;
  readonly name: string;
  readonly catalogue: FamilyCatalogue;
  readonly salesAccount: string;
  readonly purchaseAccount: string;
  readonly tax: TaxDefinition;
}

export interface Item {
  readonly index: number;
  readonly ref: string;
  readonly design: string;
  readonly family: Family;
  readonly priceCents: number;
  readonly costCents: number;
  readonly weightGrams: number;
  readonly stocked: boolean;
  /** Average sales quantity per line, for purchase and stock sizing. */
  readonly typicalQty: number;
}

export interface Rep {
  readonly no: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly seller: boolean;
}

export interface Depot {
  readonly no: number;
  readonly name: string;
  readonly code: string;
  readonly city: readonly [string, string];
}

export interface PaymentTerms {
  readonly label: string;
  readonly days: number;
  readonly endOfMonth: boolean;
  /** Two due dates (half at `days`, half 30 days later). */
  readonly split: boolean;
  readonly mode: number;
}

export interface Customer {
  readonly index: number;
  readonly num: string;
  readonly name: string;
  readonly rep: Rep;
  readonly depot: Depot;
  readonly terms: PaymentTerms;
  /** Days after the due date the customer pays: uniform in [minDelay, maxDelay]. */
  readonly minDelay: number;
  readonly maxDelay: number;
  /** Probability that an invoice is never paid (disputes). */
  readonly unpaidRate: number;
  readonly activeFrom: number;
  readonly activeUntil: number;
  readonly institutional: boolean;
}

export interface Supplier {
  readonly num: string;
  readonly name: string;
  readonly families: readonly Family[];
  readonly terms: PaymentTerms;
}

/** Accounting-only suppliers of overheads (no commercial documents). */
export interface OverheadSupplier {
  readonly num: string;
  readonly name: string;
}

export const OVERHEAD_SUPPLIER = Object.freeze({
  landlord: { num: 'SCITILLEULS', name: 'SCI Les Tilleuls' },
  energy: { num: 'ENERGIERA', name: 'Énergie Rhône-Alpes' },
  telecom: { num: 'TELCOPRO', name: 'Télécom Pro Services' },
  insurer: { num: 'MUTUELLEBAT', name: 'Mutuelle du Bâtiment' },
  accountant: { num: 'CABMOREL', name: 'Cabinet Morel Expertise' },
} satisfies Record<string, OverheadSupplier>);

export interface MasterData {
  readonly families: readonly Family[];
  readonly items: readonly Item[];
  /** Sales popularity of items (cumulative weights for Random.weighted). */
  readonly itemWeights: Float64Array;
  /** Items of each family with their cumulative weights, for purchases. */
  readonly itemsByFamily: ReadonlyMap<string, readonly Item[]>;
  readonly shippingItem: Item;
  readonly discountItem: Item;
  readonly reps: readonly Rep[];
  readonly depots: readonly Depot[];
  readonly customers: readonly Customer[];
  readonly customerWeights: Float64Array;
  readonly suppliers: readonly Supplier[];
}

/** ASCII upper-case code from a name: `Électricité Moreau` → `ELECTRICITEMO…`. */
export function codeFromName(name: string, length: number): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/Œ/g, 'OE')
    .replace(/œ/g, 'oe')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, length);
}

function uniqueCode(base: string, taken: Set<string>, maxLength: number): string {
  let code = base.slice(0, maxLength);
  let n = 2;
  while (taken.has(code) || code === '') {
    const suffix = String(n++);
    code = base.slice(0, maxLength - suffix.length) + suffix;
  }
  taken.add(code);
  return code;
}

const SERVICE_FAMILY_CODE = 'SERV';
const MISC_FAMILY_CODE = 'DIVERS';

function buildFamilies(): Family[] {
  return FAMILIES.map((catalogue) => ({
    code: catalogue.code,
    name: catalogue.name,
    catalogue,
    salesAccount: catalogue.service ? ACCOUNT.salesServices : ACCOUNT.salesGoods,
    purchaseAccount: catalogue.service ? ACCOUNT.purchasesServices : ACCOUNT.purchasesGoods,
    tax: tax(catalogue.taxCode),
  }));
}

const roundPrice = (euros: number): number => {
  // Retail-looking prices: x.90 / x.50 / whole euros.
  const cents = Math.round(euros * 100);
  if (cents < 2000) return Math.max(50, Math.round(cents / 10) * 10);
  if (cents < 20000) return Math.floor(cents / 100) * 100 + 90;
  return Math.round(cents / 500) * 500;
};

function buildItems(random: Random, families: readonly Family[], count: number): { items: Item[]; weights: number[] } {
  const totalWeight = families.reduce((sum, f) => sum + f.catalogue.weight, 0);
  const items: Item[] = [];
  const weights: number[] = [];
  const refs = new Set<string>();
  for (const family of families) {
    const c = family.catalogue;
    const combinations = c.bases.length * c.variants.length;
    const perFamily = Math.max(4, Math.min(combinations, Math.round((count * c.weight) / totalWeight)));
    // Walk the base × variant grid in a shuffled order so every family gets varied designations.
    const order = Array.from({ length: combinations }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (let k = 0; k < perFamily; k++) {
      const combination = order[k % combinations] as number;
      const base = c.bases[Math.floor(combination / c.variants.length)] as string;
      const variant = c.variants[combination % c.variants.length] as string;
      const series = k >= combinations ? ` série ${Math.floor(k / combinations) + 1}` : '';
      const design = `${base} ${variant}${series}`.slice(0, 69);
      const ref = uniqueCode(`${family.code.slice(0, 3)}${codeFromName(base, 4)}${String(k + 1).padStart(3, '0')}`, refs, 17);
      const spread = random.next() ** 1.6; // more cheap items than expensive ones
      const priceCents = roundPrice(c.priceMin + (c.priceMax - c.priceMin) * spread);
      const costCents = Math.max(10, Math.round(priceCents / (c.coefficient * (0.9 + random.next() * 0.2))));
      items.push({
        index: items.length,
        ref,
        design,
        family,
        priceCents,
        costCents,
        weightGrams: c.service ? 0 : random.int(50, 15000),
        stocked: !c.service,
        typicalQty: (c.qtyMin + c.qtyMax) / 2,
      });
      // Zipf-like popularity inside the family.
      weights.push((c.weight / perFamily) * (1 / (1 + k) ** 0.6) * (perFamily ** 0.6 / 2));
    }
  }
  return { items, weights };
}

function serviceItem(ref: string, design: string, family: Family, priceCents: number, index: number): Item {
  return { index, ref, design, family, priceCents, costCents: 0, weightGrams: 0, stocked: false, typicalQty: 1 };
}

function buildReps(random: Random, count: number): Rep[] {
  const reps: Rep[] = [];
  for (let i = 0; i < count; i++) {
    reps.push({ no: i + 1, firstName: random.pick(FIRST_NAMES), lastName: random.pick(LAST_NAMES), seller: true });
  }
  return reps;
}

const DEPOT_SITES: ReadonlyArray<{ name: string; code: string; city: readonly [string, string] }> = [
  { name: 'Dépôt principal Villeurbanne', code: 'VIL', city: ['69100', 'Villeurbanne'] },
  { name: 'Agence de Vienne', code: 'VIE', city: ['38200', 'Vienne'] },
  { name: 'Agence de Bourg-en-Bresse', code: 'BOU', city: ['01000', 'Bourg-en-Bresse'] },
];

const TERMS: ReadonlyArray<[weight: number, terms: PaymentTerms]> = [
  [8, { label: 'Comptant', days: 0, endOfMonth: false, split: false, mode: PAYMENT_MODE.card }],
  [3, { label: 'Comptant espèces', days: 0, endOfMonth: false, split: false, mode: PAYMENT_MODE.cash }],
  [40, { label: '30 jours net', days: 30, endOfMonth: false, split: false, mode: PAYMENT_MODE.transfer }],
  [12, { label: '30 jours net chèque', days: 30, endOfMonth: false, split: false, mode: PAYMENT_MODE.cheque }],
  [25, { label: '45 jours fin de mois', days: 45, endOfMonth: true, split: false, mode: PAYMENT_MODE.lcr }],
  [7, { label: '60 jours net', days: 60, endOfMonth: false, split: false, mode: PAYMENT_MODE.transfer }],
  [5, { label: '30/60 jours', days: 30, endOfMonth: false, split: true, mode: PAYMENT_MODE.transfer }],
];

function buildCustomers(
  random: Random,
  count: number,
  reps: readonly Rep[],
  depots: readonly Depot[],
  firstDay: number,
  today: number,
  taken: Set<string>,
): { customers: Customer[]; weights: number[] } {
  const termWeights = cumulativeWeights(TERMS.map(([w]) => w));
  const customers: Customer[] = [];
  const weights: number[] = [];
  const span = Math.max(1, today - firstDay);
  for (let i = 0; i < count; i++) {
    const institutional = i % 9 === 4 && i / 9 < INSTITUTIONAL_CUSTOMERS.length;
    let name: string;
    if (institutional) {
      name = INSTITUTIONAL_CUSTOMERS[Math.floor(i / 9)] as string;
    } else {
      const [trade] = random.pick(CUSTOMER_TRADES);
      const last = random.pick(LAST_NAMES);
      const form = random.pick(LEGAL_FORMS);
      const pattern = random.int(0, 3);
      name =
        pattern === 0
          ? `${trade} ${last}`
          : pattern === 1
            ? `${form} ${last} ${trade}`.trim()
            : pattern === 2
              ? `${last} & Fils ${form}`.trim()
              : `${trade} ${last} ${form}`.trim();
    }
    name = name.slice(0, 35);
    const num = uniqueCode(codeFromName(name.replace(/^(SARL|SAS|EURL|SA|SASU) /, ''), 12), taken, 17);
    const rep = reps[random.weighted(cumulativeWeights(reps.map((_, k) => (k === reps.length - 1 && reps.length > 3 ? 0.3 : 1))))] as Rep;
    const depot = depots[random.chance(0.7) ? 0 : random.int(0, depots.length - 1)] as Depot;
    const terms = (TERMS[random.weighted(termWeights)] as [number, PaymentTerms])[1];
    const profile = random.next();
    const [minDelay, maxDelay, unpaidRate] =
      profile < 0.35 ? [-3, 5, 0] : profile < 0.8 ? [0, 25, 0.002] : profile < 0.95 ? [10, 60, 0.01] : [30, 120, 0.05];
    // Most customers exist before the first year; some arrive later, a few leave (dormant accounts).
    const activeFrom = i === 0 || random.chance(0.8) ? firstDay - random.int(30, 3000) : firstDay + random.int(0, span);
    const activeUntil = i > 0 && random.chance(0.05) ? activeFrom + random.int(200, 900) : Number.MAX_SAFE_INTEGER;
    customers.push({
      index: i,
      num,
      name,
      rep,
      depot,
      terms: institutional ? { ...terms, days: 45, endOfMonth: false, split: false, mode: PAYMENT_MODE.transfer } : terms,
      minDelay: institutional ? 10 : minDelay,
      maxDelay: institutional ? 50 : maxDelay,
      unpaidRate: institutional ? 0 : unpaidRate,
      activeFrom,
      activeUntil,
      institutional,
    });
    // A few large accounts, a long tail of small ones.
    weights.push((institutional ? 3 : 1) / (1 + i) ** 0.55);
  }
  // Shuffle weights so that customer codes and sizes are not correlated with creation order.
  for (let i = weights.length - 1; i > 1; i--) {
    const j = random.int(1, i);
    [weights[i], weights[j]] = [weights[j] as number, weights[i] as number];
  }
  return { customers, weights };
}

function buildSuppliers(random: Random, count: number, families: readonly Family[], taken: Set<string>): Supplier[] {
  const goods = families.filter((f) => f.code !== SERVICE_FAMILY_CODE);
  const suppliers: Supplier[] = [];
  for (let i = 0; i < count; i++) {
    const base = SUPPLIER_NAMES[i % SUPPLIER_NAMES.length] as string;
    const name = (i < SUPPLIER_NAMES.length ? base : `${base} ${Math.floor(i / SUPPLIER_NAMES.length) + 1}`).slice(0, 35);
    const num = uniqueCode(`F${codeFromName(name, 11)}`, taken, 17);
    // Each family has a main supplier; suppliers also carry one or two other families.
    const own = [goods[i % goods.length] as Family];
    if (random.chance(0.5)) own.push(random.pick(goods));
    const terms: PaymentTerms = random.chance(0.6)
      ? { label: '45 jours fin de mois', days: 45, endOfMonth: true, split: false, mode: PAYMENT_MODE.transfer }
      : { label: '60 jours net', days: 60, endOfMonth: false, split: false, mode: PAYMENT_MODE.lcr };
    suppliers.push({ num, name, families: [...new Set(own)], terms });
  }
  return suppliers;
}

export function buildMasterData(random: Random, sizes: DemoSizes, firstDay: number, today: number): MasterData {
  const families = buildFamilies();
  const { items, weights } = buildItems(random.fork('items'), families, sizes.items);
  // Shipping fees and commercial discounts are non-stock items of their own family, as Sage users set them up.
  const serviceFamily = families.find((f) => f.code === SERVICE_FAMILY_CODE) as Family;
  const miscFamily: Family = {
    code: MISC_FAMILY_CODE,
    name: 'Frais et remises',
    catalogue: { ...serviceFamily.catalogue, code: MISC_FAMILY_CODE, name: 'Frais et remises', unit: 'Forfait', webCategory: 'Divers', weight: 0 },
    salesAccount: ACCOUNT.shippingBilled,
    purchaseAccount: ACCOUNT.purchasesServices,
    tax: tax('C20'),
  };
  const shippingItem = serviceItem('ZPORT', 'Frais de port et livraison', miscFamily, 2500, items.length);
  const discountItem = serviceItem('ZREMISE', 'Remise commerciale', miscFamily, 0, items.length + 1);
  const itemsByFamily = new Map<string, Item[]>();
  for (const item of items) {
    const list = itemsByFamily.get(item.family.code) ?? [];
    list.push(item);
    itemsByFamily.set(item.family.code, list);
  }
  const reps = buildReps(random.fork('reps'), sizes.reps);
  const depots = DEPOT_SITES.slice(0, sizes.depots).map((d, i) => ({ no: i + 1, ...d }));
  const taken = new Set<string>(Object.values(OVERHEAD_SUPPLIER).map((s) => s.num));
  const { customers, weights: customerWeights } = buildCustomers(random.fork('customers'), sizes.customers, reps, depots, firstDay, today, taken);
  const suppliers = buildSuppliers(random.fork('suppliers'), sizes.suppliers, families, taken);
  return {
    families,
    items,
    itemWeights: cumulativeWeights(weights),
    itemsByFamily,
    shippingItem,
    discountItem,
    reps,
    depots,
    customers,
    customerWeights: cumulativeWeights(customerWeights),
    suppliers,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Writing master data
// ---------------------------------------------------------------------------------------------------------

const euros = (cents: number): number => cents / 100;

function phone(random: Random): string {
  return `0${random.int(1, 7)} ${random.int(10, 99)} ${random.int(10, 99)} ${random.int(10, 99)} ${random.int(10, 99)}`;
}

function siret(random: Random): string {
  let s = String(random.int(3, 9));
  for (let i = 0; i < 13; i++) s += String(random.int(0, 9));
  return s;
}

function ean13(random: Random): string {
  let digits = '376';
  for (let i = 0; i < 9; i++) digits += String(random.int(0, 9));
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return digits + String((10 - (sum % 10)) % 10);
}

export interface FiscalYear {
  readonly year: number;
  readonly start: number;
  readonly end: number;
}

/** Writes every master-data table. Rows are stamped as created before the first fiscal year. */
export function writeMasterData(
  writer: DemoWriter,
  random: Random,
  master: MasterData,
  years: readonly FiscalYear[],
  today: number,
): void {
  const firstDay = (years[0] as FiscalYear).start;
  const setupStamp = (day: number, user: DemoUser = USERS.admin): Stamp => {
    const text = formatStoredDatetime(day, 9 * 3600 + random.int(0, 8 * 3600));
    return { user, created: text, modified: text };
  };
  const setupDay = firstDay - 400;
  const dateText = (day: number) => formatStoredDatetime(day);

  // P_DOSSIER: three fiscal years, 01 the oldest, 03 the current one; 04 and 05 unused.
  const dossier = writer.inserter('P_DOSSIER', [
    'D_RaisonSoc', 'D_Profession', 'D_Adresse', 'D_CodePostal', 'D_Ville', 'D_Pays', 'D_Siret', 'D_Ape', 'D_Identifiant',
    'D_DebutExo01', 'D_DebutExo02', 'D_DebutExo03', 'D_FinExo01', 'D_FinExo02', 'D_FinExo03',
    'JO_NumAN', 'CG_NumANOuv', 'CG_NumANBenef', 'CG_NumANPerte', 'D_EMail', 'D_Telephone', 'D_DateClot',
    'D_Capital', 'D_FormeJuridique',
  ]);
  const [y1, y2, y3] = years as [FiscalYear, FiscalYear, FiscalYear];
  dossier(
    [
      COMPANY.name, COMPANY.activity, COMPANY.address, COMPANY.postalCode, COMPANY.city, 'France', COMPANY.siret, COMPANY.ape,
      COMPANY.vatNumber, dateText(y1.start), dateText(y2.start), dateText(y3.start), dateText(y1.end), dateText(y2.end),
      dateText(y3.end), JOURNAL.opening, ACCOUNT.openingSuspense, ACCOUNT.profit, ACCOUNT.loss, COMPANY.email, COMPANY.phone,
      dateText(y2.end), 150000, 'Société anonyme',
    ],
    { ...setupStamp(setupDay), modified: formatStoredDatetime(Math.min(today, y3.start + 95), 17 * 3600) },
  );
  writer.inserter('P_DOSSIERCIAL', ['D_RaisonS', 'D_FormatQte', 'D_FormatPrix', 'N_DeviseCompte', 'D_ValiditePeriod'])(
    [COMPANY.name, '#\u00a0###\u00a0###,##', '#\u00a0###\u00a0###,##', 0, 30],
    setupStamp(setupDay),
  );
  const reglement = writer.inserter('P_REGLEMENT', ['R_Intitule', 'R_Code', 'cbIndice']);
  for (const mode of PAYMENT_MODES) reglement([mode.name, mode.code, mode.index], setupStamp(setupDay));

  const compteg = writer.inserter('F_COMPTEG', [
    'CG_Num', 'CG_Intitule', 'CG_Classement', 'N_Nature', 'CG_Report', 'CG_Echeance', 'CG_Lettrage', 'CG_Tiers', 'CG_DateCreate', 'TA_Code',
  ]);
  for (const a of ACCOUNTS) {
    compteg(
      [a.num, a.name, codeFromName(a.name, 17), a.nature, a.report, a.collective ? 1 : 0, a.lettrable ? 1 : 0, a.collective ? 1 : 0, dateText(setupDay), a.taxCode ?? null],
      setupStamp(setupDay),
    );
  }

  const journaux = writer.inserter('F_JOURNAUX', ['JO_Num', 'JO_Intitule', 'CG_Num', 'JO_Type', 'JO_NumPiece', 'JO_Rappro', 'JO_Reglement', 'JO_SuiviTreso']);
  for (const j of JOURNALS) {
    const treasury = j.type === 2;
    journaux([j.num, j.name, j.treasuryAccount ?? null, j.type, 1, treasury ? 2 : 0, treasury ? 1 : 0, treasury ? 1 : 0], setupStamp(setupDay));
  }

  const taxe = writer.inserter('F_TAXE', ['TA_Intitule', 'TA_TTaux', 'TA_Taux', 'TA_Type', 'CG_Num', 'TA_No', 'TA_Code', 'TA_Sens', 'TA_Provenance']);
  for (const t of TAXES) taxe([t.name, 0, t.rate, 0, t.account, t.no, t.code, t.direction, 0], setupStamp(setupDay));

  const collaborateur = writer.inserter('F_COLLABORATEUR', [
    'CO_No', 'CO_Nom', 'CO_Prenom', 'CO_Fonction', 'CO_Service', 'CO_Vendeur', 'CO_Acheteur', 'CO_Financier',
    'CO_Telephone', 'CO_EMail', 'CO_Matricule', 'CO_Sommeil', 'CO_DateCreation', 'CO_Ville', 'CO_CodePostal',
  ]);
  const staffRandom = random.fork('staff');
  master.reps.forEach((rep, i) => {
    const fonction = i === 0 ? 'Directeur commercial' : i % 3 === 1 ? 'Attaché commercial' : 'Technico-commercial';
    const email = `${codeFromName(rep.firstName, 20).toLowerCase()}.${codeFromName(rep.lastName, 20).toLowerCase()}@demo-negoce.fr`;
    // The last rep left the company: the record is dormant but still owns history.
    const dormant = i === master.reps.length - 1 && master.reps.length > 3 ? 1 : 0;
    collaborateur(
      [rep.no, rep.lastName.toUpperCase(), rep.firstName, fonction, 'Ventes', 1, 0, 0, phone(staffRandom), email, `M${String(100 + rep.no)}`, dormant, dateText(setupDay - staffRandom.int(0, 2000)), COMPANY.city, COMPANY.postalCode],
      setupStamp(setupDay),
    );
  });
  const others: Array<[string, string, string, number, number]> = [
    ['Responsable des achats', 'Achats', 'Morel', 0, 1],
    ['Comptable', 'Comptabilité', 'Fontaine', 0, 0],
  ];
  others.forEach(([fonction, service, last, seller, buyer], k) => {
    collaborateur(
      [master.reps.length + k + 1, last.toUpperCase(), staffRandom.pick(FIRST_NAMES), fonction, service, seller, buyer, service === 'Comptabilité' ? 1 : 0, phone(staffRandom), `${last.toLowerCase()}@demo-negoce.fr`, `M${200 + k}`, 0, dateText(setupDay - 1500), COMPANY.city, COMPANY.postalCode],
      setupStamp(setupDay),
    );
  });

  const famille = writer.inserter('F_FAMILLE', ['FA_CodeFamille', 'FA_Type', 'FA_Intitule', 'FA_Coef', 'FA_SuiviStock', 'FA_Stat01', 'FA_CodeFiscal']);
  for (const f of [...master.families, master.shippingItem.family]) {
    famille([f.code, 0, f.name, f.catalogue.coefficient, f.catalogue.service ? 0 : 2, f.catalogue.webCategory, f.tax.code], setupStamp(setupDay));
  }

  const depot = writer.inserter('F_DEPOT', ['DE_No', 'DE_Intitule', 'DE_Adresse', 'DE_CodePostal', 'DE_Ville', 'DE_Contact', 'DE_Principal', 'DE_Code', 'DE_Telephone', 'DE_Pays']);
  const depotRandom = random.fork('depots');
  for (const d of master.depots) {
    depot([d.no, d.name, `${depotRandom.int(1, 80)} ${depotRandom.pick(STREETS)}`, d.city[0], d.city[1], `${depotRandom.pick(FIRST_NAMES)} ${depotRandom.pick(LAST_NAMES)}`, d.no === 1 ? 1 : 0, d.code, phone(depotRandom), 'France'], setupStamp(setupDay));
  }

  const article = writer.inserter('F_ARTICLE', [
    'AR_Ref', 'AR_Design', 'FA_CodeFamille', 'AR_PoidsNet', 'AR_PoidsBrut', 'AR_UniteVen', 'AR_PrixAch', 'AR_Coef', 'AR_PrixVen',
    'AR_SuiviStock', 'AR_Stat01', 'AR_Sommeil', 'AR_CodeBarre', 'AR_DateCreation', 'AR_DateModif', 'AR_CoutStd', 'AR_Publie', 'Catégorie web',
  ]);
  const itemRandom = random.fork('item-rows');
  for (const item of [...master.items, master.shippingItem, master.discountItem]) {
    const created = setupDay - itemRandom.int(0, 1500);
    const modified = Math.min(today, firstDay + itemRandom.int(0, Math.max(1, today - firstDay)));
    const weightKg = item.weightGrams / 1000;
    const service = !item.stocked;
    article(
      [
        item.ref, item.design, item.family.code, weightKg, service ? 0 : Math.round(item.weightGrams * 1.08) / 1000, 1,
        euros(item.costCents), item.costCents > 0 ? Math.round((item.priceCents / item.costCents) * 10000) / 10000 : 0,
        euros(item.priceCents), service ? 0 : 2, item.family.catalogue.webCategory, 0,
        service ? null : ean13(itemRandom), dateText(created), dateText(modified), euros(item.costCents), service ? 0 : 1,
        service ? null : item.family.catalogue.webCategory,
      ],
      { user: USERS.purchasing, created: formatStoredDatetime(created, 10 * 3600), modified: formatStoredDatetime(modified, 11 * 3600) },
    );
  }

  const comptet = writer.inserter('F_COMPTET', [
    'CT_Num', 'CT_Intitule', 'CT_Type', 'CG_NumPrinc', 'CT_Qualite', 'CT_Classement', 'CT_Contact', 'CT_Adresse', 'CT_CodePostal',
    'CT_Ville', 'CT_Pays', 'CT_Siret', 'CT_Identifiant', 'CT_Encours', 'CO_No', 'cbCO_No', 'CT_DateCreate', 'CT_Sommeil',
    'DE_No', 'cbDE_No', 'CT_Telephone', 'CT_EMail', 'CT_Commentaire', 'N° Dossier', "Secteur d'activité",
  ]);
  const tiersRandom = random.fork('tiers');
  const tiersRow = (
    num: string, name: string, type: number, collective: string, quality: string, repNo: number | null, depotNo: number | null,
    created: number, dormant: boolean, creditLimit: number, sector: string | null, comment: string | null,
  ) => {
    const [postalCode, city] = tiersRandom.pick(CITIES);
    const s = siret(tiersRandom);
    comptet(
      [
        num, name, type, collective, quality, codeFromName(name, 17), `${tiersRandom.pick(FIRST_NAMES)} ${tiersRandom.pick(LAST_NAMES)}`,
        `${tiersRandom.int(1, 140)} ${tiersRandom.pick(STREETS)}`, postalCode, city, 'France', s, `FR${tiersRandom.int(10, 99)}${s.slice(0, 9)}`,
        creditLimit, repNo, repNo, dateText(created), dormant ? 1 : 0, depotNo, depotNo, phone(tiersRandom),
        `contact@${codeFromName(name, 14).toLowerCase()}.fr`, comment, type === 0 ? `D-${String(tiersRandom.int(1000, 9999))}` : null, sector,
      ],
      { user: type === 0 ? USERS.sales : USERS.purchasing, created: formatStoredDatetime(created, 9 * 3600 + tiersRandom.int(0, 28000)), modified: formatStoredDatetime(Math.max(created, Math.min(today, created + tiersRandom.int(0, 700))), 14 * 3600) },
    );
  };
  for (const c of master.customers) {
    const sector = c.institutional ? 'Collectivités et grands comptes' : (CUSTOMER_TRADES.find(([t]) => c.name.includes(t))?.[1] ?? 'Divers');
    tiersRow(c.num, c.name, 0, ACCOUNT.customers, c.institutional ? 'GRAND COMPTE' : 'ARTISAN', c.rep.no, c.depot.no, Math.min(c.activeFrom, today), c.activeUntil < today, c.institutional ? 50000 : 5000 * tiersRandom.int(1, 6), sector, c.terms.label);
  }
  for (const s of master.suppliers) {
    tiersRow(s.num, s.name, 1, ACCOUNT.suppliers, 'FOURNISSEUR', null, null, setupDay - tiersRandom.int(0, 2000), false, 0, null, s.terms.label);
  }
  for (const s of Object.values(OVERHEAD_SUPPLIER)) {
    tiersRow(s.num, s.name, 1, ACCOUNT.suppliers, 'FRAIS GÉNÉRAUX', null, null, setupDay - tiersRandom.int(0, 2000), false, 0, null, null);
  }
}

/** Days of the three calendar fiscal years ending with the year of `today`. */
export function fiscalYears(today: number, civilYear: (day: number) => number): FiscalYear[] {
  const current = civilYear(today);
  return [current - 2, current - 1, current].map((year) => ({
    year,
    start: daysFromCivil(year, 1, 1),
    end: daysFromCivil(year, 12, 31),
  }));
}
