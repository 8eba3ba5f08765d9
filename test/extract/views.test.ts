/**
 * Every view against hand-computed figures on the crafted company of test/fixtures/views/company.ts,
 * as of 2025-06-15. The arithmetic behind each expectation is written next to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeView, computeViews } from '../../src/extract/views/index.js';
import { VIEW_IDS } from '../../src/extract/views/catalog.js';
import type { SqlSource } from '../../src/sources/source.js';
import { openSqliteSource } from '../../src/sources/sqlite.js';
import { viewsCompany } from '../fixtures/views/company.js';
import { sqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';

const AS_OF = '2025-06-15';
let dir: TempDir;
let source: SqlSource;

beforeAll(async () => {
  dir = createTempDir('sbsync-views-');
  const file = createSageFixture(dir.file('company.sqlite'), viewsCompany(), {
    extraColumns: { F_DOCLIGNE: ['"Réf. chantier N°" varchar(35)'], F_ECRITUREC: ['"Code analytique à vérifier" varchar(13)'] },
  });
  source = await sqliteReplica(file, { dataDirectory: dir.file('data') });
});
afterAll(async () => {
  await source.close();
  dir.remove();
});

const view = async (id: string, asOf = AS_OF) => computeView(source, id, { asOf });

describe('accounting views', () => {
  it('revenue-by-month: class 70, credit − debit, month by month against last year', async () => {
    const r = await view('revenue-by-month');
    expect(r).toMatchObject({ id: 'revenue-by-month', group: 'accounting', asOf: AS_OF, kind: 'series', currency: 'EUR' });
    expect(r.warnings).toBeUndefined();
    const data = r.data as { fiscalYear: unknown; yearToDate: unknown; months: Array<{ month: string; current: string | null; previous: string }> };
    expect(data.fiscalYear).toEqual({ start: '2025-01-01', end: '2025-12-31' });
    expect(data.months.map((m) => [m.month, m.current, m.previous])).toEqual([
      ['2025-01', '1500.000000', '0.000000'],
      ['2025-02', '0.000000', '0.000000'],
      ['2025-03', '-50.000000', '1000.000000'], // a credit note (706 debited 50)
      ['2025-04', '124.456789', '0.000000'], // 10 × 0.1 + 123.456789, exact
      ['2025-05', '130.000000', '0.000000'], // 30 (706) + 100 (707)
      ['2025-06', '10.000000', '200.000000'], // 10 on as-of itself; 999 on the 20th is after as-of
      ['2025-07', null, '0.000000'],
      ['2025-08', null, '0.000000'],
      ['2025-09', null, '0.000000'],
      ['2025-10', null, '0.000000'],
      ['2025-11', null, '500.000000'],
      ['2025-12', null, '0.000000'],
    ]);
    // 1500 − 50 + 124.456789 + 130 + 10 against 1000 + 200 (up to 2024-06-15).
    expect(data.yearToDate).toEqual({ current: '1714.456789', previous: '1200.000000', change: '514.456789', changePercent: '42.9' });
  });

  it('income-expenses: class 7 and class 6 per month, opening entries excluded', async () => {
    const r = await view('income-expenses');
    const data = r.data as Record<string, unknown> & { months: Array<Record<string, unknown>> };
    expect(data.income).toEqual({ current: '1714.456789', previous: '1200.000000', change: '514.456789', changePercent: '42.9' });
    // 400 (601, March) + 200 (626, June); nothing before 2024-06-15 last year.
    expect(data.expenses).toEqual({ current: '600.000000', previous: '0.000000', change: '600.000000', changePercent: null });
    // 1114.456789 against 1200: −85.543211, −7.1 %.
    expect(data.result).toEqual({ current: '1114.456789', previous: '1200.000000', change: '-85.543211', changePercent: '-7.1' });
    expect(data.months[2]).toEqual({ month: '2025-03', income: '-50.000000', expenses: '400.000000', result: '-450.000000', previousIncome: '1000.000000', previousExpenses: '0.000000', previousResult: '1000.000000' });
    expect(data.months[11]).toEqual({ month: '2025-12', income: null, expenses: null, result: null, previousIncome: '0.000000', previousExpenses: '300.000000', previousResult: '-300.000000' });
  });

  it('treasury: bank and cash balances with opening entries counted once, month-end evolution', async () => {
    const r = await view('treasury');
    expect(r.kind).toBe('balances');
    const data = r.data as { balance: unknown; accounts: unknown; monthEnds: Array<{ month: string; date: string; balance: string }> };
    // 512: 6440 (AN 2025) − 360 − 100 + 600 = 6580; 530: 100 + 10 = 110. 580 (internal transfers) is not treasury.
    expect(data.accounts).toEqual([
      { account: '512000', name: 'Banque Crédit Mutuel', nature: 'bank', balance: '6580.000000' },
      { account: '530000', name: 'Caisse', nature: 'cash', balance: '110.000000' },
    ]);
    // A year earlier: 5000 (AN 2024) + 1200 = 6200.
    expect(data.balance).toEqual({ current: '6690.000000', previous: '6200.000000', change: '490.000000', changePercent: '7.9' });
    expect(data.monthEnds.map((m) => [m.date, m.balance])).toEqual([
      ['2024-07-31', '6440.000000'],
      ['2024-08-31', '6440.000000'],
      ['2024-09-30', '6440.000000'],
      ['2024-10-31', '6440.000000'],
      ['2024-11-30', '6440.000000'],
      ['2024-12-31', '6440.000000'], // = the 2025 opening entry: not a movement, not counted twice
      ['2025-01-31', '6080.000000'],
      ['2025-02-28', '6680.000000'],
      ['2025-03-31', '6680.000000'],
      ['2025-04-30', '6680.000000'],
      ['2025-05-31', '6680.000000'],
      ['2025-06-15', '6690.000000'],
    ]);
  });

  it('customer-outstanding: balances from the latest opening entries, credit limit is not the outstanding', async () => {
    const r = await view('customer-outstanding');
    // C1: 1800 − 60 + 120 (999 after as-of left out). C2: AN 600 − 600 paid + 124.456789 + 36; the 2024
    // original of the 600 is still unlettered but restated by the opening entry, so it is not counted again.
    expect(r.data).toEqual({
      total: '2020.456789',
      overdue: '1900.456789',
      count: 2,
      overLimitCount: 1,
      rows: [
        { account: 'C1', name: 'Alpha Bâtiment', outstanding: '1860.000000', overdue: '1740.000000', creditLimit: '1000.000000', overLimit: true },
        { account: 'C2', name: 'Bêta & Fils', outstanding: '160.456789', overdue: '160.456789', creditLimit: '0.000000', overLimit: false },
      ],
    });
    expect(r.warnings).toBeUndefined();
  });

  it('customer-aged-balance: unlettered lines bucketed by days past due (EC_Echeance, else the accounting date)', async () => {
    const r = await view('customer-aged-balance');
    expect(r.kind).toBe('aged');
    const data = r.data as { totals: unknown; rows: unknown };
    // C1: 120 due on as-of (not due), credit note −60 of 03-20 without due date (87 days), 1800 due 02-14 (121 days).
    // C2: 36 due 06-09 (6 days), 124.456789 due 04-30 (46 days); the lettered AN line and payment drop out.
    expect(data.rows).toEqual([
      { account: 'C1', name: 'Alpha Bâtiment', notDue: '120.000000', days0to30: '0.000000', days31to60: '0.000000', days61to90: '-60.000000', over90: '1800.000000', total: '1860.000000' },
      { account: 'C2', name: 'Bêta & Fils', notDue: '0.000000', days0to30: '36.000000', days31to60: '124.456789', days61to90: '0.000000', over90: '0.000000', total: '160.456789' },
    ]);
    expect(data.totals).toEqual({ notDue: '120.000000', days0to30: '36.000000', days31to60: '124.456789', days61to90: '-60.000000', over90: '1800.000000', total: '2020.456789' });
  });

  it('supplier-outstanding and supplier-aged-balance: credit − debit on supplier accounts', async () => {
    const outstanding = await view('supplier-outstanding');
    // F1: AN 360 paid on 01-04 (lettered), 480 due 03-31, 240 due 07-01; the 2024 original 360 is not counted again.
    expect(outstanding.data).toEqual({
      total: '720.000000',
      overdue: '480.000000',
      count: 1,
      overLimitCount: 0,
      rows: [{ account: 'F1', name: 'Fournisseur Un', outstanding: '720.000000', overdue: '480.000000', creditLimit: null, overLimit: false }],
    });
    const aged = await view('supplier-aged-balance');
    expect((aged.data as { rows: unknown }).rows).toEqual([
      { account: 'F1', name: 'Fournisseur Un', notDue: '240.000000', days0to30: '0.000000', days31to60: '0.000000', days61to90: '480.000000', over90: '0.000000', total: '720.000000' },
    ]);
  });

  it('upcoming-due-dates: open items by week, receivable and payable', async () => {
    const r = await view('upcoming-due-dates');
    const data = r.data as { horizon: unknown; overdue: unknown; weeks: Array<Record<string, unknown>>; items: unknown; itemCount: number };
    expect(data.horizon).toEqual({ from: '2025-06-15', to: '2025-08-09' });
    expect(data.overdue).toEqual({ receivable: '1900.456789', payable: '480.000000' });
    expect(data.weeks[0]).toEqual({ week: 1, from: '2025-06-15', to: '2025-06-21', receivable: '120.000000', payable: '0.000000', net: '120.000000' });
    expect(data.weeks[1]).toMatchObject({ week: 2, receivable: '0.000000', payable: '0.000000' });
    expect(data.weeks[2]).toEqual({ week: 3, from: '2025-06-29', to: '2025-07-05', receivable: '0.000000', payable: '240.000000', net: '-240.000000' });
    expect(data.items).toEqual([
      { dueDate: '2025-06-15', side: 'receivable', account: 'C1', name: 'Alpha Bâtiment', piece: 'VT0520', reference: 'FA0104', label: 'VTE 2025-05-20', amount: '120.000000' },
      { dueDate: '2025-07-01', side: 'payable', account: 'F1', name: 'Fournisseur Un', piece: 'AC0601', reference: 'FF-778', label: 'ACH 2025-06-01', amount: '240.000000' },
    ]);
    expect(data.itemCount).toBe(2);
  });

  it('before the year is closed, balances come from the older opening entries', async () => {
    // As of 2024-12-31 the 2025 opening entries do not exist yet: 2024's own are the base.
    const outstanding = await view('customer-outstanding', '2024-12-31');
    expect((outstanding.data as { rows: unknown }).rows).toEqual([
      { account: 'C2', name: 'Bêta & Fils', outstanding: '600.000000', overdue: '600.000000', creditLimit: '0.000000', overLimit: false },
    ]);
    const treasury = await view('treasury', '2024-12-31');
    expect((treasury.data as { balance: { current: string } }).balance.current).toBe('6440.000000');
    const supplier = await view('supplier-outstanding', '2024-12-31');
    expect((supplier.data as { total: string }).total).toBe('360.000000');
  });

  it('warns when no fiscal year contains as-of and uses the calendar year', async () => {
    const r = await view('revenue-by-month', '2026-02-10');
    expect(r.warnings).toEqual([expect.stringContaining('No fiscal year of P_DOSSIER')]);
    expect((r.data as { fiscalYear: unknown }).fiscalYear).toEqual({ start: '2026-01-01', end: '2026-12-31' });
    // Last year's figures are 2025's full months (the 999 of 2025-06-20 included).
    expect((r.data as { months: Array<{ previous: string }> }).months[5]?.previous).toBe('1009.000000');
  });
});

describe('commercial views', () => {
  it('sales-by-month: invoices in DO_Type 6 and 7, returns and credit notes deducted, comment lines ignored', async () => {
    const r = await view('sales-by-month');
    const data = r.data as { yearToDate: unknown; months: Array<{ month: string; current: string | null; previous: string }> };
    expect(data.months.slice(0, 7).map((m) => [m.month, m.current, m.previous])).toEqual([
      ['2025-01', '1500.000000', '0.000000'], // FA0101 (7)
      ['2025-02', '0.000000', '0.000000'], // the purchase invoice is another domain
      ['2025-03', '-50.000000', '1000.000000'], // facture d'avoir (provenance 2)
      ['2025-04', '-275.543211', '0.000000'], // return −400 + 10 × 0.1 + 123.456789
      ['2025-05', '100.000000', '0.000000'], // FA0104 (6, converted in place from BL0007): once
      ['2025-06', '0.000000', '500.000000'], // BL0008 not invoiced; FA0105 after as-of
      ['2025-07', null, '0.000000'],
    ]);
    // 1500 − 50 − 275.543211 + 100 against 1000 + 500.
    expect(data.yearToDate).toEqual({ current: '1274.456789', previous: '1500.000000', change: '-225.543211', changePercent: '-15.0' });
  });

  it('top-customers: trailing 12 months against the 12 before', async () => {
    const r = await view('top-customers');
    expect(r.kind).toBe('ranking');
    expect(r.data).toEqual({
      period: { from: '2024-06-16', to: '2025-06-15' },
      previousPeriod: { from: '2023-06-16', to: '2024-06-15' },
      total: { current: '1274.456789', previous: '1500.000000', change: '-225.543211', changePercent: '-15.0' },
      count: 2,
      rows: [
        { rank: 1, code: 'C1', name: 'Alpha Bâtiment', sales: { current: '1550.000000', previous: '500.000000', change: '1050.000000', changePercent: '210.0' }, share: '121.6' },
        { rank: 2, code: 'C2', name: 'Bêta & Fils', sales: { current: '-275.543211', previous: '1000.000000', change: '-1275.543211', changePercent: '-127.6' }, share: '-21.6' },
      ],
    });
  });

  it('top-items: amount, quantity and margin (DL_PrixRU), returns deducted', async () => {
    const r = await view('top-items');
    const rows = (r.data as { rows: Array<Record<string, unknown>> }).rows;
    expect(rows.map((x) => [x.code, x.name, (x.sales as { current: string }).current, x.quantity, x.margin, x.marginRate])).toEqual([
      // 1000 − 50 + 123.456789; qty 10 − 1 + 1; cost 600 − 60 + 60.
      ['A1', 'Chaise', '1073.456789', '10.000000', '473.456789', '44.1'],
      // 500 − 400 (return); qty 1 − 1; cost 300 − 300.
      ['A2', 'Table', '100.000000', '0.000000', '100.000000', '100.0'],
      ['B1', 'Lampe', '100.000000', '2.000000', '60.000000', '60.0'],
      // 10 × 0.1 exactly, cost 10 × 0.05.
      ['X', 'Échantillon', '1.000000', '10.000000', '0.500000', '50.0'],
    ]);
    expect(rows[1]?.sales).toEqual({ current: '100.000000', previous: '1000.000000', change: '-900.000000', changePercent: '-90.0' });
  });

  it('sales-by-family and sales-by-rep', async () => {
    const families = await view('sales-by-family');
    expect((families.data as { rows: Array<Record<string, unknown>> }).rows.map((x) => [x.code, x.name, (x.sales as { current: string }).current, x.margin])).toEqual([
      ['MOB', 'Mobilier', '1173.456789', '573.456789'],
      ['LUM', 'Luminaire', '100.000000', '60.000000'],
      ['', 'Sans famille', '1.000000', '0.500000'],
    ]);
    const reps = await view('sales-by-rep');
    // Jean (1): 1500 − 50; last year 500. Marie (2): 100 − 400; last year 1000. FA0103 has CO_No 0.
    expect((reps.data as { rows: Array<Record<string, unknown>> }).rows.map((x) => [x.code, x.name, x.sales])).toEqual([
      ['1', 'Jean Dupont', { current: '1450.000000', previous: '500.000000', change: '950.000000', changePercent: '190.0' }],
      ['', 'Sans représentant', { current: '124.456789', previous: '0.000000', change: '124.456789', changePercent: null }],
      ['2', 'Marie Curie', { current: '-300.000000', previous: '1000.000000', change: '-1300.000000', changePercent: '-130.0' }],
    ]);
  });

  it('open-orders: orders and preparations still open at as-of, converted quotes included once', async () => {
    const r = await view('open-orders');
    expect(r.kind).toBe('list');
    expect(r.data).toEqual({
      count: 3,
      amount: '850.000000',
      amountInclTax: '1020.000000',
      byAge: [
        { id: 'upTo30', count: 2, amount: '550.000000' },
        { id: 'days31to90', count: 1, amount: '300.000000' },
        { id: 'over90', count: 0, amount: '0.000000' },
      ],
      truncated: false,
      documents: [
        { type: 2, piece: 'PL0001', date: '2025-06-12', ageDays: 3, customer: { code: 'C1', name: 'Alpha Bâtiment' }, deliveryDate: '2025-06-18', status: 2, amount: '500.000000', amountInclTax: '600.000000', lines: 1 },
        { type: 1, piece: 'BC0002', date: '2025-06-01', ageDays: 14, customer: { code: 'C2', name: 'Bêta & Fils' }, deliveryDate: null, status: 2, amount: '50.000000', amountInclTax: '60.000000', lines: 1 },
        { type: 1, piece: 'BC0001', date: '2025-05-02', ageDays: 44, customer: { code: 'C1', name: 'Alpha Bâtiment' }, deliveryDate: null, status: 2, amount: '300.000000', amountInclTax: '360.000000', lines: 1 },
      ],
    });
  });

  it('open-quotes: quotes not converted (DE0001 became BC0001 in place) and not closed (DE0004)', async () => {
    const r = await view('open-quotes');
    const data = r.data as { count: number; amount: string; documents: Array<Record<string, unknown>> };
    expect(data.count).toBe(2);
    expect(data.amount).toBe('700.000000');
    expect(data.documents.map((d) => [d.piece, d.ageDays, d.amount])).toEqual([
      ['DE0003', 5, '200.000000'],
      ['DE0002', 61, '500.000000'],
    ]);
  });

  it('stock-value: quantity and value per warehouse, negative stock warned', async () => {
    const r = await view('stock-value');
    expect(r.data).toEqual({
      total: { quantity: '112.500000', value: '1275.123456', items: 5 },
      warehouses: [
        { code: 1, name: 'Principal', quantity: '112.000000', value: '1205.000000', items: 3, negativeItems: 0 },
        { code: 2, name: 'Annexe', quantity: '0.500000', value: '70.123456', items: 2, negativeItems: 1 },
      ],
    });
    expect(r.warnings).toEqual(['Negative stock in Annexe (1 item(s)): check stock movements in Sage.']);
  });

  it('stock-shortages: below a set minimum, dormant items left out', async () => {
    const r = await view('stock-shortages');
    expect(r.data).toEqual({
      count: 2,
      items: [
        { item: 'A1', name: 'Chaise', warehouse: { code: 2, name: 'Annexe' }, quantity: '1.500000', minimum: '2.000000', shortfall: '0.500000', reserved: '0.000000', ordered: '0.000000', projected: '1.500000' },
        { item: 'B1', name: 'Lampe', warehouse: { code: 1, name: 'Principal' }, quantity: '0.000000', minimum: '5.000000', shortfall: '5.000000', reserved: '2.000000', ordered: '10.000000', projected: '8.000000' },
      ],
    });
  });

  it('customer-cards: contact, 12-month sales, outstanding and last documents', async () => {
    const r = await view('customer-cards');
    expect(r.kind).toBe('cards');
    const data = r.data as { count: number; cards: Array<Record<string, unknown>> };
    // C3 (dormant) and C4 (prospect) have no activity: no card.
    expect(data.cards.map((c) => c.account)).toEqual(['C1', 'C2']);
    expect(data.cards[0]).toEqual({
      account: 'C1',
      name: 'Alpha Bâtiment',
      contact: 'Mme Roux',
      address: { street: '3 rue des Lilas', complement: '', postalCode: '69003', city: 'Lyon', country: 'France' },
      phone: '04 72 00 00 01',
      email: 'compta@alpha.fr',
      rep: { code: 1, name: 'Jean Dupont' },
      creditLimit: '1000.000000',
      sales12Months: { current: '1550.000000', previous: '500.000000', change: '1050.000000', changePercent: '210.0' },
      outstanding: '1860.000000',
      overdue: '1740.000000',
      lastDocuments: [
        { kind: 'preparation', label: 'Préparation de livraison', piece: 'PL0001', date: '2025-06-12', amount: '500.000000' },
        { kind: 'invoice', label: 'Facture', piece: 'FA0104', date: '2025-05-20', amount: '100.000000', remainingToPay: '100.000000' },
        { kind: 'order', label: 'Bon de commande', piece: 'BC0001', date: '2025-05-02', amount: '300.000000' },
      ],
    });
    expect((data.cards[1]?.lastDocuments as Array<{ piece: string }>).map((d) => d.piece)).toEqual(['DE0003', 'BL0008', 'BC0002']);
  });
});

describe('computeViews', () => {
  it('computes every catalogued view in one pass, JSON-serialisable, without a float amount', async () => {
    const results = await computeViews(source, VIEW_IDS, { asOf: AS_OF });
    expect(results.map((r) => r.id)).toEqual([...VIEW_IDS]);
    const json = JSON.stringify(results);
    expect(JSON.parse(json)).toEqual(results);
    // No amount with float noise anywhere (0.9999999999999999, 0.30000000000000004…).
    expect(json).not.toMatch(/\d\.\d{7,}/);
  });

  it('rejects an unknown view and a malformed as-of', async () => {
    await expect(computeView(source, 'revenue', { asOf: AS_OF })).rejects.toThrow(/Unknown view "revenue"/);
    await expect(computeView(source, 'treasury', { asOf: '2025-02-30' })).rejects.toThrow(/Not a date/);
  });
});

describe('the replica', () => {
  it('is the only source views read: a Sage database is refused (its amounts are not micro-units)', async () => {
    const sage = openSqliteSource(dir.file('company.sqlite'));
    try {
      await expect(computeView(sage, 'treasury', { asOf: AS_OF })).rejects.toThrow(/reads a company's replica/);
    } finally {
      await sage.close();
    }
  });
});

describe('feature detection', () => {
  it('works on an older schema without DO_NetAPayer, DO_MontantRegle, DO_Cloture and CT_Prospect', async () => {
    const { SAGE_TABLES } = await import('../../src/extract/sage/tables.js');
    const missing = new Set(['DO_NetAPayer', 'DO_MontantRegle', 'DO_Cloture', 'CT_Prospect']);
    const tables = SAGE_TABLES.map((t) => ({ ...t, columns: t.columns.filter((c) => !missing.has(c.name)) }));
    const rows = viewsCompany();
    const strip = (list: ReadonlyArray<Record<string, unknown>> | undefined) =>
      (list ?? []).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !missing.has(k)))) as never;
    const file = createSageFixture(dir.file('old.sqlite'), { ...rows, F_DOCENTETE: strip(rows.F_DOCENTETE), F_COMPTET: strip(rows.F_COMPTET) }, { tables });
    const old = await sqliteReplica(file, { dataDirectory: dir.file('data'), company: 'OLD' });
    try {
      const cards = await computeView(old, 'customer-cards', { asOf: AS_OF });
      const data = cards.data as { cards: Array<{ account: string; lastDocuments: Array<Record<string, unknown>> }> };
      // Without CT_Prospect, C4 is an ordinary active customer.
      expect(data.cards.map((c) => c.account)).toEqual(['C1', 'C2', 'C4']);
      expect(data.cards[0]?.lastDocuments[1]).toEqual({ kind: 'invoice', label: 'Facture', piece: 'FA0104', date: '2025-05-20', amount: '100.000000' });
      // Without DO_Cloture the abandoned quote counts as open.
      const quotes = await computeView(old, 'open-quotes', { asOf: AS_OF });
      expect((quotes.data as { count: number }).count).toBe(3);
    } finally {
      await old.close();
    }
  });
});
