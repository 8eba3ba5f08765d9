import { describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { openStore, type CommitDataset, type PortalStore } from '../../src/portal/store.js';
import { isStoreError } from '../../src/portal/errors.js';
import { nodeStoreFs as realStoreFs, type StoreFs } from '../../src/portal/files.js';
import { hashPassword } from '../../src/portal/password.js';
import { chunksOf, dataset, gunzipRows, publishFull, readRows, sha256, tempDir, tempStore } from './helpers.js';

const CUSTOMERS_V1 = [
  { code: 'C001', name: 'Dupont' },
  { code: 'C002', name: 'Martin' },
];
const CUSTOMERS_V2 = [{ code: 'C003', name: 'Bernard' }];

async function expectStoreError(promise: Promise<unknown>, reason: string, detailCode?: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isStoreError(error), `expected a store error, got ${String(error)}`).toBe(true);
  expect((error as { reason: string }).reason).toBe(reason);
  if (detailCode) expect((error as { detailCode: string }).detailCode).toBe(detailCode);
  return error as Error;
}

describe('portal store: full publications', () => {
  it('commits a publication in the documented layout and serves it to readers', async () => {
    const store = await tempStore();
    const manifest = await publishFull(
      store,
      'ACME',
      'data-manager',
      { customers: CUSTOMERS_V1, items: [] },
      { keys: { customers: ['code'] } },
    );

    expect(manifest).toMatchObject({
      format: 'sbsync-publication',
      version: 1,
      company: 'ACME',
      service: 'data-manager',
      mode: 'full',
      basePublicationId: null,
    });
    expect(manifest.datasets.map((d) => [d.name, d.rows])).toEqual([
      ['customers', 2],
      ['items', 0],
    ]);
    expect(manifest.datasets[0]).toMatchObject({
      sha256: dataset(CUSTOMERS_V1).sha256,
      keys: ['code'],
      bytes: dataset(CUSTOMERS_V1).ndjson.length,
    });

    const serviceDir = join(store.root, 'companies', 'ACME', 'data-manager');
    expect(JSON.parse(await readFile(join(serviceDir, 'current.json'), 'utf8'))).toMatchObject({
      publicationId: manifest.publicationId,
      previousPublicationId: null,
    });
    const publicationDir = join(serviceDir, 'publications', manifest.publicationId);
    expect(JSON.parse(await readFile(join(publicationDir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(gunzipRows(await readFile(join(publicationDir, 'datasets', 'customers.ndjson.gz')))).toEqual(CUSTOMERS_V1);
    expect(await readdir(join(store.root, 'staging'))).toEqual([]);

    expect(await store.currentPublication('ACME', 'data-manager')).toEqual(manifest);
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V1);
    expect(await readRows(store, 'ACME', 'data-manager', 'unknown')).toBeUndefined();
    expect(await store.currentPublication('ACME', 'business-mobile')).toBeUndefined();
    expect(await store.currentPublication('OTHER', 'data-manager')).toBeUndefined();
  });

  it('shows the previous publication to readers until the next one is committed', async () => {
    const store = await tempStore();
    const first = await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });

    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v2 = dataset(CUSTOMERS_V2);
    await store.putDataset(opened.publicationId, 'customers', v2, chunksOf(v2.gzip));
    expect((await store.currentPublication('ACME', 'data-manager'))?.publicationId).toBe(first.publicationId);
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V1);

    // A reader that opened the dataset before the commit keeps reading the old data to the end.
    const openedBefore = await store.openDataset('ACME', 'data-manager', 'customers');
    const second = await store.commitPublication(opened.publicationId, {
      datasets: [{ name: 'customers', rows: v2.rows, sha256: v2.sha256 }],
    });
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V2);
    const lines: unknown[] = [];
    for await (const line of openedBefore!.lines()) lines.push(JSON.parse(line));
    expect(lines).toEqual(CUSTOMERS_V1);

    const pointer = JSON.parse(
      await readFile(join(store.root, 'companies', 'ACME', 'data-manager', 'current.json'), 'utf8'),
    );
    expect(pointer).toMatchObject({ publicationId: second.publicationId, previousPublicationId: first.publicationId });
  });

  it('keeps only the current and the previous publication on disk', async () => {
    const store = await tempStore();
    const ids = [];
    for (let i = 0; i < 4; i++)
      ids.push((await publishFull(store, 'ACME', 'business-mobile', { treasury: [{ n: i }] })).publicationId);
    const onDisk = await readdir(join(store.root, 'companies', 'ACME', 'business-mobile', 'publications'));
    expect(onDisk.sort()).toEqual([ids[2], ids[3]].sort());
    expect(await readdir(join(store.root, 'trash'))).toEqual([]);
  });

  it('leaves one data file when the same dataset is uploaded several times at once', async () => {
    const store = await tempStore();
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v1 = dataset(CUSTOMERS_V1);
    const v2 = dataset(CUSTOMERS_V2);
    const uploads = await Promise.all([v1, v2, v1, v2, v1].map((v, i) => store.putDataset(opened.publicationId, 'customers', v, chunksOf(v.gzip, 3 + i))));
    expect(uploads).toHaveLength(5);
    expect(await readdir(join(store.root, 'staging', opened.publicationId, 'data'))).toHaveLength(1);
  });

  it('keeps the data file an upload record names when syncing the record failed after its rename', async () => {
    const root = await tempDir();
    let failNextUploadsSync = false;
    // The real file system, except that syncing the uploads directory fails once when armed (an EIO after the
    // record's rename: the record is in place, the call fails).
    const fs = {
      ...realStoreFs,
      open: async (...args: Parameters<typeof realStoreFs.open>) => {
        const handle = await realStoreFs.open(...args);
        if (!failNextUploadsSync || !String(args[0]).endsWith('uploads') || (args[1] ?? 'r') !== 'r') return handle;
        failNextUploadsSync = false;
        return new Proxy(handle, {
          get(target, property, receiver) {
            if (property === 'sync') return () => Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
            const value = Reflect.get(target, property, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      },
    } as StoreFs;
    const store = await openStore({ root, fs });
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v1 = dataset(CUSTOMERS_V1);
    failNextUploadsSync = true;
    await expect(store.putDataset(opened.publicationId, 'customers', v1, chunksOf(v1.gzip))).rejects.toThrow(/EIO/);
    expect(failNextUploadsSync).toBe(false); // the failure did happen where intended

    // The record is in place and its file too: the commit succeeds without a new upload.
    expect(await readdir(join(root, 'staging', opened.publicationId, 'data'))).toHaveLength(1);
    await store.commitPublication(opened.publicationId, {
      datasets: [{ name: 'customers', rows: v1.rows, sha256: v1.sha256 }],
    });
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V1);
  });

  it('makes a repeated upload safe: the last verified upload wins, the replaced file is removed', async () => {
    const store = await tempStore();
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v1 = dataset(CUSTOMERS_V1);
    const v2 = dataset(CUSTOMERS_V2);
    const first = await store.putDataset(opened.publicationId, 'customers', v1, chunksOf(v1.gzip));
    const again = await store.putDataset(opened.publicationId, 'customers', v1, chunksOf(v1.gzip, 7));
    expect(again).toEqual(first);
    await store.putDataset(opened.publicationId, 'customers', v2, chunksOf(v2.gzip));
    expect(await readdir(join(store.root, 'staging', opened.publicationId, 'data'))).toHaveLength(1);

    // Announcing the replaced content is refused: the portal holds v2 now.
    await expectStoreError(
      store.commitPublication(opened.publicationId, {
        datasets: [{ name: 'customers', rows: v1.rows, sha256: v1.sha256 }],
      }),
      'verification',
      'commit-verification',
    );
    await store.commitPublication(opened.publicationId, {
      datasets: [{ name: 'customers', rows: v2.rows, sha256: v2.sha256 }],
    });
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V2);
  });

  it('returns the same manifest when a successful commit is repeated', async () => {
    const store = await tempStore();
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v1 = dataset(CUSTOMERS_V1);
    await store.putDataset(opened.publicationId, 'customers', v1, chunksOf(v1.gzip));
    const commit = { datasets: [{ name: 'customers', rows: v1.rows, sha256: v1.sha256 }] };
    const first = await store.commitPublication(opened.publicationId, commit);
    expect(await store.commitPublication(opened.publicationId, commit)).toEqual(first);
    await expectStoreError(
      store.putDataset(opened.publicationId, 'customers', v1, chunksOf(v1.gzip)),
      'conflict',
      'already-committed',
    );
  });
});

describe('portal store: verification', () => {
  it('refuses an upload whose SHA-256 or row count differs, keeping the earlier good upload', async () => {
    const store = await tempStore();
    await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v2 = dataset(CUSTOMERS_V2);

    await expectStoreError(
      store.putDataset(
        opened.publicationId,
        'customers',
        { rows: v2.rows, sha256: sha256('other') },
        chunksOf(v2.gzip),
      ),
      'verification',
      'sha256-mismatch',
    );
    await expectStoreError(
      store.putDataset(opened.publicationId, 'customers', { rows: 5, sha256: v2.sha256 }, chunksOf(v2.gzip)),
      'verification',
      'rows-mismatch',
    );
    expect(await readdir(join(store.root, 'staging', opened.publicationId, 'data'))).toEqual([]);

    // The commit of a dataset never accepted is refused, and readers still see the previous publication.
    await expectStoreError(
      store.commitPublication(opened.publicationId, {
        datasets: [{ name: 'customers', rows: v2.rows, sha256: v2.sha256 }],
      }),
      'verification',
      'commit-verification',
    );
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V1);

    // The same open publication can still be completed properly.
    await store.putDataset(opened.publicationId, 'customers', v2, chunksOf(v2.gzip));
    await store.commitPublication(opened.publicationId, {
      datasets: [{ name: 'customers', rows: v2.rows, sha256: v2.sha256 }],
    });
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V2);
  });

  it('refuses data that is not gzip NDJSON of objects or arrays, one per line', async () => {
    const store = await tempStore();
    const opened = await store.openPublication({ company: 'ACME', service: 'business-mobile' });
    const put = (ndjson: string, rows: number) => {
      const gzip = gzipSync(Buffer.from(ndjson));
      return store.putDataset(opened.publicationId, 'treasury', { rows, sha256: sha256(gzip) }, chunksOf(gzip));
    };

    await expectStoreError(put('{"a":1}\n12\n', 2), 'verification', 'invalid-ndjson');
    await expectStoreError(put('{"a":1}\n"text"\n', 2), 'verification', 'invalid-ndjson');
    await expectStoreError(put('{"a":1}\n\n', 2), 'verification', 'invalid-ndjson');
    await expectStoreError(put('{"a":1}\n{"b":2}', 2), 'verification', 'invalid-ndjson');
    await expectStoreError(
      store.putDataset(
        opened.publicationId,
        'treasury',
        { rows: 1, sha256: sha256('{"a":1}\n') },
        chunksOf(Buffer.from('{"a":1}\n')),
      ),
      'verification',
      'invalid-gzip',
    );
    await expect(put('{"a":1}\r\n{"b":"é"}\n', 2)).resolves.toMatchObject({ rows: 2 });
    // Raw tables use the compact form: one array of values per row, in the order of meta.columns.
    await expect(put('[1,"a"]\n[2,"b"]\n', 2)).resolves.toMatchObject({ rows: 2 });
    // Past the first 1000 rows only the shape of each row is checked (speed); a broken shape is still refused.
    const many = (bad: string) => Array.from({ length: 1500 }, (_, i) => (i === 1200 ? bad : `[${i},"x"]`)).join('\n') + '\n';
    await expectStoreError(put(many('[1200,"x"'), 1500), 'verification', 'invalid-ndjson');
    await expectStoreError(put(many('1200'), 1500), 'verification', 'invalid-ndjson');
    await expect(put(many('[1200,"y"]'), 1500)).resolves.toMatchObject({ rows: 1500 });
  });

  it('refuses uploads and lines beyond the limits', async () => {
    const store = await tempStore({ limits: { maxLineBytes: 100, maxStoredBytes: 10_000 } });
    const opened = await store.openPublication({ company: 'ACME', service: 'business-mobile' });
    const long = dataset([{ text: 'x'.repeat(200) }]);
    await expectStoreError(
      store.putDataset(opened.publicationId, 'treasury', long, chunksOf(long.gzip)),
      'too-large',
      'line-too-long',
    );
    const incompressible = Array.from({ length: 400 }, (_, i) => ({ text: randomBytes(30).toString('base64'), i }));
    const big = dataset(incompressible);
    expect(big.gzip.length).toBeGreaterThan(10_000);
    await expectStoreError(
      store.putDataset(opened.publicationId, 'treasury', big, chunksOf(big.gzip)),
      'too-large',
      'upload-too-large',
    );
    expect(await readdir(join(store.root, 'staging', opened.publicationId, 'data'))).toEqual([]);
  });

  it('checks names, codes and the commit announcement', async () => {
    const store = await tempStore();
    await expectStoreError(
      store.openPublication({ company: 'acme', service: 'data-manager' }),
      'invalid',
      'invalid-company',
    );
    await expectStoreError(
      store.openPublication({ company: 'CON', service: 'data-manager' }),
      'invalid',
      'invalid-company',
    );
    await expectStoreError(
      store.openPublication({ company: 'ACME', service: 'mail' as never }),
      'invalid',
      'invalid-service',
    );
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v1 = dataset(CUSTOMERS_V1);
    await expectStoreError(
      store.putDataset(opened.publicationId, '../escape', v1, chunksOf(v1.gzip)),
      'invalid',
      'invalid-dataset-name',
    );
    await expectStoreError(
      store.putDataset('20250101T000000Z-unknown', 'customers', v1, chunksOf(v1.gzip)),
      'not-found',
    );
    await store.putDataset(opened.publicationId, 'customers', v1, chunksOf(v1.gzip));
    await store.putDataset(opened.publicationId, 'extra', v1, chunksOf(v1.gzip));
    const error = await expectStoreError(
      store.commitPublication(opened.publicationId, {
        datasets: [{ name: 'customers', rows: v1.rows, sha256: v1.sha256 }],
      }),
      'verification',
    );
    expect(error.message).toContain('"extra" was uploaded but not announced');
    await expectStoreError(
      store.commitPublication(opened.publicationId, {
        datasets: [
          { name: 'customers', rows: v1.rows, sha256: v1.sha256 },
          { name: 'Customers', rows: v1.rows, sha256: v1.sha256 },
        ],
      }),
      'invalid',
      'duplicate-dataset',
    );
  });
});

