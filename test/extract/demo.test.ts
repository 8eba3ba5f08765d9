import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { registerSqliteFunctions, SQLITE_DIALECT as d } from '../../src/extract/dialect.js';
import { createDemoDatabase, DEMO_INCONSISTENCIES, demoSizes, type DemoDatabaseResult } from '../../src/extract/demo/index.js';
import { SAGE_TABLES } from '../../src/extract/sage/tables.js';
import { openSqliteSource } from '../../src/sources/sqlite.js';
import { createTempDir, type TempDir } from '../support/sage-fixture.js';

const TODAY = '2025-03-12';
let dir: TempDir;
let demo: DemoDatabaseResult;
let db: Database.Database;

/** Exact signed sum (debit − credit) in micro-units, as SQL text. */
const SIGNED_MICRO = 'SUM(CAST(ROUND(CASE WHEN EC_Sens = 0 THEN EC_Montant ELSE -EC_Montant END * 1000000) AS INTEGER))';
const micro = (column: string) => `SUM(CAST(ROUND(${column} * 1000000) AS INTEGER))`;
const microOf = (column: string) => `CAST(ROUND(${column} * 1000000) AS INTEGER)`;

function all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
  return db.prepare(sql).all(...params) as T[];
}
function one<T = unknown>(sql: string, ...params: unknown[]): T {
  return db.prepare(sql).pluck().get(...params) as T;
}

function checksum(path: string): string {
  const source = new Database(path, { readonly: true });
  try {
    const hash = createHash('sha256');
    for (const table of SAGE_TABLES) {
      for (const row of source.prepare(`SELECT * FROM "${table.name}" ORDER BY cbMarq`).raw().iterate()) {
        hash.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
      }
    }
    return hash.digest('hex');
  } finally {
    source.close();
  }
}

beforeAll(async () => {
  dir = createTempDir('sbsync-demo-');
  demo = await createDemoDatabase({ path: dir.file('demo.sqlite'), scale: 0.5, seed: 7, today: TODAY });
  db = new Database(demo.path, { readonly: true });
  registerSqliteFunctions(db);
});
afterAll(() => {
  db?.close();
  dir?.remove();
});

