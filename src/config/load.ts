/**
 * The config pipeline: read → parse YAML (positions kept) → interpolate secrets → JSON Schema →
 * semantic rules → resolve into a frozen ResolvedConfig. It returns diagnostics; it never prints or exits.
 */
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath, sortDiagnostics, type Diagnostic, type PathSegment } from './diagnostics.js';
import { interpolate, type ValueOrigin } from './interpolate.js';
import { SourceMap } from './locate.js';
import { resolveConfig, type ResolvedConfig } from './resolve.js';
import { applyRules } from './rules.js';
import type { SbsyncConfig } from './types.generated.js';
import { validateAgainstSchema } from './validate.js';

export interface ConfigText {
  /** How diagnostics name the file: the path the user gave, or `<embedded default>`. */
  displayName: string;
  /** Absolute path, or `<embedded default>`. */
  file: string;
  /** Folder that relative paths in the config start from. */
  baseDir: string;
  text: string;
}

export interface ConfigLoadDeps {
  env: Readonly<Record<string, string | undefined>>;
  readTextFile: (absolutePath: string) => Promise<string>;
}

export interface ConfigLoadResult {
  config?: ResolvedConfig;
  diagnostics: Diagnostic[];
  /** Every secret value the file resolved, for the Redactor. */
  secrets: string[];
  /** Where each value came from, keyed by dotted path; values absent here are schema defaults. */
  origins: Map<string, ValueOrigin>;
  /** Dotted paths of secrets written in clear in the file. */
  plainSecrets: string[];
}

/** Secret fields are the `password`s: of the portal services, the database, the proxy and the users. */
export function isSecretPath(path: readonly PathSegment[]): boolean {
  return path[path.length - 1] === 'password';
}

export async function loadConfigText(source: ConfigText, deps: ConfigLoadDeps): Promise<ConfigLoadResult> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const map = new SourceMap(source.displayName, source.text, doc, lineCounter);
  const result: ConfigLoadResult = { diagnostics: [], secrets: [], origins: new Map(), plainSecrets: [] };
  const done = () => ({ ...result, diagnostics: sortDiagnostics(result.diagnostics) });

  // After the first syntax error the parser's other complaints are mostly echoes of it: report the first
  // one of each line, at most five, so the real mistake is not buried.
  const seenLines = new Set<number>();
  for (const problem of [...doc.errors, ...doc.warnings]) {
    const [start, end] = problem.pos;
    const at = map.positionOfOffset(start, Math.max(1, end - start));
    const severity = doc.errors.includes(problem as never) ? 'error' : 'warning';
    if (seenLines.has(at.line) || (severity === 'error' && seenLines.size >= 5)) continue;
    seenLines.add(at.line);
    const message = `YAML ${severity === 'error' ? 'syntax error' : 'warning'}: ${problem.message.split('\n')[0]}`;
    const lineText = map.lineText(at.line) ?? '';
    // `{ password: ${env:X} }` is the classic: inside braces the reference must be quoted.
    const expected = /\{[^}]*\$\{/.test(lineText) ? 'a quoted reference inside { … }: password: "${env:NAME}"' : undefined;
    result.diagnostics.push(map.diagnostic(severity, [], message, { at, ...(expected ? { expected } : {}) }));
  }
  if (doc.errors.length > 0) return done();

  const tree: unknown = doc.toJS({ maxAliasCount: 100 });
  if (tree === null || tree === undefined) {
    result.diagnostics.push({ severity: 'error', file: source.displayName, line: 0, col: 0, path: '', message: 'the config file is empty', expected: 'portal: and companies: sections (see config.example.yaml)' });
    return done();
  }
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    result.diagnostics.push(map.diagnostic('error', [], 'the config must be a mapping of sections (portal:, companies:, …)', { expected: 'a mapping', found: Array.isArray(tree) ? 'a list' : JSON.stringify(tree) }));
    return done();
  }

  const interpolated = await interpolate(tree, { env: deps.env, readTextFile: deps.readTextFile, baseDir: source.baseDir });
  for (const problem of interpolated.problems) {
    result.diagnostics.push(map.diagnostic('error', problem.path, problem.message, { ...(problem.expected ? { expected: problem.expected } : {}), ...(problem.found ? { found: problem.found } : {}) }));
  }
  collectOrigins(interpolated.value, [], map, interpolated.references, result);

  const schemaDiagnostics = validateAgainstSchema(interpolated.value, map);
  result.diagnostics.push(...schemaDiagnostics);

  const config = interpolated.value as SbsyncConfig;
  for (const problem of applyRules(config, schemaDiagnostics.length === 0)) {
    const at = problem.key === undefined ? undefined : map.locateKey(problem.path, problem.key);
    const pathForMessage = problem.key === undefined ? problem.path : [...problem.path, problem.key];
    result.diagnostics.push(
      map.diagnostic(problem.severity, pathForMessage, problem.message, {
        ...(problem.expected ? { expected: problem.expected } : {}),
        ...(problem.found ? { found: problem.found } : {}),
        ...(at ? { at } : {}),
      }),
    );
  }
  if (result.diagnostics.some((d) => d.severity === 'error')) return done();

  result.config = resolveConfig(config, source.file, source.baseDir);
  return done();
}

/** Records where each leaf came from and gathers secrets (and those written in clear). */
function collectOrigins(
  value: unknown,
  at: PathSegment[],
  map: SourceMap,
  references: Map<string, ValueOrigin>,
  result: ConfigLoadResult,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => collectOrigins(item, [...at, index], map, references, result));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collectOrigins(item, [...at, key], map, references, result);
    return;
  }
  const origin = references.get(JSON.stringify(at)) ?? { kind: 'file', line: map.locateValue(at).line };
  result.origins.set(formatPath(at), origin);
  if (isSecretPath(at) && typeof value === 'string' && value !== '') {
    result.secrets.push(value);
    // A reference that failed to resolve is already an error; it is not a secret written in clear.
    if (origin.kind === 'file' && !value.includes('${')) {
      result.plainSecrets.push(formatPath(at));
      result.diagnostics.push(
        map.diagnostic('warning', at, 'secret written in clear in the config file', {
          expected: '${env:NAME} or ${file:PATH} so the file can be shared without the secret',
          found: 'a plain value',
        }),
      );
    }
  }
}

export const EMBEDDED_DEFAULT = '<embedded default>';

export function configTextFromFile(absolutePath: string, displayName: string, text: string): ConfigText {
  return { displayName, file: absolutePath, baseDir: path.dirname(absolutePath), text };
}