describe('portal store: abort, unpublish, remove', () => {
  it('aborts an open publication: its uploads go, the visible one stays', async () => {
    const store = await tempStore();
    const first = await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const v2 = dataset(CUSTOMERS_V2);
    await store.putDataset(opened.publicationId, 'customers', v2, chunksOf(v2.gzip));
    await store.abortPublication(opened.publicationId);
    expect(await readdir(join(store.root, 'staging'))).toEqual([]);
    await expectStoreError(
      store.commitPublication(opened.publicationId, {
        datasets: [{ name: 'customers', rows: v2.rows, sha256: v2.sha256 }],
      }),
      'not-found',
    );
    await store.abortPublication(opened.publicationId); // again: nothing to do
    await expectStoreError(store.abortPublication(first.publicationId), 'conflict', 'already-committed');
    expect((await store.currentPublication('ACME', 'data-manager'))?.publicationId).toBe(first.publicationId);
  });

  it('unpublishes: nothing stays visible for that service, the other service is untouched', async () => {
    const store = await tempStore();
    await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V2 });
    const mobile = await publishFull(store, 'ACME', 'business-mobile', { treasury: [{ bank: 'BNP' }] });
    const pending = await store.openPublication({ company: 'ACME', service: 'data-manager' });

    await store.unpublish('ACME', 'data-manager');
    expect(await store.currentPublication('ACME', 'data-manager')).toBeUndefined();
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toBeUndefined();
    expect(await readdir(join(store.root, 'companies', 'ACME'))).toEqual(['business-mobile']);
    expect(await readdir(join(store.root, 'staging'))).toEqual([]);
    await expectStoreError(store.commitPublication(pending.publicationId, { datasets: [] }), 'not-found');
    expect((await store.currentPublication('ACME', 'business-mobile'))?.publicationId).toBe(mobile.publicationId);

    await store.unpublish('ACME', 'data-manager'); // idempotent
    await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V1);
  });

  it('removes a company: both services, its open publications and its user permissions', async () => {
    const store = await tempStore();
    await publishFull(store, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    await publishFull(store, 'ACME', 'business-mobile', { treasury: [{ bank: 'BNP' }] });
    await publishFull(store, 'BIJOU', 'business-mobile', { treasury: [{ bank: 'LCL' }] });
    await store.openPublication({ company: 'ACME', service: 'business-mobile' });
    const passwordHash = await hashPassword('secret', { cost: 1024 });
    await store.putUsers([
      { login: 'marie', name: 'Marie', passwordHash, views: { ACME: 'all', BIJOU: ['treasury'] } },
    ]);

    await store.removeCompany('ACME');
    expect(await readdir(join(store.root, 'companies'))).toEqual(['BIJOU']);
    expect(await readdir(join(store.root, 'staging'))).toEqual([]);
    expect(await store.currentPublication('ACME', 'business-mobile')).toBeUndefined();
    expect(await readRows(store, 'BIJOU', 'business-mobile', 'treasury')).toEqual([{ bank: 'LCL' }]);
    expect((await store.findUser('marie'))?.views).toEqual({ BIJOU: ['treasury'] });
    await store.removeCompany('ACME'); // idempotent
  });
});

