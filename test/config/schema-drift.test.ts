import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
// @ts-expect-error — a plain .mjs script without type declarations.
import { generateConfigTypes, typesPath } from '../../scripts/config-types.mjs';

test('src/config/types.generated.ts is exactly what schema/config.schema.json generates', async () => {
  const committed = await readFile(typesPath as string, 'utf8');
  const generated = await (generateConfigTypes as () => Promise<string>)();
  // When this fails: run `node scripts/config-types.mjs` and commit both files together.
  expect(committed).toBe(generated);
});
