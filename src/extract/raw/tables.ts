/**
 * The Data Manager catalogue: which Sage tables are published as raw datasets, under which stable id,
 * in which group (the service option that enables them) and with which keys.
 *
 * Every dataset row is identified by `cbMarq`, the IDENTITY clustered key Sage puts on every table: it is
 * what incremental extraction paginates on, what deletions are reported by, and it survives the in-place
 * transformations of commercial documents (a quote turned into an order, an order into a delivery note, an
 * invoice posted: DO_Type and DO_Piece change, the header's cbMarq and the lines' DL_No / cbMarq do not).
 * `businessKey` is the unique business key as Sage defines it; it can change in place for documents, so
 * consumers should upsert on `cbMarq` and use the business key for display and joins only.
 */
import type { SageTableName } from '../sage/tables.js';

export type RawGroup = 'accounting' | 'commercial';

export interface RawDataset {
  /** Stable id, used as the dataset name on the portal and in state files: never changes. */
  readonly id: string;
  readonly table: SageTableName;
  readonly group: RawGroup;
  readonly title: { readonly fr: string; readonly en: string };
  /** The row id of every dataset: `cbMarq`. */
  readonly rowKey: 'cbMarq';
  /** Unique business key columns (may be rewritten in place, see `stableKey`). */
  readonly businessKey: readonly string[];
  /** Columns that identify the row for its whole life (survive document transformations). */
  readonly stableKey: readonly string[];
  readonly note?: string;
}

const dataset = (
  id: string,
  table: SageTableName,
  group: RawGroup,
  fr: string,
  en: string,
  businessKey: string[],
  stableKey: string[] = businessKey,
  note?: string,
): RawDataset =>
  Object.freeze({
    id,
    table,
    group,
    title: Object.freeze({ fr, en }),
    rowKey: 'cbMarq' as const,
    businessKey: Object.freeze([...businessKey]),
    stableKey: Object.freeze([...stableKey]),
    ...(note === undefined ? {} : { note }),
  });

export const RAW_DATASETS: readonly RawDataset[] = Object.freeze([
  // Accounting
  dataset('company', 'P_DOSSIER', 'accounting', 'Paramètres société', 'Company parameters', ['cbMarq'], ['cbMarq'], 'Single row.'),
  dataset('accounts', 'F_COMPTEG', 'accounting', 'Plan comptable', 'Chart of accounts', ['CG_Num']),
  dataset('third-parties', 'F_COMPTET', 'accounting', 'Comptes tiers', 'Third parties', ['CT_Num']),
  dataset('journals', 'F_JOURNAUX', 'accounting', 'Journaux', 'Journals', ['JO_Num']),
  dataset('ledger-lines', 'F_ECRITUREC', 'accounting', 'Écritures comptables', 'Ledger lines', ['EC_No']),
  dataset('taxes', 'F_TAXE', 'accounting', 'Taxes', 'Taxes', ['TA_Code']),
  // Commercial
  dataset('items', 'F_ARTICLE', 'commercial', 'Articles', 'Items', ['AR_Ref']),
  dataset('item-families', 'F_FAMILLE', 'commercial', 'Familles', 'Item families', ['FA_CodeFamille', 'FA_Type']),
  dataset('warehouses', 'F_DEPOT', 'commercial', 'Dépôts', 'Warehouses', ['DE_No']),
  dataset('stock', 'F_ARTSTOCK', 'commercial', 'Stocks', 'Stock per item and warehouse', ['AR_Ref', 'DE_No']),
  dataset('sales-reps', 'F_COLLABORATEUR', 'commercial', 'Collaborateurs', 'Sales reps and staff', ['CO_No']),
  dataset(
    'document-headers',
    'F_DOCENTETE',
    'commercial',
    'Entêtes de documents',
    'Document headers',
    ['DO_Type', 'DO_Piece'],
    ['cbMarq'],
    'Transformations (quote → order → delivery → invoice → posted invoice) rewrite DO_Type and DO_Piece in place; cbMarq stays.',
  ),
  dataset(
    'document-lines',
    'F_DOCLIGNE',
    'commercial',
    'Lignes de documents',
    'Document lines',
    ['DL_No'],
    ['DL_No'],
    'Lines follow their document through transformations: DO_Type/DO_Piece change, DL_No and cbMarq stay.',
  ),
  dataset('due-dates', 'F_DOCREGL', 'commercial', 'Échéances des documents', 'Document due dates', ['DR_No']),
  dataset('payments', 'F_CREGLEMENT', 'commercial', 'Règlements', 'Payments', ['RG_No']),
  dataset('payment-allocations', 'F_REGLECH', 'commercial', 'Imputations des règlements', 'Payment allocations', ['RG_No', 'DR_No']),
]);

export const RAW_DATASET_IDS: readonly string[] = Object.freeze(RAW_DATASETS.map((d) => d.id));

/** A dataset by id (`ledger-lines`) or by table name (`F_ECRITUREC`, case-insensitive). */
export function findRawDataset(idOrTable: string): RawDataset | undefined {
  const upper = idOrTable.toUpperCase();
  return RAW_DATASETS.find((d) => d.id === idOrTable || d.table === upper);
}

export function rawDatasetsOf(groups: readonly RawGroup[]): RawDataset[] {
  return RAW_DATASETS.filter((d) => groups.includes(d.group));
}