describe('portal store: incremental publications', () => {
  const LEDGER = [
    { cbMarq: 1, amount: '100.000000' },
    { cbMarq: 2, amount: '200.000000' },
    { cbMarq: 3, amount: '300.000000' },
  ];

  async function publishIncremental(
    store: PortalStore,
    basePublicationId: string,
    changes: Record<string, { upserts: object[]; deletions?: object[]; keys: string[] }>,
  ) {
    const opened = await store.openPublication({
      company: 'ACME',
      service: 'data-manager',
      mode: 'incremental',
      basePublicationId,
    });
    const announced: CommitDataset[] = [];
    for (const [name, change] of Object.entries(changes)) {
      const upserts = dataset(change.upserts);
      await store.putDataset(opened.publicationId, name, upserts, chunksOf(upserts.gzip));
      let deletions;
      if (change.deletions) {
        const data = dataset(change.deletions);
        await store.putDataset(opened.publicationId, name, { ...data, part: 'deletions' }, chunksOf(data.gzip));
        deletions = { rows: data.rows, sha256: data.sha256 };
      }
      announced.push({
        name,
        rows: upserts.rows,
        sha256: upserts.sha256,
        keys: change.keys,
        ...(deletions ? { deletions } : {}),
      });
    }
    return { opened, commit: () => store.commitPublication(opened.publicationId, { datasets: announced }) };
  }

  it('applies a delta to a table whose rows are arrays, keyed through meta.columns', async () => {
    const store = await tempStore();
    const columns = [{ name: 'cbMarq', type: 'integer' }, { name: 'EC_Montant', type: 'decimal' }];
    const base = await publishFull(
      store,
      'ACME',
      'data-manager',
      { F_ECRITUREC: [[1, '10.000000'], [2, '20.000000'], [3, '30.000000']] },
      { keys: { F_ECRITUREC: ['cbMarq'] }, meta: { F_ECRITUREC: { columns } } },
    );
    const opened = await store.openPublication({ company: 'ACME', service: 'data-manager', mode: 'incremental', basePublicationId: base.publicationId });
    const upserts = dataset([[2, '25.500000'], [4, '40.000000']]);
    const deletions = dataset([{ cbMarq: 3 }]);
    await store.putDataset(opened.publicationId, 'F_ECRITUREC', upserts, chunksOf(upserts.gzip));
    await store.putDataset(opened.publicationId, 'F_ECRITUREC', { ...deletions, part: 'deletions' }, chunksOf(deletions.gzip));
    const manifest = await store.commitPublication(opened.publicationId, {
      datasets: [{ name: 'F_ECRITUREC', rows: 2, sha256: upserts.sha256, keys: ['cbMarq'], deletions: { rows: 1, sha256: deletions.sha256 } }],
    });
    expect(await readRows(store, 'ACME', 'data-manager', 'F_ECRITUREC')).toEqual([[1, '10.000000'], [2, '25.500000'], [4, '40.000000']]);
    // The columns travel on from the base when the delta does not repeat them.
    expect(manifest.datasets[0]).toMatchObject({ rows: 3, meta: { columns }, change: { upserts: 2, deletions: 1 } });
  });

  it('applies upserts and deletions on top of the base and carries unchanged datasets over', async () => {
    const store = await tempStore();
    const base = await publishFull(
      store,
      'ACME',
      'data-manager',
      { ledger: LEDGER, customers: CUSTOMERS_V1 },
      { keys: { ledger: ['cbMarq'], customers: ['code'] } },
    );
    const { commit } = await publishIncremental(store, base.publicationId, {
      ledger: {
        upserts: [
          { cbMarq: 2, amount: '250.000000' },
          { cbMarq: 4, amount: '400.000000' },
        ],
        deletions: [{ cbMarq: 1 }, { cbMarq: 99 }],
        keys: ['cbMarq'],
      },
    });
    const manifest = await commit();

    expect(manifest).toMatchObject({ mode: 'incremental', basePublicationId: base.publicationId });
    const expected = [
      { cbMarq: 3, amount: '300.000000' },
      { cbMarq: 2, amount: '250.000000' },
      { cbMarq: 4, amount: '400.000000' },
    ];
    expect(await readRows(store, 'ACME', 'data-manager', 'ledger')).toEqual(expected);
    const ledger = manifest.datasets.find((d) => d.name === 'ledger');
    expect(ledger).toEqual({
      ...ledger,
      rows: 3,
      sha256: dataset(expected).sha256,
      keys: ['cbMarq'],
      change: { upserts: 2, deletions: 2 },
    });
    const customers = manifest.datasets.find((d) => d.name === 'customers');
    expect(customers).toEqual(base.datasets.find((d) => d.name === 'customers'));
    expect(await readRows(store, 'ACME', 'data-manager', 'customers')).toEqual(CUSTOMERS_V1);

    // Carried-over files are hard links to the base's, not copies.
    const file = (id: string) =>
      join(store.root, 'companies', 'ACME', 'data-manager', 'publications', id, 'datasets', 'customers.ndjson.gz');
    expect((await stat(file(manifest.publicationId))).ino).toBe((await stat(file(base.publicationId))).ino);

    // A second delta applies to the composed state.
    const { commit: commitNext } = await publishIncremental(store, manifest.publicationId, {
      ledger: { upserts: [], deletions: [{ cbMarq: 3 }], keys: ['cbMarq'] },
      journals: { upserts: [{ code: 'VT' }], keys: ['code'] },
    });
    await commitNext();
    expect(await readRows(store, 'ACME', 'data-manager', 'ledger')).toEqual(expected.slice(1));
    expect(await readRows(store, 'ACME', 'data-manager', 'journals')).toEqual([{ code: 'VT' }]);
  });

  it('refuses a delta whose base is no longer the visible publication', async () => {
    const store = await tempStore();
    const base = await publishFull(store, 'ACME', 'data-manager', { ledger: LEDGER }, { keys: { ledger: ['cbMarq'] } });
    await expectStoreError(
      store.openPublication({
        company: 'BIJOU',
        service: 'data-manager',
        mode: 'incremental',
        basePublicationId: base.publicationId,
      }),
      'conflict',
      'no-base',
    );
    await expectStoreError(
      store.openPublication({
        company: 'ACME',
        service: 'data-manager',
        mode: 'incremental',
        basePublicationId: 'x'.repeat(10),
      }),
      'conflict',
      'base-changed',
    );

    const { commit } = await publishIncremental(store, base.publicationId, {
      ledger: { upserts: [{ cbMarq: 5, amount: '1' }], keys: ['cbMarq'] },
    });
    const competing = await publishFull(
      store,
      'ACME',
      'data-manager',
      { ledger: LEDGER.slice(0, 1) },
      { keys: { ledger: ['cbMarq'] } },
    );
    await expectStoreError(commit(), 'conflict', 'base-changed');
    expect((await store.currentPublication('ACME', 'data-manager'))?.publicationId).toBe(competing.publicationId);
    expect(await readRows(store, 'ACME', 'data-manager', 'ledger')).toEqual(LEDGER.slice(0, 1));
  });

  it('refuses deltas with repeated keys, missing key values, changed keys or deletions in a full publication', async () => {
    const store = await tempStore();
    const base = await publishFull(store, 'ACME', 'data-manager', { ledger: LEDGER }, { keys: { ledger: ['cbMarq'] } });
    const duplicate = await publishIncremental(store, base.publicationId, {
      ledger: { upserts: [{ cbMarq: 7 }, { cbMarq: 7 }], keys: ['cbMarq'] },
    });
    await expectStoreError(duplicate.commit(), 'verification', 'duplicate-key');
    const missing = await publishIncremental(store, base.publicationId, {
      ledger: { upserts: [{ amount: '1' }], keys: ['cbMarq'] },
    });
    await expectStoreError(missing.commit(), 'verification', 'missing-key');
    const changedKeys = await publishIncremental(store, base.publicationId, {
      ledger: { upserts: [{ id: 1 }], keys: ['id'] },
    });
    await expectStoreError(changedKeys.commit(), 'verification', 'keys-changed');
    expect(await readRows(store, 'ACME', 'data-manager', 'ledger')).toEqual(LEDGER);

    const full = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const deletions = dataset([{ cbMarq: 1 }]);
    await expectStoreError(
      store.putDataset(full.publicationId, 'ledger', { ...deletions, part: 'deletions' }, chunksOf(deletions.gzip)),
      'invalid',
      'deletions-in-full',
    );
  });
});

