import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { gunzipSync } from 'node:zlib';
import { hashPassword } from '../../src/portal/password.js';
import {
  BM_ACCOUNT,
  DM_ACCOUNT,
  TEST_HASH_COST,
  call,
  expectError,
  expectSchema,
  publishOverHttp,
  publisherToken,
  startTestPortal,
  uploadHeaders,
} from './http.js';
import { dataset, gunzipRows, sha256, tempStore } from './helpers.js';
import type { PortalLogEntry } from '../../src/portal/server.js';
import type { PortalStore } from '../../src/portal/store.js';

const CUSTOMERS_V1 = dataset([
  { code: 'C001', name: 'Dupont', balance: '1250.500000' },
  { code: 'C002', name: 'Martin', balance: '-20.000000' },
]);
const CUSTOMERS_V2 = dataset([{ code: 'C003', name: 'Bernard', balance: '0.000000' }]);
const ITEMS = dataset([{ ref: 'A1' }]);

describe('portal server: publisher authentication', () => {
  it('issues a bearer token per service and refuses wrong credentials without saying which part was wrong', async () => {
    const portal = await startTestPortal();
    const health = await call(portal, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    expectSchema('health.response', health.body);

    const dm = await call(portal, 'POST', '/v1/auth/data-manager', {
      json: { sageId: 'COMPTA@acme.fr', password: DM_ACCOUNT.password },
    });
    expect(dm.status).toBe(200);
    expectSchema('auth.response', dm.body);
    expect(dm.body).toMatchObject({ tokenType: 'Bearer', service: 'data-manager' });

    const wrongPassword = await call(portal, 'POST', '/v1/auth/data-manager', {
      json: { sageId: DM_ACCOUNT.sageId, password: 'nope' },
    });
    const unknownAccount = await call(portal, 'POST', '/v1/auth/data-manager', {
      json: { sageId: 'who@else.fr', password: DM_ACCOUNT.password },
    });
    const wrongService = await call(portal, 'POST', '/v1/auth/business-mobile', {
      json: { customerNumber: DM_ACCOUNT.sageId, password: DM_ACCOUNT.password },
    });
    for (const reply of [wrongPassword, unknownAccount, wrongService]) {
      expectError(reply, 401, 'invalid-credentials');
      expect(reply.body).toEqual(wrongPassword.body);
    }
    expectError(
      await call(portal, 'POST', '/v1/auth/data-manager', { json: { sageId: DM_ACCOUNT.sageId } }),
      400,
      'invalid-body',
    );
    expectError(
      await call(portal, 'POST', '/v1/auth/data-manager', {
        body: '{not json',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid-json',
    );
  });

  it('scopes tokens: no token → 401, another service → 403, and tokens expire', async () => {
    let now = new Date('2025-03-01T06:00:00.000Z');
    const portal = await startTestPortal({ clock: { now: () => now }, tokenTtlSeconds: 60 });
    const dm = await publisherToken(portal, 'data-manager');
    expectError(
      await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { json: {} }),
      401,
      'unauthorized',
    );
    expectError(
      await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', {
        json: {},
        token: 'forged-token-forged-token',
      }),
      401,
      'unauthorized',
    );
    expectError(
      await call(portal, 'POST', '/v1/companies/ACME/business-mobile/publications', { json: {}, token: dm }),
      403,
      'forbidden',
    );
    expectError(await call(portal, 'PUT', '/v1/users', { json: { users: [] }, token: dm }), 403, 'forbidden');
    expect(
      (await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { json: {}, token: dm })).status,
    ).toBe(201);

    now = new Date(now.getTime() + 61_000);
    const expired = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { json: {}, token: dm });
    expectError(expired, 401, 'unauthorized');
    expect(expired.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('throttles repeated failed logins with 429 and Retry-After', async () => {
    let now = new Date('2025-03-01T06:00:00.000Z');
    const portal = await startTestPortal({
      clock: { now: () => now },
      loginThrottle: { maxFailures: 3, windowSeconds: 60 },
    });
    for (let i = 0; i < 3; i++)
      expectError(
        await call(portal, 'POST', '/v1/auth/data-manager', {
          json: { sageId: DM_ACCOUNT.sageId, password: `guess${i}` },
        }),
        401,
        'invalid-credentials',
      );
    const throttled = await call(portal, 'POST', '/v1/auth/data-manager', { json: DM_ACCOUNT });
    expectError(throttled, 429, 'too-many-attempts');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
    now = new Date(now.getTime() + 61_000);
    expect((await call(portal, 'POST', '/v1/auth/data-manager', { json: DM_ACCOUNT })).status).toBe(200);
  });
});

describe('portal server: publications', () => {
  it('runs a full publication cycle; readers see the previous publication until the commit', async () => {
    const portal = await startTestPortal();
    const token = await publisherToken(portal, 'data-manager');
    expectError(
      await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token }),
      404,
      'not-published',
    );

    const first = await publishOverHttp(portal, token, 'ACME', 'data-manager', {
      customers: CUSTOMERS_V1,
      items: ITEMS,
    });
    expect(first.status).toBe(200);
    expectSchema('publication.response', first.body);

    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', {
      token,
      json: { meta: { sbsyncVersion: '0.1.0' } },
    });
    expect(opened.status).toBe(201);
    expectSchema('publication-open.response', opened.body);
    expect(opened.headers['location']).toBe(`/v1/publications/${opened.body.publicationId}`);
    const id = opened.body.publicationId as string;
    const uploaded = await call(portal, 'PUT', `/v1/publications/${id}/datasets/customers`, {
      token,
      headers: uploadHeaders(CUSTOMERS_V2),
      body: CUSTOMERS_V2.gzip,
    });
    expect(uploaded.status).toBe(200);
    expectSchema('dataset-upload.response', uploaded.body);
    expect(uploaded.body).toMatchObject({
      publicationId: id,
      name: 'customers',
      part: 'rows',
      rows: 1,
      sha256: CUSTOMERS_V2.sha256,
      storedBytes: CUSTOMERS_V2.gzip.length,
    });

    // Mid-publication, readers get the first publication, whole.
    const during = await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token });
    expect(during.body.publicationId).toBe(first.body.publicationId);
    const download = await request(`${portal.url}/v1/companies/ACME/data-manager/publication/datasets/customers`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const gzip = Buffer.from(await download.body.arrayBuffer());
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-encoding']).toBe('gzip');
    expect(download.headers['x-sbsync-rows']).toBe('2');
    expect(download.headers['x-sbsync-sha256']).toBe(CUSTOMERS_V1.sha256);
    expect(download.headers['x-sbsync-publication']).toBe(first.body.publicationId);
    expect(sha256(gzip)).toBe(CUSTOMERS_V1.sha256);
    expect(gunzipSync(gzip).equals(CUSTOMERS_V1.ndjson)).toBe(true);

    const committed = await call(portal, 'POST', `/v1/publications/${id}/commit`, {
      token,
      json: { datasets: [{ name: 'customers', rows: 1, sha256: CUSTOMERS_V2.sha256 }] },
    });
    expect(committed.status).toBe(200);
    expectSchema('publication.response', committed.body);
    expect(committed.body).toMatchObject({ publicationId: id, mode: 'full', meta: { sbsyncVersion: '0.1.0' } });
    expect(committed.body.datasets.map((d: { name: string }) => d.name)).toEqual(['customers']);

    const after = await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token });
    expect(after.body).toEqual(committed.body);
    expectError(
      await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication/datasets/items', { token }),
      404,
      'not-published',
    );

    // Repeating the commit (a lost response) answers the same manifest.
    const again = await call(portal, 'POST', `/v1/publications/${id}/commit`, {
      token,
      json: { datasets: [{ name: 'customers', rows: 1, sha256: CUSTOMERS_V2.sha256 }] },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(committed.body);
  });

  it('accepts the same upload twice and publishes it once', async () => {
    const portal = await startTestPortal();
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const path = `/v1/publications/${opened.body.publicationId}/datasets/customers`;
    const one = await call(portal, 'PUT', path, {
      token,
      headers: uploadHeaders(CUSTOMERS_V1),
      body: CUSTOMERS_V1.gzip,
    });
    const two = await call(portal, 'PUT', path, {
      token,
      headers: uploadHeaders(CUSTOMERS_V1),
      body: CUSTOMERS_V1.gzip,
    });
    expect(two.status).toBe(200);
    expect(two.body).toEqual(one.body);
    const committed = await call(portal, 'POST', `/v1/publications/${opened.body.publicationId}/commit`, {
      token,
      json: { datasets: [{ name: 'customers', rows: 2, sha256: CUSTOMERS_V1.sha256 }] },
    });
    expect(committed.body.datasets).toHaveLength(1);
    expect(
      gunzipRows(
        Buffer.from(
          await (
            await request(`${portal.url}/v1/companies/ACME/data-manager/publication/datasets/customers`, {
              headers: { authorization: `Bearer ${token}` },
            })
          ).body.arrayBuffer(),
        ),
      ),
    ).toHaveLength(2);
  });

  it('answers 422 to a wrong SHA-256 or row count, refuses the commit, and keeps the previous publication', async () => {
    const portal = await startTestPortal();
    const token = await publisherToken(portal, 'data-manager');
    const first = await publishOverHttp(portal, token, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const path = `/v1/publications/${opened.body.publicationId}/datasets/customers`;

    const badSha = await call(portal, 'PUT', path, {
      token,
      headers: uploadHeaders({ rows: 1, sha256: sha256('tampered') }),
      body: CUSTOMERS_V2.gzip,
    });
    expectError(badSha, 422, 'sha256-mismatch');
    expect(badSha.body.error.message).toContain(CUSTOMERS_V2.sha256);
    expectError(
      await call(portal, 'PUT', path, {
        token,
        headers: uploadHeaders({ rows: 7, sha256: CUSTOMERS_V2.sha256 }),
        body: CUSTOMERS_V2.gzip,
      }),
      422,
      'rows-mismatch',
    );
    const corrupted = Buffer.from(CUSTOMERS_V2.gzip);
    corrupted[corrupted.length - 6] = (corrupted[corrupted.length - 6] ?? 0) ^ 0xff; // breaks the gzip CRC
    expectError(
      await call(portal, 'PUT', path, { token, headers: uploadHeaders(CUSTOMERS_V2), body: corrupted }),
      422,
      'invalid-gzip',
    );

    const commit = await call(portal, 'POST', `/v1/publications/${opened.body.publicationId}/commit`, {
      token,
      json: { datasets: [{ name: 'customers', rows: 1, sha256: CUSTOMERS_V2.sha256 }] },
    });
    expectError(commit, 422, 'commit-verification');
    expect(commit.body.error.message).toContain('"customers" was not uploaded');
    expect(
      (await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token })).body.publicationId,
    ).toBe(first.body.publicationId);
  });

  it('checks upload headers, body sizes, routes and methods', async () => {
    const portal = await startTestPortal({ limits: { jsonBodyBytes: 200 } });
    const token = await publisherToken(portal, 'data-manager');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const path = `/v1/publications/${opened.body.publicationId}/datasets/customers`;
    expectError(
      await call(portal, 'PUT', path, {
        token,
        headers: { ...uploadHeaders(CUSTOMERS_V1), 'content-encoding': 'identity' },
        body: CUSTOMERS_V1.ndjson,
      }),
      415,
      'unsupported-encoding',
    );
    expectError(
      await call(portal, 'PUT', path, { token, headers: { 'content-encoding': 'gzip' }, body: CUSTOMERS_V1.gzip }),
      400,
      'invalid-announcement',
    );
    expectError(
      await call(portal, 'PUT', `/v1/publications/${opened.body.publicationId}/datasets/bad..name`, {
        token,
        headers: uploadHeaders(CUSTOMERS_V1),
        body: CUSTOMERS_V1.gzip,
      }),
      400,
      'invalid-dataset-name',
    );
    expectError(
      await call(portal, 'PUT', '/v1/publications/20250101T000000Z-nothing/datasets/customers', {
        token,
        headers: uploadHeaders(CUSTOMERS_V1),
        body: CUSTOMERS_V1.gzip,
      }),
      404,
      'unknown-publication',
    );
    const bigCommit = {
      datasets: Array.from({ length: 5 }, (_, i) => ({ name: `t${i}`, rows: 0, sha256: sha256('') })),
    };
    expectError(
      await call(portal, 'POST', `/v1/publications/${opened.body.publicationId}/commit`, { token, json: bigCommit }),
      413,
      'body-too-large',
    );
    expectError(
      await call(portal, 'POST', `/v1/publications/${opened.body.publicationId}/commit`, {
        token,
        json: { datasets: [{ name: 'x', rows: -1, sha256: 'zz' }] },
      }),
      400,
      'invalid-body',
    );
    expectError(
      await call(portal, 'POST', '/v1/companies/acme/data-manager/publications', { token }),
      400,
      'invalid-company',
    );
    expectError(await call(portal, 'POST', '/v1/companies/ACME/mail/publications', { token }), 404, 'not-found');
    const wrongMethod = await call(portal, 'PATCH', '/v1/users', { token });
    expectError(wrongMethod, 405, 'method-not-allowed');
    expect(wrongMethod.headers['allow']).toBe('PUT');
    expectError(await call(portal, 'GET', '/v2/health'), 404, 'unsupported-version');
    expectError(await call(portal, 'GET', '/nothing-here'), 404, 'not-found');
  });

  it('aborts an open publication, and forbids touching another service’s publication', async () => {
    const portal = await startTestPortal();
    const token = await publisherToken(portal, 'data-manager');
    const mobileToken = await publisherToken(portal, 'business-mobile');
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', { token });
    const id = opened.body.publicationId as string;
    await call(portal, 'PUT', `/v1/publications/${id}/datasets/customers`, {
      token,
      headers: uploadHeaders(CUSTOMERS_V1),
      body: CUSTOMERS_V1.gzip,
    });
    expectError(await call(portal, 'DELETE', `/v1/publications/${id}`, { token: mobileToken }), 403, 'forbidden');
    expect((await call(portal, 'DELETE', `/v1/publications/${id}`, { token })).status).toBe(204);
    expect((await call(portal, 'DELETE', `/v1/publications/${id}`, { token })).status).toBe(204);
    expectError(
      await call(portal, 'POST', `/v1/publications/${id}/commit`, {
        token,
        json: { datasets: [{ name: 'customers', rows: 2, sha256: CUSTOMERS_V1.sha256 }] },
      }),
      404,
      'unknown-publication',
    );
    expectError(
      await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token }),
      404,
      'not-published',
    );
  });

  it('unpublishes a service and removes a company', async () => {
    const portal = await startTestPortal();
    const dm = await publisherToken(portal, 'data-manager');
    const bm = await publisherToken(portal, 'business-mobile');
    await publishOverHttp(portal, dm, 'ACME', 'data-manager', { customers: CUSTOMERS_V1 });
    await publishOverHttp(portal, dm, 'ACME', 'data-manager', { customers: CUSTOMERS_V2 });
    await publishOverHttp(portal, bm, 'ACME', 'business-mobile', {
      treasury: dataset([{ bank: 'BNP', balance: '10.000000' }]),
    });
    await publishOverHttp(portal, bm, 'BIJOU', 'business-mobile', {
      treasury: dataset([{ bank: 'LCL', balance: '5.000000' }]),
    });

    expectError(
      await call(portal, 'DELETE', '/v1/companies/ACME/data-manager/publication', { token: bm }),
      403,
      'forbidden',
    );
    expect((await call(portal, 'DELETE', '/v1/companies/ACME/data-manager/publication', { token: dm })).status).toBe(
      204,
    );
    expectError(
      await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token: dm }),
      404,
      'not-published',
    );
    expect((await call(portal, 'GET', '/v1/companies/ACME/business-mobile/publication', { token: bm })).status).toBe(
      200,
    );
    expect((await call(portal, 'DELETE', '/v1/companies/ACME/data-manager/publication', { token: dm })).status).toBe(
      204,
    );

    expect((await call(portal, 'DELETE', '/v1/companies/ACME', { token: bm })).status).toBe(204);
    expectError(
      await call(portal, 'GET', '/v1/companies/ACME/business-mobile/publication', { token: bm }),
      404,
      'not-published',
    );
    expect((await call(portal, 'GET', '/v1/companies/BIJOU/business-mobile/publication', { token: bm })).status).toBe(
      200,
    );
    expect((await call(portal, 'DELETE', '/v1/companies/ACME', { token: dm })).status).toBe(204);
  });

  it('publishes incrementally over HTTP and refuses a stale base with 409', async () => {
    const portal = await startTestPortal();
    const token = await publisherToken(portal, 'data-manager');
    const ledger = dataset([
      { cbMarq: 1, amount: '1.000000' },
      { cbMarq: 2, amount: '2.000000' },
    ]);
    const base = await publishOverHttp(portal, token, 'ACME', 'data-manager', { ledger });

    expectError(
      await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', {
        token,
        json: { mode: 'incremental' },
      }),
      400,
      'invalid-body',
    );
    const opened = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', {
      token,
      json: { mode: 'incremental', basePublicationId: base.body.publicationId },
    });
    expect(opened.status).toBe(201);
    const id = opened.body.publicationId as string;
    const upserts = dataset([{ cbMarq: 3, amount: '3.000000' }]);
    const deletions = dataset([{ cbMarq: 1 }]);
    expect(
      (
        await call(portal, 'PUT', `/v1/publications/${id}/datasets/ledger`, {
          token,
          headers: uploadHeaders(upserts),
          body: upserts.gzip,
        })
      ).status,
    ).toBe(200);
    const deleted = await call(portal, 'PUT', `/v1/publications/${id}/datasets/ledger/deletions`, {
      token,
      headers: uploadHeaders(deletions),
      body: deletions.gzip,
    });
    expect(deleted.body).toMatchObject({ part: 'deletions', rows: 1 });
    const committed = await call(portal, 'POST', `/v1/publications/${id}/commit`, {
      token,
      json: {
        datasets: [
          {
            name: 'ledger',
            rows: 1,
            sha256: upserts.sha256,
            keys: ['cbMarq'],
            deletions: { rows: 1, sha256: deletions.sha256 },
          },
        ],
      },
    });
    expect(committed.status, JSON.stringify(committed.body)).toBe(200);
    expectSchema('publication.response', committed.body);
    const expected = [
      { cbMarq: 2, amount: '2.000000' },
      { cbMarq: 3, amount: '3.000000' },
    ];
    expect(committed.body.datasets[0]).toMatchObject({
      name: 'ledger',
      rows: 2,
      sha256: dataset(expected).sha256,
      change: { upserts: 1, deletions: 1 },
    });

    const stale = await call(portal, 'POST', '/v1/companies/ACME/data-manager/publications', {
      token,
      json: { mode: 'incremental', basePublicationId: base.body.publicationId },
    });
    expectError(stale, 409, 'base-changed');
  });
});

