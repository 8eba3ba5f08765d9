/**
 * Wall-clock datetimes under a time zone with daylight saving time. This file runs in its own
 * worker process, so setting TZ here affects only it (Node applies a TZ change at once).
 */
import sql from 'mssql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SqlSource } from '../../src/sources/source.js';
import { createMssqlSource } from '../../src/sources/mssql.js';
import { collect, fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { type TdsTestServer, startTdsServer } from '../support/tds/server.js';

const previousTimeZone = process.env.TZ;
process.env.TZ = 'Europe/Paris';

const fixtures = fixtureDirectory();
let server: TdsTestServer;
let source: SqlSource;

beforeAll(async () => {
  const file = fixtures.sqlite('paris', (db) => {
    db.exec(`
      CREATE TABLE F_ECRITUREC (EC_No int NOT NULL, cbModification datetime, cbMinute smalldatetime);
      INSERT INTO F_ECRITUREC VALUES
        (1, '2024-03-31 02:30:00', '2024-03-31 02:30:00'),     -- does not exist in Paris (clocks jump 02:00 → 03:00)
        (2, '2024-10-27 02:30:00.500', '2024-10-27 02:30:00'), -- exists twice in Paris (03:00 → 02:00)
        (3, '2024-03-31 01:59:59.997', '2024-03-31 01:59:00'),
        (4, '2024-07-14 00:00:00', '2024-07-14 00:00:00');
    `);
  });
  server = await startTdsServer({ databases: { PARIS: file }, logins: { sbsync: 'pw' } });
  source = await createMssqlSource(testServerOptions(server, 'PARIS'));
});

afterAll(async () => {
  await source?.close();
  await server?.stop();
  fixtures.remove();
  if (previousTimeZone === undefined) delete process.env.TZ;
  else process.env.TZ = previousTimeZone;
});

test('this process really is in Paris time, where 2024-03-31 02:30 does not exist', () => {
  const inTheGap = new Date(2024, 2, 31, 2, 30);
  expect(inTheGap.getHours()).toBe(3);
  expect(new Date(2024, 6, 14).getTimezoneOffset()).toBe(-120);
});

test('datetimes read back exactly, including a DST-gap and a DST-overlap time', async () => {
  const rows = await collect(source.query('SELECT EC_No, cbModification, cbMinute FROM F_ECRITUREC ORDER BY EC_No'));
  expect(rows).toEqual([
    { EC_No: 1, cbModification: '2024-03-31T02:30:00.000', cbMinute: '2024-03-31T02:30:00.000' },
    { EC_No: 2, cbModification: '2024-10-27T02:30:00.500', cbMinute: '2024-10-27T02:30:00.000' },
    { EC_No: 3, cbModification: '2024-03-31T01:59:59.997', cbMinute: '2024-03-31T01:59:00.000' },
    { EC_No: 4, cbModification: '2024-07-14T00:00:00.000', cbMinute: '2024-07-14T00:00:00.000' },
  ]);
});

test('a DST-gap datetime parameter reaches the server unshifted and finds its row', async () => {
  const rows = await collect(
    source.query('SELECT EC_No FROM F_ECRITUREC WHERE cbModification = @at', { at: { type: 'datetime', value: '2024-03-31T02:30:00' } }),
  );
  expect(server.queries.at(-1)?.parameters).toEqual([{ name: '@at', type: 'datetime', value: '2024-03-31 02:30:00' }]);
  expect(rows).toEqual([{ EC_No: 1 }]);
  const sameDay = await collect(
    source.query('SELECT EC_No FROM F_ECRITUREC WHERE cbModification >= @day AND cbModification < DATEADD(day, 1, @day) ORDER BY EC_No', {
      day: { type: 'date', value: '2024-03-31' },
    }),
  );
  expect(server.queries.at(-1)?.parameters).toEqual([{ name: '@day', type: 'date', value: '2024-03-31 00:00:00' }]);
  expect(sameDay).toEqual([{ EC_No: 1 }, { EC_No: 3 }]);
});

test('why useUTC is on: with useUTC:false the driver shifts the DST-gap value by an hour', async () => {
  const pool = new sql.ConnectionPool({
    server: server.host,
    port: server.port,
    database: 'PARIS',
    user: 'sbsync',
    password: 'pw',
    options: { encrypt: false, useUTC: false },
  });
  await pool.connect();
  try {
    const result = await pool.request().query('SELECT cbModification FROM F_ECRITUREC WHERE EC_No = 1');
    const value = result.recordset[0].cbModification as Date;
    expect([value.getHours(), value.getMinutes()]).toEqual([3, 30]);
  } finally {
    await pool.close();
  }
});
