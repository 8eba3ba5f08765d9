/**
 * Consistency checks: the seed's yellow triangle. Each check yields warnings naming the table, the key of
 * the faulty row or group and the problem. Warnings never stop a publication; each check lists at most
 * `limit` rows (default 100) and then one summary warning with the count of the rest, so a broken database
 * does not flood the journal. A check whose tables or columns are missing (a database without the
 * commercial module, an older version) is skipped.
 *
 * Each check's `sql` is its reference statement: what it finds, in which order. The statements actually
 * run give exactly the same rows for less than half the work (a million ledger lines: 1.2 s of SQLite
 * instead of 2.7 s, about 0.65 s of wall time on two reader threads):
 * - anti-joins are decided once per distinct key read from an index (`IN (SELECT … FROM (SELECT DISTINCT
 *   …) WHERE NOT EXISTS …)`, `… EXCEPT …` merged from two indexes), then only the faulty rows are read;
 * - the ledger is grouped once, for the unbalanced pieces, and the same pass tells whether any piece is in
 *   an unknown journal (the full per-line journal check then runs only if so);
 * - the document lines are read once for their unknown third parties and unknown items;
 * - on a large SQLite file, the statements run on two reader threads (lanes.ts).
 * NULL keys are handled by their own branch (`UNION ALL … IS NULL`), free on the NOT NULL key columns of
 * the Sage schema. test/extract/checks.test.ts runs both forms against each other.
 */
import { statSync } from 'node:fs';
import { SQLITE_DIALECT, type SqlDialect } from '../dialect.js';
import { decimalFromMicro } from '../sage/decimal.js';
import { requireReplica, type Row, type SqlSource, type SqlValue } from '../../sources/source.js';
import { LaneRefusal, readerLane, sourceLane, type Lane } from './lanes.js';

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
  /**
   * Reader threads for a SQLite file (each with its own connection): 0 runs every statement on the source's
   * connection. Default: 2 for a file of 64 MB or more, else 0. Other sources always use their connection.
   */
  readonly threads?: number;
  /** Stops the checks between statements (the one running finishes); they then reject with the reason. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_WARNING_LIMIT = 100;

interface CheckSql {
  readonly select: string;
  readonly from: string;
  readonly orderBy: string;
}

interface CheckDefinition {
  readonly code: string;
  readonly group: CheckGroup;
  readonly table: string;
  /** Tables and the columns each must have for the check to run. */
  readonly needs: Readonly<Record<string, readonly string[]>>;
  /** The key columns, in the order of the SELECT. */
  readonly key: readonly string[];
  /**
   * The reference statement: SELECT list → key columns (aliased as in `key`) plus detail columns;
   * FROM/WHERE/GROUP BY; ORDER BY.
   */
  readonly sql: (d: SqlDialect) => CheckSql;
  /** The same rows in the same order, cheaper (see the header); the checks run with it when given. */
  readonly fast?: (d: SqlDialect) => CheckSql;
  readonly message: (row: Row) => string;
  /** Plural noun for the summary ("unbalanced pieces"). */
  readonly noun: string;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const blank = (d: SqlDialect, expr: string): string => `${d.trim(d.isNull(expr, "''"))} = ''`;

const DOC_KEY_JOIN = (l: string, h: string): string =>
  `${h}.DO_Domaine = ${l}.DO_Domaine AND ${h}.DO_Type = ${l}.DO_Type AND ${h}.DO_Piece = ${l}.DO_Piece`;

/**
 * The rows of `table` (alias x, columns `select`) whose document (DO_Domaine, DO_Type, DO_Piece) has no
 * header. EXCEPT keeps the distinct keys without a header (SQLite merges the two index orders); a key with a
 * NULL part has no header by `=`, hence its own branch.
 */
