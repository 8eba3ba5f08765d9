import { REPLICA_FORMAT } from '../../src/replica/format.js';
import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS, runConsistencyChecks, type CheckGroup, type ConsistencyWarning } from '../../src/extract/checks/index.js';
import { SQLITE_DIALECT as d } from '../../src/extract/dialect.js';
import type { SqlSource } from '../../src/sources/source.js';
import { openReplicaSource, openSqliteSource } from '../../src/sources/sqlite.js';
import { syncSqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type FixtureRows, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;

/** The replica of a Sage-schema fixture (each file its own company): what the checks read. */
async function replicaOf(file: string): Promise<string> {
  return (await syncSqliteReplica(file, { dataDirectory: dir.file('data'), company: basename(file, '.sqlite').toUpperCase() })).path;
}

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

async function check(replica: string, groups: CheckGroup[], limit?: number, threads?: number): Promise<ConsistencyWarning[]> {
  const source = openReplicaSource(replica);
  try {
    return await runConsistencyChecks(source, { groups, ...(limit === undefined ? {} : { limit }), ...(threads === undefined ? {} : { threads }) });
  } finally {
    await source.close();
  }
}

/**
 * The checks as their reference statements find them: each check's own `sql`, run alone, capped, exactly
 * as sbsync ran the checks before they were merged and rewritten.
 */
async function referenceWarnings(source: SqlSource, groups: readonly CheckGroup[], limit = 100): Promise<ConsistencyWarning[]> {
  const columns = new Map<string, Set<string>>();
  const has = async (needs: Readonly<Record<string, readonly string[]>>): Promise<boolean> => {
    for (const [table, names] of Object.entries(needs)) {
      if (!columns.has(table)) columns.set(table, new Set((await source.columns(table)).map((c) => c.name.toLowerCase())));
      const found = columns.get(table)!;
      if (found.size === 0 || names.some((n) => !found.has(n.toLowerCase()))) return false;
    }
    return true;
  };
  const warnings: ConsistencyWarning[] = [];
  for (const c of CHECKS) {
    if (!groups.includes(c.group) || !(await has(c.needs))) continue;
    const { select, from, orderBy } = c.sql(d);
    let total = 0;
    let listed = 0;
    for await (const row of source.query(`SELECT ${select}, COUNT(*) OVER () AS sb_total FROM ${from} ORDER BY ${orderBy} ${d.limit(limit)}`)) {
      total = Number(row.sb_total);
      listed++;
      const key: Record<string, string | number> = {};
      for (const k of c.key) key[k] = typeof row[k] === 'number' ? (row[k] as number) : row[k] === null ? '' : String(row[k]);
      warnings.push({ code: c.code, table: c.table, key, message: c.message(row) });
    }
    if (total > listed) {
      warnings.push({ code: c.code, table: c.table, key: {}, message: `${total - listed} more ${c.noun} not listed (${total} in all).`, omitted: total - listed });
    }
  }
  return warnings;
}

/** Both forms on one file, for every group set and a few limits, in this thread and on two reader threads. */
async function expectReferenceFindings(replica: string, limits: readonly number[] = [100, 3, 1, 0]): Promise<number> {
  const source = openReplicaSource(replica);
  let compared = 0;
  try {
    for (const groups of [['accounting', 'commercial'], ['accounting'], ['commercial']] as CheckGroup[][]) {
      for (const limit of limits) {
        const expected = await referenceWarnings(source, groups, limit);
        for (const threads of [0, 2]) {
          expect(await runConsistencyChecks(source, { groups, limit, threads }), `${groups.join('+')}, limit ${limit}, ${threads} threads`).toEqual(expected);
          compared += expected.length;
        }
      }
    }
  } finally {
    await source.close();
  }
  return compared;
}

/** A deterministic pseudo-random sequence (tests must not depend on Math.random). */
function sequence(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** Hundreds of rows where every check finds something, failures overlapping on the same lines. */
function messyRows(): FixtureRows {
  const random = sequence(7);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const rows = brokenRows();
  const ledger: Record<string, string | number | null>[] = [];
  let no = 1000;
  for (let piece = 0; piece < 150; piece++) {
    const journal = pick(['VTE', 'VTE', 'ACH', 'XXX', 'OD']);
    const date = pick(['2024-01-01', '2024-02-01', '2023-12-01']);
    const amount = Math.floor(random() * 100000) / 100;
    const lines = 2 + Math.floor(random() * 3);
    for (let i = 0; i < lines; i++) {
      const last = i === lines - 1;
      const sens = last ? 1 : 0;
      const value = last ? (amount * (lines - 1)).toFixed(2) : amount.toFixed(2);
      ledger.push(ec(no++, {
        JO_Num: journal, JM_Date: date, EC_Piece: `M${piece % 120}`, EC_RefPiece: pick(['FA001', 'FA002', null, `R${piece}`]),
        CG_Num: pick(['411000', '706000', '445710', '999999', '']), CT_Num: pick([null, '', '  ', 'CLEROY', 'FBOIS', 'CINCONNU', ' CLEROY']),
        EC_Sens: sens, EC_Montant: random() < 0.1 ? (Number(value) + 0.000001).toFixed(6) : value,
      }));
    }
  }
  const headers = [...rows.F_DOCENTETE!];
  const lines: Record<string, string | number | null>[] = [];
  for (let h = 0; h < 60; h++) {
    const domain = pick([0, 0, 1, 2]);
    const type = domain === 0 ? pick([1, 3, 6, 7]) : domain === 1 ? pick([11, 17]) : 20;
    const piece = `D${h}`;
    if (random() < 0.85) headers.push({ DO_Domaine: random() < 0.05 ? 1 - Math.min(domain, 1) : domain, DO_Type: type, DO_Piece: piece, DO_Tiers: pick(['CLEROY', 'FBOIS', 'CNOPE', null, '', '1']) });
    for (let l = 0; l < 1 + Math.floor(random() * 6); l++) {
      lines.push({ DL_No: 100 + lines.length, DO_Domaine: domain, DO_Type: type, DO_Piece: piece, CT_Num: pick(['CLEROY', 'FBOIS', 'CNOPE', null, '', ' ']), AR_Ref: pick(['TABLE', 'TABLE', 'CHAISE', 'VIDE', null, '', '  ']) });
    }
  }
  return {
    ...rows,
    F_ECRITUREC: [...rows.F_ECRITUREC!, ...ledger],
    F_DOCENTETE: headers,
    F_DOCLIGNE: [...rows.F_DOCLIGNE!, ...lines],
    F_DOCREGL: [...rows.F_DOCREGL!, ...headers.map((h, i) => ({ DR_No: 100 + i, DO_Domaine: h.DO_Domaine!, DO_Type: h.DO_Type!, DO_Piece: i % 9 === 0 ? `${String(h.DO_Piece)}X` : h.DO_Piece! }))],
    F_REGLECH: [...rows.F_REGLECH!, ...Array.from({ length: 40 }, (_, i) => ({ RG_No: i % 3 === 0 ? 1 : 50 + i, DR_No: i % 4 === 0 ? 9000 + i : 100 + i, DO_Domaine: 0, DO_Type: 7, DO_Piece: 'FA001' }))],
  };
}

/**
 * A replica of data outside the Sage schema: every key column nullable and holding NULLs, blank and padded
 * values, duplicated references (no unique index), with or without indexes. Written straight in the
 * replica's storage (amounts in micro-units), as no Sage database would pass a sync with such keys.
 */
function looseReplica(path: string, options: { indexes: boolean }): string {
  const db = new Database(path);
  db.exec(`CREATE TABLE sbsync_replica (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO sbsync_replica VALUES ('format', '${REPLICA_FORMAT}');`);
  db.exec(`
    CREATE TABLE F_COMPTEG (CG_Num varchar(13));
    CREATE TABLE F_COMPTET (CT_Num varchar(17), CG_NumPrinc varchar(13));
    CREATE TABLE F_JOURNAUX (JO_Num varchar(7));
    CREATE TABLE F_ECRITUREC (EC_No int, JO_Num varchar(7), JM_Date datetime, EC_Piece varchar(13), EC_RefPiece varchar(17),
      CG_Num varchar(13), CT_Num varchar(17), EC_Sens smallint, EC_Montant numeric(24,6));
    CREATE TABLE F_FAMILLE (FA_CodeFamille varchar(11));
    CREATE TABLE F_ARTICLE (AR_Ref varchar(19), FA_CodeFamille varchar(11));
    CREATE TABLE F_DEPOT (DE_No int);
    CREATE TABLE F_ARTSTOCK (AR_Ref varchar(19), DE_No int);
    CREATE TABLE F_DOCENTETE (DO_Domaine smallint, DO_Type smallint, DO_Piece varchar(13), DO_Tiers varchar(17));
    CREATE TABLE F_DOCLIGNE (cbMarq INTEGER PRIMARY KEY, DL_No int, DO_Domaine smallint, DO_Type smallint, DO_Piece varchar(13),
      CT_Num varchar(17), AR_Ref varchar(19));
    CREATE TABLE F_DOCREGL (DR_No int, DO_Domaine smallint, DO_Type smallint, DO_Piece varchar(13));
    CREATE TABLE F_CREGLEMENT (RG_No int);
    CREATE TABLE F_REGLECH (RG_No int, DR_No int);
    INSERT INTO F_COMPTEG VALUES ('411000'), ('706000'), ('706000'), (NULL), ('');
    INSERT INTO F_COMPTET VALUES ('C1', '411000'), ('C1', '411000'), ('C2', NULL), ('C3', ' '), (NULL, 'X'), ('', '411000'), ('c1', 'zz');
    INSERT INTO F_JOURNAUX VALUES ('VTE'), (NULL), ('');
    INSERT INTO F_ECRITUREC VALUES
      (1, 'VTE', '2024-01-01 00:00:00', 'P1', 'F1', '411000', 'C1', 0, 10000000), (2, 'VTE', '2024-01-01 00:00:00', 'P1', 'F1', '706000', NULL, 1, 10000000),
      (3, 'VTE', '2024-01-01 00:00:00', NULL, NULL, '411000', 'C9', 0, 5000000), (4, 'VTE', '2024-01-01 00:00:00', NULL, NULL, NULL, '', 1, 4000000),
      (5, NULL, '2024-02-01 00:00:00', 'P2', 'F2', '', '  ', 0, 1000000), (6, NULL, '2024-02-01 00:00:00', 'P2', NULL, '999', 'c1', 1, 1000000),
      (7, 'ACH', '2024-02-01 00:00:00', 'P3', NULL, '706000', 'C1 ', 0, NULL), (8, 'ACH', '2024-02-01 00:00:00', 'P3', NULL, '706000', NULL, 1, NULL),
      (9, 'ACH', '2024-02-01 00:00:00', 'P4', NULL, '706000', NULL, NULL, 3000000), (10, 'ACH', '2024-02-01 00:00:00', 'P4', NULL, '706000', NULL, 0, 3000000),
      (11, '', '2024-03-01 00:00:00', 'P5', NULL, '706000', NULL, 0, 0), (12, '', '2024-03-01 00:00:00', 'P5', NULL, '706000', NULL, 1, 1),
      (13, 'VTE', '2024-03-01 00:00:00', 'P6', NULL, '706000', NULL, 0, 1000001), (14, 'VTE', '2024-03-01 00:00:00', 'P6', NULL, '706000', NULL, 1, 1000001),
      (15, 'VTE', '2024-03-01 00:00:00', 'P7', NULL, '706000', NULL, 0, NULL), (16, 'VTE', '2024-03-01 00:00:00', 'P7', NULL, '706000', NULL, 0, NULL),
      (17, 'VTE', '2024-03-01 00:00:00', 'P8', NULL, '706000', NULL, 2, 7000000), (18, 'VTE', '2024-03-01 00:00:00', 'P8', NULL, '706000', NULL, 0, 7000000),
      (19, 'VTE', '2024-03-01 00:00:00', 'P9', NULL, '706000', NULL, 1, NULL);
    INSERT INTO F_FAMILLE VALUES ('F'), ('F'), (NULL);
    INSERT INTO F_ARTICLE VALUES ('A1', 'F'), ('A1', 'F'), ('A2', NULL), ('A3', 'G'), (NULL, 'F'), ('A4', '  ');
    INSERT INTO F_DEPOT VALUES (1), (1), (NULL);
    INSERT INTO F_ARTSTOCK VALUES ('A1', 1), ('A9', 1), (NULL, 1), ('A1', NULL), ('A2', 2);
    INSERT INTO F_DOCENTETE VALUES (0, 7, 'F1', 'C1'), (0, 7, 'F2', NULL), (0, 7, NULL, 'C1'), (NULL, 7, 'F3', 'C1'), (1, 7, 'F4', 'C1'),
      (0, 1, 'B1', 'C9'), (2, 20, 'M1', '9'), (0, NULL, 'X1', ''), (1, 12, 'A1', 'c1'), (0, 7, 'F5', 'C2 ');
    INSERT INTO F_DOCLIGNE (DL_No, DO_Domaine, DO_Type, DO_Piece, CT_Num, AR_Ref) VALUES
      (1, 0, 7, 'F1', 'C1', 'A1'), (2, 0, 7, 'F1', 'C1', NULL), (3, NULL, 7, 'F1', 'C9', 'A9'), (4, 0, NULL, 'F1', '', ''), (5, 0, 7, NULL, NULL, '  '),
      (6, 0, 7, 'F4', 'C1', 'A1'), (7, 1, 7, 'F4', 'C2', 'A2'), (8, 2, 20, 'M1', '9', 'A9'), (9, 0, 1, 'B1', 'C9', 'A1'), (10, 0, 7, 'F3', 'c1', 'a1'),
      (11, 0, 7, 'F9', 'C8', 'A8'), (12, 0, 7, 'F1', 'C1', 'A1');
    INSERT INTO F_DOCREGL VALUES (1, 0, 7, 'F1'), (2, NULL, 7, 'F1'), (3, 0, 7, NULL), (4, 1, 7, 'F4'), (5, 0, 7, 'F4'), (NULL, 0, 7, 'ZZ'), (6, 0, 7, 'ZZ');
    INSERT INTO F_CREGLEMENT VALUES (1), (1), (NULL);
    INSERT INTO F_REGLECH VALUES (1, 1), (2, 1), (NULL, 1), (1, NULL), (1, 9), (NULL, NULL), (3, 6);
  `);
  if (options.indexes) {
    db.exec(`
      CREATE INDEX ec_cg ON F_ECRITUREC (CG_Num, JM_Date); CREATE INDEX ec_ct ON F_ECRITUREC (CT_Num, JM_Date); CREATE INDEX ec_ref ON F_ECRITUREC (EC_RefPiece);
      CREATE INDEX dl_piece ON F_DOCLIGNE (DO_Domaine, DO_Type, DO_Piece); CREATE INDEX do_piece ON F_DOCENTETE (DO_Type, DO_Piece);
      CREATE INDEX do_tiers ON F_DOCENTETE (DO_Domaine, DO_Tiers); CREATE INDEX dr_piece ON F_DOCREGL (DO_Domaine, DO_Type, DO_Piece);
      CREATE INDEX rc ON F_REGLECH (RG_No, DR_No); CREATE INDEX rc_dr ON F_REGLECH (DR_No); CREATE INDEX ct ON F_COMPTET (CT_Num);
      CREATE INDEX ar ON F_ARTICLE (AR_Ref); CREATE INDEX cg ON F_COMPTEG (CG_Num);
      ANALYZE;
    `);
  }
  db.close();
  return path;
}

let clean: string;
let broken: string;
beforeAll(async () => {
  dir = createTempDir('sbsync-checks-');
  clean = await replicaOf(createSageFixture(dir.file('clean.sqlite'), cleanRows()));
  broken = await replicaOf(createSageFixture(dir.file('broken.sqlite'), brokenRows()));
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
    const warnings = (await check(await replicaOf(path), ['accounting'], 3)).filter((w) => w.code === 'ledger-unknown-account');
    expect(warnings.map((w) => w.key)).toEqual([{ EC_No: 100 }, { EC_No: 101 }, { EC_No: 102 }, {}]);
    expect(warnings[3]).toMatchObject({ omitted: 4, message: '4 more ledger lines on an unknown account not listed (7 in all).' });
  });

  it('finds exactly what the reference statements find, capped alike, on one thread or two', async () => {
    expect(await expectReferenceFindings(broken)).toBeGreaterThan(50);
    expect(await expectReferenceFindings(clean)).toBe(0);
    const messy = await replicaOf(createSageFixture(dir.file('messy.sqlite'), messyRows()));
    const warnings = await check(messy, ['accounting', 'commercial'], 2);
    // Every check whose statement was rewritten or merged finds more than the limit here: lists 2, sums up the rest.
    const small = ['third-party-unknown-account', 'item-unknown-family', 'stock-unknown-item', 'stock-unknown-warehouse'];
    expect(new Set(warnings.filter((w) => w.omitted).map((w) => w.code))).toEqual(new Set(CHECKS.map((c) => c.code).filter((c) => !small.includes(c))));
    expect(await expectReferenceFindings(messy, [100, 5, 2, 1, 0])).toBeGreaterThan(1000);
  });

  it('matches the reference with NULL keys, blank values and duplicated references outside the Sage schema', async () => {
    for (const indexes of [true, false]) {
      const path = looseReplica(dir.file(`loose-${indexes}.sqlite`), { indexes });
      expect(await expectReferenceFindings(path, [100, 2, 0])).toBeGreaterThan(50);
    }
    // What the NULLs give, for the record: a line of no document, a piece without a number, payment (empty)…
    const warnings = await check(dir.file('loose-true.sqlite'), ['accounting', 'commercial']);
    expect(warnings.filter((w) => w.code === 'document-line-without-header').map((w) => w.key)).toEqual([{ DL_No: 3 }, { DL_No: 4 }, { DL_No: 5 }, { DL_No: 6 }, { DL_No: 10 }, { DL_No: 11 }]);
    expect(warnings.find((w) => w.code === 'ledger-unbalanced-piece')?.message).toBe('Ledger piece (no number) of journal VTE (2024-01) is unbalanced: debit 5.000000, credit 4.000000.');
  });

  it('stops between statements when its signal is aborted, on the source or on reader threads', async () => {
    for (const threads of [0, 2]) {
      const source = openReplicaSource(broken);
      const statements: string[] = [];
      const counting: SqlSource = { ...source, dialect: source.dialect, label: source.label, file: source.file, columns: (t) => source.columns(t), close: () => source.close(), query: (sql, p) => (statements.push(sql), source.query(sql, p)) };
      try {
        await expect(runConsistencyChecks(counting, { groups: ['accounting', 'commercial'], threads, signal: AbortSignal.abort(new Error('stop requested')) })).rejects.toThrow('stop requested');
        // Only the column probes ran (they decide which checks apply); not one check statement.
        expect(statements.filter((s) => !/pragma_table_info|sqlite_master/i.test(s))).toEqual([]);
        const controller = new AbortController();
        const running = runConsistencyChecks(counting, { groups: ['accounting', 'commercial'], threads, signal: controller.signal });
        controller.abort(new Error('stopped midway'));
        await expect(running).rejects.toThrow('stopped midway');
      } finally {
        await source.close();
      }
    }
  });

  it('rejects a limit that is not a non-negative integer', async () => {
    await expect(check(broken, ['accounting'], -1)).rejects.toThrow(RangeError);
    await expect(check(broken, ['commercial'], 1.5)).rejects.toThrow(RangeError);
  });

  it('skips checks whose tables are absent (accounting-only database)', async () => {
    const path = dir.file('cpta.sqlite');
    const { findSageTable } = await import('../../src/extract/sage/tables.js');
    const tables = ['P_DOSSIER', 'F_COMPTEG', 'F_COMPTET', 'F_JOURNAUX', 'F_ECRITUREC'].map((t) => findSageTable(t)!);
    const rows = cleanRows();
    createSageFixture(path, { F_COMPTEG: rows.F_COMPTEG!, F_COMPTET: rows.F_COMPTET!, F_JOURNAUX: rows.F_JOURNAUX!, F_ECRITUREC: rows.F_ECRITUREC! }, { tables });
    expect(await check(await replicaOf(path), ['accounting', 'commercial'])).toEqual([]);
  });
});

describe('the replica', () => {
  it('is the only source the checks read: a Sage database is refused', async () => {
    const sage = openSqliteSource(dir.file('broken.sqlite'));
    try {
      await expect(runConsistencyChecks(sage, { groups: ['accounting'] })).rejects.toThrow(/reads a company's replica/);
    } finally {
      await sage.close();
    }
  });
});
