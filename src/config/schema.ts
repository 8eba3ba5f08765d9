/** The committed JSON Schema, loaded once; its `default`s are the only defaults the config has. */
import { existsSync, readFileSync } from 'node:fs';

interface SchemaNode {
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
}
interface RootSchema {
  definitions: Record<string, SchemaNode>;
  properties: Record<string, SchemaNode>;
}

let cached: RootSchema | undefined;

export function configSchema(): RootSchema & Record<string, unknown> {
  cached ??= JSON.parse(readFileSync(schemaFileUrl(), 'utf8')) as RootSchema;
  return cached as RootSchema & Record<string, unknown>;
}

/** The schema file: two levels up from src/config when run from source, three from dist/src/config. */
export function schemaFileUrl(): URL {
  const fromSource = new URL('../../schema/config.schema.json', import.meta.url);
  return existsSync(fromSource) ? fromSource : new URL('../../../schema/config.schema.json', import.meta.url);
}

/** `schemaDefault('Portal', 'timeoutSeconds')` → 120. Throws when the schema has no default: a bug. */
export function schemaDefault<T>(definition: string, property: string): T {
  const node = configSchema().definitions[definition]?.properties?.[property];
  if (node === undefined || !('default' in node)) {
    throw new Error(`schema has no default for ${definition}.${property}`);
  }
  return node.default as T;
}

/** Default of a top-level property: `rootDefault('dataDirectory')`. */
export function rootDefault<T>(property: string): T {
  const node = configSchema().properties[property];
  if (node === undefined || !('default' in node)) throw new Error(`schema has no default for ${property}`);
  return node.default as T;
}
