/**
 * Consistency checks: the seed's yellow triangle. Each check is one aggregate query over the Sage tables
 * (GROUP BY / NOT EXISTS on indexed keys, so a few seconds at most on a million ledger lines) and yields
 * warnings naming the table, the key of the faulty row and the problem. Warnings never stop a publication;
 * each check lists at most `limit` rows (default 100) and then one summary warning with the count of the
 * rest, so a broken database does not flood the journal. A check whose tables or columns are missing
 * (a database without the commercial module, an older version) is skipped.
 */
import { sqlDialect, type SqlDialect } from '../dialect.js';
import type { Row, SqlSource } from '../source.js';

export type CheckGroup = 'accounting' | 'commercial';

export interface ConsistencyWarning {
  /** Stable code of the check (`ledger-unbalanced-piece`…). */
  readonly code: string;
  readonly table: string;
  /** The key of the faulty row or group; empty for a summary warning. */
  readonly key: Readonly<Record<string, string | number>>;
  readonly message: string;
  /** On the summary warning that closes a capped check: how many were not listed. */
  readonly omitted?: number;
}

export interface ConsistencyCheckOptions {
  readonly groups: readonly CheckGroup[];
  /** Warnings listed per check before the summary (default 100). */
  readonly limit?: number;
}

export const DEFAULT_WARNING_LIMIT = 100;

