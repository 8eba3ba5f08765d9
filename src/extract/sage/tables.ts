/**
 * Sage 100 (France, SQL Server edition) table definitions as data: the real table and column names and
 * SQL Server type strings from reference/sage100-schema.md, in physical order. They drive the SQLite DDL of
 * the demo company and of test fixtures, and tell exporters the type of every column.
 *
 * Each table is a realistic subset of the real one: every column a KPI view or a raw export needs, the cb
 * system tail, computed `cbXXX` varbinary index columns (exporters must skip them, as on a real database)
 * and, on some tables, "informations libres" with spaces and accents in their names. The two largest
 * tables (F_ECRITUREC, F_DOCLIGNE) keep a single computed column and fewer rarely used columns than the
 * real ones: SQLite pays for every column of every row while bulk-loading the million-line demo.
 *
 * ## How amounts are stored in SQLite (the amount-storage decision)
 * On SQL Server amounts are numeric(24,6) and stay exact end to end (the driver returns strings). SQLite has
 * no decimal type: a column declared `numeric(24,6)` gets NUMERIC affinity, which stores integral values as
 * 64-bit integers and fractional ones as IEEE doubles. We keep that declared type (so `columns()` reports
 * `numeric` like SQL Server does, and any Sage-schema SQLite file written by another tool reads the same)
 * and make exactness a rule of the readers instead:
 * - a stored double of an amount that has at most 6 decimals and at most 15 significant digits (that is,
 *   every amount below 10^9 in absolute value) is recovered exactly by rounding it to 6 decimals; the SQLite
 *   source and `dialect.money()` do that rounding and return a decimal string, never a JS number;
 * - sums are never done in floating point: `dialect.moneySum()` sums integer micro-units,
 *   `SUM(CAST(ROUND(x * 1000000) AS INTEGER))`, which SQLite adds exactly in 64-bit integers (an overflow
 *   is an error, not a silent rounding), then formats them as a decimal string with BigInt.
 * Storing micro-units as integers in the columns themselves would be exact too, but the columns would no
 * longer hold Sage values: every view, export and fixture would need a second meaning for the same name.
 * The demo generator computes every amount in integer cents, so its balances are exact by construction.
 */

/** Broad family of a SQL Server column type, for value conversion and export typing. */
export type SageTypeKind = 'text' | 'integer' | 'decimal' | 'datetime' | 'binary' | 'guid';

export interface SageColumn {
  readonly name: string;
  /** SQL Server type string exactly as the real schema declares it: `varchar(17)`, `numeric(24,6)`, `int`… */
  readonly type: string;
  readonly nullable: boolean;
  /** `cbMarq`: int IDENTITY(1,1), the clustered primary key of every Sage table. */
  readonly identity?: boolean;
  /** Computed index column (`cbCT_Num`…): read-only, binary, never exported. */
  readonly computed?: { readonly mssql: string; readonly sqlite: string };
  /**
   * A column default in the SQLite DDL. Sage's applications fill these columns themselves; the defaults let
   * the demo generator and test fixtures leave constant flag columns out of their INSERTs.
   */
  readonly default?: string | number;
  /** A user-defined "information libre" column (free name, appended after the system columns). */
  readonly userDefined?: boolean;
}

export interface SageIndex {
  readonly name: string;
  /** Key columns, in order. */
  readonly columns: readonly string[];
  readonly unique: boolean;
  /**
   * Covering columns carried in the index leaf (SQL Server `INCLUDE (…)`), so that the view aggregates
   * over the largest tables read the index alone instead of fetching one wide row per line. SQLite has no
   * INCLUDE: its DDL appends them after the key columns, which serves the same reads.
   */
  readonly include?: readonly string[];
}

export type SageTableGroup = 'parameters' | 'accounting' | 'commercial';

export interface SageTable {
  readonly name: string;
  readonly group: SageTableGroup;
  /** Columns of the business key (unique); for single-row P_ tables, `cbMarq`. */
  readonly businessKey: readonly string[];
  readonly columns: readonly SageColumn[];
  readonly indexes: readonly SageIndex[];
}

export const SAGE_SYSTEM_COLUMNS = [
  'cbProt',
  'cbMarq',
  'cbCreateur',
  'cbModification',
  'cbReplication',
  'cbFlag',
  'cbCreation',
  'cbCreationUser',
] as const;