describe('createDemoDatabase', () => {
  it('reports the file and the row count of every Sage table', () => {
    expect(demo.path).toBe(dir.file('demo.sqlite'));
    expect(Object.keys(demo.counts).sort()).toEqual(SAGE_TABLES.map((t) => t.name).sort());
    for (const table of SAGE_TABLES) {
      expect(one(`SELECT count(*) FROM "${table.name}"`), table.name).toBe(demo.counts[table.name]);
    }
    expect(demo.counts.F_ECRITUREC).toBeGreaterThan(4000);
    expect(demo.counts.F_DOCLIGNE).toBeGreaterThan(2000);
  });

  it('is deterministic for the same seed, scale and today, and changes with the seed', async () => {
    const first = await createDemoDatabase({ path: dir.file('a.sqlite'), scale: 0.2, seed: 3, today: '2024-11-05' });
    const second = await createDemoDatabase({ path: dir.file('b.sqlite'), scale: 0.2, seed: 3, today: '2024-11-05' });
    const other = await createDemoDatabase({ path: dir.file('c.sqlite'), scale: 0.2, seed: 4, today: '2024-11-05' });
    expect(second.counts).toEqual(first.counts);
    expect(checksum(second.path)).toBe(checksum(first.path));
    expect(checksum(other.path)).not.toBe(checksum(first.path));
  });

  it('reads no clock: the duration comes from the injected counter', async () => {
    const ticks = [1000, 1250];
    const result = await createDemoDatabase({ path: dir.file('clock.sqlite'), scale: 0.1, today: '2024-05-02', now: () => ticks.shift() ?? 0 });
    expect(result.durationMs).toBe(250);
  });

  it('rejects a bad scale, seed or date with a usage error', async () => {
    await expect(createDemoDatabase({ path: dir.file('x.sqlite'), scale: 0, today: TODAY })).rejects.toThrow(UsageError);
    await expect(createDemoDatabase({ path: dir.file('x.sqlite'), scale: 1, seed: 1.5, today: TODAY })).rejects.toThrow(UsageError);
    await expect(createDemoDatabase({ path: dir.file('x.sqlite'), today: '12/03/2025' })).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('maps scale to sizes that grow with it', () => {
    const small = demoSizes(1);
    const large = demoSizes(50);
    expect(large.salesDealsPerYear).toBe(50 * small.salesDealsPerYear);
    expect(large.customers).toBeGreaterThan(small.customers);
    expect(() => demoSizes(0)).toThrow(RangeError);
  });
});

describe('the demo company', () => {
  it('has three calendar fiscal years ending in the current one', () => {
    const dossier = db.prepare('SELECT * FROM P_DOSSIER').get() as Record<string, unknown>;
    expect(dossier.D_RaisonSoc).toMatch(/DÉMO/);
    expect([dossier.D_DebutExo01, dossier.D_FinExo01]).toEqual(['2023-01-01 00:00:00', '2023-12-31 00:00:00']);
    expect([dossier.D_DebutExo02, dossier.D_FinExo02]).toEqual(['2024-01-01 00:00:00', '2024-12-31 00:00:00']);
    expect([dossier.D_DebutExo03, dossier.D_FinExo03]).toEqual(['2025-01-01 00:00:00', '2025-12-31 00:00:00']);
    expect([dossier.D_DebutExo04, dossier.D_FinExo05]).toEqual([null, null]);
    expect(dossier.JO_NumAN).toBe('RAN');
    const bounds = db.prepare('SELECT min(JM_Date) AS first, max(' + d.ledgerDate() + ') AS last FROM F_ECRITUREC').get();
    expect(bounds).toEqual({ first: '2023-01-01 00:00:00', last: `${TODAY} 00:00:00` });
  });

  it('has the reference data a French SME has', () => {
    const accounts = all<{ CG_Num: string }>('SELECT CG_Num FROM F_COMPTEG').map((r) => r.CG_Num);
    expect(accounts).toEqual(expect.arrayContaining(['401000', '411000', '512000', '530000', '445710', '445660', '607000', '707000', '706000']));
    const journals = all<{ JO_Num: string; JO_Type: number }>('SELECT JO_Num, JO_Type FROM F_JOURNAUX ORDER BY JO_Num');
    expect(journals.map((j) => j.JO_Num)).toEqual(['ACH', 'BQ1', 'BQ2', 'CAI', 'OD', 'RAN', 'VTE']);
    expect(one("SELECT count(*) FROM F_COMPTET WHERE CT_Type = 0")).toBeGreaterThan(10);
    expect(one("SELECT count(*) FROM F_COMPTET WHERE CT_Type = 1")).toBeGreaterThan(4);
    expect(one("SELECT count(*) FROM F_COLLABORATEUR WHERE CO_Vendeur = 1")).toBeGreaterThan(2);
    expect(one("SELECT count(*) FROM F_COMPTET WHERE CT_Intitule GLOB '*[éèêàçô]*'")).toBeGreaterThan(0);
    expect(one('SELECT count(*) FROM F_ARTICLE a JOIN F_FAMILLE f ON f.FA_CodeFamille = a.FA_CodeFamille')).toBe(demo.counts.F_ARTICLE);
  });

  it('balances every ledger piece except the deliberate one', () => {
    const unbalanced = all<{ JO_Num: string; EC_RefPiece: string; diff: bigint }>(
      `SELECT JO_Num, min(EC_RefPiece) AS EC_RefPiece, ${d.formatExactSum(SIGNED_MICRO)} AS diff
       FROM F_ECRITUREC GROUP BY JO_Num, EC_Piece HAVING ${SIGNED_MICRO} <> 0`,
    );
    const known = DEMO_INCONSISTENCIES.unbalancedPiece;
    expect(unbalanced).toEqual([{ JO_Num: known.journal, EC_RefPiece: known.refPiece, diff: known.debitMinusCredit }]);
  });

  it('uses the Sage ledger date layout (JM_Date first of month + EC_Jour)', () => {
    expect(one("SELECT count(*) FROM F_ECRITUREC WHERE strftime('%d %H:%M:%S', JM_Date) <> '01 00:00:00'")).toBe(0);
    expect(one(`SELECT count(*) FROM F_ECRITUREC WHERE EC_Jour < 1 OR strftime('%m', ${d.ledgerDate()}) <> strftime('%m', JM_Date)`)).toBe(0);
  });

  it('posts every posted sales invoice to VTE with matching amounts, except the deliberate one', () => {
    const mismatches = all(
      `SELECT h.DO_Piece, ${micro('h.DO_TotalTTC')} AS ttc, ${micro('h.DO_TotalHT')} AS ht,
              (SELECT ${micro("CASE WHEN e.EC_Sens = 0 THEN e.EC_Montant ELSE -e.EC_Montant END")} FROM F_ECRITUREC e
                 WHERE e.JO_Num = 'VTE' AND e.EC_RefPiece = h.DO_Piece AND e.CG_Num = '411000') AS tiers,
              (SELECT ${micro("CASE WHEN e.EC_Sens = 1 THEN e.EC_Montant ELSE -e.EC_Montant END")} FROM F_ECRITUREC e
                 WHERE e.JO_Num = 'VTE' AND e.EC_RefPiece = h.DO_Piece AND e.CG_Num LIKE '70%') AS sales
       FROM F_DOCENTETE h WHERE h.DO_Domaine = 0 AND h.DO_Type = 7 GROUP BY h.DO_Piece
       HAVING tiers IS NULL OR tiers <> ttc OR sales <> ht`,
    );
    expect(mismatches.map((m) => (m as { DO_Piece: string }).DO_Piece)).toEqual([DEMO_INCONSISTENCIES.postedInvoiceWithoutLedger.doPiece]);
    expect(one("SELECT count(*) FROM F_DOCENTETE WHERE DO_Domaine = 0 AND DO_Type = 7")).toBeGreaterThan(500);
    // Only posted invoices reach the ledger.
    expect(one("SELECT count(*) FROM F_ECRITUREC e JOIN F_DOCENTETE h ON h.DO_Piece = e.EC_RefPiece AND h.DO_Domaine = 0 WHERE e.JO_Num = 'VTE' AND h.DO_Type <> 7")).toBe(0);
  });

  it('posts purchase invoices to ACH with the supplier on 401', () => {
    const mismatches = one(
      `SELECT count(*) FROM F_DOCENTETE h WHERE h.DO_Domaine = 1 AND h.DO_Type = 17 AND ${microOf('h.DO_TotalTTC')} IS NOT
         (SELECT ${micro("CASE WHEN e.EC_Sens = 1 THEN e.EC_Montant ELSE -e.EC_Montant END")} FROM F_ECRITUREC e
          WHERE e.JO_Num = 'ACH' AND e.EC_RefPiece = h.DO_Piece AND e.CG_Num = '401000' AND e.CT_Num = h.DO_Tiers)`,
    );
    expect(mismatches).toBe(0);
  });

  it('keeps documents coherent: lines belong to headers, conversions happened in place', () => {
    expect(one(`SELECT count(*) FROM F_DOCLIGNE l WHERE NOT EXISTS (SELECT 1 FROM F_DOCENTETE h
      WHERE h.DO_Domaine = l.DO_Domaine AND h.DO_Type = l.DO_Type AND h.DO_Piece = l.DO_Piece)`)).toBe(0);
    expect(one(`SELECT count(*) FROM F_DOCENTETE h WHERE NOT EXISTS (SELECT 1 FROM F_DOCLIGNE l
      WHERE h.DO_Domaine = l.DO_Domaine AND h.DO_Type = l.DO_Type AND h.DO_Piece = l.DO_Piece)`)).toBe(0);
    const types = all<{ DO_Type: number; n: number }>('SELECT DO_Type, count(*) AS n FROM F_DOCENTETE WHERE DO_Domaine = 0 GROUP BY DO_Type');
    const byType = Object.fromEntries(types.map((t) => [t.DO_Type, t.n]));
    for (const type of [0, 1, 3, 6, 7]) expect(byType[type], `sales documents of type ${type}`).toBeGreaterThan(0);
    // Converted lines remember their earlier pieces, which no longer exist as documents of their own.
    expect(one("SELECT count(*) FROM F_DOCLIGNE WHERE DO_Type = 7 AND DL_PieceBC <> '' AND DL_PieceBL <> ''")).toBeGreaterThan(100);
    expect(one("SELECT count(*) FROM F_DOCLIGNE l JOIN F_DOCENTETE h ON h.DO_Type = 1 AND h.DO_Piece = l.DL_PieceBC WHERE l.DO_Type = 7")).toBe(0);
    expect(one("SELECT count(*) FROM F_DOCLIGNE WHERE DO_Type = 7 AND DL_PieceDE <> ''")).toBeGreaterThan(0);
    // Line totals add up to the header's total excluding tax.
    expect(one(`SELECT count(*) FROM F_DOCENTETE h WHERE ${microOf('h.DO_TotalHT')} <> (SELECT ${micro('l.DL_MontantHT')} FROM F_DOCLIGNE l
      WHERE l.DO_Domaine = h.DO_Domaine AND l.DO_Type = h.DO_Type AND l.DO_Piece = h.DO_Piece)`)).toBe(0);
    // Sage pieces are unique per type.
    expect(one('SELECT count(*) FROM (SELECT DO_Type, DO_Piece FROM F_DOCENTETE GROUP BY 1, 2 HAVING count(*) > 1)')).toBe(0);
  });

  it('stores credit notes as negative invoices with their provenance', () => {
    const credit = all<{ DO_Provenance: number; n: number; positive: number }>(
      'SELECT DO_Provenance, count(*) AS n, sum(DO_TotalHT > 0) AS positive FROM F_DOCENTETE WHERE DO_Domaine = 0 AND DO_Type IN (6, 7) AND DO_Provenance IN (1, 2) GROUP BY 1',
    );
    expect(credit.length).toBeGreaterThan(0);
    for (const c of credit) expect(c.positive).toBe(0);
    expect(one("SELECT count(*) FROM F_DOCLIGNE WHERE DO_Type IN (6, 7) AND DL_Qte > 0 AND DO_Piece LIKE 'AV%'")).toBe(0);
  });

  it('contains exactly the listed inconsistencies', () => {
    const unknownItems = all<{ AR_Ref: string; DO_Piece: string }>(
      "SELECT AR_Ref, DO_Piece FROM F_DOCLIGNE l WHERE ifnull(AR_Ref, '') <> '' AND NOT EXISTS (SELECT 1 FROM F_ARTICLE a WHERE a.AR_Ref = l.AR_Ref)",
    );
    expect(unknownItems).toEqual([{ AR_Ref: DEMO_INCONSISTENCIES.unknownItemLine.arRef, DO_Piece: DEMO_INCONSISTENCIES.unknownItemLine.doPiece }]);
    const unknownTiers = all("SELECT DO_Type, DO_Piece, DO_Tiers FROM F_DOCENTETE h WHERE NOT EXISTS (SELECT 1 FROM F_COMPTET c WHERE c.CT_Num = h.DO_Tiers)");
    const customer = DEMO_INCONSISTENCIES.unknownCustomerInvoice;
    expect(unknownTiers).toEqual([{ DO_Type: customer.doType, DO_Piece: customer.doPiece, DO_Tiers: customer.tiers }]);
    expect(one('SELECT count(*) FROM F_ECRITUREC WHERE CT_Num IS NOT NULL AND CT_Num NOT IN (SELECT CT_Num FROM F_COMPTET)')).toBe(0);
    expect(one('SELECT count(*) FROM F_ECRITUREC WHERE CG_Num NOT IN (SELECT CG_Num FROM F_COMPTEG)')).toBe(0);
  });

  it('carries the previous year’s balances forward in the opening entries', () => {
    for (const [year, previous] of [['2024', '2023'], ['2025', '2024']] as const) {
      const opening = new Map(
        all<{ CG_Num: string; b: bigint }>(
          `SELECT CG_Num, ${SIGNED_MICRO} AS b FROM F_ECRITUREC WHERE JO_Num = 'RAN' AND EC_ANType <> 0 AND JM_Date = '${year}-01-01 00:00:00' GROUP BY CG_Num`,
        ).map((r) => [r.CG_Num, Number(r.b)]),
      );
      expect(one(`SELECT count(*) FROM F_ECRITUREC WHERE EC_ANType <> 0 AND (JO_Num <> 'RAN' OR EC_Jour <> 1 OR JM_Date <> '${year}-01-01 00:00:00') AND substr(JM_Date, 1, 4) = '${year}'`)).toBe(0);
      const closing = all<{ CG_Num: string; b: number }>(
        `SELECT CG_Num, ${SIGNED_MICRO} AS b FROM F_ECRITUREC WHERE JM_Date >= '${previous}-01-01' AND JM_Date < '${year}-01-01' GROUP BY CG_Num`,
      );
      let result = 0;
      for (const { CG_Num, b } of closing) {
        if (/^[67]/.test(CG_Num)) result += b;
        else if (CG_Num !== '120000' && CG_Num !== '129000') expect(opening.get(CG_Num) ?? 0, `${CG_Num} into ${year}`).toBe(b);
      }
      const previousResultAccounts = closing.filter((c) => c.CG_Num === '120000' || c.CG_Num === '129000').reduce((s, c) => s + c.b, 0);
      expect((opening.get('120000') ?? 0) + (opening.get('129000') ?? 0)).toBe(result + previousResultAccounts);
      for (const account of opening.keys()) expect(account).not.toMatch(/^[67]/);
    }
  });

  it('gives the same customer outstanding three correct ways, and double counts the naive way', () => {
    const currentYear = one<number>(`SELECT ${SIGNED_MICRO} FROM F_ECRITUREC WHERE CG_Num = '411000' AND JM_Date >= '2025-01-01'`);
    const historyWithoutOpening = one<number>(`SELECT ${SIGNED_MICRO} FROM F_ECRITUREC WHERE CG_Num = '411000' AND EC_ANType = 0`);
    const openItems = one<number>(`SELECT ${SIGNED_MICRO} FROM F_ECRITUREC WHERE CG_Num = '411000' AND JM_Date >= '2025-01-01' AND EC_Lettre = 0`);
    const naive = one<number>(`SELECT ${SIGNED_MICRO} FROM F_ECRITUREC WHERE CG_Num = '411000' AND EC_Lettre = 0`);
    expect(historyWithoutOpening).toBe(currentYear);
    expect(openItems).toBe(currentYear);
    expect(currentYear).toBeGreaterThan(0);
    expect(naive).toBeGreaterThan(currentYear);
  });

  it('letters items with their settlements inside one fiscal year', () => {
    const groups = all(
      `SELECT CG_Num, CT_Num, EC_Lettrage, ${SIGNED_MICRO} AS b, count(DISTINCT substr(JM_Date, 1, 4)) AS years, count(*) AS n
       FROM F_ECRITUREC WHERE EC_Lettre = 1 GROUP BY 1, 2, 3 HAVING b <> 0 OR years <> 1 OR n < 2`,
    );
    expect(groups).toEqual([]);
    expect(one("SELECT count(*) FROM F_ECRITUREC WHERE EC_Lettre = 1 AND CG_Num = '411000'")).toBeGreaterThan(1000);
    expect(one("SELECT count(*) FROM F_ECRITUREC WHERE (EC_Lettre = 1) <> (EC_Lettrage <> '')")).toBe(0);
  });

  it('links due dates, payments, allocations and bank entries', () => {
    // Allocations never exceed the due date, and a due date is marked paid exactly when allocated.
    expect(one(`SELECT count(*) FROM F_DOCREGL r WHERE r.DR_Regle <> (EXISTS (SELECT 1 FROM F_REGLECH a WHERE a.DR_No = r.DR_No))`)).toBe(0);
    expect(one(`SELECT count(*) FROM F_DOCREGL r WHERE ${microOf('r.DR_Montant')} <> ifnull((SELECT ${micro('a.RC_Montant')} FROM F_REGLECH a WHERE a.DR_No = r.DR_No), ${microOf('r.DR_Montant')})`)).toBe(0);
    // Each document's due dates add up to its total including tax.
    expect(one(`SELECT count(*) FROM F_DOCENTETE h WHERE EXISTS (SELECT 1 FROM F_DOCREGL r WHERE r.DO_Domaine = h.DO_Domaine AND r.DO_Type = h.DO_Type AND r.DO_Piece = h.DO_Piece)
      AND ${microOf('h.DO_TotalTTC')} <> (SELECT ${micro('r.DR_Montant')} FROM F_DOCREGL r WHERE r.DO_Domaine = h.DO_Domaine AND r.DO_Type = h.DO_Type AND r.DO_Piece = h.DO_Piece)`)).toBe(0);
    expect(one(`SELECT count(*) FROM F_DOCENTETE h WHERE ${microOf('h.DO_MontantRegle')} <> ifnull((SELECT ${micro('a.RC_Montant')} FROM F_REGLECH a WHERE a.DO_Type = h.DO_Type AND a.DO_Piece = h.DO_Piece AND a.DO_Domaine = h.DO_Domaine), 0)`)).toBe(0);
    // Each payment points at its treasury ledger line with the same amount.
    expect(one(`SELECT count(*) FROM F_CREGLEMENT p LEFT JOIN F_ECRITUREC e ON e.EC_No = p.EC_No
      WHERE e.EC_No IS NULL OR e.CG_Num <> p.CG_Num OR ${microOf('e.EC_Montant')} <> abs(${microOf('p.RG_Montant')}) OR e.JO_Num <> p.JO_Num`)).toBe(0);
    expect(one('SELECT count(*) FROM F_CREGLEMENT p WHERE NOT EXISTS (SELECT 1 FROM F_REGLECH a WHERE a.RG_No = p.RG_No)')).toBe(0);
    expect(one('SELECT count(*) FROM F_CREGLEMENT WHERE RG_Type = 1')).toBeGreaterThan(0);
  });

  it('has stock with values, reservations and items below their minimum', () => {
    expect(one('SELECT count(*) FROM F_ARTSTOCK WHERE AS_QteSto < AS_QteMini')).toBeGreaterThan(0);
    expect(one('SELECT count(*) FROM F_ARTSTOCK WHERE AS_QteSto >= AS_QteMini')).toBeGreaterThan(0);
    expect(one(`SELECT count(*) FROM F_ARTSTOCK s JOIN F_ARTICLE a ON a.AR_Ref = s.AR_Ref WHERE ${microOf('s.AS_MontSto')} <> ${microOf('s.AS_QteSto * a.AR_PrixAch')}`)).toBe(0);
    expect(one('SELECT count(*) FROM F_ARTSTOCK s WHERE NOT EXISTS (SELECT 1 FROM F_DEPOT d WHERE d.DE_No = s.DE_No)')).toBe(0);
  });

  it('fills the cb system columns plausibly', () => {
    for (const table of SAGE_TABLES) {
      const row = db.prepare(`SELECT min(cbMarq) AS first, max(cbMarq) AS last, count(*) AS n,
        sum(cbModification IS NULL OR cbCreation IS NULL OR cbModification < cbCreation OR cbModification > '${TODAY} 23:59:59') AS bad,
        sum(length(cbCreateur) <> 4) AS badUser FROM "${table.name}"`).get() as Record<string, number>;
      expect(row, table.name).toEqual({ first: 1, last: row.n, n: row.n, bad: 0, badUser: 0 });
    }
    // Computed index columns are there, binary, and mirror their source column.
    expect(one("SELECT count(*) FROM F_COMPTET WHERE typeof(cbCT_Num) <> 'blob' OR CAST(cbCT_Num AS TEXT) <> CT_Num")).toBe(0);
    expect(one("SELECT count(*) FROM F_DOCENTETE WHERE length(cbDO_Piece) <> 13 OR trim(CAST(cbDO_Piece AS TEXT)) <> DO_Piece")).toBe(0);
  });

  it('reads through the SQLite source with exact amounts and ISO datetimes', async () => {
    const source = openSqliteSource(demo.path);
    try {
      const rows = [];
      for await (const row of source.query(
        `SELECT DO_Piece, DO_Date, DO_TotalHT, "Référence chantier" AS site FROM F_DOCENTETE WHERE DO_Type = @type ORDER BY cbMarq ${d.limit(1)}`,
        { type: { type: 'int', value: 7 } },
      )) rows.push(row);
      expect(rows[0]?.DO_TotalHT).toMatch(/^-?\d+\.\d{6}$/);
      expect(rows[0]?.DO_Date).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00$/);
      const columns = await source.columns('F_ECRITUREC');
      expect(columns.filter((c) => c.type === 'varbinary').map((c) => c.name)).toEqual(['cbCG_Num']);
    } finally {
      await source.close();
    }
  });
});
