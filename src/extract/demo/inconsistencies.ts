/**
 * The deliberate inconsistencies of the demo company, so consistency checks have something to find and
 * tests can tell them from generator bugs. Everything else in the demo database is coherent.
 * They are written in the current fiscal year, ten days before `today` (or on its first day).
 */
export const DEMO_INCONSISTENCIES = Object.freeze({
  /** An OD piece whose debit exceeds its credit by 0.01 (F_ECRITUREC, found by EC_RefPiece). */
  unbalancedPiece: Object.freeze({ journal: 'OD', refPiece: 'ECART-0001', debitMinusCredit: '0.010000' }),
  /** A posted invoice with a line whose item does not exist in F_ARTICLE (the invoice itself is posted normally). */
  unknownItemLine: Object.freeze({ doType: 7, doPiece: 'FAI000001', arRef: 'ZZ-SUPPRIME' }),
  /** An invoice (not yet posted) for a customer that does not exist in F_COMPTET. */
  unknownCustomerInvoice: Object.freeze({ doType: 6, doPiece: 'FAI000002', tiers: 'CINCONNU' }),
  /** A posted invoice (DO_Type 7) with no ledger entry carrying its number in EC_RefPiece. */
  postedInvoiceWithoutLedger: Object.freeze({ doType: 7, doPiece: 'FAI000003' }),
});

export type DemoInconsistencies = typeof DEMO_INCONSISTENCIES;
