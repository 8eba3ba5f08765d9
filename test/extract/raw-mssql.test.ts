/**
 * The SQL Server path of raw extraction, through the real mssql/tedious driver and the TDS test server:
 * the JSON of every row is built by the server (CONCAT of typed elements), amounts keep all their digits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { extractTable } from '../../src/extract/raw/extract.js';
import { commitState, loadState } from '../../src/extract/state/store.js';
import { chunkSql, mssqlRowJson, rawColumns } from '../../src/extract/raw/sql.js';
import type { SqlSource } from '../../src/extract/source.js';
import { createMssqlSource } from '../../src/extract/sources/mssql.js';
import { fixtureDirectory, testServerOptions } from '../support/tds/fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';

const fixtures = fixtureDirectory('sbsync-raw-tds-');
let server: TdsTestServer;
let source: SqlSource;
let file: string;

beforeAll(async () => {
  file = fixtures.sqlite('sage', (db) => {
    db.exec(`
      CREATE TABLE F_ECRITUREC (EC_No int NOT NULL, EC_Intitule varchar(35), EC_Montant "numeric text(24,6)",
        EC_Echeance datetime, cbEC_Piece varbinary(14), cbMarq int NOT NULL, cbModification datetime, "N° Dossier" varchar(69));
      INSERT INTO F_ECRITUREC VALUES
        (1, 'Réf "été" \\ €', '123456789012345678.123456', '2024-02-29 13:14:15', NULL, 1, '2024-03-01 10:00:00', 'D-1'),
        (2, NULL, '-0.000001', '1753-01-01 00:00:00', NULL, 2, '2024-03-01 10:05:00', NULL),
        (3, 'x', '-98765432109876.543210', NULL, NULL, 3, NULL, 'D-3');
    `);
  });
  server = await startTdsServer({ databases: { SAGE: file }, logins: { sbsync: 'pw' }, now: () => '2024-03-15 08:00:00' });
  source = await createMssqlSource(testServerOptions(server, 'SAGE'));
});

afterAll(async () => {
  await source?.close();
  await server?.stop();
  fixtures.remove();
});

describe('raw extraction over SQL Server (TDS test server)', () => {
  it('keeps every digit of 24,6 amounts and writes the same NDJSON as the SQLite path', async () => {
    const ex = await extractTable(source, 'F_ECRITUREC', { mode: 'full', chunkSize: 2 });
    expect(ex.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'EC_No:integer', 'EC_Intitule:text', 'EC_Montant:decimal', 'EC_Echeance:datetime', 'cbMarq:integer', 'cbModification:datetime', 'N° Dossier:text',
    ]);
    const lines: string[] = [];
    for await (const line of ex.lines) lines.push(line);
    expect(lines).toEqual([
      '[1,"Réf \\"été\\" \\\\ €","123456789012345678.123456","2024-02-29T13:14:15",1,"2024-03-01T10:00:00","D-1"]',
      '[2,null,"-0.000001",null,2,"2024-03-01T10:05:00",null]',
      '[3,"x","-98765432109876.543210",null,3,null,"D-3"]',
    ]);
    const result = await ex.finish();
    expect(result).toMatchObject({ rows: 3, keyCount: 3, watermark: '2024-03-01T10:05:00', lastKey: 3 });
  });

  it('runs an incremental extraction through the server: changed-rows range, new rows, deletions, nothing changed', async () => {
    const stateDir = join(fixtures.path, 'state');
    const full = await extractTable(source, 'F_ECRITUREC', { mode: 'full', stateDir, chunkSize: 2 });
    for await (const _ of full.blocks) {
      /* consumed */
    }
    await commitState((await full.finish()).pending!);

    const db = new Database(file);
    db.exec(`
      UPDATE F_ECRITUREC SET EC_Intitule = 'modifiée', cbModification = '2024-03-02 09:00:00' WHERE cbMarq = 1;
      DELETE FROM F_ECRITUREC WHERE cbMarq = 2;
      INSERT INTO F_ECRITUREC VALUES (4, 'nouvelle', '1.5', NULL, NULL, 4, NULL, NULL);
    `);
    db.close();
    const run = async () => {
      const ex = await extractTable(source, 'F_ECRITUREC', { mode: 'incremental', since: (await loadState(stateDir, 'F_ECRITUREC'))!, overlapSeconds: 0 });
      const lines: string[] = [];
      for await (const line of ex.lines) lines.push(line);
      const result = await ex.finish();
      const deleted: number[] = [];
      for await (const key of result.deletedKeys()) deleted.push(key);
      await commitState(result.pending!);
      return { mode: ex.mode, keys: lines.map((l) => (JSON.parse(l) as unknown[])[4]), deleted, keyCount: result.keyCount };
    };
    expect(await run()).toEqual({ mode: 'incremental', keys: [1, 4], deleted: [2], keyCount: 3 });
    expect(await run()).toEqual({ mode: 'incremental', keys: [], deleted: [], keyCount: 3 });
  });

  it('builds one CONCAT per row, nested past 250 arguments, with STRING_ESCAPE when available', () => {
    const many = rawColumns(Array.from({ length: 140 }, (_, i) => ({ name: `C${i}`, type: 'varchar', nullable: true })));
    const sql = mssqlRowJson(many, { stringEscape: true });
    expect(sql.startsWith('CONCAT(CONCAT(CAST(N')).toBe(true);
    expect(sql).toContain(`CASE WHEN [C0] IS NULL THEN 'null' ELSE CONCAT('"', STRING_ESCAPE([C0], 'json'), '"') END`);
    expect(sql).not.toMatch(/ \+ /);
    expect(chunkSql('mssql', 'F_ECRITUREC', many.slice(0, 1), 500, undefined)).toMatch(/^SELECT TOP \(500\) \[cbMarq\] AS k, .* WHERE \[cbMarq\] > @after ORDER BY \[cbMarq\]$/);
  });
});
