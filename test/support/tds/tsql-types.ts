/**
 * The SQL Server type of a T-SQL expression, where T-SQL's typing rules give it from the text and the
 * tables' declared types. SQLite types no expression, yet the type decides what the driver hands back:
 * COUNT_BIG(*) is a bigint (a string in tedious), MAX of a smalldatetime a smalldatetime (a Date), and
 * CAST(amount AS varchar(48)) of a numeric(24,6) keeps its six decimals. Unknown stays undefined: the
 * engine then types the column from its first value, as before.
 */
import { type Token, identifierName, isPunct, isWord, joinText, matchingParen, skipSpace, splitTopLevel } from './tsql-tokens.js';
import { type SqlServerType, parseDeclaredType } from './types.js';

/** The declared type of a column the expression can see, by name and optional table or alias (case-insensitive). */
export type ColumnLookup = (name: string, qualifier?: string) => SqlServerType | undefined;

/** A table's columns with their declared SQL Server types (lower-case names), or undefined when there is no such table. */
export type TableColumns = (table: string) => ReadonlyMap<string, SqlServerType> | undefined;

const INTEGER_RANK: Partial<Record<SqlServerType['name'], number>> = { tinyint: 1, smallint: 2, int: 3, bigint: 4 };
const INT_FUNCTIONS = new Set(['COUNT', 'CHECKSUM_AGG', 'BINARY_CHECKSUM', 'CHECKSUM', 'LEN', 'YEAR', 'MONTH', 'DAY', 'DATEPART', 'DATEDIFF', 'CHARINDEX']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const CLAUSE_ENDS = new Set(['FROM', 'INTO', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'UNION', 'EXCEPT', 'INTERSECT', 'OPTION', 'FOR']);

const solid = (tokens: readonly Token[]): Token[] => tokens.filter((token) => token.kind !== 'space');

export function expressionType(tokens: readonly Token[], column: ColumnLookup): SqlServerType | undefined {
  return typeOf(solid(tokens), column);
}

function typeOf(expression: Token[], column: ColumnLookup): SqlServerType | undefined {
  let t = expression;
  while (t.length >= 2 && isPunct(t[0], '(') && matchingParen(t, 0) === t.length - 1) t = t.slice(1, -1);
  const [first, second] = t;
  if (!first) return undefined;
  const operands = arithmeticOperands(t);
  if (operands.length > 1) return integerArithmetic(operands.map((operand) => typeOf(operand, column)));
  if ((isPunct(first, '-') || isPunct(first, '+')) && t.length > 1) return typeOf(t.slice(1), column);
  if (t.length === 1) return singleType(first, column);
  if (isQualifiedName(t)) return column(identifierName(t[t.length - 1]!), identifierName(t[t.length - 3]!));
  if (first.kind === 'word' && isPunct(second, '(') && matchingParen(t, 1) === t.length - 1) {
    return functionType(first.text.toUpperCase(), t.slice(2, -1), column);
  }
  return undefined;
}

function singleType(token: Token, column: ColumnLookup): SqlServerType | undefined {
  if (isWord(token, 'NULL')) return { name: 'int' }; // SQL Server types a bare NULL as int
  if (token.kind === 'number') return /^\d+$/.test(token.text) && Number(token.text) < 2 ** 31 ? { name: 'int' } : undefined;
  if (token.kind === 'word' && !token.text.startsWith('@')) return column(token.text);
  if (token.kind === 'quoted') return column(identifierName(token));
  return undefined;
}

const isName = (token: Token | undefined): boolean => token?.kind === 'word' || token?.kind === 'quoted';

/** `col`, `[col]`, `t.col`: a column itself, not an expression over it. */
export function isColumnReference(tokens: readonly Token[]): boolean {
  const t = solid(tokens);
  return t.length > 0 && isQualifiedName(t) && !t[t.length - 1]!.text.startsWith('@') && !isWord(t[0], 'NULL');
}

/** `a.b`, `[dbo].[t].[c]`: a column named with its table. */
function isQualifiedName(t: Token[]): boolean {
  return t.length % 2 === 1 && t.every((token, index) => (index % 2 === 0 ? isName(token) : isPunct(token, '.')));
}

/** The operands of `t` around its top-level binary arithmetic operators (one operand when there is none). */
function arithmeticOperands(t: Token[]): Token[][] {
  const operands: Token[][] = [[]];
  let depth = 0;
  t.forEach((token, index) => {
    if (isPunct(token, '(')) depth += 1;
    else if (isPunct(token, ')')) depth -= 1;
    const previous = t[index - 1];
    const binary = previous !== undefined && !(previous.kind === 'punct' && previous.text !== ')');
    if (depth === 0 && token.kind === 'punct' && ARITHMETIC.has(token.text) && binary) operands.push([]);
    else operands[operands.length - 1]!.push(token);
  });
  return operands;
}

/** Integers combine into the widest of them (int / int is int); anything else is left to the first value. */
function integerArithmetic(types: Array<SqlServerType | undefined>): SqlServerType | undefined {
  let widest: SqlServerType | undefined;
  for (const type of types) {
    const rank = type && INTEGER_RANK[type.name];
    if (rank === undefined) return undefined;
    if (!widest || rank > INTEGER_RANK[widest.name]!) widest = type;
  }
  return widest;
}

function functionType(name: string, inside: Token[], column: ColumnLookup): SqlServerType | undefined {
  if (INT_FUNCTIONS.has(name)) return { name: 'int' };
  if (name === 'COUNT_BIG') return { name: 'bigint' };
  const args = splitTopLevel(inside);
  const firstArgument = (args[0] ?? []).filter((token) => !isWord(token, 'DISTINCT') && !isWord(token, 'ALL'));
  switch (name) {
    case 'MAX':
    case 'MIN':
    case 'ISNULL':
      return typeOf(firstArgument, column);
    case 'SUM':
      return sumType(typeOf(firstArgument, column));
    case 'CAST':
      return castType(inside);
    case 'CONVERT':
      return targetType(joinText(args[0] ?? []));
    default:
      return undefined;
  }
}

/** SUM widens: small integers to int, decimals to precision 38. */
function sumType(type: SqlServerType | undefined): SqlServerType | undefined {
  if (!type) return undefined;
  const rank = INTEGER_RANK[type.name];
  if (rank !== undefined) return rank < 4 ? { name: 'int' } : type;
  if (type.name === 'decimal' || type.name === 'numeric') return { name: 'decimal', precision: 38, scale: type.scale ?? 0 };
  if (type.name === 'smallmoney') return { name: 'money' };
  return type.name === 'real' ? { name: 'float' } : type;
}

/** `x AS type`: the type after the last top-level AS. */
function castType(inside: Token[]): SqlServerType | undefined {
  let depth = 0;
  let as = -1;
  inside.forEach((token, index) => {
    if (isPunct(token, '(')) depth += 1;
    else if (isPunct(token, ')')) depth -= 1;
    else if (depth === 0 && isWord(token, 'AS')) as = index;
  });
  return as < 0 ? undefined : targetType(joinText(inside.slice(as + 1)));
}

/** A conversion's target type; `varchar` without a length is varchar(30) in CAST and CONVERT. */
export function targetType(text: string): SqlServerType | undefined {
  const declared = text.trim().replace(/^'(.*)'$/, '$1');
  const type = parseDeclaredType(declared);
  if (type && /^n?(var)?char$/i.test(declared)) return { ...type, length: 30 };
  return type;
}

/**
 * The type of each column of the statement's (outermost) select list, or undefined when it cannot be
 * lined up with the result (`*`, no SELECT).
 */
export function selectListTypes(tokens: readonly Token[], lookups: ScopeLookups): Array<SqlServerType | undefined> | undefined {
  const select = firstSelect(tokens);
  if (select < 0) return undefined;
  const column = lookups(tokens[select]!);
  const start = selectListStart(tokens, select);
  let depth = 0;
  let end = start;
  for (; end < tokens.length; end += 1) {
    const token = tokens[end]!;
    if (isPunct(token, '(')) depth += 1;
    else if (isPunct(token, ')')) depth -= 1;
    if (depth === 0 && (isPunct(token, ';') || (token.kind === 'word' && CLAUSE_ENDS.has(token.text.toUpperCase())))) break;
    if (depth < 0) break;
  }
  const items = splitTopLevel(tokens.slice(start, end)).map(solid);
  if (items.some((item) => item.length === 0 || isPunct(item[item.length - 1], '*'))) return undefined;
  return items.map((item) => typeOf(withoutAlias(item), column));
}

function firstSelect(tokens: readonly Token[]): number {
  let depth = 0;
  return tokens.findIndex((token) => {
    if (isPunct(token, '(')) depth += 1;
    else if (isPunct(token, ')')) depth -= 1;
    return depth === 0 && isWord(token, 'SELECT');
  });
}

/** Index just after `SELECT [DISTINCT|ALL] [TOP (n) [PERCENT] [WITH TIES]]`. */
function selectListStart(tokens: readonly Token[], select: number): number {
  let at = skipSpace(tokens, select + 1);
  if (isWord(tokens[at], 'DISTINCT') || isWord(tokens[at], 'ALL')) at = skipSpace(tokens, at + 1);
  if (!isWord(tokens[at], 'TOP')) return at;
  at = skipSpace(tokens, at + 1);
  at = skipSpace(tokens, isPunct(tokens[at], '(') ? matchingParen(tokens, at) + 1 : at + 1);
  if (isWord(tokens[at], 'PERCENT')) at = skipSpace(tokens, at + 1);
  if (isWord(tokens[at], 'WITH') && isWord(tokens[skipSpace(tokens, at + 1)], 'TIES')) at = skipSpace(tokens, skipSpace(tokens, at + 1) + 1);
  return at;
}

/** The expression of a select item: `x AS a`, `x a` and `a = x` all name x. */
function withoutAlias(item: Token[]): Token[] {
  if (item.length >= 3 && isName(item[0]) && isPunct(item[1], '=')) return item.slice(2);
  if (item.length >= 3 && isWord(item[item.length - 2], 'AS')) return item.slice(0, -2);
  const last = item[item.length - 1];
  const before = item[item.length - 2];
  const aliased = (isName(last) || last?.kind === 'string') && !isWord(last, 'END') && before !== undefined && !isPunct(before, '.');
  const afterOperand = before !== undefined && (isName(before) || before.kind === 'number' || before.kind === 'string' || isPunct(before, ')'));
  return aliased && afterOperand ? item.slice(0, -1) : item;
}

// ---------------------------------------------------------------------------------------------
// Which columns an expression sees

/** What a FROM or JOIN names: a table (`table` set) or a derived table / function (`table` undefined). */
interface Source {
  table: string | undefined;
  alias: string | undefined;
}

/** One parenthesis level; `select` when a SELECT sits directly in it, which makes it a scope. */
interface Level {
  parent: Level | undefined;
  select: boolean;
  sources: Source[];
}

/** The columns visible from a token of the statement (the scope of the SELECT it belongs to). */
export type ScopeLookups = (token: Token) => ColumnLookup;

const NOT_ALIASES = new Set([
  'WHERE', 'GROUP', 'ORDER', 'HAVING', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER', 'ON', 'WITH', 'UNION',
  'EXCEPT', 'INTERSECT', 'OPTION', 'FOR', 'APPLY', 'SELECT', 'SET', 'VALUES', 'OUTPUT',
]);

/** Reads `name [AS] alias` or `(…) [AS] alias` at `start`; returns the source and where it ends. */
function readSource(tokens: readonly Token[], start: number): [Source, number] | undefined {
  let at = skipSpace(tokens, start);
  let table: string | undefined;
  if (isPunct(tokens[at], '(')) {
    at = skipSpace(tokens, matchingParen(tokens, at) + 1);
  } else if (isName(tokens[at]) && !isWord(tokens[at], 'SELECT')) {
    for (;;) {
      table = identifierName(tokens[at]!);
      if (!isPunct(tokens[at + 1], '.')) break;
      at += 2;
    }
    at = skipSpace(tokens, at + 1);
    // A table-valued function: its columns are unknown here.
    if (isPunct(tokens[at], '(')) [table, at] = [undefined, skipSpace(tokens, matchingParen(tokens, at) + 1)];
  } else {
    return undefined;
  }
  if (isWord(tokens[at], 'AS')) at = skipSpace(tokens, at + 1);
  let alias: string | undefined;
  if (isName(tokens[at]) && !NOT_ALIASES.has(tokens[at]!.text.toUpperCase())) {
    alias = identifierName(tokens[at]!);
    at = skipSpace(tokens, at + 1);
  }
  return [{ table, alias }, at];
}

/** The sources after FROM (a comma-separated list) or after JOIN/APPLY (one). */
function readSources(tokens: readonly Token[], start: number, list: boolean): Source[] {
  const sources: Source[] = [];
  for (let at = start; ; ) {
    const read = readSource(tokens, at);
    if (!read) return sources;
    sources.push(read[0]);
    if (!list || !isPunct(tokens[read[1]], ',')) return sources;
    at = read[1] + 1;
  }
}

/** Splits the statement into parenthesis levels and records the tables each SELECT reads. */
function levelsOf(tokens: readonly Token[]): Map<Token, Level> {
  const levels = new Map<Token, Level>();
  let level: Level = { parent: undefined, select: false, sources: [] };
  tokens.forEach((token, index) => {
    if (isPunct(token, ')')) level = level.parent ?? level;
    levels.set(token, level);
    if (isPunct(token, '(')) level = { parent: level, select: false, sources: [] };
    if (isWord(token, 'SELECT')) level.select = true;
    if (isWord(token, 'FROM')) level.sources.push(...readSources(tokens, index + 1, true));
    if (isWord(token, 'JOIN') || isWord(token, 'APPLY')) level.sources.push(...readSources(tokens, index + 1, false));
  });
  return levels;
}

/** A column by name, and by table or alias when qualified; unqualified names are not guessed past a derived table. */
function lookupIn(sources: readonly Source[], tableColumns: TableColumns): ColumnLookup {
  const columnsOf = (source: Source): ReadonlyMap<string, SqlServerType> | undefined =>
    source.table === undefined ? undefined : tableColumns(source.table);
  return (name, qualifier) => {
    const key = name.toLowerCase();
    if (qualifier !== undefined) {
      const q = qualifier.toLowerCase();
      const source = sources.find((s) => (s.alias ?? s.table)?.toLowerCase() === q);
      return source && columnsOf(source)?.get(key);
    }
    if (sources.some((source) => source.table === undefined)) return undefined;
    for (const source of sources) {
      const type = columnsOf(source)?.get(key);
      if (type) return type;
    }
    return undefined;
  };
}

/** For each token, the columns its SELECT can see; none for tokens made up by the translation. */
export function scopeLookups(tokens: readonly Token[], tableColumns: TableColumns | undefined): ScopeLookups {
  if (!tableColumns) return () => () => undefined;
  const levels = levelsOf(tokens);
  const lookups = new Map<Level, ColumnLookup>();
  const known = new Map<string, ReadonlyMap<string, SqlServerType> | undefined>();
  const cached: TableColumns = (table) => {
    if (!known.has(table)) known.set(table, tableColumns(table));
    return known.get(table);
  };
  return (token) => {
    let level = levels.get(token);
    while (level && !level.select) level = level.parent;
    if (!level) return () => undefined;
    let lookup = lookups.get(level);
    if (!lookup) lookups.set(level, (lookup = lookupIn(level.sources, cached)));
    return lookup;
  };
}
