/**
 * The SQL Server path of raw extraction, end to end: a table of the TDS test server copied into a replica
 * through the real mssql/tedious driver (the simple reads the replica sends), then extracted from the replica.
 * Amounts keep every digit the replica can hold; incremental extraction sees the server's changes through
 * the next sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { extractTable } from '../../src/extract/raw/extract.js';
import { commitState, loadState } from '../../src/extract/state/store.js';
import { openReplicaSource } from '../../src/sources/sqlite.js';
import { syncServerReplica } from '../support/replica.js';
import { fixtureDirectory } from '../support/tds/fixture.js';
import { startTdsServer, type TdsTestServer } from '../support/tds/server.js';

const fixtures = fixtureDirectory('sbsync-raw-tds-');
let server: TdsTestServer;
let file: string;
let tooLarge: string;

const TABLE = `CREATE TABLE F_ECRITUREC (EC_No int NOT NULL, EC_Intitule varchar(35), EC_Montant "numeric text(24,6)",
  EC_Echeance datetime, cbEC_Piece varbinary(14), cbMarq int NOT NULL, cbModification datetime, "N° Dossier" varchar(69))`;

beforeAll(async () => {
  file = fixtures.sqlite('sage', (db) => {
    db.exec(`${TABLE};
      INSERT INTO F_ECRITUREC VALUES
        (1, 'Réf "été" \\ €', '9223372036854.775807', '2024-02-29 13:14:15', NULL, 1, '2024-03-01 10:00:00', 'D-1'),
        (2, NULL, '-0.000001', '1753-01-01 00:00:00', NULL, 2, '2024-03-01 10:05:00', NULL),
        (3, 'x', '-9223372036854.775808', NULL, NULL, 3, NULL, 'D-3'),
        (4, 'y', '-0.05', NULL, NULL, 4, NULL, NULL);
    `);
  });
  tooLarge = fixtures.sqlite('large', (db) => {
    db.exec(`${TABLE}; INSERT INTO F_ECRITUREC VALUES (1, 'z', '123456789012345678.123456', NULL, NULL, 1, NULL, NULL);`);
  });
  server = await startTdsServer({ databases: { SAGE: file, LARGE: tooLarge }, logins: { sbsync: 'pw' }, now: () => '2024-03-15 08:00:00' });
});

afterAll(async () => {
  await server?.stop();
  fixtures.remove();
});

const dataDirectory = () => join(fixtures.path, 'data');
const sync = () => syncServerReplica(server, 'SAGE', { dataDirectory: dataDirectory(), tables: ['F_ECRITUREC'] });

describe('raw extraction of a SQL Server table (TDS test server → replica)', () => {
  it('keeps every digit of the amounts and writes typed NDJSON, without the replica bookkeeping', async () => {
    const source = openReplicaSource((await sync()).path);
    try {
      const ex = await extractTable(source, 'F_ECRITUREC', { mode: 'full', chunkSize: 2 });
      expect(ex.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'EC_No:integer', 'EC_Intitule:text', 'EC_Montant:decimal', 'EC_Echeance:datetime', 'cbMarq:integer', 'cbModification:datetime', 'N° Dossier:text',
      ]);
      const lines: string[] = [];
      for await (const line of ex.lines) lines.push(line);
      expect(lines).toEqual([
        '[1,"Réf \\"été\\" \\\\ €","9223372036854.775807","2024-02-29T13:14:15",1,"2024-03-01T10:00:00","D-1"]',
        '[2,null,"-0.000001",null,2,"2024-03-01T10:05:00",null]',
        '[3,"x","-9223372036854.775808",null,3,null,"D-3"]',
        '[4,"y","-0.050000",null,4,null,null]',
      ]);
      expect(await ex.finish()).toMatchObject({ rows: 4, keyCount: 4, replicaGeneration: 1, lastKey: 4 });
    } finally {
      await source.close();
    }
  });

  it('stops the sync with a clear error on an amount the replica cannot hold exactly', async () => {
    await expect(syncServerReplica(server, 'LARGE', { dataDirectory: join(fixtures.path, 'large'), tables: ['F_ECRITUREC'] })).rejects.toThrow(
      /F_ECRITUREC\.EC_Montant \(cbMarq 1\) holds 123456789012345678\.123456, which is too large for the replica/,
    );
  });

  it('runs an incremental extraction on the replica after the server changed: changed rows, new rows, deletions, nothing changed', async () => {
    const stateDir = join(fixtures.path, 'state');
    const extract = async (incremental: boolean) => {
      const source = openReplicaSource((await sync()).path);
      try {
        const since = incremental ? await loadState(stateDir, 'F_ECRITUREC') : undefined;
        const ex = await extractTable(source, 'F_ECRITUREC', since ? { mode: 'incremental', since } : { mode: 'full', stateDir, chunkSize: 2 });
        const lines: string[] = [];
        for await (const line of ex.lines) lines.push(line);
        const result = await ex.finish();
        const deleted: number[] = [];
        for await (const key of result.deletedKeys()) deleted.push(key);
        await commitState(result.pending!);
        return { mode: ex.mode, keys: lines.map((l) => (JSON.parse(l) as unknown[])[4]), deleted, keyCount: result.keyCount };
      } finally {
        await source.close();
      }
    };
    expect(await extract(false)).toMatchObject({ mode: 'full', keyCount: 4 });

    const db = new Database(file);
    db.exec(`
      UPDATE F_ECRITUREC SET EC_Intitule = 'modifiée', cbModification = '2024-03-02 09:00:00' WHERE cbMarq = 1;
      DELETE FROM F_ECRITUREC WHERE cbMarq = 2;
      INSERT INTO F_ECRITUREC VALUES (5, 'nouvelle', '1.5', NULL, NULL, 5, NULL, NULL);
    `);
    db.close();
    expect(await extract(true)).toEqual({ mode: 'incremental', keys: [1, 5], deleted: [2], keyCount: 4 });
    expect(await extract(true)).toEqual({ mode: 'incremental', keys: [], deleted: [], keyCount: 4 });
  });
});