describe('portal server: mobile users', () => {
  async function mobileSetup() {
    const portal = await startTestPortal();
    const bm = await publisherToken(portal, 'business-mobile');
    await publishOverHttp(
      portal,
      bm,
      'ACME',
      'business-mobile',
      {
        treasury: dataset([{ bank: 'BNP', balance: '1000.000000' }]),
        'top-customers': dataset([{ customer: 'Dupont', sales: '50000.000000' }]),
        'open-orders': dataset([{ order: 'BC001' }]),
      },
      { treasury: { title: 'Trésorerie' } },
    );
    await publishOverHttp(portal, bm, 'BIJOU', 'business-mobile', {
      treasury: dataset([{ bank: 'LCL', balance: '7.000000' }]),
    });
    const marieHash = await hashPassword('marie-pw', { cost: TEST_HASH_COST });
    const paulHash = await hashPassword('paul-pw', { cost: TEST_HASH_COST });
    const users = [
      {
        login: 'marie',
        name: 'Marie Durand',
        passwordHash: marieHash,
        views: { ACME: ['treasury', 'top-customers', 'stock-value'], BIJOU: 'all' },
      },
      { login: 'paul', name: 'Paul Petit', passwordHash: paulHash, views: { ACME: ['open-orders'] } },
    ];
    const pushed = await call(portal, 'PUT', '/v1/users', { token: bm, json: { users } });
    expect(pushed.status).toBe(200);
    expectSchema('users.response', pushed.body);
    expect(pushed.body).toEqual({ users: 2 });
    const login = (company: string, user: string, password: string) =>
      call(portal, 'POST', '/v1/mobile/login', { json: { company, login: user, password } });
    return { portal, bm, users, login };
  }

  it('logs a user in per company and shows exactly their published views', async () => {
    const { portal, login } = await mobileSetup();
    const reply = await login('acme', 'Marie', 'marie-pw');
    expect(reply.status).toBe(200);
    expectSchema('mobile-login.response', reply.body);
    expect(reply.body).toMatchObject({ company: 'ACME', login: 'marie', name: 'Marie Durand', tokenType: 'Bearer' });
    const token = reply.body.token as string;

    const views = await call(portal, 'GET', '/v1/mobile/views', { token });
    expect(views.status).toBe(200);
    expectSchema('mobile-views.response', views.body);
    // stock-value is permitted but not published; open-orders is published but not permitted.
    expect(views.body.views).toEqual([
      { id: 'top-customers', rows: 1, meta: {} },
      { id: 'treasury', rows: 1, meta: { title: 'Trésorerie' } },
    ]);

    const view = await call(portal, 'GET', '/v1/mobile/views/treasury', { token });
    expect(view.status).toBe(200);
    expectSchema('mobile-view.response', view.body);
    expect(view.body).toMatchObject({
      company: 'ACME',
      id: 'treasury',
      meta: { title: 'Trésorerie' },
      rows: [{ bank: 'BNP', balance: '1000.000000' }],
    });

    const zipped = await request(`${portal.url}/v1/mobile/views/top-customers`, {
      headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(Buffer.from(await zipped.body.arrayBuffer())).toString('utf8')).rows).toEqual([
      { customer: 'Dupont', sales: '50000.000000' },
    ]);

    expectError(await call(portal, 'GET', '/v1/mobile/views/stock-value', { token }), 404, 'view-not-published');
  });

  it('answers 403 to a view the user may not see, whatever the id, and never serves another company', async () => {
    const { portal, login } = await mobileSetup();
    const paul = (await login('ACME', 'paul', 'paul-pw')).body.token as string;
    for (const id of ['treasury', 'top-customers', 'no-such-view', '..%2F..%2Fusers', 'TREASURY']) {
      expectError(await call(portal, 'GET', `/v1/mobile/views/${id}`, { token: paul }), 403, 'forbidden');
    }
    expect((await call(portal, 'GET', '/v1/mobile/views/open-orders', { token: paul })).body.rows).toEqual([
      { order: 'BC001' },
    ]);

    // Marie's BIJOU token reads BIJOU's treasury, not ACME's, and cannot name another company.
    const marieBijou = (await login('BIJOU', 'marie', 'marie-pw')).body.token as string;
    const bijouTreasury = await call(portal, 'GET', '/v1/mobile/views/treasury', { token: marieBijou });
    expect(bijouTreasury.body).toMatchObject({ company: 'BIJOU', rows: [{ bank: 'LCL', balance: '7.000000' }] });
    expectError(
      await call(portal, 'GET', '/v1/mobile/views/top-customers', { token: marieBijou }),
      404,
      'view-not-published',
    );
    expect(
      (await call(portal, 'GET', '/v1/mobile/views/treasury?company=ACME', { token: marieBijou })).body.company,
    ).toBe('BIJOU');

    // Mobile tokens cannot use publisher routes, nor publisher tokens the mobile ones.
    expectError(
      await call(portal, 'GET', '/v1/companies/ACME/business-mobile/publication', { token: paul }),
      403,
      'forbidden',
    );
    const bm = await publisherToken(portal, 'business-mobile');
    expectError(await call(portal, 'GET', '/v1/mobile/views', { token: bm }), 403, 'forbidden');
  });

  it('refuses wrong logins identically whatever was wrong', async () => {
    const { login } = await mobileSetup();
    const replies = [
      await login('ACME', 'marie', 'wrong'),
      await login('ACME', 'nobody', 'marie-pw'),
      await login('NOPE', 'marie', 'marie-pw'),
      await login('BIJOU', 'paul', 'paul-pw'), // paul has no access to BIJOU
      await login('not a code!', 'marie', 'marie-pw'),
    ];
    for (const reply of replies) {
      expectError(reply, 401, 'invalid-credentials');
      expect(reply.body).toEqual(replies[0]!.body);
    }
  });

  it('applies pushed changes on the next read: permissions, password, removal', async () => {
    const { portal, bm, users, login } = await mobileSetup();
    const token = (await login('ACME', 'marie', 'marie-pw')).body.token as string;
    const paulToken = (await login('ACME', 'paul', 'paul-pw')).body.token as string;
    const [marie, paul] = users as [(typeof users)[0], (typeof users)[1]];

    await call(portal, 'PUT', '/v1/users', {
      token: bm,
      json: { users: [{ ...marie, views: { ACME: ['top-customers'] } }, paul] },
    });
    expectError(await call(portal, 'GET', '/v1/mobile/views/treasury', { token }), 403, 'forbidden');
    expect(
      (await call(portal, 'GET', '/v1/mobile/views', { token })).body.views.map((v: { id: string }) => v.id),
    ).toEqual(['top-customers']);

    const newHash = await hashPassword('new-pw', { cost: TEST_HASH_COST });
    await call(portal, 'PUT', '/v1/users', { token: bm, json: { users: [{ ...marie, passwordHash: newHash }] } });
    expectError(await call(portal, 'GET', '/v1/mobile/views', { token }), 401, 'unauthorized');
    expectError(await call(portal, 'GET', '/v1/mobile/views', { token: paulToken }), 401, 'unauthorized');
    expect((await login('ACME', 'marie', 'new-pw')).status).toBe(200);

    // Removing the company: views disappear for everyone.
    const fresh = (await login('ACME', 'marie', 'new-pw')).body.token as string;
    await call(portal, 'DELETE', '/v1/companies/ACME', { token: bm });
    expectError(await call(portal, 'GET', '/v1/mobile/views/treasury', { token: fresh }), 403, 'forbidden');
    expect((await call(portal, 'GET', '/v1/mobile/views', { token: fresh })).body).toEqual({
      company: 'ACME',
      publicationId: null,
      publishedAt: null,
      views: [],
    });
  });

  it('validates pushed users', async () => {
    const { portal, bm } = await mobileSetup();
    expectError(
      await call(portal, 'PUT', '/v1/users', {
        token: bm,
        json: { users: [{ login: 'x', name: 'X', passwordHash: 'plain', views: {} }] },
      }),
      400,
      'invalid-body',
    );
    const hash = await hashPassword('pw', { cost: TEST_HASH_COST });
    const duplicate = [
      { login: 'anna', name: 'A', passwordHash: hash, views: {} },
      { login: 'ANNA', name: 'B', passwordHash: hash, views: {} },
    ];
    expectError(
      await call(portal, 'PUT', '/v1/users', { token: bm, json: { users: duplicate } }),
      400,
      'duplicate-login',
    );
  });
});