const WITHOUT_HEADER = (table: string, select: string): string =>
  `(SELECT ${select} FROM ${table} x
    JOIN (SELECT y.DO_Domaine AS DO_Domaine, y.DO_Type AS DO_Type, y.DO_Piece AS DO_Piece FROM ${table} y
      EXCEPT SELECT h.DO_Domaine, h.DO_Type, h.DO_Piece FROM F_DOCENTETE h) m ON ${DOC_KEY_JOIN('x', 'm')}
    UNION ALL SELECT ${select} FROM ${table} x WHERE x.DO_Domaine IS NULL OR x.DO_Type IS NULL OR x.DO_Piece IS NULL)`;

/** The allocations (F_REGLECH, alias x) whose `column` is not in `table`. */
const ALLOCATIONS_MISSING = (column: string, table: string): string =>
  `(SELECT x.RG_No AS RG_No, x.DR_No AS DR_No FROM F_REGLECH x
    WHERE x.${column} IN (SELECT y.${column} FROM F_REGLECH y EXCEPT SELECT z.${column} FROM ${table} z)
    UNION ALL SELECT x.RG_No, x.DR_No FROM F_REGLECH x WHERE x.${column} IS NULL)`;

/** Conditions on a line `l` LEFT JOINed to F_COMPTET `t` / F_ARTICLE `a` (a NULL key column: no match). */
const LINE_UNKNOWN_THIRD_PARTY = (d: SqlDialect): string => `t.CT_Num IS NULL AND l.DO_Domaine IN (0, 1) AND NOT (${blank(d, 'l.CT_Num')})`;
const LINE_UNKNOWN_ITEM = (d: SqlDialect): string => `a.AR_Ref IS NULL AND NOT (${blank(d, 'l.AR_Ref')})`;

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
    // The accounts used, from the IEC_CG index (a few dozen), then the lines on the unknown ones.
    fast: () => ({
      select: 'e.EC_No AS EC_No, e.CG_Num AS CG_Num',
      from: `(SELECT x.EC_No AS EC_No, x.CG_Num AS CG_Num FROM F_ECRITUREC x
        WHERE x.CG_Num IN (SELECT v.CG_Num FROM (SELECT DISTINCT y.CG_Num AS CG_Num FROM F_ECRITUREC y) v
          WHERE NOT EXISTS (SELECT 1 FROM F_COMPTEG g WHERE g.CG_Num = v.CG_Num))
        UNION ALL SELECT x.EC_No, x.CG_Num FROM F_ECRITUREC x WHERE x.CG_Num IS NULL) e`,
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
    // The third parties used, from the IEC_CT index. The condition on them is one term, `NOT (… OR EXISTS
    // …)`: SQLite would push a plain term down into the DISTINCT and then read every index entry.
    fast: (d) => ({
      select: 'e.EC_No AS EC_No, e.CT_Num AS CT_Num',
      from: `F_ECRITUREC e WHERE NOT (${blank(d, 'e.CT_Num')})
        AND e.CT_Num IN (SELECT v.CT_Num FROM (SELECT DISTINCT y.CT_Num AS CT_Num FROM F_ECRITUREC y) v
          WHERE NOT (${blank(d, 'v.CT_Num')} OR EXISTS (SELECT 1 FROM F_COMPTET t WHERE t.CT_Num = v.CT_Num)))`,
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
    // The third parties named, from the IDO_TIERS index, then the documents for the unknown ones.
    fast: () => ({
      select: 'h.DO_Type AS DO_Type, h.DO_Piece AS DO_Piece, h.DO_Tiers AS DO_Tiers, h.DO_Domaine AS DO_Domaine',
      from: `(SELECT x.DO_Type AS DO_Type, x.DO_Piece AS DO_Piece, x.DO_Tiers AS DO_Tiers, x.DO_Domaine AS DO_Domaine
        FROM F_DOCENTETE x WHERE x.DO_Domaine IN (0, 1)
          AND x.DO_Tiers IN (SELECT v.DO_Tiers FROM (SELECT DISTINCT y.DO_Domaine AS DO_Domaine, y.DO_Tiers AS DO_Tiers FROM F_DOCENTETE y) v
            WHERE v.DO_Domaine IN (0, 1) AND NOT EXISTS (SELECT 1 FROM F_COMPTET t WHERE t.CT_Num = v.DO_Tiers))
        UNION ALL SELECT x.DO_Type, x.DO_Piece, x.DO_Tiers, x.DO_Domaine FROM F_DOCENTETE x
          WHERE x.DO_Domaine IN (0, 1) AND x.DO_Tiers IS NULL) h`,
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
    // Alone (see documentLinesTask for both line checks in one pass): a join is cheaper than a subquery.
    fast: (d) => ({
      select: 'l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece, l.CT_Num AS CT_Num',
      from: `F_DOCLIGNE l LEFT JOIN F_COMPTET t ON t.CT_Num = l.CT_Num WHERE ${LINE_UNKNOWN_THIRD_PARTY(d)}`,
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
    fast: (d) => ({
      select: 'l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece, l.AR_Ref AS AR_Ref',
      from: `F_DOCLIGNE l LEFT JOIN F_ARTICLE a ON a.AR_Ref = l.AR_Ref WHERE ${LINE_UNKNOWN_ITEM(d)}`,
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
    // The documents of the lines (IDL_PIECE) minus the documents, merged in key order, then their lines.
    fast: () => ({
      select: 'l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece',
      from: `${WITHOUT_HEADER('F_DOCLIGNE', 'x.DL_No AS DL_No, x.DO_Type AS DO_Type, x.DO_Piece AS DO_Piece')} l`,
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
    // Invoice numbers from the (DO_Type, DO_Piece) index, each looked up in IEC_REFPIECE; the domain of the
    // few without an entry is read last.
    fast: () => ({
      select: 'h.DO_Type AS DO_Type, h.DO_Piece AS DO_Piece',
      from: `(SELECT x.DO_Type AS DO_Type, x.DO_Piece AS DO_Piece FROM F_DOCENTETE x
        WHERE x.DO_Type = 7 AND x.DO_Piece IN (SELECT y.DO_Piece FROM F_DOCENTETE y
            WHERE y.DO_Type = 7 AND NOT EXISTS (SELECT 1 FROM F_ECRITUREC e WHERE e.EC_RefPiece = y.DO_Piece))
          AND x.DO_Domaine = 0
        UNION ALL SELECT x.DO_Type, x.DO_Piece FROM F_DOCENTETE x WHERE x.DO_Domaine = 0 AND x.DO_Type = 7 AND x.DO_Piece IS NULL) h`,
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
    fast: () => ({
      select: 'r.DR_No AS DR_No, r.DO_Type AS DO_Type, r.DO_Piece AS DO_Piece',
      from: `${WITHOUT_HEADER('F_DOCREGL', 'x.DR_No AS DR_No, x.DO_Type AS DO_Type, x.DO_Piece AS DO_Piece')} r`,
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
    fast: () => ({
      select: 'a.RG_No AS RG_No, a.DR_No AS DR_No',
      from: `${ALLOCATIONS_MISSING('RG_No', 'F_CREGLEMENT')} a`,
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
    fast: () => ({
      select: 'a.RG_No AS RG_No, a.DR_No AS DR_No',
      from: `${ALLOCATIONS_MISSING('DR_No', 'F_DOCREGL')} a`,
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

// ---------------------------------------------------------------------------------------------- running

/** What a check found: the rows listed (at most `limit`) and how many there are in all. */
interface CheckResult {
  readonly rows: readonly Row[];
  readonly total: number;
}

/** One statement answering one or more checks. */
interface Task {
  readonly sql: string;
  /** Rough relative cost: the costliest tasks are handed out first. */
  readonly cost: number;
  /** The results the rows give, by check code, and tasks to run next. */
  collect(rows: readonly Row[]): { results: [string, CheckResult][]; next?: Task[] };
}

const byCode = new Map(CHECKS.map((c) => [c.code, c]));
const check = (code: string): CheckDefinition => byCode.get(code) as CheckDefinition;

/** A check's statement (`fast` if it has one), capped at `limit` rows, with the total in each row. */
function cappedTask(d: SqlDialect, limit: number, code: string): Task {
  const def = check(code);
  const { select, from, orderBy } = def.fast?.(d) ?? def.sql(d);
  return {
    sql: `SELECT ${select}, COUNT(*) OVER () AS sb_total FROM ${from} ORDER BY ${orderBy} ${d.limit(limit)}`,
    cost: COSTS[code] ?? 0,
    collect: (rows) => ({ results: [[code, { rows, total: rows.length > 0 ? Number(rows[rows.length - 1]?.sb_total) : 0 }]] }),
  };
}

/**
 * The unbalanced pieces, and whether any piece is in an unknown journal, in one GROUP BY of the ledger.
 * `SUM(debit) <> SUM(credit)` is the reference's `SUM(±amount) <> 0` (exact integer sums), NULL amounts drop
 * out of both, and a group whose debit or credit sum is NULL has a NULL signed sum too. The sums come back in
 * micro-units and are formatted here exactly as `sb_decimal_micro` would, so a reader thread needs no user
 * function.
 */
function ledgerPiecesTask(d: SqlDialect, limit: number, journals: boolean): Task {
  const debitTerm = 'CASE WHEN e.EC_Sens = 0 THEN e.EC_Montant ELSE 0 END';
  const creditTerm = 'CASE WHEN e.EC_Sens = 0 THEN 0 ELSE e.EC_Montant END';
  const debit = d.exactSum(debitTerm);
  const credit = d.exactSum(creditTerm);
  const unknownJournal = 'NOT EXISTS (SELECT 1 FROM F_JOURNAUX j WHERE j.JO_Num = e.JO_Num)';
  const sql = `SELECT g.JO_Num AS JO_Num, g.EC_Piece AS EC_Piece, g.JM_Date AS JM_Date, g.debit AS debit, g.credit AS credit,
      g.sb_bad AS sb_bad, SUM(g.sb_bad) OVER () AS sb_total, SUM(g.sb_journal) OVER () AS sb_journal
    FROM (SELECT e.JO_Num AS JO_Num, e.EC_Piece AS EC_Piece, e.JM_Date AS sb_date, ${d.dateText('e.JM_Date')} AS JM_Date,
        ${debit} AS debit, ${credit} AS credit,
        CASE WHEN ${debit} <> ${credit} THEN 1 ELSE 0 END AS sb_bad,
        ${journals ? `CASE WHEN ${unknownJournal} THEN 1 ELSE 0 END` : '0'} AS sb_journal
      FROM F_ECRITUREC e GROUP BY e.EC_Piece, e.JO_Num, e.JM_Date
      HAVING ${debit} <> ${credit}${journals ? ` OR ${unknownJournal}` : ''}) g
    ORDER BY g.sb_bad DESC, g.sb_date, g.JO_Num, g.EC_Piece ${d.limit(limit)}`;
  const amount = (v: SqlValue | undefined): SqlValue => (typeof v === 'number' || typeof v === 'bigint' ? decimalFromMicro(BigInt(v)) : (v ?? null));
  return {
    sql,
    cost: 10,
    collect(rows) {
      const pieces = rows.filter((r) => Number(r.sb_bad) === 1).map((r): Row => ({ ...r, debit: amount(r.debit), credit: amount(r.credit) }));
      const results: [string, CheckResult][] = [['ledger-unbalanced-piece', { rows: pieces, total: pieces.length > 0 ? Number(pieces[0]?.sb_total) : 0 }]];
      if (!journals) return { results };
      // Some piece is in an unknown journal: list its lines with the reference statement.
      if (rows.length > 0 && Number(rows[0]?.sb_journal) > 0) return { results, next: [cappedTask(d, limit, 'ledger-unknown-journal')] };
      return { results: [...results, ['ledger-unknown-journal', { rows: [], total: 0 }]] };
    },
  };
}

/**
 * The document lines' unknown third parties and unknown items in one pass: each line flagged per check,
 * then per check its total and its first `limit` lines by DL_No (ROW_NUMBER per flag), in one list. The
 * joins are on the referenced tables' keys; should a key be duplicated there, DISTINCT over the line's
 * cbMarq (unique; every replica table has it) folds the repeated line back into one.
 */
function documentLinesTask(d: SqlDialect, limit: number): Task {
  const flags = [
    { code: 'document-line-unknown-third-party', condition: LINE_UNKNOWN_THIRD_PARTY(d) },
    { code: 'document-line-unknown-item', condition: LINE_UNKNOWN_ITEM(d) },
  ];
  void d.limit(limit); // a RangeError for a negative or fractional limit, as from the other statements
  const sql = `SELECT f.DL_No AS DL_No, f.DO_Type AS DO_Type, f.DO_Piece AS DO_Piece, f.CT_Num AS CT_Num, f.AR_Ref AS AR_Ref,
      ${flags.map((_, i) => `CASE WHEN f.sb_f${i} = 1 AND f.sb_r${i} <= ${limit} THEN f.sb_r${i} ELSE 0 END AS sb_r${i}, f.sb_n${i} AS sb_n${i}`).join(', ')}
    FROM (SELECT b.DL_No AS DL_No, b.DO_Type AS DO_Type, b.DO_Piece AS DO_Piece, b.CT_Num AS CT_Num, b.AR_Ref AS AR_Ref,
        ${flags.map((_, i) => `b.sb_f${i} AS sb_f${i}, SUM(b.sb_f${i}) OVER () AS sb_n${i}, ROW_NUMBER() OVER (PARTITION BY b.sb_f${i} ORDER BY b.DL_No) AS sb_r${i}`).join(',\n        ')}
      FROM (SELECT DISTINCT l.cbMarq AS sb_id, l.DL_No AS DL_No, l.DO_Type AS DO_Type, l.DO_Piece AS DO_Piece, l.CT_Num AS CT_Num, l.AR_Ref AS AR_Ref,
          ${flags.map((f, i) => `CASE WHEN ${f.condition} THEN 1 ELSE 0 END AS sb_f${i}`).join(', ')}
        FROM F_DOCLIGNE l LEFT JOIN F_COMPTET t ON t.CT_Num = l.CT_Num LEFT JOIN F_ARTICLE a ON a.AR_Ref = l.AR_Ref
        WHERE ${flags.map((f) => `(${f.condition})`).join(' OR ')}) b) f
    WHERE ${flags.map((_, i) => `(f.sb_f${i} = 1 AND f.sb_r${i} <= ${limit})`).join(' OR ')}
    ORDER BY f.DL_No`;
  return {
    sql,
    cost: 7,
    collect: (rows) => ({
      results: flags.map((f, i): [string, CheckResult] => {
        // sb_rN: the line's rank among those check N lists, 0 when it is not one of them (a line may be
        // listed for one check and be beyond the other's first `limit`).
        const mine = rows.filter((r) => Number(r[`sb_r${i}`]) > 0);
        return [f.code, { rows: mine, total: mine.length > 0 ? Number(mine[0]?.[`sb_n${i}`]) : 0 }];
      }),
    }),
  };
}

/** Relative cost of each check's own statement at a million ledger lines (measured), when not negligible. */
const COSTS: Readonly<Record<string, number>> = {
  'document-line-unknown-third-party': 5,
  'document-line-unknown-item': 5,
  'document-line-without-header': 3,
  'due-date-without-document': 2,
  'posted-invoice-without-ledger-entries': 1,
  'allocation-unknown-payment': 1,
  'allocation-unknown-due-date': 1,
  'ledger-unknown-journal': 3,
};

/** The statements that answer the runnable checks. */
function plan(d: SqlDialect, limit: number, runnable: ReadonlySet<string>): Task[] {
  const tasks: Task[] = [];
  const done = new Set<string>();
  if (runnable.has('ledger-unbalanced-piece')) {
    const journals = runnable.has('ledger-unknown-journal');
    tasks.push(ledgerPiecesTask(d, limit, journals));
    done.add('ledger-unbalanced-piece');
    if (journals) done.add('ledger-unknown-journal');
  }
  if (runnable.has('document-line-unknown-third-party') && runnable.has('document-line-unknown-item')) {
    tasks.push(documentLinesTask(d, limit));
    done.add('document-line-unknown-third-party');
    done.add('document-line-unknown-item');
  }
  for (const c of CHECKS) {
    if (runnable.has(c.code) && !done.has(c.code)) tasks.push(cappedTask(d, limit, c.code));
  }
  return tasks;
}

/** Default reader threads: only a large SQLite file is worth the start of two threads. */
const PARALLEL_FILE_BYTES = 64 * 1024 * 1024;

function readerCount(source: SqlSource, threads: number | undefined): number {
  if (!source.file) return 0;
  if (threads !== undefined) return Math.max(0, Math.floor(threads));
  try {
    return statSync(source.file).size >= PARALLEL_FILE_BYTES ? 2 : 0;
  } catch {
    return 0;
  }
}

/** Runs the tasks on the lanes, costliest first; a statement a reader refuses runs on the source. */
async function runTasks(tasks: readonly Task[], lanes: readonly Lane[], source: Lane, signal: AbortSignal | undefined): Promise<Map<string, CheckResult>> {
  const queue = [...tasks].sort((a, b) => b.cost - a.cost);
  const results = new Map<string, CheckResult>();
  let failed = false;
  const drive = async (lane: Lane): Promise<void> => {
    for (let task = queue.shift(); task && !failed; task = queue.shift()) {
      signal?.throwIfAborted();
      let rows: Row[];
      try {
        rows = await lane.run(task.sql);
      } catch (error) {
        if (!(error instanceof LaneRefusal)) throw error;
        rows = await source.run(task.sql);
      }
      const { results: found, next } = task.collect(rows);
      for (const [code, result] of found) results.set(code, result);
      if (next) queue.push(...next);
    }
  };
  await Promise.all(
    lanes.map((lane) =>
      drive(lane).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  return results;
}

/** Runs the checks of the given groups; resolves to the warnings (an empty list for a clean database). */
export async function runConsistencyChecks(
  source: SqlSource,
  options: ConsistencyCheckOptions,
): Promise<ConsistencyWarning[]> {
  requireReplica(source, 'The consistency checks');
  const limit = options.limit ?? DEFAULT_WARNING_LIMIT;
  const d = SQLITE_DIALECT;
  const cache = new Map<string, Promise<Set<string>>>();
  const runnable = new Set<string>();
  for (const c of CHECKS) {
    if (options.groups.includes(c.group) && (await hasColumns(source, cache, c.needs))) runnable.add(c.code);
  }
  if (runnable.size === 0) return [];
  const tasks = plan(d, limit, runnable);

  const onSource = sourceLane(source);
  const count = Math.min(readerCount(source, options.threads), tasks.length);
  const readers = Array.from({ length: count }, () => readerLane(source.file as string));
  let results: Map<string, CheckResult>;
  try {
    results = await runTasks(tasks, readers.length > 0 ? readers : [onSource], onSource, options.signal);
  } finally {
    for (const reader of readers) reader.close();
  }

  const warnings: ConsistencyWarning[] = [];
  for (const c of CHECKS) {
    const found = results.get(c.code);
    if (!found) continue;
    for (const row of found.rows) {
      warnings.push(Object.freeze({ code: c.code, table: c.table, key: Object.freeze(keyOf(c, row)), message: c.message(row) }));
    }
    if (found.total > found.rows.length && found.rows.length > 0) {
      const omitted = found.total - found.rows.length;
      warnings.push(
        Object.freeze({
          code: c.code,
          table: c.table,
          key: Object.freeze({}),
          message: `${omitted} more ${c.noun} not listed (${found.total} in all).`,
          omitted,
        }),
      );
    }
  }
  return warnings;
}
