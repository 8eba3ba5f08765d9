/**
 * The SQL Server version the test server plays, and the T-SQL that version does not know yet. A
 * server configured as 2008 R2 refuses CONCAT, OFFSET … FETCH, JSON and the rest with the error
 * SQL Server 2008 R2 gives, so a test fails where a customer's old server would.
 *
 * Error numbers are SQL Server's (195 unknown built-in function, 102/156 syntax, 208 unknown
 * object); the wording of the syntax errors is close to, not always exactly, SQL Server's.
 */
import type { Token } from './tsql-tokens.js';
import { ServerError } from './types.js';

export interface SqlServerVersion {
  major: number;
  minor: number;
  build: number;
}

/** SQL Server 2008 R2 SP3: the oldest version Sage 100 customers still run (10.50, TDS 7.3). */
export const SQL_SERVER_2008_R2: SqlServerVersion = { major: 10, minor: 50, build: 6000 };
/** SQL Server 2019 RTM: what the test server plays unless told otherwise. */
export const SQL_SERVER_2019: SqlServerVersion = { major: 15, minor: 0, build: 2000 };

/** `10.50.6000.34`, as SERVERPROPERTY('ProductVersion') spells it. */
export function productVersion(version: SqlServerVersion): string {
  return `${version.major}.${version.minor}.${version.build}.${version.major >= 11 ? 5 : 34}`;
}

/** The TDS version the server answers in LOGINACK: 7.3 (revision B) up to 2008 R2, 7.4 from 2012. */
export function tdsVersionOf(version: SqlServerVersion): number {
  if (version.major >= 11) return 0x74000004;
  return version.minor >= 50 ? 0x730b0003 : 0x730a0003;
}

// Major version that introduced each built-in function (11 = 2012, 13 = 2016, 14 = 2017, 16 = 2022).
const FUNCTIONS_SINCE: Record<string, number> = {
  CONCAT: 11, IIF: 11, CHOOSE: 11, TRY_CONVERT: 11, FORMAT: 11, EOMONTH: 11,
  DATEFROMPARTS: 11, DATETIMEFROMPARTS: 11, DATETIME2FROMPARTS: 11, DATETIMEOFFSETFROMPARTS: 11,
  SMALLDATETIMEFROMPARTS: 11, TIMEFROMPARTS: 11,
  LAG: 11, LEAD: 11, FIRST_VALUE: 11, LAST_VALUE: 11, CUME_DIST: 11, PERCENT_RANK: 11, PERCENTILE_CONT: 11, PERCENTILE_DISC: 11,
  STRING_ESCAPE: 13, JSON_VALUE: 13, JSON_QUERY: 13, JSON_MODIFY: 13, ISJSON: 13, COMPRESS: 13, DECOMPRESS: 13,
  SESSION_CONTEXT: 13, DATEDIFF_BIG: 13,
  CONCAT_WS: 14, STRING_AGG: 14, TRIM: 14, TRANSLATE: 14,
  GREATEST: 16, LEAST: 16, DATE_BUCKET: 16, DATETRUNC: 16, JSON_OBJECT: 16, JSON_ARRAY: 16, APPROX_PERCENTILE_CONT: 16,
  APPROX_PERCENTILE_DISC: 16,
};

/** Functions written `F(x AS type …)`: an older parser trips on the AS before it looks the name up. */
const AS_SYNTAX_FUNCTIONS: Record<string, number> = { TRY_CAST: 11, PARSE: 11, TRY_PARSE: 11 };

/** Table-valued functions: an older server looks for a table of that name. */
const TABLE_FUNCTIONS_SINCE: Record<string, number> = { STRING_SPLIT: 13, OPENJSON: 13, GENERATE_SERIES: 16 };

const AGGREGATES = new Set(['SUM', 'COUNT', 'COUNT_BIG', 'AVG', 'MIN', 'MAX', 'STDEV', 'STDEVP', 'VAR', 'VARP', 'CHECKSUM_AGG']);

const upper = (token: Token | undefined): string => (token?.kind === 'word' ? token.text.toUpperCase() : '');

const syntaxError = (near: string): ServerError => new ServerError(102, `Incorrect syntax near '${near}'.`, 15);

