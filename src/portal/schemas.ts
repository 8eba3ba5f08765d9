/** The protocol's JSON Schemas (schema/portal/*.json), loaded once and compiled with ajv. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export const PORTAL_SCHEMA_BASE = 'https://sbsync.example/schema/portal/v1/';

export type PortalSchemaName =
  | 'auth-data-manager.request'
  | 'auth-business-mobile.request'
  | 'auth.response'
  | 'publication-open.request'
  | 'publication-open.response'
  | 'dataset-upload.response'
  | 'publication-commit.request'
  | 'publication.response'
  | 'users.request'
  | 'users.response'
  | 'mobile-login.request'
  | 'mobile-login.response'
  | 'mobile-views.response'
  | 'mobile-view.response'
  | 'health.response'
  | 'error.response'
  | 'accounts';

/** schema/portal: two levels up from src/portal when run from source, three from dist/src/portal. */
export function portalSchemaDirectory(): string {
  const fromSource = fileURLToPath(new URL('../../schema/portal/', import.meta.url));
  return existsSync(fromSource) ? fromSource : fileURLToPath(new URL('../../../schema/portal/', import.meta.url));
}

let ajv: Ajv | undefined;
const compiled = new Map<PortalSchemaName, ValidateFunction>();

function portalAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    const directory = portalSchemaDirectory();
    for (const file of readdirSync(directory)
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      ajv.addSchema(JSON.parse(readFileSync(join(directory, file), 'utf8')) as object);
    }
  }
  return ajv;
}

export function portalSchema(name: PortalSchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = portalAjv().getSchema(`${PORTAL_SCHEMA_BASE}${name}.json`);
    if (!validate) throw new Error(`no portal schema ${name}`);
    compiled.set(name, validate);
  }
  return validate;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the body' : error.instancePath.slice(1).replace(/\//g, '.');
  if (error.keyword === 'additionalProperties')
    return `${where} has an unknown property "${String(error.params['additionalProperty'])}"`;
  if (error.keyword === 'required') return `${where} lacks "${String(error.params['missingProperty'])}"`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Problems of `value` against the schema, in words; empty when valid. */
export function schemaProblems(name: PortalSchemaName, value: unknown): string[] {
  const validate = portalSchema(name);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A failed oneOf also reports each branch; the summary names the place well enough.
  const branchPaths = errors
    .filter((error) => error.keyword === 'oneOf')
    .map((error) => `${error.schemaPath.replace(/\/oneOf$/, '')}/oneOf/`);
  return [
    ...new Set(
      errors.filter((error) => !branchPaths.some((path) => error.schemaPath.startsWith(path))).map(describeError),
    ),
  ];
}
