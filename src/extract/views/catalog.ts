/**
 * The view catalogue: stable ids (they are stored in configs, pushed to the portal and used in mobile
 * URLs, so they never change), titles and the service option that enables each group.
 * Definitions live in docs/views.md; computations live beside this file.
 */
export type ViewGroup = 'accounting' | 'commercial';

export interface ViewInfo {
  readonly id: string;
  readonly group: ViewGroup;
  readonly title: { readonly fr: string; readonly en: string };
  readonly summary: string;
}

const view = (id: string, group: ViewGroup, fr: string, en: string, summary: string): ViewInfo =>
  Object.freeze({ id, group, title: Object.freeze({ fr, en }), summary });

export const VIEW_CATALOG: readonly ViewInfo[] = Object.freeze([
  view('revenue-by-month', 'accounting', "Chiffre d'affaires mensuel", 'Revenue by month', 'Revenue (class 70 accounts) per month of the fiscal year against the previous year.'),
  view('treasury', 'accounting', 'Trésorerie', 'Treasury', 'Balance of each bank and cash account (class 5) and its month-end evolution.'),
  view('customer-outstanding', 'accounting', 'Encours clients', 'Customer outstanding', 'Balance of each customer account (opening entries counted once), its overdue open items and its credit limit.'),
  view('customer-aged-balance', 'accounting', 'Balance âgée clients', 'Customer aged balance', 'Open receivables per customer split into not due, 0–30, 31–60, 61–90 and over 90 days past due.'),
  view('supplier-outstanding', 'accounting', 'Encours fournisseurs', 'Supplier outstanding', 'Balance of each supplier account (opening entries counted once) and its overdue open items.'),
  view('supplier-aged-balance', 'accounting', 'Balance âgée fournisseurs', 'Supplier aged balance', 'Open payables per supplier split into not due, 0–30, 31–60, 61–90 and over 90 days past due.'),
  view('upcoming-due-dates', 'accounting', 'Échéancier', 'Upcoming due dates', 'Open receivable and payable items falling due in the next 8 weeks, by week, and what is already overdue.'),
  view('income-expenses', 'accounting', 'Produits et charges', 'Income and expenses', 'Income (class 7) and expenses (class 6) per month of the fiscal year.'),
  view('sales-by-month', 'commercial', 'Ventes facturées par mois', 'Invoiced sales by month', 'Invoiced sales excluding tax per month against the previous year, credit notes deducted.'),
  view('top-customers', 'commercial', 'Meilleurs clients', 'Top customers', 'Customers ranked by invoiced sales over the last 12 months.'),
  view('top-items', 'commercial', 'Meilleurs articles', 'Top items', 'Items ranked by invoiced sales over the last 12 months, with quantity and margin.'),
  view('sales-by-family', 'commercial', 'Ventes par famille', 'Sales by item family', 'Invoiced sales and margin per item family over the last 12 months.'),
  view('sales-by-rep', 'commercial', 'Ventes par représentant', 'Sales by sales rep', 'Invoiced sales per sales representative over the last 12 months.'),
  view('open-orders', 'commercial', 'Commandes en cours', 'Open customer orders', 'Customer orders and delivery preparations not yet delivered, with their amount and age.'),
  view('open-quotes', 'commercial', 'Devis en cours', 'Open quotes', 'Quotes neither converted into orders nor closed, with their amount and age.'),
  view('stock-value', 'commercial', 'Valeur du stock', 'Stock value by warehouse', 'Current stock quantity and value per warehouse.'),
  view('stock-shortages', 'commercial', 'Ruptures de stock', 'Items below minimum', 'Items whose stock in a warehouse is below their minimum quantity.'),
  view('customer-cards', 'commercial', 'Fiches clients', 'Customer cards', 'Contact details, 12-month sales, outstanding and last documents of each customer.'),
]);

export const VIEW_IDS: readonly string[] = Object.freeze(VIEW_CATALOG.map((v) => v.id));

export function findView(id: string): ViewInfo | undefined {
  return VIEW_CATALOG.find((v) => v.id === id);
}