/** Refuses the first construct of `tokens` that `version` does not know, as that version would. */
export function refuseNewerConstructs(tokens: readonly Token[], version: SqlServerVersion): void {
  const words = tokens.filter((token) => token.kind !== 'space');
  words.forEach((token, at) => {
    const name = upper(token);
    if (name === '') return;
    const next = words[at + 1];
    const calls = next?.kind === 'punct' && next.text === '(' && words[at - 1]?.text !== '.';
    if (calls) refuseNewerFunction(token.text, name, upper(words[at - 1]), version);
    refuseNewerSyntax(words, at, name, version);
  });
}

function refuseNewerFunction(written: string, name: string, previous: string, version: SqlServerVersion): void {
  const tableSince = TABLE_FUNCTIONS_SINCE[name];
  if (tableSince !== undefined && version.major < tableSince && ['FROM', 'JOIN', 'APPLY'].includes(previous)) {
    throw new ServerError(208, `Invalid object name '${written}'.`);
  }
  const since = FUNCTIONS_SINCE[name] ?? tableSince;
  if (since !== undefined && version.major < since) throw new ServerError(195, `'${written}' is not a recognized built-in function name.`, 15);
  const asSince = AS_SYNTAX_FUNCTIONS[name];
  if (asSince !== undefined && version.major < asSince) throw new ServerError(156, "Incorrect syntax near the keyword 'AS'.", 15);
}

/** Clauses newer than `version`: OFFSET … FETCH, FOR JSON, window frames and ordered aggregates, THROW, sequences. */
function refuseNewerSyntax(words: readonly Token[], at: number, name: string, version: SqlServerVersion): void {
  const next = upper(words[at + 1]);
  if (version.major < 11) {
    const count = words[at + 1];
    const isCount = count?.kind === 'number' || next.startsWith('@') || (count?.kind === 'punct' && count.text === '(');
    if (name === 'OFFSET' && isCount) throw syntaxError(words[at]!.text);
    if (name === 'FETCH' && (next === 'NEXT' || next === 'FIRST') && upper(words[at + 2]) !== 'FROM') throw syntaxError(words[at]!.text);
    if (name === 'THROW') throw syntaxError(words[at]!.text);
    if (name === 'SEQUENCE' && upper(words[at - 1]) === 'CREATE') throw syntaxError(words[at]!.text);
    if (name === 'NEXT' && next === 'VALUE' && upper(words[at + 2]) === 'FOR') throw syntaxError(words[at + 2]!.text);
    if (name === 'OVER') refuseNewerWindow(words, at);
  }
  if (version.major < 13) {
    if (name === 'FOR' && next === 'JSON') throw syntaxError(words[at + 1]!.text);
    if (name === 'AT' && next === 'TIME' && upper(words[at + 2]) === 'ZONE') throw syntaxError(words[at]!.text);
    if (name === 'IF' && next === 'EXISTS' && upper(words[at - 2]) === 'DROP') throw syntaxError(words[at]!.text);
    if (name === 'OR' && next === 'ALTER' && upper(words[at - 1]) === 'CREATE') throw new ServerError(156, "Incorrect syntax near the keyword 'OR'.", 15);
  }
}

/** 2008 R2 windows: PARTITION BY for aggregates, ORDER BY only for ranking functions, no ROWS/RANGE frames. */
function refuseNewerWindow(words: readonly Token[], over: number): void {
  let depth = 0;
  for (let at = over + 1; at < words.length; at += 1) {
    const token = words[at]!;
    if (token.kind === 'punct' && token.text === '(') depth += 1;
    else if (token.kind === 'punct' && token.text === ')' && --depth === 0) return;
    else if (depth === 1 && ['ROWS', 'RANGE'].includes(upper(token))) throw syntaxError(token.text);
    else if (depth === 1 && upper(token) === 'ORDER' && AGGREGATES.has(aggregateBefore(words, over))) throw syntaxError(token.text);
  }
}

/** The name of the function whose call ends right before `OVER`. */
function aggregateBefore(words: readonly Token[], over: number): string {
  let depth = 0;
  for (let at = over - 1; at >= 0; at -= 1) {
    const token = words[at]!;
    if (token.kind === 'punct' && token.text === ')') depth += 1;
    else if (token.kind === 'punct' && token.text === '(' && --depth === 0) return upper(words[at - 1]);
  }
  return '';
}