/** Maps a SQL type string (`varchar(17)`, `NUMERIC`, `integer`…) to its family. Unknown types are text. */
export function sqlTypeKind(sqlType: string): SageTypeKind {
  const base = sqlType.trim().toLowerCase().replace(/\s*\(.*$/, '');
  switch (base) {
    case 'int':
    case 'integer':
    case 'smallint':
    case 'tinyint':
    case 'bigint':
    case 'bit':
      return 'integer';
    case 'numeric':
    case 'decimal':
    case 'money':
    case 'smallmoney':
      return 'decimal';
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
    case 'date':
      return 'datetime';
    case 'varbinary':
    case 'binary':
    case 'blob':
    case 'image':
      return 'binary';
    case 'uniqueidentifier':
      return 'guid';
    default:
      return 'text';
  }
}

// ---------------------------------------------------------------------------------------------------------
// A compact column notation keeps the definitions readable: one column per line,
//   Name type [not null] [default X]          plain column
//   "Name with spaces" type                    quoted name (informations libres)
//   cbXX_Name varbinary(n) computed            index column computed from XX_Name, left-aligned
//   cbDO_Piece varbinary(14) computed right    computed from DO_Piece, right-aligned like Sage piece numbers
// The cb system tail is appended by `table()`; user-defined columns go after it, as in real databases.
// ---------------------------------------------------------------------------------------------------------

const LINE = /^(?:"([^"]+)"|(\S+))\s+(\S+)((?:\s+.*)?)$/;

function quoteSqlite(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function computedColumn(name: string, type: string, rightAligned: boolean): SageColumn {
  const source = name.slice(2);
  const size = Number(/\((\d+)\)/.exec(type)?.[1] ?? '0');
  const width = size - 1;
  const mssql = rightAligned
    ? `CONVERT(varbinary(${size}), SPACE(${size}-(LEN(ISNULL([${source}],''))+1))+ISNULL([${source}],''))`
    : `CONVERT(varbinary(${size}), ISNULL([${source}],''))`;
  const sqlite = rightAligned
    ? `CAST(printf('%${width}s', ifnull(${quoteSqlite(source)},'')) AS BLOB)`
    : `CAST(ifnull(${quoteSqlite(source)},'') AS BLOB)`;
  return { name, type, nullable: true, computed: { mssql, sqlite } };
}

function parseColumns(spec: string, userDefined: boolean): SageColumn[] {
  const columns: SageColumn[] = [];
  for (const raw of spec.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`Bad column spec: ${line}`);
    const name = match[1] ?? match[2] ?? '';
    const type = match[3] ?? '';
    const rest = (match[4] ?? '').trim();
    if (rest.startsWith('computed')) {
      columns.push(computedColumn(name, type, rest.includes('right')));
      continue;
    }
    const defaultMatch = /default\s+('(?:[^']*)'|-?\d+(?:\.\d+)?)/.exec(rest);
    const defaultText = defaultMatch?.[1];
    const column: SageColumn = {
      name,
      type,
      nullable: !/not null/.test(rest),
      ...(defaultText === undefined
        ? {}
        : { default: defaultText.startsWith("'") ? defaultText.slice(1, -1) : Number(defaultText) }),
      ...(userDefined ? { userDefined: true } : {}),
    };
    columns.push(column);
  }
  return columns;
}

const SYSTEM_TAIL = `
  cbProt smallint default 0
  cbMarq int not null
  cbCreateur char(4) default 'CSQL'
  cbModification datetime
  cbReplication int default 0
  cbFlag smallint default 0
  cbCreation datetime
  cbCreationUser uniqueidentifier
`;

interface TableSpec {
  name: string;
  group: SageTableGroup;
  businessKey: string[];
  columns: string;
  userDefined?: string;
  indexes?: Array<[name: string, columns: string[], unique?: boolean, include?: string[]]>;
}

function table(spec: TableSpec): SageTable {
  const tail = parseColumns(SYSTEM_TAIL, false).map((c) => (c.name === 'cbMarq' ? { ...c, identity: true } : c));
  const columns = [
    ...parseColumns(spec.columns, false),
    ...tail,
    ...parseColumns(spec.userDefined ?? '', true),
  ];
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new Error(`Duplicate column ${spec.name}.${c.name}`);
    names.add(c.name);
  }
  for (const k of spec.businessKey) if (!names.has(k)) throw new Error(`Unknown key column ${spec.name}.${k}`);
  const keyIndex: SageIndex[] =
    spec.businessKey.length === 1 && spec.businessKey[0] === 'cbMarq'
      ? []
      : [{ name: `UKA_${spec.name}_${spec.businessKey.join('_')}`, columns: spec.businessKey, unique: true }];
  const others = (spec.indexes ?? []).map(([name, cols, unique, include]) => {
    for (const k of [...cols, ...(include ?? [])]) if (!names.has(k)) throw new Error(`Unknown index column ${spec.name}.${k}`);
    return { name, columns: cols, unique: unique === true, ...(include && include.length > 0 ? { include } : {}) };
  });
  return Object.freeze({
    name: spec.name,
    group: spec.group,
    businessKey: Object.freeze([...spec.businessKey]),
    columns: Object.freeze(columns.map((c) => Object.freeze(c))),
    indexes: Object.freeze([...keyIndex, ...others]),
  });
}