describe('portal store: recovery and concurrency', () => {
  it('discards open publications idle longer than the staging TTL and temp files of interrupted writes', async () => {
    const root = await tempDir();
    let now = new Date();
    const clock = { now: () => now };
    const store = await openStore({ root, clock, stagingTtlMs: 60_000 });
    const idle = await store.openPublication({ company: 'ACME', service: 'data-manager' });
    const leftover = join(root, 'companies', 'ACME', 'data-manager', `.current.json.tmp-abc`);
    await mkdir(join(root, 'companies', 'ACME', 'data-manager'), { recursive: true });
    await writeFile(leftover, 'partial');

    now = new Date(now.getTime() + 30_000);
    await openStore({ root, clock, stagingTtlMs: 60_000 });
    expect(await readdir(join(root, 'staging'))).toEqual([idle.publicationId]);

    now = new Date(now.getTime() + 2 * 3600_000);
    await openStore({ root, clock, stagingTtlMs: 60_000 });
    expect(await readdir(join(root, 'staging'))).toEqual([]);
    expect(await readdir(join(root, 'companies', 'ACME', 'data-manager'))).toEqual([]);
  });

  it('takes over the lock of a process that died, and waits for a live one', async () => {
    const root = await tempDir();
    const identity = { pid: 1000, hostname: 'server', isAlive: (pid: number) => pid === 1000 || pid === 2000 };
    const store = await openStore({ root, identity, lockTimeoutMs: 300 });
    const lockFile = join(root, 'locks', 'company-ACME.lock');
    const lock = (pid: number) =>
      JSON.stringify({ pid, hostname: 'server', token: `t${pid}`, acquiredAt: new Date().toISOString() });

    await writeFile(lockFile, lock(3000)); // dead process
    await publishFull(store, 'ACME', 'business-mobile', { treasury: [{ n: 1 }] });
    await expect(stat(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });

    await writeFile(lockFile, lock(2000)); // live process
    await expectStoreError(
      publishFull(store, 'ACME', 'business-mobile', { treasury: [{ n: 2 }] }),
      'busy',
      'store-busy',
    );
    expect(await readRows(store, 'ACME', 'business-mobile', 'treasury')).toEqual([{ n: 1 }]);
  });

  it('serialises concurrent commits of one company from two store instances', async () => {
    const root = await tempDir();
    const a = await openStore({ root });
    const b = await openStore({ root });
    const results = await Promise.all([
      publishFull(a, 'ACME', 'business-mobile', { treasury: [{ from: 'a' }] }),
      publishFull(b, 'ACME', 'business-mobile', { treasury: [{ from: 'b' }] }),
      publishFull(a, 'ACME', 'business-mobile', { treasury: [{ from: 'a2' }] }),
    ]);
    const current = await a.currentPublication('ACME', 'business-mobile');
    expect(results.map((r) => r.publicationId)).toContain(current?.publicationId);
    expect(await readdir(join(root, 'companies', 'ACME', 'business-mobile', 'publications'))).toHaveLength(2);
    expect(await readdir(join(root, 'locks'))).toEqual([]);
  });

  it('refuses a directory that is not a store of this version', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'store.json'), JSON.stringify({ format: 'sbsync-portal-store', version: 99 }));
    await expectStoreError(openStore({ root }), 'invalid', 'store-format');
  });
});