describe('portal server: accounts hashed with the default cost', () => {
  it('verifies a publisher password hashed with the production parameters', async () => {
    const portal = await startTestPortal({
      accounts: {
        dataManager: [],
        businessMobile: [
          { customerNumber: BM_ACCOUNT.customerNumber, passwordHash: await hashPassword(BM_ACCOUNT.password) },
        ],
      },
    });
    expect((await call(portal, 'POST', '/v1/auth/business-mobile', { json: BM_ACCOUNT })).status).toBe(200);
  });
});

describe('portal server: outside the protocol', () => {
  it('hands other paths to the injected handler and reports its own failures without leaking them', async () => {
    const store = await tempStore();
    const entries: PortalLogEntry[] = [];
    const failing = Object.assign(Object.create(store) as PortalStore, {
      currentPublication: async () => {
        throw new Error('disk on fire at /secret/path');
      },
    });
    const portal = await startTestPortal({
      store: failing,
      log: (entry) => entries.push(entry),
      handleOtherRequest: (request, response) => {
        if (request.url !== '/dashboard') return false;
        response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>sbsync</h1>');
        return true;
      },
    });
    expect((await call(portal, 'GET', '/dashboard')).body).toBe('<h1>sbsync</h1>');
    expectError(await call(portal, 'GET', '/elsewhere'), 404, 'not-found');

    const token = await publisherToken(portal, 'data-manager');
    const reply = await call(portal, 'GET', '/v1/companies/ACME/data-manager/publication', { token });
    expectError(reply, 500, 'internal');
    expect(JSON.stringify(reply.body)).not.toContain('/secret/path');
    expect(entries.find((entry) => entry.event === 'request-failed')).toMatchObject({
      level: 'error',
      message: 'disk on fire at /secret/path',
      method: 'GET',
    });
  });
});