const AMOUNT = 'numeric(24,6)';
const amountColumns = (names: string): string =>
  names
    .trim()
    .split(/\s+/)
    .map((n) => `${n} ${AMOUNT} default 0`)
    .join('\n');

// ---------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------

const P_DOSSIER = table({
  name: 'P_DOSSIER',
  group: 'parameters',
  businessKey: ['cbMarq'],
  columns: `
    D_RaisonSoc varchar(35)
    D_Profession varchar(35)
    D_Adresse varchar(35)
    D_Complement varchar(35)
    D_CodePostal varchar(9)
    D_Ville varchar(35)
    D_CodeRegion varchar(25)
    D_Pays varchar(35)
    D_Commentaire varchar(69)
    D_Siret varchar(15)
    D_Ape varchar(7)
    D_Identifiant varchar(25)
    D_DebutExo01 datetime
    D_DebutExo02 datetime
    D_DebutExo03 datetime
    D_DebutExo04 datetime
    D_DebutExo05 datetime
    D_FinExo01 datetime
    D_FinExo02 datetime
    D_FinExo03 datetime
    D_FinExo04 datetime
    D_FinExo05 datetime
    D_LgCg smallint default 6
    D_LgAn smallint default 0
    D_Archivage01 smallint default 0
    D_Archivage02 smallint default 0
    D_Archivage03 smallint default 0
    D_Archivage04 smallint default 0
    D_Archivage05 smallint default 0
    N_DeviseCompte smallint default 0
    N_DeviseEquival smallint default 0
    JO_NumAN varchar(7)
    CG_NumANOuv varchar(13)
    CG_NumANBenef varchar(13)
    CG_NumANPerte varchar(13)
    N_Analytique smallint default 1
    D_EMail varchar(69)
    D_Telephone varchar(21)
    D_Telecopie varchar(21)
    D_Site varchar(69)
    D_DateClot datetime
    D_Capital numeric(24,6) default 0
    D_FormeJuridique varchar(35)
    D_GestionIFRS smallint default 0
  `,
});

const P_DOSSIERCIAL = table({
  name: 'P_DOSSIERCIAL',
  group: 'parameters',
  businessKey: ['cbMarq'],
  columns: `
    D_RaisonS varchar(35)
    D_FormatQte varchar(31)
    D_FormatPrix varchar(31)
    N_DeviseCompte smallint default 0
    N_DeviseEquival smallint default 0
    D_ArchivePeriod datetime
    D_ValiditePeriod smallint default 0
    D_DerniereCloture datetime
  `,
});

/** Payment modes; F_COMPTET/F_DOCREGL/F_CREGLEMENT.N_Reglement point at cbIndice (1-based). */
const P_REGLEMENT = table({
  name: 'P_REGLEMENT',
  group: 'parameters',
  businessKey: ['cbIndice'],
  columns: `
    R_Intitule varchar(35)
    R_Code varchar(3)
    R_ModePaieDebit smallint default 0
    cbIndice smallint not null
  `,
});

// ---------------------------------------------------------------------------------------------------------
// Accounting
// ---------------------------------------------------------------------------------------------------------

const F_COMPTEG = table({
  name: 'F_COMPTEG',
  group: 'accounting',
  businessKey: ['CG_Num'],
  columns: `
    CG_Num varchar(13) not null
    cbCG_Num varbinary(14) computed
    CG_Type smallint default 0
    CG_Intitule varchar(35)
    CG_Classement varchar(17)
    N_Nature smallint default 0
    CG_Report smallint default 0
    CR_Num varchar(13)
    CG_Raccourci varchar(7)
    CG_Saut smallint default 0
    CG_Regroup smallint default 0
    CG_Analytique smallint default 0
    CG_Echeance smallint default 0
    CG_Quantite smallint default 0
    CG_Lettrage smallint default 0
    CG_Tiers smallint default 0
    CG_DateCreate datetime
    CG_Devise smallint default 0
    N_Devise smallint default 0
    TA_Code varchar(5)
    CG_Sommeil smallint default 0
    CG_ReportAnal smallint default 0
  `,
});

