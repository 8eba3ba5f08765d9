/**
 * The consistency checks over SQL Server, through the real mssql/tedious driver and the TDS test server: the
 * T-SQL forms of the merged and rewritten statements give the findings the SQLite path gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsistencyChecks, type CheckGroup, type ConsistencyWarning } from '../../src/extract/checks/index.js';
import type { SqlSource } from '../../src/extract/source.js';
import { createMssqlSource } from '../../src/extract/sources/mssql.js';
import { openSqliteSource } from '../../src/extract/sources/sqlite.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';
import { testServerOptions } from '../support/tds/fixture.js';
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

/**
 * The test server prints CONVERT(varchar, <numeric(38,6)>) without its trailing zeros (`50`, real SQL Server
 * gives `50.000000`, as the SQLite path does): amounts are compared as numbers.
 */
const sameAmounts = (warnings: readonly ConsistencyWarning[]): ConsistencyWarning[] =>
  warnings.map((w) => ({ ...w, message: w.message.replace(/(debit|credit) (-?\d+(?:\.\d+)?)/g, (_, side: string, n: string) => `${side} ${Number(n)}`) }));

describe('consistency checks over SQL Server (TDS test server)', () => {
  it('find what the SQLite path finds, for every group set and limit', async () => {
    const mssql = await createMssqlSource(testServerOptions(server, 'SAGE'));
    const sqlite = openSqliteSource(file);
    try {
      for (const groups of [['accounting', 'commercial'], ['accounting'], ['commercial']] as CheckGroup[][]) {
        for (const limit of [100, 1, 0]) {
          const expected = await runConsistencyChecks(sqlite, { groups, limit, threads: 0 });
          expect(sameAmounts(await runConsistencyChecks(mssql, { groups, limit })), `${groups.join('+')}, limit ${limit}`).toEqual(sameAmounts(expected));
        }
      }
      const all = await runConsistencyChecks(mssql, { groups: ['accounting', 'commercial'] });
      expect(all.map((w) => w.code)).toEqual([
        'ledger-unbalanced-piece', 'ledger-unbalanced-piece', 'ledger-unbalanced-piece', 'ledger-unbalanced-piece',
        'ledger-unknown-account', 'ledger-unknown-third-party',
        'ledger-unknown-journal', 'ledger-unknown-journal', 'third-party-unknown-account', 'document-unknown-third-party',
        'document-unknown-third-party', 'document-line-unknown-third-party', 'document-line-unknown-third-party',
        'document-line-unknown-item', 'document-line-unknown-item', 'document-line-without-header', 'document-line-without-header',
        'posted-invoice-without-ledger-entries', 'due-date-without-document', 'due-date-without-document',
        'allocation-unknown-payment', 'allocation-unknown-due-date', 'item-unknown-family', 'stock-unknown-item', 'stock-unknown-warehouse',
      ]);
      expect(all.slice(0, 4).map((w) => w.message)).toEqual([
        'Ledger piece AC7 of journal ACH (2024-03) is unbalanced: debit 50, credit 49.999999.',
        'Ledger piece OD1 of journal VTE (2024-03) is unbalanced: debit 5, credit 0.',
        'Ledger piece (no number) of journal XXX (2024-03) is unbalanced: debit 0, credit 1.5.',
        'Ledger piece OD1 of journal XXX (2024-03) is unbalanced: debit 0, credit 5.',
      ]);
    } finally {
      await mssql.close();
      await sqlite.close();
    }
  });

  it('find nothing in an empty company', async () => {
    const mssql = await createMssqlSource(testServerOptions(server, 'CLEAN'));
    try {
      expect(await runConsistencyChecks(mssql, { groups: ['accounting', 'commercial'] })).toEqual([]);
    } finally {
      await mssql.close();
    }
  });

  it('send T-SQL only: no SQLite function, LIMIT or reader thread', async () => {
    const statements: string[] = [];
    const sqlite = openSqliteSource(file);
    const recording: SqlSource = {
      dialect: 'mssql',
      label: 'recording',
      file,
      query(sql: string) {
        statements.push(sql);
        return (async function* () {})();
      },
      columns: (table: string) => sqlite.columns(table),
      close: () => Promise.resolve(),
    };
    try {
      expect(await runConsistencyChecks(recording, { groups: ['accounting', 'commercial'], threads: 2 })).toEqual([]);
    } finally {
      await sqlite.close();
    }
    expect(statements).toHaveLength(14);
    for (const sql of statements) {
      expect(sql).not.toMatch(/ifnull|sb_decimal|\bdate\(|\bLIMIT\b|\|\|/i);
      expect(sql).toMatch(/^SELECT (DISTINCT )?TOP \(100\) |ROW_NUMBER\(\)/);
    }
    expect(statements.join('\n')).toContain('CONVERT(varchar(48), SUM(CAST((CASE WHEN e.EC_Sens = 0 THEN e.EC_Montant ELSE 0 END) AS numeric(38,6)))) AS debit');
  });
});
