// Generates src/config/types.generated.ts from schema/config.schema.json (the contract).
// `node scripts/config-types.mjs` rewrites the file; test/config/schema-drift.test.ts fails when they differ.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

export const schemaPath = fileURLToPath(new URL('../schema/config.schema.json', import.meta.url));
export const typesPath = fileURLToPath(new URL('../src/config/types.generated.ts', import.meta.url));

export async function generateConfigTypes() {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8'));
  const banner =
    '/* Generated from schema/config.schema.json by scripts/config-types.mjs: do not edit by hand. */';
  return compile(schema, 'SbsyncConfig', {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 110 },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(typesPath, await generateConfigTypes());
  console.log(`wrote ${typesPath}`);
}