const F_COMPTET = table({
  name: 'F_COMPTET',
  group: 'accounting',
  businessKey: ['CT_Num'],
  columns: `
    CT_Num varchar(17) not null
    cbCT_Num varbinary(18) computed
    CT_Intitule varchar(35)
    CT_Type smallint default 0
    CG_NumPrinc varchar(13)
    CT_Qualite varchar(17)
    CT_Classement varchar(17)
    CT_Contact varchar(35)
    CT_Adresse varchar(35)
    CT_Complement varchar(35)
    CT_CodePostal varchar(9)
    CT_Ville varchar(35)
    CT_CodeRegion varchar(25)
    CT_Pays varchar(35)
    CT_Raccourci varchar(7)
    N_Devise smallint default 0
    CT_Ape varchar(7)
    CT_Identifiant varchar(25)
    CT_Siret varchar(15)
    CT_Statistique01 varchar(21)
    CT_Commentaire varchar(35)
    CT_Encours numeric(24,6) default 0
    CT_Assurance numeric(24,6) default 0
    CT_NumPayeur varchar(17)
    N_Risque smallint default 1
    CO_No int
    cbCO_No int
    N_CatTarif smallint default 1
    CT_Taux01 numeric(24,6) default 0
    N_CatCompta smallint default 1
    N_Period smallint default 1
    CT_Facture smallint default 1
    CT_BLFact smallint default 0
    N_Expedition smallint default 1
    N_Condition smallint default 1
    CT_DateCreate datetime
    CT_Lettrage smallint default 1
    CT_Sommeil smallint default 0
    DE_No int
    cbDE_No int
    CT_ControlEnc smallint default 0
    CT_Telephone varchar(21)
    CT_Telecopie varchar(21)
    CT_EMail varchar(69)
    CT_Site varchar(69)
    CT_Prospect smallint default 0
  `,
  userDefined: `
    "N° Dossier" varchar(69)
    "Secteur d'activité" varchar(69)
  `,
  indexes: [['ICT_TYPE', ['CT_Type', 'CT_Num']]],
});

const F_JOURNAUX = table({
  name: 'F_JOURNAUX',
  group: 'accounting',
  businessKey: ['JO_Num'],
  columns: `
    JO_Num varchar(7) not null
    cbJO_Num varbinary(8) computed
    JO_Intitule varchar(35)
    CG_Num varchar(13)
    JO_Type smallint default 0
    JO_NumPiece smallint default 1
    JO_Contrepartie smallint default 0
    JO_SaisAnal smallint default 0
    JO_NotCalcTot smallint default 0
    JO_Rappro smallint default 0
    JO_Sommeil smallint default 0
    JO_IFRS smallint default 0
    JO_Reglement smallint default 0
    JO_SuiviTreso smallint default 0
  `,
});

const F_ECRITUREC = table({
  name: 'F_ECRITUREC',
  group: 'accounting',
  businessKey: ['EC_No'],
  columns: `
    EC_No int not null
    JO_Num varchar(7) not null
    EC_NoLink int default 0
    JM_Date datetime not null
    EC_Jour smallint not null
    EC_Date datetime
    EC_Piece varchar(13)
    EC_RefPiece varchar(17)
    CG_Num varchar(13) not null
    cbCG_Num varbinary(14) computed
    CG_NumCont varchar(13)
    CT_Num varchar(17)
    EC_Intitule varchar(35)
    N_Reglement smallint default 0
    EC_Echeance datetime
    EC_Parite numeric(24,6) default 0
    EC_Quantite numeric(24,6) default 0
    N_Devise smallint default 0
    EC_Devise numeric(24,6) default 0
    EC_Sens smallint not null
    EC_Montant numeric(24,6) not null
    EC_Lettre smallint default 0
    EC_Lettrage varchar(3) default ''
    EC_Point smallint default 0
    EC_Pointage varchar(3) default ''
    EC_Cloture smallint default 0
    EC_CType smallint default 0
    CT_NumCont varchar(17)
    EC_ANType smallint default 0
    TA_Code varchar(5)
    EC_Norme smallint default 0
    TA_Provenance smallint default 0
    EC_DatePenal datetime
    EC_DateRappro datetime
    EC_Reference varchar(17)
  `,
  // Sage's own ledger indexes (on the cb shadow columns in SQL Server): by account and period, and by third
  // party, lettering and period. The included columns are what the views sum (views/accounting.ts): the
  // profit-and-loss and treasury passes read IEC_CG alone, the third-party pass (balances, open items,
  // aged balances, due dates) IEC_CT alone, instead of fetching one ledger row per line.
  indexes: [
    ['IEC_CG', ['CG_Num', 'JM_Date', 'EC_Jour'], false, ['EC_Sens', 'EC_Montant', 'EC_ANType', 'JO_Num']],
    ['IEC_CT', ['CT_Num', 'EC_Lettre', 'JM_Date', 'EC_Jour'], false, ['EC_Echeance', 'EC_Sens', 'EC_Montant']],
    ['IEC_REFPIECE', ['EC_RefPiece']],
  ],
});

const F_TAXE = table({
  name: 'F_TAXE',
  group: 'accounting',
  businessKey: ['TA_Code'],
  columns: `
    TA_Intitule varchar(35)
    TA_TTaux smallint default 0
    TA_Taux numeric(24,6) default 0
    TA_Type smallint default 0
    CG_Num varchar(13)
    TA_No int
    TA_Code varchar(5) not null
    cbTA_Code varbinary(6) computed
    TA_NP smallint default 0
    TA_Sens smallint default 0
    TA_Provenance smallint default 0
    TA_Regroup varchar(3)
    TA_Assujet numeric(24,6) default 100
  `,
});

