/** JSON Schema validation (ajv) with errors translated into located, human diagnostics. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { configSchema } from './schema.js';
import { closest } from '../text.js';
import { describeValue, type Diagnostic, type PathSegment } from './diagnostics.js';
import type { SourceMap } from './locate.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, discriminator: true, verbose: true }).compile(configSchema());
  return compiled;
}

/** Friendly wording for the schema's patterns, keyed by property name. */
const PATTERN_HINTS: Record<string, string> = {
  code: 'uppercase letters and digits only, at most 17, like ACME or BIJOU',
  startTime: 'a time HH:MM on 24 hours, like 06:30',
  url: 'https://… (or http://… for a local test portal) or file:DIRECTORY',
  login: '2 to 64 letters, digits, dots, dashes, underscores or @',
  passwordHash: 'a hash printed by `sbsync users hash-password`',
};

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
const typeName = (type: unknown) =>
  String(type).replace('object', 'mapping (key: value)').replace('array', 'list');

export function validateAgainstSchema(value: unknown, map: SourceMap): Diagnostic[] {
  const validate = validator();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A failed oneOf reports every branch's failure too; keep only the summary.
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath);
  const relevant = errors.filter(
    (e) => e.keyword === 'oneOf' || !oneOfPaths.some((p) => e.schemaPath.startsWith(p.replace(/\/oneOf$/, '/oneOf/'))),
  );
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of relevant) {
    const d = translate(error, map);
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function translate(error: ErrorObject, map: SourceMap): Diagnostic {
  const path = pointerToPath(error.instancePath);
  const property = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
  const parentSchema = error.parentSchema as { description?: string; properties?: Record<string, { description?: string }> } | undefined;
  const params = error.params as Record<string, unknown>;
  const found = describeValue(error.data);
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const expected = parentSchema?.properties?.[missing]?.description;
      return map.diagnostic('error', path, `missing required property "${missing}"`, { ...(expected ? { expected } : {}), found: 'nothing' });
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const suggestion = closest(extra, allowed);
      return map.diagnostic('error', [...path, extra], `unknown property "${extra}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
        expected: `one of: ${allowed.join(', ')}`,
        found: extra,
        at: map.locateKey(path, extra),
      });
    }
    case 'type':
      return map.diagnostic('error', path, `must be ${article(typeName(params.type))} (found ${found})`, { expected: typeName(params.type), found });
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? closest(error.data, allowed) : undefined;
      return map.diagnostic('error', path, `must be one of ${allowed.join(', ')} (found ${found})${suggestion ? `; did you mean ${suggestion}?` : ''}`, { expected: allowed.join(' | '), found });
    }
    case 'pattern': {
      const expected = PATTERN_HINTS[property] ?? parentSchema?.description ?? `text matching ${String(params.pattern)}`;
      return map.diagnostic('error', path, `must be ${expected} (found ${found})`, { expected, found });
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      return map.diagnostic('error', [...path, name], `"${name}" is not a company code (${PATTERN_HINTS.code})`, { expected: PATTERN_HINTS.code, found: name, at: map.locateKey(path, name) });
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const comparison = String(params.comparison);
      const limit = String(params.limit);
      return map.diagnostic('error', path, `must be ${comparison} ${limit} (found ${found})`, { expected: `${comparison} ${limit}`, found });
    }
    case 'minLength':
      return map.diagnostic('error', path, 'must not be empty', { expected: 'a non-empty text', found });
    case 'minItems':
      return map.diagnostic('error', path, `must list at least ${String(params.limit)} item(s) (found ${found})`, { expected: `at least ${String(params.limit)} item(s)`, found });
    case 'minProperties':
      return map.diagnostic('error', path, `must have at least ${String(params.limit)} entry (found an empty mapping)`, { expected: 'at least one entry', found });
    case 'uniqueItems':
      return map.diagnostic('error', path, `lists the same item twice (items ${String(params.j)} and ${String(params.i)})`, { expected: 'each item once' });
    case 'discriminator': {
      const expected = 'sqlserver, sqlite or demo';
      if (params.error === 'tag') return map.diagnostic('error', path, `missing "type" (${expected})`, { expected, found: 'nothing' });
      return map.diagnostic('error', [...path, 'type'], `unknown source type ${describeValue(params.tagValue)}`, { expected, found: describeValue(params.tagValue) });
    }
    case 'oneOf':
      return map.diagnostic('error', path, `must be "all" or a list of view ids (found ${found})`, { expected: '"all" or [view-id, …]', found });
    default:
      return map.diagnostic('error', path, `${error.message ?? 'is invalid'} (found ${found})`, { found });
  }
}
