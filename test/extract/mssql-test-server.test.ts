/**
 * The TDS test server itself: the T-SQL it understands, the types it reports, the helpers it is
 * built on. Other suites rely on it, so its behaviour is pinned here, through the real driver.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlSource } from '../../src/sources/source.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { collect, fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { md4 } from '../support/tds/login.js';
import { type TdsTestServer, startTdsServer } from '../support/tds/server.js';
import { translateTsql } from '../support/tds/tsql.js';
import { decodeCp1252, encodeCp1252, parseDeclaredType } from '../support/tds/types.js';

const fixtures = fixtureDirectory();
let server: TdsTestServer;
let source: SqlSource;

beforeAll(async () => {
  const file = fixtures.sqlite('bijou', (db) => {
    db.exec(`
      CREATE TABLE F_DOCENTETE (DO_Piece varchar(13) NOT NULL, DO_Tiers varchar(17), DO_Date datetime, DO_Ref varchar(17),
        DO_TotalHT "numeric text(24,6)", cbMarq int NOT NULL, cbDO_Piece varbinary(14) GENERATED ALWAYS AS (CAST(DO_Piece AS BLOB)) VIRTUAL);
      INSERT INTO F_DOCENTETE VALUES
        ('FA00001', 'CARAT', '2024-01-31 00:00:00', 'Réf € ''été''', '1200.500000', 1),
        ('FA00002', 'BIJOU', '2024-02-29 09:05:07.123', NULL, '-35.000000', 2),
        ('FA00003', 'CARAT', '2023-12-31 23:59:59', 'x  ', '0.000000', 3);
    `);
  });
  server = await startTdsServer({ databases: { BIJOU: file }, logins: { sbsync: 'pw' }, now: () => '2024-03-15 08:00:00' });
  source = await createMssqlSource(testServerOptions(server, 'BIJOU'));
});

afterAll(async () => {
  await source?.close();
  await server?.stop();
  fixtures.remove();
});

const rows = (sql: string, params = {}): Promise<unknown[]> => collect(source.query(sql, params));

describe('T-SQL the server translates', () => {
  test('TOP (n), TOP n and TOP (@n), also in a sub-query; dbo. prefixes, WITH (NOLOCK) and N literals', async () => {
    expect(await rows('SELECT TOP (2) DO_Piece FROM dbo.F_DOCENTETE WITH (NOLOCK) ORDER BY cbMarq DESC')).toEqual([
      { DO_Piece: 'FA00003' },
      { DO_Piece: 'FA00002' },
    ]);
    expect(await rows('SELECT TOP 1 DO_Piece FROM [dbo].[F_DOCENTETE] ORDER BY cbMarq')).toEqual([{ DO_Piece: 'FA00001' }]);
    expect(await rows('SELECT TOP (@n) DO_Piece FROM F_DOCENTETE ORDER BY cbMarq', { n: { type: 'int', value: 1 } })).toEqual([{ DO_Piece: 'FA00001' }]);
    expect(
      await rows(`SELECT DO_Piece FROM F_DOCENTETE WHERE cbMarq IN (SELECT TOP (1) cbMarq FROM F_DOCENTETE WHERE DO_Tiers = N'CARAT' ORDER BY cbMarq DESC)`),
    ).toEqual([{ DO_Piece: 'FA00003' }]);
  });

  test('CONVERT with date styles and CAST, as SQL Server formats them', async () => {
    expect(
      await rows(`SELECT CONVERT(varchar(30), DO_Date, 126) AS iso, CONVERT(varchar(10), DO_Date, 23) AS day, CONVERT(char(8), DO_Date, 112) AS compact,
                         CONVERT(varchar(10), DO_Date, 103) AS french, CONVERT(varchar(19), DO_Date, 120) AS odbc, CAST(DO_TotalHT AS varchar(40)) AS total,
                         CONVERT(varchar(5), DO_Piece) AS cut, CAST('42' AS int) AS answer
                  FROM F_DOCENTETE ORDER BY cbMarq`),
    ).toEqual([
      { iso: '2024-01-31T00:00:00', day: '2024-01-31', compact: '20240131', french: '31/01/2024', odbc: '2024-01-31 00:00:00', total: '1200.500000', cut: 'FA000', answer: 42 },
      { iso: '2024-02-29T09:05:07.123', day: '2024-02-29', compact: '20240229', french: '29/02/2024', odbc: '2024-02-29 09:05:07', total: '-35.000000', cut: 'FA000', answer: 42 },
      { iso: '2023-12-31T23:59:59', day: '2023-12-31', compact: '20231231', french: '31/12/2023', odbc: '2023-12-31 23:59:59', total: '0.000000', cut: 'FA000', answer: 42 },
    ]);
  });

  test('date functions count boundaries and clamp month ends like T-SQL', async () => {
    expect(
      await rows(`SELECT CONVERT(varchar(10), DATEADD(month, 1, DO_Date), 23) AS next_month, DATEDIFF(day, DO_Date, GETDATE()) AS age,
                         DATEDIFF(year, DO_Date, GETDATE()) AS years, DATEDIFF(month, DO_Date, GETDATE()) AS months,
                         YEAR(DO_Date) AS y, MONTH(DO_Date) AS m, DAY(DO_Date) AS d, DATEPART(quarter, DO_Date) AS q
                  FROM F_DOCENTETE ORDER BY cbMarq`),
    ).toEqual([
      { next_month: '2024-02-29', age: 44, years: 0, months: 2, y: 2024, m: 1, d: 31, q: 1 },
      { next_month: '2024-03-29', age: 15, years: 0, months: 1, y: 2024, m: 2, d: 29, q: 1 },
      { next_month: '2024-01-31', age: 75, years: 1, months: 3, y: 2023, m: 12, d: 31, q: 4 },
    ]);
    expect(await rows('SELECT CONVERT(varchar(19), GETDATE(), 120) AS now')).toEqual([{ now: '2024-03-15 08:00:00' }]);
    // Numbers are days since 1900-01-01, the classic month-start idiom included.
    expect(await rows('SELECT CONVERT(varchar(10), DATEADD(month, DATEDIFF(month, 0, GETDATE()), 0), 23) AS month_start')).toEqual([
      { month_start: '2024-03-01' },
    ]);
  });

  test('string functions: ISNULL, LEN ignoring trailing blanks, LEFT, RIGHT, CHARINDEX', async () => {
    expect(
      await rows(`SELECT ISNULL(DO_Ref, '-') AS ref, LEN(DO_Ref) AS length, LEFT(DO_Piece, 2) AS prefix, RIGHT(DO_Piece, 3) AS number,
                         CHARINDEX('A', DO_Piece) AS a FROM F_DOCENTETE ORDER BY cbMarq`),
    ).toEqual([
      { ref: "Réf € 'été'", length: 11, prefix: 'FA', number: '001', a: 2 },
      { ref: '-', length: null, prefix: 'FA', number: '002', a: 2 },
      { ref: 'x  ', length: 1, prefix: 'FA', number: '003', a: 2 },
    ]);
  });

  test('the translation itself, for the cases above', () => {
    expect(translateTsql('SELECT TOP (5) a FROM dbo.t WITH (NOLOCK) WHERE b = ISNULL(@b, N\'x\') ORDER BY a')).toBe(
      "SELECT  a FROM t  WHERE b = IFNULL(@b, 'x') ORDER BY a LIMIT (5)",
    );
    expect(translateTsql('SELECT CAST(x AS numeric(24, 6)), CONVERT(varchar(30), d, 126), DATEADD(dd, -1, d) FROM t')).toBe(
      "SELECT CONVERT('numeric(24, 6)',x ), CONVERT('varchar(30)', d, 126), DATEADD('dd', -1, d) FROM t",
    );
  });

  test('SQL errors carry SQL Server numbers', async () => {
    await expect(rows('SELECT FROM WHERE')).rejects.toThrow(/\(error 102\): Incorrect syntax near/);
    await expect(rows('SELECT nope FROM F_DOCENTETE')).rejects.toThrow("(error 207): Invalid column name 'nope'.");
  });
});

describe('types the server reports', () => {
  test('INFORMATION_SCHEMA.COLUMNS answers with Sage-like SQL Server types from the declared types, computed columns included', async () => {
    expect(
      await rows(`SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE
                  FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'F_DOCENTETE' ORDER BY ORDINAL_POSITION`),
    ).toEqual([
      { COLUMN_NAME: 'DO_Piece', DATA_TYPE: 'varchar', CHARACTER_MAXIMUM_LENGTH: 13, NUMERIC_PRECISION: null, NUMERIC_SCALE: null, IS_NULLABLE: 'NO' },
      { COLUMN_NAME: 'DO_Tiers', DATA_TYPE: 'varchar', CHARACTER_MAXIMUM_LENGTH: 17, NUMERIC_PRECISION: null, NUMERIC_SCALE: null, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'DO_Date', DATA_TYPE: 'datetime', CHARACTER_MAXIMUM_LENGTH: null, NUMERIC_PRECISION: null, NUMERIC_SCALE: null, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'DO_Ref', DATA_TYPE: 'varchar', CHARACTER_MAXIMUM_LENGTH: 17, NUMERIC_PRECISION: null, NUMERIC_SCALE: null, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'DO_TotalHT', DATA_TYPE: 'numeric', CHARACTER_MAXIMUM_LENGTH: null, NUMERIC_PRECISION: 24, NUMERIC_SCALE: 6, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'cbMarq', DATA_TYPE: 'int', CHARACTER_MAXIMUM_LENGTH: null, NUMERIC_PRECISION: 10, NUMERIC_SCALE: 0, IS_NULLABLE: 'NO' },
      { COLUMN_NAME: 'cbDO_Piece', DATA_TYPE: 'varbinary', CHARACTER_MAXIMUM_LENGTH: 14, NUMERIC_PRECISION: null, NUMERIC_SCALE: null, IS_NULLABLE: 'YES' },
    ]);
  });

  test('declared types are read leniently; the word text only keeps SQLite from converting the value', () => {
    expect(parseDeclaredType('numeric text(24,6)')).toEqual({ name: 'numeric', precision: 24, scale: 6 });
    expect(parseDeclaredType('text_numeric(24,6)')).toEqual({ name: 'numeric', precision: 24, scale: 6 });
    expect(parseDeclaredType('DECIMAL(18, 2)')).toEqual({ name: 'decimal', precision: 18, scale: 2 });
    expect(parseDeclaredType('varchar(17)')).toEqual({ name: 'varchar', length: 17 });
    expect(parseDeclaredType('nvarchar(max)')).toEqual({ name: 'nvarchar', length: 'max' });
    expect(parseDeclaredType('TEXT')).toEqual({ name: 'nvarchar', length: 'max' });
    expect(parseDeclaredType('INTEGER')).toEqual({ name: 'int' });
    expect(parseDeclaredType('smalldatetime')).toEqual({ name: 'smalldatetime' });
    expect(parseDeclaredType('')).toBeUndefined();
  });

  test('varchar values travel in Windows-1252, as in a French_CI_AS Sage database', () => {
    const bytes = encodeCp1252('Réf € œ “x” ✓');
    expect([...bytes.subarray(0, 7)]).toEqual([0x52, 0xe9, 0x66, 0x20, 0x80, 0x20, 0x9c]);
    expect(decodeCp1252(bytes)).toBe('Réf € œ “x” ?');
  });

  test('MD4 (for NTLM) matches RFC 1320', () => {
    expect(md4(Buffer.from('')).toString('hex')).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
    expect(md4(Buffer.from('abc')).toString('hex')).toBe('a448017aaf21d8525fc10ae87aa6729d');
    expect(md4(Buffer.from('12345678901234567890123456789012345678901234567890123456789012345678901234567890')).toString('hex')).toBe(
      'e33b4ddc9c38f2199c3e7b164fcc0536',
    );
  });
});