// ---------------------------------------------------------------------------------------------------------
// Commercial
// ---------------------------------------------------------------------------------------------------------

const F_COLLABORATEUR = table({
  name: 'F_COLLABORATEUR',
  group: 'commercial',
  businessKey: ['CO_No'],
  columns: `
    CO_No int not null
    CO_Nom varchar(35)
    cbCO_Nom varbinary(36) computed
    CO_Prenom varchar(35)
    CO_Fonction varchar(35)
    CO_Adresse varchar(35)
    CO_Complement varchar(35)
    CO_CodePostal varchar(9)
    CO_Ville varchar(35)
    CO_CodeRegion varchar(25)
    CO_Pays varchar(35)
    CO_Service varchar(35)
    CO_Vendeur smallint default 0
    CO_Caissier smallint default 0
    CO_Acheteur smallint default 0
    CO_Telephone varchar(21)
    CO_Telecopie varchar(21)
    CO_EMail varchar(69)
    CO_TelPortable varchar(21)
    CO_Matricule varchar(11)
    CO_Sommeil smallint default 0
    CO_Receptionnaire smallint default 0
    CO_ChargeRecouvr smallint default 0
    CO_Financier smallint default 0
    CO_DateCreation datetime
  `,
});

const F_FAMILLE = table({
  name: 'F_FAMILLE',
  group: 'commercial',
  businessKey: ['FA_CodeFamille', 'FA_Type'],
  columns: `
    FA_CodeFamille varchar(11) not null
    cbFA_CodeFamille varbinary(12) computed
    FA_Type smallint not null default 0
    FA_Intitule varchar(35)
    FA_UniteVen smallint default 1
    FA_Coef numeric(24,6) default 0
    FA_SuiviStock smallint default 2
    FA_Garantie smallint default 0
    FA_Central varchar(11)
    FA_Stat01 varchar(21)
    FA_CodeFiscal varchar(25)
    FA_Pays varchar(35)
    FA_UnitePoids smallint default 3
    FA_Escompte smallint default 0
    FA_Delai smallint default 0
    FA_HorsStat smallint default 0
    FA_VteDebit smallint default 0
    FA_NotImp smallint default 0
    FA_Nature smallint default 0
  `,
});

const F_ARTICLE = table({
  name: 'F_ARTICLE',
  group: 'commercial',
  businessKey: ['AR_Ref'],
  columns: `
    AR_Ref varchar(19) not null
    cbAR_Ref varbinary(20) computed
    AR_Design varchar(69)
    cbAR_Design varbinary(70) computed
    FA_CodeFamille varchar(11)
    cbFA_CodeFamille varbinary(12) computed
    AR_Substitut varchar(19)
    AR_Raccourci varchar(7)
    AR_Garantie smallint default 0
    AR_UnitePoids smallint default 3
    AR_PoidsNet numeric(24,6) default 0
    AR_PoidsBrut numeric(24,6) default 0
    AR_UniteVen smallint default 1
    AR_PrixAch numeric(24,6) default 0
    AR_Coef numeric(24,6) default 0
    AR_PrixVen numeric(24,6) default 0
    AR_PrixTTC smallint default 0
    AR_Gamme1 smallint default 0
    AR_Gamme2 smallint default 0
    AR_SuiviStock smallint default 2
    AR_Nomencl smallint default 0
    AR_Stat01 varchar(21)
    AR_Escompte smallint default 0
    AR_Delai smallint default 0
    AR_HorsStat smallint default 0
    AR_VteDebit smallint default 0
    AR_NotImp smallint default 0
    AR_Sommeil smallint default 0
    AR_CodeBarre varchar(19)
    AR_CodeFiscal varchar(25)
    AR_Pays varchar(35)
    AR_DateCreation datetime
    AR_DateModif datetime
    AR_CoutStd numeric(24,6) default 0
    CO_No int
    cbCO_No int
    AR_Type smallint default 0
    AR_Nature smallint default 0
    AR_Publie smallint default 0
  `,
  userDefined: `
    "Catégorie web" varchar(35)
  `,
  indexes: [['IAR_FAMILLE', ['FA_CodeFamille', 'AR_Ref']]],
});

const F_DEPOT = table({
  name: 'F_DEPOT',
  group: 'commercial',
  businessKey: ['DE_No'],
  columns: `
    DE_No int not null
    DE_Intitule varchar(35)
    cbDE_Intitule varbinary(36) computed
    DE_Adresse varchar(35)
    DE_Complement varchar(35)
    DE_CodePostal varchar(9)
    DE_Ville varchar(35)
    DE_Contact varchar(35)
    DE_Principal smallint default 0
    DE_CatCompta smallint default 1
    DE_Region varchar(25)
    DE_Pays varchar(35)
    DE_EMail varchar(69)
    DE_Code varchar(9)
    DE_Telephone varchar(21)
    DE_Telecopie varchar(21)
    DE_Exclure smallint default 0
  `,
});

