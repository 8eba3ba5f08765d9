/**
 * How `scale` maps to the size of the demo company. Volumes (documents, ledger lines) grow linearly with
 * scale; the numbers of customers, items and suppliers grow more slowly, as in real companies.
 *
 * Per full fiscal year, scale 1 gives about 975 invoiced sales deals (plus lost quotes, returns and
 * credit notes), 235 purchase invoices, 7,300 ledger lines and 4,600 document lines. The three fiscal
 * years end with the year of `today`, and the current one only runs up to `today`, so totals scale with
 * (2 + the elapsed fraction of the current year). Measured:
 *   scale 1,  today 31 December: ≈ 22,000 ledger lines, 14,000 document lines, 4,300 documents;
 *   scale 1,  today 30 June:     ≈ 18,400 ledger lines, 11,600 document lines;
 *   scale 50, today 20 December: ≈ 1,030,000 ledger lines, 720,000 document lines (≈ 2 × 10^6 rows in all).
 * Reaching a million ledger lines earlier in the year takes a proportionally larger scale (≈ 60 in June).
 */
export interface DemoSizes {
  readonly customers: number;
  readonly suppliers: number;
  readonly items: number;
  readonly reps: number;
  readonly depots: number;
  /** Sales deals that reach (or will reach) an invoice, per year; lost quotes come on top. */
  readonly salesDealsPerYear: number;
  readonly purchaseInvoicesPerYear: number;
  /** Multiplier of overhead amounts (rent, payroll, loan…), so the P&L stays plausible at every scale. */
  readonly overheadFactor: number;
}

export const MAX_DEMO_SCALE = 500;

export function demoSizes(scale: number): DemoSizes {
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_DEMO_SCALE) {
    throw new RangeError(`scale must be a number in (0, ${MAX_DEMO_SCALE}], got ${scale}`);
  }
  return Object.freeze({
    customers: Math.max(12, Math.round(90 * scale ** 0.7)),
    suppliers: Math.max(5, Math.round(14 * scale ** 0.5)),
    items: Math.max(40, Math.round(150 * scale ** 0.6)),
    reps: Math.min(14, 3 + Math.round(Math.log2(1 + scale) * 1.5)),
    depots: scale < 5 ? 2 : 3,
    salesDealsPerYear: Math.max(30, Math.round(975 * scale)),
    purchaseInvoicesPerYear: Math.max(10, Math.round(235 * scale)),
    overheadFactor: scale,
  });
}
