import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsistencyChecks, type ConsistencyWarning } from '../../src/extract/checks/index.js';
import { openSqliteSource } from '../../src/extract/sources/sqlite.js';
import { createSageFixture, createTempDir, type FixtureRows, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;

const ec = (no: number, extra: Record<string, string | number | null>) => ({
  EC_No: no, JO_Num: 'VTE', JM_Date: '2024-03-01', EC_Jour: 5, EC_Piece: 'P1', CG_Num: '706000', EC_Sens: 1, EC_Montant: '0', ...extra,
});

/** A small database where every reference holds. */
function cleanRows(): FixtureRows {
  return {
    F_COMPTEG: [{ CG_Num: '411000' }, { CG_Num: '706000' }, { CG_Num: '445710' }, { CG_Num: '401000' }],
    F_COMPTET: [
      { CT_Num: 'CLEROY', CT_Type: 0, CG_NumPrinc: '411000' },
      { CT_Num: 'FBOIS', CT_Type: 1, CG_NumPrinc: '401000' },
    ],
    F_JOURNAUX: [{ JO_Num: 'VTE' }, { JO_Num: 'ACH' }],
    F_ECRITUREC: [
      ec(1, { EC_Piece: 'FA001', EC_RefPiece: 'FA001', CG_Num: '411000', CT_Num: 'CLEROY', EC_Sens: 0, EC_Montant: '120.000001' }),
      ec(2, { EC_Piece: 'FA001', EC_RefPiece: 'FA001', CG_Num: '706000', EC_Montant: '100.000001' }),
      ec(3, { EC_Piece: 'FA001', EC_RefPiece: 'FA001', CG_Num: '445710', EC_Montant: '20' }),
    ],
    F_FAMILLE: [{ FA_CodeFamille: 'MEUBLE' }],
    F_ARTICLE: [{ AR_Ref: 'TABLE', FA_CodeFamille: 'MEUBLE' }],
    F_DEPOT: [{ DE_No: 1, DE_Intitule: 'Principal' }],
    F_ARTSTOCK: [{ AR_Ref: 'TABLE', DE_No: 1 }],
    F_DOCENTETE: [
      { DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001', DO_Tiers: 'CLEROY' },
      { DO_Domaine: 2, DO_Type: 20, DO_Piece: 'ME001', DO_Tiers: '1' }, // stock document: DO_Tiers is a warehouse
    ],
    F_DOCLIGNE: [
      { DL_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001', CT_Num: 'CLEROY', AR_Ref: 'TABLE' },
      { DL_No: 2, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001', CT_Num: 'CLEROY', AR_Ref: '' }, // comment line
      { DL_No: 3, DO_Domaine: 2, DO_Type: 20, DO_Piece: 'ME001', CT_Num: '1', AR_Ref: 'TABLE' },
    ],
    F_DOCREGL: [{ DR_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' }],
    F_CREGLEMENT: [{ RG_No: 1, CT_NumPayeur: 'CLEROY' }],
    F_REGLECH: [{ RG_No: 1, DR_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' }],
  };
}

function brokenRows(): FixtureRows {
  const rows = cleanRows();
  return {
    ...rows,
    F_COMPTET: [...rows.F_COMPTET!, { CT_Num: 'CORPHELIN', CG_NumPrinc: '411999' }],
    F_ECRITUREC: [
      ...rows.F_ECRITUREC!,
      // unbalanced piece: debit 50, credit 49.999999
      ec(10, { JO_Num: 'ACH', EC_Piece: 'AC7', CG_Num: '401000', CT_Num: 'FBOIS', EC_Sens: 1, EC_Montant: '49.999999' }),
      ec(11, { JO_Num: 'ACH', EC_Piece: 'AC7', CG_Num: '607000', EC_Sens: 0, EC_Montant: '50' }), // unknown account too
      ec(12, { EC_Piece: 'OD1', CG_Num: '411000', CT_Num: 'CINCONNU', EC_Sens: 0, EC_Montant: '5' }),
      ec(13, { EC_Piece: 'OD1', CG_Num: '706000', EC_Sens: 1, EC_Montant: '5' }),
      ec(14, { EC_Piece: 'OD2', JO_Num: 'XXX', CG_Num: '706000', EC_Sens: 1, EC_Montant: '5' }),
      ec(15, { EC_Piece: 'OD2', JO_Num: 'XXX', CG_Num: '411000', EC_Sens: 0, EC_Montant: '5' }),
    ],
    F_ARTICLE: [...rows.F_ARTICLE!, { AR_Ref: 'CHAISE', FA_CodeFamille: 'SIEGE' }],
    F_ARTSTOCK: [...rows.F_ARTSTOCK!, { AR_Ref: 'LAMPE', DE_No: 1 }, { AR_Ref: 'TABLE', DE_No: 9 }],
    F_DOCENTETE: [
      ...rows.F_DOCENTETE!,
      { DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA002', DO_Tiers: 'CLEROY' }, // posted, no ledger entry
      { DO_Domaine: 0, DO_Type: 1, DO_Piece: 'BC001', DO_Tiers: 'CFANTOME' },
    ],
    F_DOCLIGNE: [
      ...rows.F_DOCLIGNE!,
      { DL_No: 20, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA002', CT_Num: 'CLEROY', AR_Ref: 'VIDE' },
      { DL_No: 21, DO_Domaine: 0, DO_Type: 1, DO_Piece: 'BC001', CT_Num: 'CFANTOME', AR_Ref: 'TABLE' },
      { DL_No: 22, DO_Domaine: 0, DO_Type: 3, DO_Piece: 'BL404', CT_Num: 'CLEROY', AR_Ref: 'TABLE' },
    ],
    F_DOCREGL: [...rows.F_DOCREGL!, { DR_No: 2, DO_Domaine: 0, DO_Type: 6, DO_Piece: 'FA404' }],
    F_REGLECH: [...rows.F_REGLECH!, { RG_No: 5, DR_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' }, { RG_No: 1, DR_No: 77, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' }],
  };
}

async function check(path: string, groups: ('accounting' | 'commercial')[], limit?: number): Promise<ConsistencyWarning[]> {
  const source = openSqliteSource(path);
  try {
    return await runConsistencyChecks(source, { groups, ...(limit === undefined ? {} : { limit }) });
  } finally {
    await source.close();
  }
}

let clean: string;
let broken: string;
beforeAll(() => {
  dir = createTempDir('sbsync-checks-');
  clean = createSageFixture(dir.file('clean.sqlite'), cleanRows());
  broken = createSageFixture(dir.file('broken.sqlite'), brokenRows());
});
afterAll(() => dir.remove());

describe('runConsistencyChecks', () => {
  it('finds nothing on a consistent database', async () => {
    expect(await check(clean, ['accounting', 'commercial'])).toEqual([]);
  });

  it('names the table, the key and the problem of every inconsistency', async () => {
    const warnings = await check(broken, ['accounting', 'commercial']);
    const summary = warnings.map((w) => [w.code, w.table, w.key]);
    expect(summary).toEqual([
      ['ledger-unbalanced-piece', 'F_ECRITUREC', { JO_Num: 'ACH', EC_Piece: 'AC7', JM_Date: '2024-03-01' }],
      ['ledger-unknown-account', 'F_ECRITUREC', { EC_No: 11 }],
      ['ledger-unknown-third-party', 'F_ECRITUREC', { EC_No: 12 }],
      ['ledger-unknown-journal', 'F_ECRITUREC', { EC_No: 14 }],
      ['ledger-unknown-journal', 'F_ECRITUREC', { EC_No: 15 }],
      ['third-party-unknown-account', 'F_COMPTET', { CT_Num: 'CORPHELIN' }],
      ['document-unknown-third-party', 'F_DOCENTETE', { DO_Type: 1, DO_Piece: 'BC001' }],
      ['document-line-unknown-third-party', 'F_DOCLIGNE', { DL_No: 21 }],
      ['document-line-unknown-item', 'F_DOCLIGNE', { DL_No: 20 }],
      ['document-line-without-header', 'F_DOCLIGNE', { DL_No: 22 }],
      ['posted-invoice-without-ledger-entries', 'F_DOCENTETE', { DO_Type: 7, DO_Piece: 'FA002' }],
      ['due-date-without-document', 'F_DOCREGL', { DR_No: 2 }],
      ['allocation-unknown-payment', 'F_REGLECH', { RG_No: 5, DR_No: 1 }],
      ['allocation-unknown-due-date', 'F_REGLECH', { RG_No: 1, DR_No: 77 }],
      ['item-unknown-family', 'F_ARTICLE', { AR_Ref: 'CHAISE' }],
      ['stock-unknown-item', 'F_ARTSTOCK', { AR_Ref: 'LAMPE', DE_No: 1 }],
      ['stock-unknown-warehouse', 'F_ARTSTOCK', { AR_Ref: 'TABLE', DE_No: 9 }],
    ]);
    expect(warnings[0]?.message).toBe('Ledger piece AC7 of journal ACH (2024-03) is unbalanced: debit 50.000000, credit 49.999999.');
    expect(warnings.find((w) => w.code === 'document-line-unknown-item')?.message).toBe(
      'Line 20 of document FA002 (type 7) is for item VIDE, which does not exist.',
    );
  });

  it('runs only the requested groups', async () => {
    const accounting = await check(broken, ['accounting']);
    expect(new Set(accounting.map((w) => w.table))).toEqual(new Set(['F_ECRITUREC', 'F_COMPTET']));
    const commercial = await check(broken, ['commercial']);
    expect(commercial.some((w) => w.table === 'F_ECRITUREC')).toBe(false);
  });

  it('caps each check and counts the rest in one summary warning', async () => {
    const path = dir.file('many.sqlite');
    const rows = cleanRows();
    createSageFixture(path, {
      ...rows,
      F_ECRITUREC: [...rows.F_ECRITUREC!, ...Array.from({ length: 7 }, (_, i) => ec(100 + i, { CG_Num: `999${i}`, EC_Piece: `X${i}`, EC_Sens: 0, EC_Montant: '1' }))],
    });
    const warnings = (await check(path, ['accounting'], 3)).filter((w) => w.code === 'ledger-unknown-account');
    expect(warnings.map((w) => w.key)).toEqual([{ EC_No: 100 }, { EC_No: 101 }, { EC_No: 102 }, {}]);
    expect(warnings[3]).toMatchObject({ omitted: 4, message: '4 more ledger lines on an unknown account not listed (7 in all).' });
  });

  it('skips checks whose tables are absent (accounting-only database)', async () => {
    const path = dir.file('cpta.sqlite');
    const { findSageTable } = await import('../../src/extract/sage/tables.js');
    const tables = ['P_DOSSIER', 'F_COMPTEG', 'F_COMPTET', 'F_JOURNAUX', 'F_ECRITUREC'].map((t) => findSageTable(t)!);
    const rows = cleanRows();
    createSageFixture(path, { F_COMPTEG: rows.F_COMPTEG!, F_COMPTET: rows.F_COMPTET!, F_JOURNAUX: rows.F_JOURNAUX!, F_ECRITUREC: rows.F_ECRITUREC! }, { tables });
    expect(await check(path, ['accounting', 'commercial'])).toEqual([]);
  });
});