const F_ARTSTOCK = table({
  name: 'F_ARTSTOCK',
  group: 'commercial',
  businessKey: ['AR_Ref', 'DE_No'],
  columns: `
    AR_Ref varchar(19) not null
    cbAR_Ref varbinary(20) computed
    DE_No int not null
    ${amountColumns('AS_QteMini AS_QteMaxi AS_MontSto AS_QteSto AS_QteRes AS_QteCom')}
    AS_Principal smallint default 0
    ${amountColumns('AS_QteResCM AS_QteComCM AS_QtePrepa AS_QteAControler')}
    AS_Mouvemente smallint default 0
  `,
});

const F_DOCENTETE = table({
  name: 'F_DOCENTETE',
  group: 'commercial',
  businessKey: ['DO_Type', 'DO_Piece'],
  columns: `
    DO_Domaine smallint not null
    DO_Type smallint not null
    DO_Piece varchar(13) not null
    cbDO_Piece varbinary(14) computed right
    DO_Date datetime
    DO_Ref varchar(17)
    DO_Tiers varchar(17)
    cbDO_Tiers varbinary(18) computed
    CO_No int
    cbCO_No int
    DO_Period smallint default 1
    DO_Devise smallint default 0
    DO_Cours numeric(24,6) default 0
    DE_No int
    cbDE_No int
    LI_No int
    cbLI_No int
    CT_NumPayeur varchar(17)
    DO_Expedit smallint default 1
    DO_NbFacture smallint default 1
    DO_BLFact smallint default 0
    DO_TxEscompte numeric(24,6) default 0
    DO_Reliquat smallint default 0
    DO_Imprim smallint default 0
    CA_Num varchar(13)
    DO_Coord01 varchar(25)
    DO_Souche smallint default 0
    DO_DateLivr datetime
    DO_Condition smallint default 1
    DO_Tarif smallint default 1
    DO_Colisage smallint default 1
    DO_TypeColis smallint default 1
    DO_Transaction smallint default 11
    DO_Langue smallint default 0
    DO_Ecart numeric(24,6) default 0
    DO_Regime smallint default 21
    N_CatCompta smallint default 1
    DO_Ventile smallint default 0
    AB_No int default 0
    CG_Num varchar(13)
    DO_Statut smallint default 2
    DO_Heure char(9)
    CA_No int
    CO_NoCaissier int
    DO_Transfere smallint default 0
    DO_Cloture smallint default 0
    DO_NoWeb varchar(17)
    DO_Attente smallint default 0
    DO_Provenance smallint default 0
    MR_No int
    DO_MajCpta smallint default 0
    DO_Motif varchar(69)
    DO_Contact varchar(35)
    DO_FactureElec smallint default 0
    DO_TypeTransac smallint default 0
    DO_DateLivrRealisee datetime
    DO_DateExpedition datetime
    DO_FactureFrs varchar(35)
    DO_PieceOrig varchar(13)
    DO_GUID uniqueidentifier
    DO_Valide smallint default 0
    DO_TotalHT numeric(24,6) default 0
    DO_TotalHTNet numeric(24,6) default 0
    DO_TotalTTC numeric(24,6) default 0
    DO_NetAPayer numeric(24,6) default 0
    DO_MontantRegle numeric(24,6) default 0
    DO_RefPaiement varchar(35)
    DO_PaiementLigne smallint default 0
  `,
  userDefined: `
    "Référence chantier" varchar(35)
  `,
  // IDO_TIERS is Sage's (DO_Domaine, cbDO_Tiers, DO_Date, DO_Type, cbDO_Piece): it serves the latest documents
  // of each customer. IDO_DATE includes what the sales passes read from the header (views/commercial.ts).
  indexes: [
    ['IDO_TIERS', ['DO_Domaine', 'DO_Tiers', 'DO_Date', 'DO_Type', 'DO_Piece']],
    ['IDO_DATE', ['DO_Domaine', 'DO_Type', 'DO_Date'], false, ['DO_Piece', 'DO_Provenance', 'DO_Tiers', 'CO_No']],
  ],
});

