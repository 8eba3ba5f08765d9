/**
 * The views over SQL Server: the crafted company of test/fixtures/views/company.ts served by the TDS test
 * server, copied into a replica through the real mssql/tedious driver (what `publish` does for a SQL Server
 * company), gives every view exactly what the replica of the same SQLite file gives, digit for digit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW_IDS } from '../../src/extract/views/catalog.js';
import { computeViews } from '../../src/extract/views/index.js';
import type { SqlSource } from '../../src/sources/source.js';
import { viewsCompany } from '../fixtures/views/company.js';
import { serverReplica, sqliteReplica } from '../support/replica.js';
import { createSageFixture, createTempDir, type TempDir } from '../support/sage-fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';

const AS_OF = '2025-06-15';
let dir: TempDir;
let server: TdsTestServer;
let file: string;
const opened: SqlSource[] = [];

beforeAll(async () => {
  dir = createTempDir('sbsync-views-tds-');
  file = createSageFixture(dir.file('company.sqlite'), viewsCompany(), {
    extraColumns: { F_DOCLIGNE: ['"Réf. chantier N°" varchar(35)'], F_ECRITUREC: ['"Code analytique à vérifier" varchar(13)'] },
  });
  server = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' } });
});

afterAll(async () => {
  for (const source of opened) await source.close();
  await server?.stop();
  dir?.remove();
});

describe('views of a SQL Server company (TDS test server)', () => {
  it('are computed from its replica and equal those of the same data read from SQLite', async () => {
    const fromServer = await serverReplica(server, 'SAGE', { dataDirectory: dir.file('server') });
    opened.push(fromServer);
    const fromFile = await sqliteReplica(file, { dataDirectory: dir.file('file') });
    opened.push(fromFile);
    const views = await computeViews(fromServer, VIEW_IDS, { asOf: AS_OF });
    expect(views).toEqual(await computeViews(fromFile, VIEW_IDS, { asOf: AS_OF }));
    // A few of the hand-computed truths of views.test.ts, through SQL Server.
    const data = (id: string) => views.find((v) => v.id === id)?.data as Record<string, unknown>;
    expect(data('revenue-by-month').yearToDate).toEqual({ current: '1714.456789', previous: '1200.000000', change: '514.456789', changePercent: '42.9' });
    expect((data('top-items').rows as Array<{ margin: string }>).map((r) => r.margin)).toEqual(['473.456789', '100.000000', '60.000000', '0.500000']);
    expect(data('stock-value').total).toEqual({ quantity: '112.500000', value: '1275.123456', items: 5 });
  });
});
