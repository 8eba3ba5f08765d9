/** T-SQL text as tokens, and the small helpers the translation, typing and version checks share. */
import { ServerError } from './types.js';

export type TokenKind = 'word' | 'string' | 'quoted' | 'number' | 'space' | 'punct';
export interface Token {
  kind: TokenKind;
  text: string;
}

const TOKEN =
  /(?<space>\s+|--[^\n]*|\/\*[\s\S]*?\*\/)|(?<string>N?'(?:[^']|'')*')|(?<quoted>\[(?:[^\]]|\]\])*\]|"(?:[^"]|"")*")|(?<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?<word>[@#]{0,2}[\p{L}_][\p{L}\p{N}_@$#]*)|(?<punct>[\s\S])/gu;

export function tokenize(sql: string): Token[] {
  return [...sql.matchAll(TOKEN)].map((match) => {
    const kind = (Object.keys(match.groups!) as TokenKind[]).find((key) => match.groups![key] !== undefined)!;
    return { kind, text: match[0] };
  });
}

export const isWord = (token: Token | undefined, word: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === word;
export const isPunct = (token: Token | undefined, text: string): boolean => token?.kind === 'punct' && token.text === text;

/** Index of the next token that is not blank, from `index` on. */
export function skipSpace(tokens: readonly Token[], index: number): number {
  let at = index;
  while (tokens[at]?.kind === 'space') at += 1;
  return at;
}

/** Index of the `)` closing the `(` at `open`. */
export function matchingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let at = open; at < tokens.length; at += 1) {
    if (isPunct(tokens[at], '(')) depth += 1;
    if (isPunct(tokens[at], ')') && --depth === 0) return at;
  }
  throw new ServerError(102, "Incorrect syntax near '('.");
}

/** Index of the first `,` at the top level of the parenthesis opened at `open`, or its `)`. */
export function firstArgumentEnd(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let at = open; at < tokens.length; at += 1) {
    if (isPunct(tokens[at], '(')) depth += 1;
    else if (isPunct(tokens[at], ')') && --depth === 0) return at;
    else if (depth === 1 && isPunct(tokens[at], ',')) return at;
  }
  throw new ServerError(102, "Incorrect syntax near '('.");
}

/** Splits `tokens` at the commas outside any parenthesis. */
export function splitTopLevel(tokens: readonly Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (isPunct(token, '(')) depth += 1;
    else if (isPunct(token, ')')) depth -= 1;
    if (depth === 0 && isPunct(token, ',')) parts.push([]);
    else parts[parts.length - 1]!.push(token);
  }
  return parts;
}

/** An identifier's name without its brackets or quotes. */
export function identifierName(token: Token): string {
  if (token.kind !== 'quoted') return token.text;
  return token.text.startsWith('[') ? token.text.slice(1, -1).replace(/]]/g, ']') : token.text.slice(1, -1).replace(/""/g, '"');
}

export const literal = (text: string): Token => ({ kind: 'string', text: `'${text.replace(/'/g, "''")}'` });
export const joinText = (tokens: readonly Token[]): string => tokens.map((token) => token.text).join('');