const F_DOCLIGNE = table({
  name: 'F_DOCLIGNE',
  group: 'commercial',
  businessKey: ['DL_No'],
  columns: `
    DO_Domaine smallint not null
    DO_Type smallint not null
    CT_Num varchar(17)
    DO_Piece varchar(13) not null
    DL_PieceBC varchar(13)
    DL_PieceBL varchar(13)
    DO_Date datetime
    DL_DateBC datetime
    DL_DateBL datetime
    DL_Ligne int
    DO_Ref varchar(17)
    DL_TNomencl smallint default 0
    DL_TRemPied smallint default 0
    DL_TRemExep smallint default 0
    AR_Ref varchar(19)
    cbAR_Ref varbinary(20) computed
    DL_Design varchar(69)
    DL_Qte numeric(24,6) default 0
    DL_QteBC numeric(24,6) default 0
    DL_QteBL numeric(24,6) default 0
    DL_PoidsNet numeric(24,6) default 0
    DL_PoidsBrut numeric(24,6) default 0
    DL_Remise01REM_Valeur numeric(24,6) default 0
    DL_Remise01REM_Type smallint default 0
    DL_PrixUnitaire numeric(24,6) default 0
    DL_PUBC numeric(24,6) default 0
    DL_Taxe1 numeric(24,6) default 0
    DL_TypeTaux1 smallint default 0
    DL_TypeTaxe1 smallint default 0
    CO_No int
    cbCO_No int
    DL_PrixRU numeric(24,6) default 0
    DL_CMUP numeric(24,6) default 0
    DL_MvtStock smallint default 0
    EU_Enumere varchar(35)
    EU_Qte numeric(24,6) default 0
    DL_TTC smallint default 0
    DE_No int
    cbDE_No int
    DL_PUTTC numeric(24,6) default 0
    DL_No int not null
    DO_DateLivr datetime
    CA_Num varchar(13)
    DL_Valorise smallint default 1
    AR_RefCompose varchar(19)
    DL_NonLivre smallint default 0
    DL_MontantHT numeric(24,6) default 0
    DL_MontantTTC numeric(24,6) default 0
    DL_PiecePL varchar(13)
    DL_DatePL datetime
    DL_QtePL numeric(24,6) default 0
    DL_PieceDE varchar(13)
    DL_DateDE datetime
    DL_QteDE numeric(24,6) default 0
    DL_CodeTaxe1 varchar(5)
  `,
  // Lines of a document in order; the included columns are what the sales passes sum, so that joining the
  // lines of a period's documents reads this index alone.
  indexes: [
    ['IDL_PIECE', ['DO_Domaine', 'DO_Type', 'DO_Piece', 'DL_Ligne'], false, ['AR_Ref', 'DL_Qte', 'DL_PrixRU', 'DL_MontantHT', 'DL_MontantTTC']],
  ],
});

const F_DOCREGL = table({
  name: 'F_DOCREGL',
  group: 'commercial',
  businessKey: ['DR_No'],
  columns: `
    DR_No int not null
    DO_Domaine smallint not null
    DO_Type smallint not null
    DO_Piece varchar(13) not null
    DR_TypeRegl smallint default 0
    DR_Date datetime
    DR_Libelle varchar(35)
    DR_Pourcent numeric(24,6) default 0
    DR_Montant numeric(24,6) default 0
    DR_MontantDev numeric(24,6) default 0
    DR_Equil smallint default 0
    EC_No int default 0
    cbEC_No int
    DR_Regle smallint default 0
    N_Reglement smallint default 1
    CA_No int default 0
  `,
  indexes: [['IDR_PIECE', ['DO_Domaine', 'DO_Type', 'DO_Piece']]],
});

const F_CREGLEMENT = table({
  name: 'F_CREGLEMENT',
  group: 'commercial',
  businessKey: ['RG_No'],
  columns: `
    RG_No int not null
    CT_NumPayeur varchar(17)
    cbCT_NumPayeur varbinary(18) computed
    RG_Date datetime
    RG_Reference varchar(17)
    RG_Libelle varchar(35)
    RG_Montant numeric(24,6) default 0
    RG_MontantDev numeric(24,6) default 0
    N_Reglement smallint default 1
    RG_Impute smallint default 0
    RG_Compta smallint default 0
    EC_No int default 0
    cbEC_No int
    RG_Type smallint default 0
    RG_Cours numeric(24,6) default 0
    N_Devise smallint default 0
    JO_Num varchar(7)
    CG_NumCont varchar(13)
    RG_Impaye datetime
    CG_Num varchar(13)
    RG_TypeReg smallint default 0
    RG_Heure char(9)
    RG_Piece varchar(13)
    CA_No int default 0
    CO_NoCaissier int default 0
    RG_Banque smallint default 0
    RG_Transfere smallint default 0
    RG_Cloture smallint default 0
    RG_Ticket smallint default 0
    RG_Souche smallint default 0
    CT_NumPayeurOrig varchar(17)
    RG_DateEchCont datetime
    RG_Valide smallint default 1
  `,
  indexes: [['IRG_TIERS', ['CT_NumPayeur', 'RG_Date']]],
});

