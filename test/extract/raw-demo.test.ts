/** Raw extraction and consistency checks on the replica of the generated demo company (integration). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsistencyChecks } from '../../src/extract/checks/index.js';
import { createDemoDatabase, DEMO_INCONSISTENCIES } from '../../src/extract/demo/index.js';
import { extractTable } from '../../src/extract/raw/extract.js';
import { RAW_DATASETS } from '../../src/extract/raw/tables.js';
import type { SqlSource } from '../../src/sources/source.js';
import { sqliteReplica } from '../support/replica.js';
import { createTempDir, type TempDir } from '../support/sage-fixture.js';

let dir: TempDir;
let source: SqlSource;
let counts: Record<string, number>;

beforeAll(async () => {
  dir = createTempDir('sbsync-raw-demo-');
  const demo = await createDemoDatabase({ path: dir.file('demo.sqlite'), scale: 0.3, today: '2025-10-15' });
  counts = demo.counts;
  source = await sqliteReplica(demo.path, { dataDirectory: dir.file('data') });
});
afterAll(async () => {
  await source.close();
  dir.remove();
});

describe('raw datasets of the demo company', () => {
  it('extracts every dataset completely, each line a JSON array matching the column header', async () => {
    for (const dataset of RAW_DATASETS) {
      const ex = await extractTable(source, dataset, { mode: 'full', stateDir: dir.file('state') });
      expect(ex.columns.some((c) => c.name.startsWith('cb') && c.sqlType.includes('binary'))).toBe(false);
      let n = 0;
      for await (const line of ex.lines) {
        const values = JSON.parse(line) as unknown[];
        if (values.length !== ex.columns.length) throw new Error(`${dataset.table}: ${values.length} values for ${ex.columns.length} columns`);
        ex.columns.forEach((c, i) => {
          const v = values[i];
          if (v === null) return;
          const ok =
            c.type === 'decimal' ? typeof v === 'string' && /^-?\d+\.\d{6}$/.test(v)
            : c.type === 'datetime' ? typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(v) && v >= '1901'
            : c.type === 'integer' ? Number.isInteger(v)
            : typeof v === 'string';
          if (!ok) throw new Error(`${dataset.table}.${c.name} (${c.type}): ${JSON.stringify(v)}`);
        });
        n++;
      }
      const result = await ex.finish();
      expect(result.rows, dataset.table).toBe(counts[dataset.table] ?? 0);
      expect(result.keyCount, dataset.table).toBe(n);
      if (result.pending) {
        const { discardState } = await import('../../src/extract/state/store.js');
        await discardState(result.pending);
      }
    }
  });

  it('consistency checks find exactly the deliberate inconsistencies', async () => {
    const warnings = await runConsistencyChecks(source, { groups: ['accounting', 'commercial'] });
    const codes = warnings.map((w) => `${w.code} ${JSON.stringify(w.key)}`);
    const { unknownItemLine, unknownCustomerInvoice, postedInvoiceWithoutLedger } = DEMO_INCONSISTENCIES;
    expect(codes.filter((c) => c.startsWith('ledger-unbalanced-piece'))).toHaveLength(1);
    expect(warnings.find((w) => w.code === 'ledger-unbalanced-piece')?.key.JO_Num).toBe(DEMO_INCONSISTENCIES.unbalancedPiece.journal);
    expect(warnings.filter((w) => w.code === 'document-line-unknown-item').map((w) => w.message)).toEqual([
      expect.stringContaining(`${unknownItemLine.doPiece} (type ${unknownItemLine.doType}) is for item ${unknownItemLine.arRef}`),
    ]);
    expect(warnings.filter((w) => w.code === 'document-unknown-third-party').map((w) => w.key)).toEqual([
      { DO_Type: unknownCustomerInvoice.doType, DO_Piece: unknownCustomerInvoice.doPiece },
    ]);
    expect(warnings.filter((w) => w.code === 'posted-invoice-without-ledger-entries').map((w) => w.key)).toEqual([
      { DO_Type: postedInvoiceWithoutLedger.doType, DO_Piece: postedInvoiceWithoutLedger.doPiece },
    ]);
    // Lines of the unknown customer's invoice name it too; nothing else is reported.
    const expected = new Set([
      'ledger-unbalanced-piece',
      'document-line-unknown-item',
      'document-unknown-third-party',
      'document-line-unknown-third-party',
      'posted-invoice-without-ledger-entries',
    ]);
    expect(warnings.filter((w) => !expected.has(w.code))).toEqual([]);
    for (const w of warnings.filter((x) => x.code === 'document-line-unknown-third-party')) {
      expect(w.message).toContain(unknownCustomerInvoice.tiers);
    }
  });
});
