/**
 * Every read the replica sends to SQL Server (src/replica/reads.ts, dialect 'mssql'), run by the real
 * mssql/tedious driver against the TDS test server playing SQL Server 2019 and SQL Server 2008 R2 (TDS
 * 7.3): the values and the column types SQL Server would give, the checksums moving when a row changes,
 * and the constructs a 2008 R2 server refuses.
 */
import Database from 'better-sqlite3';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ColumnInfo, Row, SqlParams, SqlSource } from '../../src/sources/source.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { bindParameter } from '../../src/sources/mssql-values.js';
import { BUCKET_KEYS, bucketsSql, changedAfterSql, checksummedColumns, chunkAfterSql, rangeRowsSql, tableStatsSql } from '../../src/replica/reads.js';
import { type SourceColumn, copiedColumns } from '../../src/replica/schema.js';
import { collect, fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { type TdsTestServer, startTdsServer } from '../support/tds/server.js';
import { SQL_SERVER_2008_R2, type SqlServerVersion } from '../support/tds/versions.js';

const TABLE = 'F_ECRITUREC';

const FIXTURE = `
  CREATE TABLE F_ECRITUREC (cbMarq INTEGER PRIMARY KEY NOT NULL, CT_Num varchar(17) NOT NULL, EC_No int, EC_Montant "numeric text(24,6)",
    "N° pièce" varchar(13), cbModification smalldatetime,
    cbCT_Num varbinary(17) GENERATED ALWAYS AS (CAST(CT_Num AS BLOB)) VIRTUAL);
  INSERT INTO F_ECRITUREC (cbMarq, CT_Num, EC_No, EC_Montant, "N° pièce", cbModification) VALUES
    (1, 'CARAT', 10, '-12.5', 'A1', '2024-03-01 10:00:00'),
    (2, 'bijou', 11, '123456789012345678.123456', NULL, '2024-03-02 09:15:00'),
    (3, 'ZOÉ', NULL, '0', 'é€', NULL),
    (1023, 'CARAT', 12, '1200.500000', 'n° 7', '2024-02-29 18:30:00'),
    (1024, 'BIJOU', 13, '-0.000001', NULL, '2024-01-31 08:00:00'),
    (2050, 'CARAT', 14, NULL, NULL, '2023-12-31 23:59:00');
  CREATE TABLE F_VIDE (cbMarq INTEGER PRIMARY KEY NOT NULL, cbModification smalldatetime);
  CREATE TABLE P_DOSSIER (cbMarq INTEGER PRIMARY KEY NOT NULL, D_Commentaire varchar(2000), D_Exercice int, cbModification smalldatetime);
  INSERT INTO P_DOSSIER VALUES (1, printf('%.1500c', 'x'), 2024, '2024-03-01 10:00:00');
  CREATE TABLE F_MONNAIE (cbMarq INTEGER PRIMARY KEY NOT NULL, M_Montant "money text");
  INSERT INTO F_MONNAIE VALUES (1, '12345.6789');
`;

const int = (value: number) => ({ type: 'int', value }) as const;
const range = (after: number, upto: number): SqlParams => ({ after: int(after), upto: int(upto) });

/** What the rows look like to sbsync: the port's values (src/sources/source.ts). */
const ROWS: Record<number, Row> = {
  1: { cbMarq: 1, CT_Num: 'CARAT', EC_No: 10, EC_Montant: '-12.500000', 'N° pièce': 'A1', cbModification: '2024-03-01T10:00:00.000' },
  2: { cbMarq: 2, CT_Num: 'bijou', EC_No: 11, EC_Montant: '123456789012345678.123456', 'N° pièce': null, cbModification: '2024-03-02T09:15:00.000' },
  3: { cbMarq: 3, CT_Num: 'ZOÉ', EC_No: null, EC_Montant: '0.000000', 'N° pièce': 'é€', cbModification: null },
  1023: { cbMarq: 1023, CT_Num: 'CARAT', EC_No: 12, EC_Montant: '1200.500000', 'N° pièce': 'n° 7', cbModification: '2024-02-29T18:30:00.000' },
  1024: { cbMarq: 1024, CT_Num: 'BIJOU', EC_No: 13, EC_Montant: '-0.000001', 'N° pièce': null, cbModification: '2024-01-31T08:00:00.000' },
  2050: { cbMarq: 2050, CT_Num: 'CARAT', EC_No: 14, EC_Montant: null, 'N° pièce': null, cbModification: '2023-12-31T23:59:00.000' },
};
const rows = (...keys: number[]): Row[] => keys.map((key) => ROWS[key]!);

/** The type of each result column as tedious reports it, `varchar(48)` with its length. */
async function resultTypes(pool: sql.ConnectionPool, text: string, params: SqlParams = {}): Promise<Record<string, string>> {
  const request = pool.request();
  for (const [name, param] of Object.entries(params)) bindParameter(request, name, param);
  const { recordset } = await request.query(text);
  const types: Record<string, string> = {};
  for (const column of Object.values(recordset.columns)) {
    const declaration = (column.type as unknown as { declaration: string }).declaration;
    types[column.name] = declaration === 'varchar' ? `varchar(${column.length})` : declaration;
  }
  return types;
}

const SERVERS: Array<[label: string, version: SqlServerVersion | undefined]> = [
  ['SQL Server 2019 (the default)', undefined],
  ['SQL Server 2008 R2', SQL_SERVER_2008_R2],
];

const bucketOf = (key: number): number => Math.floor(key / BUCKET_KEYS);

describe.each(SERVERS)('replica reads on %s', (_label, version) => {
  const fixtures = fixtureDirectory();
  let file: string;
  let server: TdsTestServer;
  let source: SqlSource;
  let pool: sql.ConnectionPool;
  let columns: SourceColumn[];

  beforeAll(async () => {
    file = fixtures.sqlite('sage', (db) => db.exec(FIXTURE));
    server = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' }, version });
    source = await createMssqlSource(testServerOptions(server, 'SAGE'));
    pool = await new sql.ConnectionPool({
      server: server.host,
      port: server.port,
      database: 'SAGE',
      user: 'sbsync',
      password: 'pw',
      options: { encrypt: false, useUTC: true },
    }).connect();
    columns = copiedColumns(await source.columns(TABLE));
  });

  afterAll(async () => {
    await pool?.close();
    await source?.close();
    await server?.stop();
    fixtures.remove();
  });

  const read = (text: string, params: SqlParams = {}): Promise<Row[]> => collect(source.query(text, params));

  test('column discovery: physical order, SQL Server type names; the binary cbCT_Num is not copied', async () => {
    const discovered: ColumnInfo[] = await source.columns(TABLE);
    expect(discovered).toEqual([
      { name: 'cbMarq', type: 'int', nullable: false },
      { name: 'CT_Num', type: 'varchar', nullable: false },
      { name: 'EC_No', type: 'int', nullable: true },
      { name: 'EC_Montant', type: 'numeric', nullable: true },
      { name: 'N° pièce', type: 'varchar', nullable: true },
      { name: 'cbModification', type: 'smalldatetime', nullable: true },
      { name: 'cbCT_Num', type: 'varbinary', nullable: true },
    ]);
    expect(columns.map((c) => c.name)).toEqual(['cbMarq', 'CT_Num', 'EC_No', 'EC_Montant', 'N° pièce', 'cbModification']);
    expect(checksummedColumns(columns)).toEqual(columns);
  });

  test('table statistics: COUNT_BIG is a bigint, MAX keeps the column type (int, smalldatetime)', async () => {
    const withStamp = tableStatsSql('mssql', TABLE, true);
    expect(await read(withStamp)).toEqual([{ row_count: 6, last_key: 2050, max_modified: '2024-03-02T09:15:00.000' }]);
    expect(await resultTypes(pool, withStamp)).toEqual({ row_count: 'bigint', last_key: 'int', max_modified: 'smalldatetime' });
    const withoutStamp = tableStatsSql('mssql', TABLE, false);
    expect(await read(withoutStamp)).toEqual([{ row_count: 6, last_key: 2050, max_modified: null }]);
    // A bare NULL is an int column on SQL Server.
    expect(await resultTypes(pool, withoutStamp)).toEqual({ row_count: 'bigint', last_key: 'int', max_modified: 'int' });
    expect(await read(tableStatsSql('mssql', 'F_VIDE', true))).toEqual([{ row_count: 0, last_key: null, max_modified: null }]);
  });

  test('keyset chunks: TOP (n) after @after in cbMarq order, amounts as text with all six decimals', async () => {
    const chunk = chunkAfterSql('mssql', TABLE, columns, 2);
    expect(await read(chunk, { after: int(0) })).toEqual(rows(1, 2));
    expect(await read(chunk, { after: int(2) })).toEqual(rows(3, 1023));
    expect(await read(chunk, { after: int(2050) })).toEqual([]);
    expect(await resultTypes(pool, chunk, { after: int(0) })).toEqual({
      cbMarq: 'int',
      CT_Num: 'varchar(17)',
      EC_No: 'int',
      EC_Montant: 'varchar(48)',
      'N° pièce': 'varchar(13)',
      cbModification: 'smalldatetime',
    });
  });

  test('changed rows: stamped at or after @since (a datetime parameter) or above @lastKey', async () => {
    const changed = changedAfterSql('mssql', TABLE, columns, 100);
    const params = (since: string, lastKey: number, after = 0): SqlParams => ({ after: int(after), since: { type: 'datetime', value: since }, lastKey: int(lastKey) });
    expect(await read(changed, params('2024-02-29T18:30:00', 1024))).toEqual(rows(1, 2, 1023, 2050));
    // smalldatetime 18:30 is before 18:30:00.500: compared as datetimes, not rounded.
    expect(await read(changed, params('2024-02-29T18:30:00.500', 5000))).toEqual(rows(1, 2));
    expect(await read(changed, params('2024-02-29T18:30:00', 1024, 1023))).toEqual(rows(2050));
    const received = server.queries.filter((query) => query.sql === changed).at(-1)!;
    expect(received.parameters.map((p) => [p.name, p.type, p.value])).toEqual([
      ['@after', 'int', 1023],
      ['@since', 'datetime', '2024-02-29 18:30:00'],
      ['@lastKey', 'int', 1024],
    ]);
  });

  test('a key range (@after, @upto]', async () => {
    expect(await read(rangeRowsSql('mssql', TABLE, columns), range(2, 1024))).toEqual(rows(3, 1023, 1024));
    expect(await read(rangeRowsSql('mssql', TABLE, columns), range(1024, 2048))).toEqual([]);
  });

  test('buckets: cbMarq / BUCKET_KEYS is an integer division, counts are bigints, checksums ints', async () => {
    // Keys 1, 2, 3, 1023, 1024 and 2050, counted per bucket.
    const counts = (keys: number[]) => {
      const per = new Map<number, number>();
      for (const k of keys) per.set(bucketOf(k), (per.get(bucketOf(k)) ?? 0) + 1);
      return [...per].map(([bucket, row_count]) => ({ bucket, row_count }));
    };
    expect(await read(bucketsSql('mssql', TABLE, columns, false), range(0, 65_536))).toEqual(counts([1, 2, 3, 1023, 1024, 2050]));
    expect(await read(bucketsSql('mssql', TABLE, columns, false), range(1023, 2050))).toEqual(counts([1024, 2050]));
    const withChecksum = bucketsSql('mssql', TABLE, columns, true);
    expect(await resultTypes(pool, withChecksum, range(0, 65_536))).toEqual({ bucket: 'int', row_count: 'bigint', checksum: 'int', checksum_sum: 'bigint' });
    for (const { checksum } of await read(withChecksum, range(0, 65_536))) {
      expect(Number.isInteger(checksum) && (checksum as number) >= -(2 ** 31) && (checksum as number) < 2 ** 31).toBe(true);
    }
  });

  test('checksums move with a case change, an amount, a NULL, a deleted row; not with how SQLite stores an amount', async () => {
    const checksums = async (): Promise<Record<number, [count: unknown, checksum: unknown]>> => {
      const buckets = await read(bucketsSql('mssql', TABLE, columns, true), range(0, 65_536));
      return Object.fromEntries(buckets.map((b) => [Number(b.bucket), [b.row_count, b.checksum]]));
    };
    const change = (statement: string): void => {
      const db = new Database(file);
      db.exec(statement);
      db.close();
    };
    const [first, of1024, of2050] = [bucketOf(1), bucketOf(1024), bucketOf(2050)];
    const before = await checksums();
    expect(await checksums()).toEqual(before);

    change(`UPDATE F_ECRITUREC SET EC_Montant = '-12.500000' WHERE cbMarq = 1`); // the same numeric(24,6) value
    expect(await checksums()).toEqual(before);

    change(`UPDATE F_ECRITUREC SET CT_Num = 'BIJOU' WHERE cbMarq = 2`);
    const afterCase = await checksums();
    expect(afterCase[first]![1]).not.toBe(before[first]![1]);
    expect([afterCase[of1024], afterCase[of2050]]).toEqual([before[of1024], before[of2050]]);

    change(`UPDATE F_ECRITUREC SET EC_Montant = '-0.000002' WHERE cbMarq = 1024`);
    const afterAmount = await checksums();
    expect(afterAmount[of1024]![1]).not.toBe(afterCase[of1024]![1]);
    expect([afterAmount[first], afterAmount[of2050]]).toEqual([afterCase[first], afterCase[of2050]]);

    change(`UPDATE F_ECRITUREC SET "N° pièce" = '' WHERE cbMarq = 2`); // NULL → empty text
    const afterNull = await checksums();
    expect(afterNull[first]![1]).not.toBe(afterAmount[first]![1]);

    change(`DELETE FROM F_ECRITUREC WHERE cbMarq = 3`);
    const afterDelete = await checksums();
    expect(afterDelete[first]![0]).toBe((afterNull[first]![0] as number) - 1);
    expect(afterDelete[first]![1]).not.toBe(afterNull[first]![1]);

    change(`DELETE FROM F_ECRITUREC WHERE cbMarq = 2050`);
    expect(Object.keys(await checksums()).map(Number)).not.toContain(of2050);
  });

  test("a row wider than the server's first row buffer (1 KB) comes back whole", async () => {
    const wide = copiedColumns(await source.columns('P_DOSSIER'));
    expect(await read(chunkAfterSql('mssql', 'P_DOSSIER', wide, 10), { after: int(0) })).toEqual([
      { cbMarq: 1, D_Commentaire: 'x'.repeat(1500), D_Exercice: 2024, cbModification: '2024-03-01T10:00:00.000' },
    ]);
  });

  test('money to text: two decimals (style 0), thousands (1), four decimals (2), as SQL Server writes it', async () => {
    const styles = `SELECT CAST(M_Montant AS varchar(48)) AS cast, CONVERT(varchar(48), M_Montant, 1) AS style1,
      CONVERT(varchar(48), M_Montant, 2) AS style2 FROM F_MONNAIE`;
    expect(await read(styles)).toEqual([{ cast: '12345.68', style1: '12,345.68', style2: '12345.6789' }]);
  });

  test('the version the server plays', async () => {
    const [row] = await read(`SELECT SERVERPROPERTY('ProductVersion') AS version`);
    expect(row).toEqual({ version: version ? '10.50.6000.34' : '15.0.2000.5' });
  });
});

describe('a SQL Server 2008 R2 server refuses what 2008 R2 does not know', () => {
  const fixtures = fixtureDirectory();
  let old: TdsTestServer;
  let current: TdsTestServer;
  let oldSource: SqlSource;
  let currentSource: SqlSource;

  beforeAll(async () => {
    const file = fixtures.sqlite('sage', (db) => db.exec(FIXTURE));
    old = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' }, version: SQL_SERVER_2008_R2 });
    current = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' } });
    oldSource = await createMssqlSource(testServerOptions(old, 'SAGE'));
    currentSource = await createMssqlSource(testServerOptions(current, 'SAGE'));
  });

  afterAll(async () => {
    await oldSource?.close();
    await currentSource?.close();
    await old?.stop();
    await current?.stop();
    fixtures.remove();
  });

  test('CONCAT: error 195 on 2008 R2, runs on the default (2019) server', async () => {
    const concat = `SELECT CONCAT(CT_Num, '-', cbMarq) AS label FROM F_ECRITUREC WHERE cbMarq = 1`;
    await expect(collect(oldSource.query(concat))).rejects.toThrow("(error 195): 'CONCAT' is not a recognized built-in function name.");
    expect(await collect(currentSource.query(concat))).toEqual([{ label: 'CARAT-1' }]);
  });

  test.each([
    [`SELECT IIF(EC_No > 10, 1, 0) AS x FROM F_ECRITUREC`, 195, "'IIF' is not a recognized built-in function name."],
    [`SELECT TRY_CONVERT(int, CT_Num) AS x FROM F_ECRITUREC`, 195, "'TRY_CONVERT' is not a recognized built-in function name."],
    [`SELECT FORMAT(cbModification, 'yyyy') AS x FROM F_ECRITUREC`, 195, "'FORMAT' is not a recognized built-in function name."],
    [`SELECT STRING_AGG(CT_Num, ',') AS x FROM F_ECRITUREC`, 195, "'STRING_AGG' is not a recognized built-in function name."],
    [`SELECT STRING_ESCAPE(CT_Num, 'json') AS x FROM F_ECRITUREC`, 195, "'STRING_ESCAPE' is not a recognized built-in function name."],
    [`SELECT DATEFROMPARTS(2024, 1, 31) AS x`, 195, "'DATEFROMPARTS' is not a recognized built-in function name."],
    [`SELECT EOMONTH(cbModification) AS x FROM F_ECRITUREC`, 195, "'EOMONTH' is not a recognized built-in function name."],
    [`SELECT JSON_VALUE(CT_Num, '$.a') AS x FROM F_ECRITUREC`, 195, "'JSON_VALUE' is not a recognized built-in function name."],
    [`SELECT TRIM(CT_Num) AS x FROM F_ECRITUREC`, 195, "'TRIM' is not a recognized built-in function name."],
    [`SELECT LAG(cbMarq) OVER (ORDER BY cbMarq) AS x FROM F_ECRITUREC`, 195, "'LAG' is not a recognized built-in function name."],
    [`SELECT cbMarq FROM F_ECRITUREC ORDER BY cbMarq OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY`, 102, "Incorrect syntax near 'OFFSET'."],
    [`SELECT cbMarq FROM F_ECRITUREC FOR JSON PATH`, 102, "Incorrect syntax near 'JSON'."],
    [`SELECT SUM(cbMarq) OVER (ORDER BY cbMarq) AS x FROM F_ECRITUREC`, 102, "Incorrect syntax near 'ORDER'."],
    [`SELECT value FROM OPENJSON(N'[1]')`, 208, "Invalid object name 'OPENJSON'."],
    [`SELECT TRY_CAST(CT_Num AS int) AS x FROM F_ECRITUREC`, 156, "Incorrect syntax near the keyword 'AS'."],
  ])('%s', async (statement, number, message) => {
    await expect(collect(oldSource.query(statement))).rejects.toThrow(`(error ${number}): ${message}`);
  });
});