const F_REGLECH = table({
  name: 'F_REGLECH',
  group: 'commercial',
  businessKey: ['RG_No', 'DR_No'],
  columns: `
    RG_No int not null
    DR_No int not null
    DO_Domaine smallint not null
    DO_Type smallint not null
    DO_Piece varchar(13) not null
    RC_Montant numeric(24,6) default 0
    RG_TypeReg smallint default 0
  `,
  indexes: [['IRC_DRNO', ['DR_No']]],
});

/** Every table the demo company holds and the raw exports know, in dependency order. */
export const SAGE_TABLES: readonly SageTable[] = Object.freeze([
  P_DOSSIER,
  P_DOSSIERCIAL,
  P_REGLEMENT,
  F_COMPTEG,
  F_COMPTET,
  F_JOURNAUX,
  F_TAXE,
  F_ECRITUREC,
  F_COLLABORATEUR,
  F_FAMILLE,
  F_ARTICLE,
  F_DEPOT,
  F_ARTSTOCK,
  F_DOCENTETE,
  F_DOCLIGNE,
  F_DOCREGL,
  F_CREGLEMENT,
  F_REGLECH,
]);

export type SageTableName =
  | 'P_DOSSIER'
  | 'P_DOSSIERCIAL'
  | 'P_REGLEMENT'
  | 'F_COMPTEG'
  | 'F_COMPTET'
  | 'F_JOURNAUX'
  | 'F_TAXE'
  | 'F_ECRITUREC'
  | 'F_COLLABORATEUR'
  | 'F_FAMILLE'
  | 'F_ARTICLE'
  | 'F_DEPOT'
  | 'F_ARTSTOCK'
  | 'F_DOCENTETE'
  | 'F_DOCLIGNE'
  | 'F_DOCREGL'
  | 'F_CREGLEMENT'
  | 'F_REGLECH';

/** The definition of a table by name (case-insensitive, as SQL Server's French_CI_AS collation is). */
export function findSageTable(name: string): SageTable | undefined {
  const upper = name.toUpperCase();
  return SAGE_TABLES.find((t) => t.name.toUpperCase() === upper);
}

export function sageTable(name: SageTableName): SageTable {
  const found = findSageTable(name);
  if (!found) throw new Error(`Unknown Sage table ${name}`);
  return found;
}

/** Columns that hold data: not computed (exporters and INSERTs use these). */
export function storedColumns(t: SageTable): SageColumn[] {
  return t.columns.filter((c) => c.computed === undefined);
}

// ---------------------------------------------------------------------------------------------------------
// SQLite DDL
// ---------------------------------------------------------------------------------------------------------

function sqliteDefault(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;
}

function sqliteColumnDdl(c: SageColumn): string {
  const name = quoteSqlite(c.name);
  // `INTEGER PRIMARY KEY` (that exact type name) makes cbMarq the rowid: identity numbering, the cheapest
  // keyset pagination, and no second index to maintain during bulk loads.
  if (c.identity) return `${name} INTEGER PRIMARY KEY`;
  if (c.computed) return `${name} ${c.type} GENERATED ALWAYS AS (${c.computed.sqlite}) VIRTUAL`;
  const parts = [name, c.type];
  if (!c.nullable) parts.push('NOT NULL');
  if (c.default !== undefined) parts.push(`DEFAULT ${sqliteDefault(c.default)}`);
  return parts.join(' ');
}

/** `CREATE TABLE` for one table, with SQL Server type names (SQLite derives affinities from them). */
export function sqliteCreateTable(t: SageTable): string {
  const body = t.columns.map((c) => `  ${sqliteColumnDdl(c)}`).join(',\n');
  return `CREATE TABLE ${quoteSqlite(t.name)} (\n${body}\n)`;
}

/**
 * `CREATE INDEX` statements for one table; run them after a bulk load, it is much faster. Included columns
 * follow the key columns (SQLite has no INCLUDE); those the table lacks (an older schema built from a
 * trimmed definition) are left out, since they only make the index covering.
 */
export function sqliteCreateIndexes(t: SageTable): string[] {
  const present = new Set(t.columns.map((c) => c.name));
  return t.indexes.map((ix) => {
    const include = (ix.include ?? []).filter((name) => present.has(name));
    if (ix.unique && include.length > 0) throw new Error(`Unique index ${ix.name} cannot include columns in SQLite`);
    return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteSqlite(ix.name)} ON ${quoteSqlite(t.name)} (${[...ix.columns, ...include]
      .map(quoteSqlite)
      .join(', ')})`;
  });
}

export interface SqliteSchemaDdl {
  readonly tables: readonly string[];
  readonly indexes: readonly string[];
}

/** The DDL of a whole Sage-schema SQLite database: tables first, indexes to run after loading data. */
export function sqliteSchemaDdl(tables: readonly SageTable[] = SAGE_TABLES): SqliteSchemaDdl {
  return {
    tables: tables.map(sqliteCreateTable),
    indexes: tables.flatMap(sqliteCreateIndexes),
  };
}