interface CheckDefinition {
  readonly code: string;
  readonly group: CheckGroup;
  readonly table: string;
  /** Tables and the columns each must have for the check to run. */
  readonly needs: Readonly<Record<string, readonly string[]>>;
  /** The key columns, in the order of the SELECT. */
  readonly key: readonly string[];
  /** SELECT list → key columns (aliased as in `key`) plus detail columns; FROM/WHERE/GROUP BY; ORDER BY. */
  readonly sql: (d: SqlDialect) => { select: string; from: string; orderBy: string };
  readonly message: (row: Row) => string;
  /** Plural noun for the summary ("unbalanced pieces"). */
  readonly noun: string;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const blank = (d: SqlDialect, expr: string): string => `${d.trim(d.isNull(expr, "''"))} = ''`;

const DOC_KEY_JOIN = (l: string, h: string): string =>
  `${h}.DO_Domaine = ${l}.DO_Domaine AND ${h}.DO_Type = ${l}.DO_Type AND ${h}.DO_Piece = ${l}.DO_Piece`;

export const CHECKS: readonly CheckDefinition[] = [
  // ---------------------------------------------------------------------------------------- accounting
  {
    code: 'ledger-unbalanced-piece',
    group: 'accounting',
    table: 'F_ECRITUREC',
    needs: { F_ECRITUREC: ['JO_Num', 'EC_Piece', 'JM_Date', 'EC_Sens', 'EC_Montant'] },
    key: ['JO_Num', 'EC_Piece', 'JM_Date'],
    noun: 'unbalanced ledger pieces',
    sql: (d) => ({
      select: `e.JO_Num AS JO_Num, e.EC_Piece AS EC_Piece, ${d.dateText('e.JM_Date')} AS JM_Date,
        ${d.moneySum('CASE WHEN e.EC_Sens = 0 THEN e.EC_Montant ELSE 0 END')} AS debit,
        ${d.moneySum('CASE WHEN e.EC_Sens = 0 THEN 0 ELSE e.EC_Montant END')} AS credit`,
      from: `F_ECRITUREC e GROUP BY e.JO_Num, e.EC_Piece, e.JM_Date
        HAVING ${d.exactSum('CASE WHEN e.EC_Sens = 0 THEN e.EC_Montant ELSE -e.EC_Montant END')} <> 0`,
      orderBy: 'e.JM_Date, e.JO_Num, e.EC_Piece',
    }),
    message: (r) =>
      `Ledger piece ${text(r.EC_Piece) || '(no number)'} of journal ${text(r.JO_Num)} (${text(r.JM_Date).slice(0, 7)}) is unbalanced: debit ${text(r.debit)}, credit ${text(r.credit)}.`,
  },
  {
    code: 'ledger-unknown-account',
    group: 'accounting',
    table: 'F_ECRITUREC',
    needs: { F_ECRITUREC: ['EC_No', 'CG_Num'], F_COMPTEG: ['CG_Num'] },
    key: ['EC_No'],
    noun: 'ledger lines on an unknown account',
    sql: () => ({
      select: 'e.EC_No AS EC_No, e.CG_Num AS CG_Num',
      from: 'F_ECRITUREC e WHERE NOT EXISTS (SELECT 1 FROM F_COMPTEG g WHERE g.CG_Num = e.CG_Num)',
      orderBy: 'e.EC_No',
    }),
    message: (r) => `Ledger line ${text(r.EC_No)} is posted on account ${text(r.CG_Num) || '(empty)'}, which is not in the chart of accounts.`,
  },
  {
    code: 'ledger-unknown-third-party',
    group: 'accounting',
    table: 'F_ECRITUREC',
    needs: { F_ECRITUREC: ['EC_No', 'CT_Num'], F_COMPTET: ['CT_Num'] },
    key: ['EC_No'],
    noun: 'ledger lines on an unknown third party',
    sql: (d) => ({
      select: 'e.EC_No AS EC_No, e.CT_Num AS CT_Num',
      from: `F_ECRITUREC e WHERE NOT (${blank(d, 'e.CT_Num')}) AND NOT EXISTS (SELECT 1 FROM F_COMPTET t WHERE t.CT_Num = e.CT_Num)`,
      orderBy: 'e.EC_No',
    }),
    message: (r) => `Ledger line ${text(r.EC_No)} names third party ${text(r.CT_Num)}, which does not exist.`,
  },
  {
    code: 'ledger-unknown-journal',
    group: 'accounting',
    table: 'F_ECRITUREC',
    needs: { F_ECRITUREC: ['EC_No', 'JO_Num'], F_JOURNAUX: ['JO_Num'] },
    key: ['EC_No'],
    noun: 'ledger lines in an unknown journal',
    sql: () => ({
      select: 'e.EC_No AS EC_No, e.JO_Num AS JO_Num',
      from: 'F_ECRITUREC e WHERE NOT EXISTS (SELECT 1 FROM F_JOURNAUX j WHERE j.JO_Num = e.JO_Num)',
      orderBy: 'e.EC_No',
    }),
    message: (r) => `Ledger line ${text(r.EC_No)} is in journal ${text(r.JO_Num)}, which does not exist.`,
  },
  {
    code: 'third-party-unknown-account',
    group: 'accounting',
    table: 'F_COMPTET',
    needs: { F_COMPTET: ['CT_Num', 'CG_NumPrinc'], F_COMPTEG: ['CG_Num'] },
    key: ['CT_Num'],
    noun: 'third parties with an unknown main account',
    sql: (d) => ({
      select: 't.CT_Num AS CT_Num, t.CG_NumPrinc AS CG_NumPrinc',
      from: `F_COMPTET t WHERE NOT (${blank(d, 't.CG_NumPrinc')}) AND NOT EXISTS (SELECT 1 FROM F_COMPTEG g WHERE g.CG_Num = t.CG_NumPrinc)`,
      orderBy: 't.CT_Num',
    }),
    message: (r) => `Third party ${text(r.CT_Num)} has main account ${text(r.CG_NumPrinc)}, which is not in the chart of accounts.`,
  },
  // ---------------------------------------------------------------------------------------- commercial
  {
    code: 'document-unknown-third-party',
    group: 'commercial',
    table: 'F_DOCENTETE',
    needs: { F_DOCENTETE: ['DO_Domaine', 'DO_Type', 'DO_Piece', 'DO_Tiers'], F_COMPTET: ['CT_Num'] },
    key: ['DO_Type', 'DO_Piece'],
    noun: 'documents for an unknown customer or supplier',
    // Sales (0) and purchases (1) only: stock documents hold a warehouse number in DO_Tiers.
    sql: () => ({
      select: 'h.DO_Type AS DO_Type, h.DO_Piece AS DO_Piece, h.DO_Tiers AS DO_Tiers, h.DO_Domaine AS DO_Domaine',
      from: 'F_DOCENTETE h WHERE h.DO_Domaine IN (0, 1) AND NOT EXISTS (SELECT 1 FROM F_COMPTET t WHERE t.CT_Num = h.DO_Tiers)',
      orderBy: 'h.DO_Type, h.DO_Piece',
    }),
    message: (r) =>
      `Document ${text(r.DO_Piece)} (type ${text(r.DO_Type)}) is for ${Number(r.DO_Domaine) === 0 ? 'customer' : 'supplier'} ${text(r.DO_Tiers) || '(empty)'}, which does not exist.`,
  },
  {
    code: 'document-line-unknown-third-party',
    group: 'commercial',
    table: 'F_DOCLIGNE',
    needs: { F_DOCLIGNE: ['DL_No', 'DO_Domaine', 'DO_Type', 'DO_Piece', 'CT_Num'], F_COMPTET: ['CT_Num'] },
    key: ['DL_No'],
    noun: 'document lines for an unknown customer or supplier',
    sql: (d) => ({
      select: 'l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece, l.CT_Num AS CT_Num',
      from: `F_DOCLIGNE l WHERE l.DO_Domaine IN (0, 1) AND NOT (${blank(d, 'l.CT_Num')}) AND NOT EXISTS (SELECT 1 FROM F_COMPTET t WHERE t.CT_Num = l.CT_Num)`,
      orderBy: 'l.DL_No',
    }),
    message: (r) => `Line ${text(r.DL_No)} of document ${text(r.DO_Piece)} (type ${text(r.DO_Type)}) names third party ${text(r.CT_Num)}, which does not exist.`,
  },
  {
    code: 'document-line-unknown-item',
    group: 'commercial',
    table: 'F_DOCLIGNE',
    needs: { F_DOCLIGNE: ['DL_No', 'DO_Type', 'DO_Piece', 'AR_Ref'], F_ARTICLE: ['AR_Ref'] },
    key: ['DL_No'],
    noun: 'document lines on an unknown item',
    // Comment lines have no item (NULL or '').
    sql: (d) => ({
      select: 'l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece, l.AR_Ref AS AR_Ref',
      from: `F_DOCLIGNE l WHERE NOT (${blank(d, 'l.AR_Ref')}) AND NOT EXISTS (SELECT 1 FROM F_ARTICLE a WHERE a.AR_Ref = l.AR_Ref)`,
      orderBy: 'l.DL_No',
    }),
    message: (r) => `Line ${text(r.DL_No)} of document ${text(r.DO_Piece)} (type ${text(r.DO_Type)}) is for item ${text(r.AR_Ref)}, which does not exist.`,
  },
  {
    code: 'document-line-without-header',
    group: 'commercial',
    table: 'F_DOCLIGNE',
    needs: { F_DOCLIGNE: ['DL_No', 'DO_Domaine', 'DO_Type', 'DO_Piece'], F_DOCENTETE: ['DO_Domaine', 'DO_Type', 'DO_Piece'] },
    key: ['DL_No'],
    noun: 'document lines without a document header',
    sql: () => ({
      select: 'l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece',
      from: `F_DOCLIGNE l WHERE NOT EXISTS (SELECT 1 FROM F_DOCENTETE h WHERE ${DOC_KEY_JOIN('l', 'h')})`,
      orderBy: 'l.DL_No',
    }),
    message: (r) => `Line ${text(r.DL_No)} belongs to document ${text(r.DO_Piece)} (type ${text(r.DO_Type)}), which does not exist.`,
  },
  {
    code: 'posted-invoice-without-ledger-entries',
    group: 'commercial',
    table: 'F_DOCENTETE',
    needs: { F_DOCENTETE: ['DO_Domaine', 'DO_Type', 'DO_Piece'], F_ECRITUREC: ['EC_RefPiece'] },
    key: ['DO_Type', 'DO_Piece'],
    noun: 'posted invoices without ledger entries',
    sql: () => ({
      select: 'h.DO_Type AS DO_Type, h.DO_Piece AS DO_Piece',
      from: 'F_DOCENTETE h WHERE h.DO_Domaine = 0 AND h.DO_Type = 7 AND NOT EXISTS (SELECT 1 FROM F_ECRITUREC e WHERE e.EC_RefPiece = h.DO_Piece)',
      orderBy: 'h.DO_Piece',
    }),
    message: (r) => `Posted invoice ${text(r.DO_Piece)} has no ledger entry (no F_ECRITUREC line with EC_RefPiece = ${text(r.DO_Piece)}).`,
  },
  {
    code: 'due-date-without-document',
    group: 'commercial',
    table: 'F_DOCREGL',
    needs: { F_DOCREGL: ['DR_No', 'DO_Domaine', 'DO_Type', 'DO_Piece'], F_DOCENTETE: ['DO_Domaine', 'DO_Type', 'DO_Piece'] },
    key: ['DR_No'],
    noun: 'due dates without a document',
    sql: () => ({
      select: 'r.DR_No AS DR_No, r.DO_Type AS DO_Type, r.DO_Piece AS DO_Piece',
      from: `F_DOCREGL r WHERE NOT EXISTS (SELECT 1 FROM F_DOCENTETE h WHERE ${DOC_KEY_JOIN('r', 'h')})`,
      orderBy: 'r.DR_No',
    }),
    message: (r) => `Due date ${text(r.DR_No)} belongs to document ${text(r.DO_Piece)} (type ${text(r.DO_Type)}), which does not exist.`,
  },
  {
    code: 'allocation-unknown-payment',
    group: 'commercial',
    table: 'F_REGLECH',
    needs: { F_REGLECH: ['RG_No', 'DR_No'], F_CREGLEMENT: ['RG_No'] },
    key: ['RG_No', 'DR_No'],
    noun: 'allocations of an unknown payment',
    sql: () => ({
      select: 'a.RG_No AS RG_No, a.DR_No AS DR_No',
      from: 'F_REGLECH a WHERE NOT EXISTS (SELECT 1 FROM F_CREGLEMENT p WHERE p.RG_No = a.RG_No)',
      orderBy: 'a.RG_No, a.DR_No',
    }),
    message: (r) => `Allocation of payment ${text(r.RG_No)} to due date ${text(r.DR_No)}: the payment does not exist.`,
  },
  {
    code: 'allocation-unknown-due-date',
    group: 'commercial',
    table: 'F_REGLECH',
    needs: { F_REGLECH: ['RG_No', 'DR_No'], F_DOCREGL: ['DR_No'] },
    key: ['RG_No', 'DR_No'],
    noun: 'allocations to an unknown due date',
    sql: () => ({
      select: 'a.RG_No AS RG_No, a.DR_No AS DR_No',
      from: 'F_REGLECH a WHERE NOT EXISTS (SELECT 1 FROM F_DOCREGL r WHERE r.DR_No = a.DR_No)',
      orderBy: 'a.RG_No, a.DR_No',
    }),
    message: (r) => `Allocation of payment ${text(r.RG_No)} to due date ${text(r.DR_No)}: the due date does not exist.`,
  },
  {
    code: 'item-unknown-family',
    group: 'commercial',
    table: 'F_ARTICLE',
    needs: { F_ARTICLE: ['AR_Ref', 'FA_CodeFamille'], F_FAMILLE: ['FA_CodeFamille'] },
    key: ['AR_Ref'],
    noun: 'items in an unknown family',
    sql: (d) => ({
      select: 'a.AR_Ref AS AR_Ref, a.FA_CodeFamille AS FA_CodeFamille',
      from: `F_ARTICLE a WHERE NOT (${blank(d, 'a.FA_CodeFamille')}) AND NOT EXISTS (SELECT 1 FROM F_FAMILLE f WHERE f.FA_CodeFamille = a.FA_CodeFamille)`,
      orderBy: 'a.AR_Ref',
    }),
    message: (r) => `Item ${text(r.AR_Ref)} is in family ${text(r.FA_CodeFamille)}, which does not exist.`,
  },
  {
    code: 'stock-unknown-item',
    group: 'commercial',
    table: 'F_ARTSTOCK',
    needs: { F_ARTSTOCK: ['AR_Ref', 'DE_No'], F_ARTICLE: ['AR_Ref'] },
    key: ['AR_Ref', 'DE_No'],
    noun: 'stock rows of an unknown item',
    sql: () => ({
      select: 's.AR_Ref AS AR_Ref, s.DE_No AS DE_No',
      from: 'F_ARTSTOCK s WHERE NOT EXISTS (SELECT 1 FROM F_ARTICLE a WHERE a.AR_Ref = s.AR_Ref)',
      orderBy: 's.AR_Ref, s.DE_No',
    }),
    message: (r) => `Stock of item ${text(r.AR_Ref)} in warehouse ${text(r.DE_No)}: the item does not exist.`,
  },
  {
    code: 'stock-unknown-warehouse',
    group: 'commercial',
    table: 'F_ARTSTOCK',
    needs: { F_ARTSTOCK: ['AR_Ref', 'DE_No'], F_DEPOT: ['DE_No'] },
    key: ['AR_Ref', 'DE_No'],
    noun: 'stock rows in an unknown warehouse',
    sql: () => ({
      select: 's.AR_Ref AS AR_Ref, s.DE_No AS DE_No',
      from: 'F_ARTSTOCK s WHERE NOT EXISTS (SELECT 1 FROM F_DEPOT w WHERE w.DE_No = s.DE_No)',
      orderBy: 's.AR_Ref, s.DE_No',
    }),
    message: (r) => `Stock of item ${text(r.AR_Ref)} in warehouse ${text(r.DE_No)}: the warehouse does not exist.`,
  },
];

function keyOf(check: CheckDefinition, row: Row): Record<string, string | number> {
  const key: Record<string, string | number> = {};
  for (const k of check.key) {
    const v = row[k];
    key[k] = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : text(v);
  }
  return key;
}

async function hasColumns(
  source: SqlSource,
  cache: Map<string, Promise<Set<string>>>,
  needs: Readonly<Record<string, readonly string[]>>,
): Promise<boolean> {
  for (const [table, columns] of Object.entries(needs)) {
    let found = cache.get(table);
    if (!found) {
      found = source.columns(table).then((cols) => new Set(cols.map((c) => c.name.toLowerCase())));
      cache.set(table, found);
    }
    const names = await found;
    if (names.size === 0 || columns.some((c) => !names.has(c.toLowerCase()))) return false;
  }
  return true;
}

/** Runs the checks of the given groups; resolves to the warnings (an empty list for a clean database). */
export async function runConsistencyChecks(
  source: SqlSource,
  options: ConsistencyCheckOptions,
): Promise<ConsistencyWarning[]> {
  const limit = options.limit ?? DEFAULT_WARNING_LIMIT;
  const d = sqlDialect(source.dialect);
  const cache = new Map<string, Promise<Set<string>>>();
  const warnings: ConsistencyWarning[] = [];
  for (const check of CHECKS) {
    if (!options.groups.includes(check.group)) continue;
    if (!(await hasColumns(source, cache, check.needs))) continue;
    const { select, from, orderBy } = check.sql(d);
    // COUNT(*) OVER () gives the total number of problems with the first `limit` of them, in one query.
    const sql = `SELECT ${d.top(limit)}${select}, COUNT(*) OVER () AS sb_total FROM ${from} ORDER BY ${orderBy} ${d.limit(limit)}`;
    let total = 0;
    let listed = 0;
    for await (const row of source.query(sql)) {
      total = Number(row.sb_total);
      listed++;
      warnings.push(Object.freeze({ code: check.code, table: check.table, key: Object.freeze(keyOf(check, row)), message: check.message(row) }));
    }
    if (total > listed) {
      const omitted = total - listed;
      warnings.push(
        Object.freeze({
          code: check.code,
          table: check.table,
          key: Object.freeze({}),
          message: `${omitted} more ${check.noun} not listed (${total} in all).`,
          omitted,
        }),
      );
    }
  }
  return warnings;
}
