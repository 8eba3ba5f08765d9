/**
 * The golden statements of test/golden/mssql/: every statement shape sbsync sends to SQL Server, byte for
 * byte. A change to one must be made on purpose (and checked against SQL Server 2008 R2), so the test
 * (a) compares each rendered shape with its file, (b) refuses any construct newer than SQL Server 2008 R2
 * and `SELECT *` in the files, (c) runs each file on the TDS test server playing 2008 R2, and (d) when
 * FreeTDS is installed, runs each through `tsql` and `bsqldb`, clients nobody here wrote.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Row, SqlSource } from '../../src/sources/source.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { PLACEHOLDER_DDL, PLACEHOLDER_TABLE, type StatementShape, goldenText, statementShapes, withLiterals } from '../support/mssql-statements.js';
import { collect, fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { type TdsTestServer, startTdsServer } from '../support/tds/server.js';
import { SQL_SERVER_2008_R2 } from '../support/tds/versions.js';

const GOLDEN_DIR = fileURLToPath(new URL('../golden/mssql/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const REGENERATE = 'UPDATE_GOLDEN=1 npx vitest run test/replica/golden.test.ts';

const shapes = statementShapes();
const goldenFiles = (): string[] => (existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR).filter((name) => name.endsWith('.sql')).sort() : []);
const readGolden = (file: string): string => readFileSync(join(GOLDEN_DIR, file), 'utf8');

describe('(a) each statement shape is its golden file, byte for byte', () => {
  test.each(shapes.map((shape) => [shape.file, shape] as const))('%s', (file, shape) => {
    const rendered = goldenText(shape);
    if (UPDATE) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(join(GOLDEN_DIR, file), rendered);
      return;
    }
    const stored = existsSync(join(GOLDEN_DIR, file)) ? readGolden(file) : undefined;
    const problem = stored === undefined ? 'is missing' : 'differs from what sbsync renders now';
    expect(
      stored,
      `test/golden/mssql/${file} ${problem}. If the change is intended, check the new statement against SQL Server 2008 R2, then regenerate on purpose: ${REGENERATE}`,
    ).toBe(rendered);
  });

  test('no golden file is left for a shape sbsync no longer sends', () => {
    const stale = goldenFiles().filter((file) => !shapes.some((shape) => shape.file === file));
    expect(stale, `Delete these files of test/golden/mssql/ (no statement renders them any more), or add their shape to test/support/mssql-statements.ts.`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Nothing newer than SQL Server 2008 R2

/** Functions SQL Server 2012 and later added (2008 R2 answers error 195 or a syntax error). */
const NEWER_FUNCTIONS = [
  'CONCAT', 'CONCAT_WS', 'STRING_ESCAPE', 'STRING_AGG', 'STRING_SPLIT', 'FORMAT', 'IIF', 'CHOOSE', 'TRY_CONVERT', 'TRY_CAST',
  'TRY_PARSE', 'PARSE', 'EOMONTH', 'JSON_VALUE', 'JSON_QUERY', 'JSON_MODIFY', 'OPENJSON', 'ISJSON', 'JSON_OBJECT', 'JSON_ARRAY',
  'TRIM', 'TRANSLATE', 'LAG', 'LEAD', 'FIRST_VALUE', 'LAST_VALUE', 'CUME_DIST', 'PERCENT_RANK', 'PERCENTILE_CONT',
  'PERCENTILE_DISC', 'GREATEST', 'LEAST', 'DATETRUNC', 'DATE_BUCKET', 'GENERATE_SERIES', 'DATEDIFF_BIG', 'COMPRESS',
  'DECOMPRESS', 'SESSION_CONTEXT',
];

const FORBIDDEN: Array<[construct: string, pattern: RegExp]> = [
  ...NEWER_FUNCTIONS.map((name): [string, RegExp] => [`${name}()`, new RegExp(`\\b${name}\\s*\\(`, 'i')]),
  ['DATEFROMPARTS() and the other *FROMPARTS()', /\b\w*FROMPARTS\s*\(/i],
  ['OFFSET … FETCH', /\bOFFSET\s+\S+\s+ROWS?\b|\bFETCH\s+(?:NEXT|FIRST)\b/i],
  ['FOR JSON', /\bFOR\s+JSON\b/i],
  ['THROW', /\bTHROW\b/i],
  ['SEQUENCE / NEXT VALUE FOR', /\bSEQUENCE\b|\bNEXT\s+VALUE\s+FOR\b/i],
  ['window frame ROWS/RANGE BETWEEN', /\b(?:ROWS|RANGE)\s+(?:BETWEEN|UNBOUNDED|CURRENT)\b/i],
  ['AT TIME ZONE', /\bAT\s+TIME\s+ZONE\b/i],
  ['WITHIN GROUP', /\bWITHIN\s+GROUP\b/i],
  ['DROP … IF EXISTS', /\bDROP\s+\w+\s+IF\s+EXISTS\b/i],
  ['CREATE OR ALTER', /\bCREATE\s+OR\s+ALTER\b/i],
  ['SELECT *', /\bSELECT\s+(?:DISTINCT\s+|ALL\s+)?(?:TOP\s*\(?\s*[\w@]+\s*\)?\s*(?:PERCENT\s+)?)?\*|\.\s*\*/i],
];

/** The statement without comments, string literals and quoted identifiers: a column may be named [Format]. */
function codeOnly(statement: string): string {
  return statement
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .replace(/N?'(?:[^']|'')*'/g, "''")
    .replace(/\[(?:[^\]]|\]\])*\]|"(?:[^"]|"")*"/g, ' x ');
}