describe('portal store: users', () => {
  it('replaces users atomically and finds them without regard to case', async () => {
    const store = await tempStore();
    const passwordHash = await hashPassword('secret', { cost: 1024 });
    await store.putUsers([
      { login: 'Marie.D', name: 'Marie Durand', passwordHash, views: { ACME: ['treasury'] } },
      { login: 'paul', name: 'Paul', passwordHash, views: { ACME: 'all' } },
    ]);
    expect((await store.findUser('marie.d'))?.name).toBe('Marie Durand');
    await store.putUsers([{ login: 'paul', name: 'Paul', passwordHash, views: {} }]);
    expect(await store.findUser('marie.d')).toBeUndefined();
    const file = JSON.parse(await readFile(join(store.root, 'users.json'), 'utf8'));
    expect(file).toMatchObject({ format: 'sbsync-users', version: 1, users: [{ login: 'paul' }] });

    await expectStoreError(
      store.putUsers([
        { login: 'paul', name: 'Paul', passwordHash, views: {} },
        { login: 'PAUL', name: 'Paul 2', passwordHash, views: {} },
      ]),
      'invalid',
      'duplicate-login',
    );
    await expectStoreError(
      store.putUsers([{ login: 'paul', name: 'Paul', passwordHash: 'clear-text', views: {} }]),
      'invalid',
      'invalid-password-hash',
    );
    expect((await store.readUsers()).map((u) => u.login)).toEqual(['paul']);
  });
});
