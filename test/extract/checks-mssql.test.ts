/**
 * The consistency checks of a SQL Server company, end to end: its tables copied into a replica through the
 * real mssql/tedious driver and the TDS test server, then checked there, find what the checks find on the
 * replica of the same data read from a SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsistencyChecks, type CheckGroup } from '../../src/extract/checks/index.js';
import { serverReplica, sqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';

const ec = (no: number, extra: Record<string, string | number | null>) => ({
  EC_No: no, JO_Num: 'VTE', JM_Date: '2024-03-01', EC_Jour: 5, EC_Piece: 'P1', CG_Num: '706000', EC_Sens: 1, EC_Montant: '0', ...extra,
});

let dir: TempDir;
let server: TdsTestServer;
let file: string;
let clean: string;

beforeAll(async () => {
  dir = createTempDir('sbsync-checks-tds-');
  file = createSageFixture(dir.file('sage.sqlite'), {
    F_COMPTEG: [{ CG_Num: '411000' }, { CG_Num: '706000' }, { CG_Num: '401000' }],
    F_COMPTET: [
      { CT_Num: 'CLEROY', CT_Type: 0, CG_NumPrinc: '411000' },
      { CT_Num: 'CORPHELIN', CT_Type: 0, CG_NumPrinc: '411999' },
    ],
    F_JOURNAUX: [{ JO_Num: 'VTE' }, { JO_Num: 'ACH' }],
    F_ECRITUREC: [
      ec(1, { EC_Piece: 'FA001', EC_RefPiece: 'FA001', CG_Num: '411000', CT_Num: 'CLEROY', EC_Sens: 0, EC_Montant: '120.000001' }),
      ec(2, { EC_Piece: 'FA001', EC_RefPiece: 'FA001', CG_Num: '706000', EC_Montant: '120.000001' }),
      ec(3, { JO_Num: 'ACH', EC_Piece: 'AC7', CG_Num: '401000', EC_Sens: 1, EC_Montant: '49.999999' }),
      ec(4, { JO_Num: 'ACH', EC_Piece: 'AC7', CG_Num: '607000', CT_Num: '  ', EC_Sens: 0, EC_Montant: '50' }),
      ec(5, { EC_Piece: 'OD1', CG_Num: '411000', CT_Num: 'CINCONNU', EC_Sens: 0, EC_Montant: '5' }),
      ec(6, { EC_Piece: 'OD1', JO_Num: 'XXX', CG_Num: '706000', EC_Sens: 1, EC_Montant: '5' }),
      ec(7, { EC_Piece: null, JO_Num: 'XXX', CG_Num: '706000', CT_Num: '', EC_Sens: 1, EC_Montant: '1.5' }),
    ],
    F_FAMILLE: [{ FA_CodeFamille: 'MEUBLE' }],
    F_ARTICLE: [{ AR_Ref: 'TABLE', FA_CodeFamille: 'MEUBLE' }, { AR_Ref: 'CHAISE', FA_CodeFamille: 'SIEGE' }],
    F_DEPOT: [{ DE_No: 1, DE_Intitule: 'Principal' }],
    F_ARTSTOCK: [{ AR_Ref: 'TABLE', DE_No: 1 }, { AR_Ref: 'LAMPE', DE_No: 1 }, { AR_Ref: 'TABLE', DE_No: 9 }],
    F_DOCENTETE: [
      { DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001', DO_Tiers: 'CLEROY' },
      { DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA002', DO_Tiers: null },
      { DO_Domaine: 0, DO_Type: 1, DO_Piece: 'BC001', DO_Tiers: 'CFANTOME' },
      { DO_Domaine: 1, DO_Type: 12, DO_Piece: 'BL001', DO_Tiers: 'CLEROY' },
      { DO_Domaine: 2, DO_Type: 20, DO_Piece: 'ME001', DO_Tiers: '1' },
    ],
    F_DOCLIGNE: [
      { DL_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001', CT_Num: 'CLEROY', AR_Ref: 'TABLE' },
      { DL_No: 2, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001', CT_Num: 'CLEROY', AR_Ref: '' },
      { DL_No: 3, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA002', CT_Num: 'CFANTOME', AR_Ref: 'VIDE' },
      { DL_No: 4, DO_Domaine: 0, DO_Type: 1, DO_Piece: 'BC001', CT_Num: 'CFANTOME', AR_Ref: 'TABLE' },
      { DL_No: 5, DO_Domaine: 0, DO_Type: 3, DO_Piece: 'BL404', CT_Num: 'CLEROY', AR_Ref: 'VIDE' },
      { DL_No: 6, DO_Domaine: 0, DO_Type: 12, DO_Piece: 'BL001', CT_Num: 'CLEROY', AR_Ref: ' ' },
      { DL_No: 7, DO_Domaine: 2, DO_Type: 20, DO_Piece: 'ME001', CT_Num: '1', AR_Ref: 'TABLE' },
    ],
    F_DOCREGL: [
      { DR_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' },
      { DR_No: 2, DO_Domaine: 0, DO_Type: 6, DO_Piece: 'FA404' },
      { DR_No: 3, DO_Domaine: 1, DO_Type: 7, DO_Piece: 'FA002' },
    ],
    F_CREGLEMENT: [{ RG_No: 1, CT_NumPayeur: 'CLEROY' }],
    F_REGLECH: [
      { RG_No: 1, DR_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' },
      { RG_No: 5, DR_No: 1, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' },
      { RG_No: 1, DR_No: 77, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' },
    ],
  });
  clean = createSageFixture(dir.file('clean.sqlite'), {});
  server = await startTdsServer({ databases: { SAGE: file, CLEAN: clean }, logins: { sbsync: 'pw' } });
});

afterAll(async () => {
  await server?.stop();
  dir?.remove();
});

describe('consistency checks of a SQL Server company (TDS test server → replica)', () => {
  it('find what they find on the SQLite copy of the same data, for every group set and limit', async () => {
    const fromServer = await serverReplica(server, 'SAGE', { dataDirectory: dir.file('server') });
    const fromFile = await sqliteReplica(file, { dataDirectory: dir.file('file') });
    try {
      for (const groups of [['accounting', 'commercial'], ['accounting'], ['commercial']] as CheckGroup[][]) {
        for (const limit of [100, 1, 0]) {
          const expected = await runConsistencyChecks(fromFile, { groups, limit, threads: 0 });
          expect(await runConsistencyChecks(fromServer, { groups, limit, threads: 2 }), `${groups.join('+')}, limit ${limit}`).toEqual(expected);
        }
      }
      const all = await runConsistencyChecks(fromServer, { groups: ['accounting', 'commercial'] });
      expect(all.map((w) => w.code)).toEqual([
        'ledger-unbalanced-piece', 'ledger-unbalanced-piece', 'ledger-unbalanced-piece', 'ledger-unbalanced-piece',
        'ledger-unknown-account', 'ledger-unknown-third-party',
        'ledger-unknown-journal', 'ledger-unknown-journal', 'third-party-unknown-account', 'document-unknown-third-party',
        'document-unknown-third-party', 'document-line-unknown-third-party', 'document-line-unknown-third-party',
        'document-line-unknown-item', 'document-line-unknown-item', 'document-line-without-header', 'document-line-without-header',
        'posted-invoice-without-ledger-entries', 'due-date-without-document', 'due-date-without-document',
        'allocation-unknown-payment', 'allocation-unknown-due-date', 'item-unknown-family', 'stock-unknown-item', 'stock-unknown-warehouse',
      ]);
      // Amounts exactly as SQL Server holds them, six decimals.
      expect(all.slice(0, 4).map((w) => w.message)).toEqual([
        'Ledger piece AC7 of journal ACH (2024-03) is unbalanced: debit 50.000000, credit 49.999999.',
        'Ledger piece OD1 of journal VTE (2024-03) is unbalanced: debit 5.000000, credit 0.000000.',
        'Ledger piece (no number) of journal XXX (2024-03) is unbalanced: debit 0.000000, credit 1.500000.',
        'Ledger piece OD1 of journal XXX (2024-03) is unbalanced: debit 0.000000, credit 5.000000.',
      ]);
    } finally {
      await fromServer.close();
      await fromFile.close();
    }
  });

  it('find nothing in an empty company', async () => {
    const replica = await serverReplica(server, 'CLEAN', { dataDirectory: dir.file('clean') });
    try {
      expect(await runConsistencyChecks(replica, { groups: ['accounting', 'commercial'] })).toEqual([]);
    } finally {
      await replica.close();
    }
  });
});
