/**
 * Secrets by reference: `${env:NAME}`, `${env:NAME:-fallback}` and `${file:PATH}` inside string values.
 * Applied to the parsed tree before schema validation so the schema checks what will really be used.
 * A missing variable or an unreadable file is an error naming it, never an empty string.
 */
import path from 'node:path';
import type { PathSegment } from './diagnostics.js';

export type ValueOrigin =
  | { kind: 'file'; line: number }
  | { kind: 'env'; name: string }
  | { kind: 'secret-file'; path: string }
  | { kind: 'default' };

export interface InterpolationProblem {
  path: PathSegment[];
  message: string;
  expected?: string;
  found?: string;
}

export interface InterpolationResult {
  value: unknown;
  problems: InterpolationProblem[];
  /** Paths (as JSON arrays) whose value came from a reference, with the reference. */
  references: Map<string, ValueOrigin>;
}

export interface InterpolationDeps {
  env: Readonly<Record<string, string | undefined>>;
  readTextFile: (absolutePath: string) => Promise<string>;
  /** Folder that relative `${file:…}` paths start from: the config file's folder. */
  baseDir: string;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function interpolate(tree: unknown, deps: InterpolationDeps): Promise<InterpolationResult> {
  const problems: InterpolationProblem[] = [];
  const references = new Map<string, ValueOrigin>();

  async function resolveString(text: string, at: PathSegment[]): Promise<string> {
    if (!text.includes('${')) return text;
    const problemsBefore = problems.length;
    let out = '';
    let last = 0;
    for (const match of text.matchAll(REFERENCE)) {
      const start = match.index;
      // `$${…}` is the escape for a literal `${…}`.
      if (start > 0 && text[start - 1] === '$') {
        out += text.slice(last, start - 1) + match[0];
        last = start + match[0].length;
        continue;
      }
      out += text.slice(last, start);
      last = start + match[0].length;
      const body = match[1] ?? '';
      const resolved = await resolveReference(body, at);
      if (resolved !== undefined) out += resolved;
    }
    // On failure keep the text as written, so later checks don't report the same value twice.
    return problems.length > problemsBefore ? text : out + text.slice(last);
  }

  async function resolveReference(body: string, at: PathSegment[]): Promise<string | undefined> {
    const colon = body.indexOf(':');
    const scheme = colon < 0 ? '' : body.slice(0, colon);
    const rest = colon < 0 ? body : body.slice(colon + 1);
    if (scheme === 'env') {
      const fallbackAt = rest.indexOf(':-');
      const name = fallbackAt < 0 ? rest : rest.slice(0, fallbackAt);
      if (!ENV_NAME.test(name)) {
        problems.push({ path: at, message: `"\${env:${name}}" is not a valid environment variable name`, expected: 'letters, digits and _' });
        return undefined;
      }
      const value = deps.env[name];
      if (value !== undefined && value !== '') {
        references.set(JSON.stringify(at), { kind: 'env', name });
        return value;
      }
      if (fallbackAt >= 0) return rest.slice(fallbackAt + 2);
      problems.push({
        path: at,
        message: `environment variable ${name} is not set (referenced as \${env:${name}})`,
        expected: `${name} set in the environment of the process (or a fallback: \${env:${name}:-value})`,
        found: value === '' ? 'an empty value' : 'no such variable',
      });
      return undefined;
    }
    if (scheme === 'file') {
      if (rest.trim() === '') {
        problems.push({ path: at, message: '${file:} needs a path', expected: '${file:PATH}' });
        return undefined;
      }
      const absolute = path.resolve(deps.baseDir, rest);
      try {
        // A trailing newline is how editors save files; it is never part of the secret.
        const content = (await deps.readTextFile(absolute)).replace(/\r?\n$/, '');
        if (content === '') {
          problems.push({ path: at, message: `secret file ${absolute} is empty`, expected: 'the secret on the first line' });
          return undefined;
        }
        references.set(JSON.stringify(at), { kind: 'secret-file', path: absolute });
        return content;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        problems.push({
          path: at,
          message: `cannot read secret file ${absolute} (${code})`,
          expected: 'a readable file holding the secret',
        });
        return undefined;
      }
    }
    problems.push({
      path: at,
      message: `unknown reference "\${${body}}"`,
      expected: '${env:NAME} or ${file:PATH} (write $${…} for a literal)',
    });
    return undefined;
  }

  async function walk(node: unknown, at: PathSegment[]): Promise<unknown> {
    if (typeof node === 'string') return resolveString(node, at);
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (const [index, item] of node.entries()) out.push(await walk(item, [...at, index]));
      return out;
    }
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[key] = await walk(item, [...at, key]);
      return out;
    }
    return node;
  }

  const value = await walk(tree, []);
  return { value, problems, references };
}