function newerConstructs(statement: string): string[] {
  const code = codeOnly(statement);
  return FORBIDDEN.filter(([, pattern]) => pattern.test(code)).map(([construct]) => construct);
}

describe('(b) the golden statements use nothing newer than SQL Server 2008 R2, and no SELECT *', () => {
  test('there are golden files to check', () => {
    expect(goldenFiles().length).toBeGreaterThanOrEqual(shapes.length);
  });

  test.each(goldenFiles())('%s', (file) => {
    expect(newerConstructs(readGolden(file)), `test/golden/mssql/${file} uses constructs SQL Server 2008 R2 refuses`).toEqual([]);
  });

  test('the scan catches what it looks for, and not look-alikes', () => {
    const refused = [
      "SELECT CONCAT(a, 'b') FROM t", 'SELECT concat_ws(\',\', a) FROM t', "SELECT STRING_ESCAPE(a, 'json') FROM t",
      "SELECT STRING_AGG(a, ',') FROM t", "SELECT value FROM STRING_SPLIT(a, ',')", "SELECT FORMAT(d, 'd') FROM t",
      'SELECT IIF(a > 1, 1, 0) FROM t', 'SELECT CHOOSE(1, a, b) FROM t', 'SELECT TRY_CONVERT(int, a) FROM t',
      'SELECT TRY_CAST(a AS int) FROM t', "SELECT TRY_PARSE(a AS date USING 'fr-FR') FROM t", 'SELECT PARSE(a AS date) FROM t',
      'SELECT a FROM t ORDER BY a OFFSET 10 ROWS', 'SELECT a FROM t ORDER BY a OFFSET @n ROWS FETCH NEXT 5 ROWS ONLY',
      'SELECT DATEFROMPARTS(2024, 1, 1)', 'SELECT DATETIME2FROMPARTS(2024, 1, 1, 0, 0, 0, 0, 0)', 'SELECT EOMONTH(d) FROM t',
      "SELECT JSON_VALUE(a, '$.b') FROM t", "SELECT JSON_QUERY(a) FROM t", 'SELECT * FROM OPENJSON(@j)', 'SELECT ISJSON(a) FROM t',
      'SELECT a FROM t FOR JSON PATH', 'SELECT TRIM(a) FROM t', 'SELECT LAG(a) OVER (ORDER BY b) FROM t',
      'SELECT LEAD(a) OVER (ORDER BY b) FROM t', 'SELECT FIRST_VALUE(a) OVER (ORDER BY b) FROM t',
      'SELECT LAST_VALUE(a) OVER (ORDER BY b) FROM t', "THROW 50000, 'x', 1", 'CREATE SEQUENCE s', 'SELECT NEXT VALUE FOR s',
      'SELECT * FROM t', 'SELECT TOP (10) * FROM t', 'SELECT t.* FROM t', 'SELECT DISTINCT * FROM t',
      'SELECT SUM(a) OVER (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t',
    ];
    for (const statement of refused) expect(newerConstructs(statement), statement).not.toEqual([]);
    const accepted = [
      'SELECT LTRIM(RTRIM(a)) AS b, [Format], [Offset] FROM t', "SELECT a FROM t WHERE b = 'CONCAT(x)'", 'SELECT COUNT(*) AS n FROM t',
      '-- SELECT * in a comment\nSELECT a FROM t', 'SELECT a * b AS c FROM t', 'SELECT CHECKSUM_AGG(BINARY_CHECKSUM(a, b)) AS c FROM t',
      'SELECT ROW_NUMBER() OVER (ORDER BY a) AS r FROM t',
    ];
    for (const statement of accepted) expect(newerConstructs(statement), statement).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (c), (d) Running them

const FIXTURE = `${PLACEHOLDER_DDL};
  INSERT INTO ${PLACEHOLDER_TABLE} VALUES
    (1, 'CARAT', '-12.5', '2024-03-01 00:00:00', 'A1', 12345.6789, '2024-03-01 10:00:00'),
    (2, 'bijou', '123456789012345678.123456', '2024-03-02 00:00:00', NULL, NULL, '2024-03-02 09:15:00'),
    (1500, 'ZOÉ', NULL, NULL, 'é€', 0, NULL);`;

const shapeOf = (file: string): StatementShape => shapes.find((shape) => shape.file === file)!;

/** The path of an executable on the PATH, or undefined. */
function onPath(command: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a FreeTDS command with `input` on stdin; asynchronous, as the server answers from this very process. */
function run(command: string, args: string[], input: string): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    // FreeTDS converts the server's Windows-1252 text to the locale's charset: make it UTF-8.
    const child = spawn(command, args, { env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
    child.stdin.end(input);
  });
}

const lines = (text: string): string[][] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));

/** A row as text cells in the driver's column order; datetimes are left out (each client formats them its own way). */
const comparableCells = (rows: Row[]): Array<Array<string | undefined>> =>
  rows.map((row) => Object.values(row).map((value) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? undefined : String(value ?? 'NULL'))));

const withoutDatetimes = (cells: string[][], like: Array<Array<string | undefined>>): Array<Array<string | undefined>> =>
  cells.map((row, r) => row.map((cell, c) => (like[r]?.[c] === undefined ? undefined : cell)));

describe('(c, d) every golden statement runs on the TDS test server playing SQL Server 2008 R2', () => {
  const fixtures = fixtureDirectory();
  let server: TdsTestServer;
  let source: SqlSource;
  const viaDriver = new Map<string, Row[]>();

  beforeAll(async () => {
    const file = fixtures.sqlite('sage', (db) => db.exec(FIXTURE));
    server = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' }, version: SQL_SERVER_2008_R2 });
    source = await createMssqlSource(testServerOptions(server, 'SAGE'));
  });

  afterAll(async () => {
    await source?.close();
    await server?.stop();
    fixtures.remove();
  });

  test.each(shapes.map((shape) => shape.file))('%s, through mssql/tedious with its parameters', async (file) => {
    const rows = await collect(source.query(readGolden(file), shapeOf(file).params));
    expect(rows.length).toBeGreaterThan(0);
    viaDriver.set(file, rows);
  });

  const tsql = onPath('tsql');
  const bsqldb = onPath('bsqldb');

  test.skipIf(!tsql).each(shapes.map((shape) => shape.file))('%s, through FreeTDS tsql (parameters as literals)', async (file) => {
    const statement = withLiterals(readGolden(file), shapeOf(file).params);
    const args = ['-H', server.host, '-p', String(server.port), '-U', 'sbsync', '-P', 'pw', '-D', 'SAGE', '-o', 'q'];
    const { stdout, stderr } = await run(tsql!, args, `${statement}\ngo\n`);
    expect(stderr).not.toMatch(/\bMsg \d+/);
    const [header, ...cells] = lines(stdout);
    const expected = viaDriver.get(file) ?? (await collect(source.query(readGolden(file), shapeOf(file).params)));
    expect(header).toEqual(Object.keys(expected[0]!));
    expect(withoutDatetimes(cells, comparableCells(expected))).toEqual(comparableCells(expected));
  });

  test.skipIf(!bsqldb).each(shapes.map((shape) => shape.file))('%s, through FreeTDS bsqldb (parameters as literals)', async (file) => {
    const statement = withLiterals(readGolden(file), shapeOf(file).params);
    const args = ['-S', `${server.host}:${server.port}`, '-U', 'sbsync', '-P', 'pw', '-D', 'SAGE', '-t', '\t', '-q'];
    const { stdout, stderr, status } = await run(bsqldb!, args, `${statement}\ngo\n`);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const expected = viaDriver.get(file) ?? (await collect(source.query(readGolden(file), shapeOf(file).params)));
    expect(withoutDatetimes(lines(stdout), comparableCells(expected))).toEqual(comparableCells(expected));
  });

  test.skipIf(!tsql)('a refusal reaches FreeTDS tsql as SQL Server 2008 R2 words it', async () => {
    const args = ['-H', server.host, '-p', String(server.port), '-U', 'sbsync', '-P', 'pw', '-D', 'SAGE', '-o', 'q'];
    const { stderr } = await run(tsql!, args, `SELECT CONCAT(CT_Num, 'x') AS x FROM ${PLACEHOLDER_TABLE}\ngo\n`);
    expect(stderr).toContain('Msg 195 (severity 15');
    expect(stderr).toContain("'CONCAT' is not a recognized built-in function name.");
  });
});
