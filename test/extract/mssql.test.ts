/**
 * The SQL Server source through the real mssql/tedious driver, against the TDS test server.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthError, ConfigError, SourceError } from '../../src/errors.js';
import type { SqlSource } from '../../src/sources/source.js';
import { type MssqlSourceOptions, createMssqlSource, mssqlLabel } from '../../src/sources/mssql.js';
import { startSqlBrowser } from '../support/tds/browser.js';
import { collect, fixtureDirectory } from '../support/tds/fixture.js';
import { type TdsTestServer, startTdsServer } from '../support/tds/server.js';
import { selfSignedCertificate } from '../support/tds/tls.js';

const PASSWORD = 'S3cret-Sage!';
const BIG_ROWS = 200_000;

const fixtures = fixtureDirectory();
let sageFile: string;
let server: TdsTestServer;
let options: MssqlSourceOptions;
let source: SqlSource;

beforeAll(async () => {
  sageFile = fixtures.sqlite('sage', (db) => {
    db.exec(`
      CREATE TABLE amounts (id int NOT NULL, amount "numeric text(24,6)", small "numeric text(10,2)");
      INSERT INTO amounts VALUES (1, '123456789012345678.123456', '12.50'), (2, '-0.000001', '-0.01'), (3, '0.000000', '0.00'), (4, NULL, NULL);
      CREATE TABLE moments (id int NOT NULL, at datetime, at_minute smalldatetime, day date, precise "datetime2(3)");
      INSERT INTO moments VALUES
        (1, '2024-02-29 13:14:15.123', '2024-02-29 13:14:00', '2024-02-29', '2024-02-29 13:14:15.123'),
        (2, '1900-01-01 00:00:00', '1900-01-01 00:00:00', '1753-01-01', '0001-01-01 00:00:00'),
        (3, '2024-12-31 23:59:59.997', '2079-06-06 23:59:00', '9999-12-31', '9999-12-31 23:59:59.999'),
        (4, NULL, NULL, NULL, NULL);
      CREATE TABLE F_COMPTET (CT_Num varchar(17) NOT NULL, CT_Intitule varchar(69), "N° Dossier" varchar(20), CT_Encours "numeric text(24,6)",
        cbMarq int NOT NULL, cbModification datetime);
      INSERT INTO F_COMPTET VALUES ('CARAT', 'Carat SARL — bijoux €', 'D-01', '1500.000000', 1, '2024-03-01 10:00:00'),
                                   ('BIJOU', 'Bijou SA', NULL, '0.000000', 2, '2024-03-02 11:30:00');
      CREATE TABLE big (id int NOT NULL, label varchar(120), amount "numeric text(24,6)");
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG_ROWS})
        INSERT INTO big SELECT i, printf('Écriture %06d — facture client F%08d, règlement par virement SEPA', i, i),
                               printf('%d.%06d', i * 37, i % 1000000) FROM n;
    `);
  });
  server = await startTdsServer({
    databases: { SAGE_BIJOU: sageFile },
    logins: { sbsync: PASSWORD },
    windowsAccounts: { 'SAGEDOM\\compta': PASSWORD },
    delay: (sql) => (sql.includes('/* slow */') ? 'forever' : undefined),
  });
  options = {
    server: server.host,
    port: server.port,
    database: 'SAGE_BIJOU',
    authentication: 'sql',
    user: 'sbsync',
    password: PASSWORD,
    encrypt: false,
    trustServerCertificate: false,
    // Generous: other suites may load the machine; the timeout test uses its own source.
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
  };
  source = await createMssqlSource(options);
});

afterAll(async () => {
  await source?.close();
  await server?.stop();
  fixtures.remove();
});

/** Runs `attempt` and returns what it threw (failing the test when it did not throw). */
async function failure(attempt: () => Promise<unknown>): Promise<Error> {
  try {
    await attempt();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('streaming', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapUsed = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };

  /** Waits until the server stops sending (blocked by backpressure) and tells how far ahead of the consumer it is. */
  async function serverLead(sentBefore: number, consumed: number): Promise<{ ahead: number; stalled: boolean }> {
    let ahead = server.stats.rowsSent - sentBefore - consumed;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      await sleep(50);
      const now = server.stats.rowsSent - sentBefore - consumed;
      if (now === ahead) return { ahead, stalled: true };
      ahead = now;
    }
    return { ahead, stalled: false };
  }

  test('streams 200,000 rows with backpressure: the server waits for the consumer and the heap stays flat', async () => {
    const sentBefore = server.stats.rowsSent;
    const heapBefore = heapUsed();
    const checkpoints: Array<{ consumed: number; ahead: number; stalled: boolean }> = [];
    let heapGrowth = 0;
    let consumed = 0;
    let checksum = 0;
    for await (const row of source.query('SELECT id, label, CAST(amount AS varchar(40)) AS amount FROM big')) {
      consumed += 1;
      checksum += Number(row.id);
      if (consumed === 1) expect(row).toEqual({ id: 1, label: 'Écriture 000001 — facture client F00000001, règlement par virement SEPA', amount: '37.000001' });
      if (consumed % 40_000 === 20_000) {
        checkpoints.push({ consumed, ...(await serverLead(sentBefore, consumed)) });
        heapGrowth = Math.max(heapGrowth, heapUsed() - heapBefore);
      }
    }
    expect(consumed).toBe(BIG_ROWS);
    expect(checksum).toBe((BIG_ROWS * (BIG_ROWS + 1)) / 2);
    // Each time the consumer paused, the server stopped after a bounded lead (socket buffers and
    // the driver's read-ahead, a few MB) with the rest of the result still unsent.
    for (const checkpoint of checkpoints.filter((point) => point.consumed <= 60_000)) {
      expect(checkpoint.stalled).toBe(true);
      expect(checkpoint.ahead).toBeGreaterThan(0);
      expect(checkpoint.ahead).toBeLessThan(BIG_ROWS - checkpoint.consumed);
    }
    // The client side holds almost nothing: the whole result kept in memory would take about 55 MB.
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024);
  }, 120_000);

  test('breaking out of the loop cancels the query on the server and leaves the source usable', async () => {
    const sentBefore = server.stats.rowsSent;
    const attentionsBefore = server.stats.attentions;
    let consumed = 0;
    for await (const row of source.query('SELECT id, label FROM big')) {
      consumed += 1;
      if (row.id === 1_000) break;
    }
    expect(consumed).toBe(1_000);
    expect(server.stats.attentions).toBe(attentionsBefore + 1);
    await sleep(200);
    expect(server.stats.rowsSent - sentBefore).toBeLessThan(BIG_ROWS / 2);
    expect(await collect(source.query('SELECT COUNT(*) AS n FROM big'))).toEqual([{ n: BIG_ROWS }]);
  }, 60_000);

  test('a failure in the consumer also cancels the query', async () => {
    const attentionsBefore = server.stats.attentions;
    const error = await failure(async () => {
      for await (const row of source.query('SELECT id FROM big')) {
        if (row.id === 10) throw new Error('consumer failed');
      }
    });
    expect(error.message).toBe('consumer failed');
    expect(server.stats.attentions).toBe(attentionsBefore + 1);
  });

  test('a statement longer than one packet (multi-packet request) arrives whole', async () => {
    const ids = Array.from({ length: 2_000 }, (_, index) => index + 1);
    const sql = `SELECT COUNT(*) AS n FROM big WHERE id IN (${ids.join(', ')})`;
    expect(sql.length).toBeGreaterThan(8_000);
    expect(await collect(source.query(sql))).toEqual([{ n: 2_000 }]);
    expect(server.queries.at(-1)?.sql).toBe(sql);
  });
});

describe('values', () => {
  test('decimals cast to text in SQL keep every digit', async () => {
    const rows = await collect(
      source.query('SELECT id, CAST(amount AS varchar(40)) AS amount, CONVERT(varchar(40), small) AS small FROM amounts ORDER BY id'),
    );
    expect(rows).toEqual([
      { id: 1, amount: '123456789012345678.123456', small: '12.50' },
      { id: 2, amount: '-0.000001', small: '-0.01' },
      { id: 3, amount: '0.000000', small: '0.00' },
      { id: 4, amount: null, small: null },
    ]);
  });

  test('a decimal column read without a cast is refused before its first row, with the fix', async () => {
    const seen: unknown[] = [];
    const error = await failure(async () => {
      for await (const row of source.query('SELECT id, amount FROM amounts ORDER BY id')) seen.push(row);
    });
    expect(seen).toEqual([]);
    expect(error.message).toBe(
      'Column "amount" is numeric(24,6): the driver would read it as a floating-point number and lose digits. ' +
        'Select it as text instead, e.g. CAST(amount AS varchar(40)).',
    );
    // Even a small precision is refused: one rule for every decimal column, on both engines.
    await expect(collect(source.query('SELECT small FROM amounts'))).rejects.toThrow(/"small" is numeric\(10,2\)/);
    expect(await collect(source.query('SELECT COUNT(*) AS n FROM amounts'))).toEqual([{ n: 4 }]);
  });

  test('datetimes come out as wall-clock strings, dates as YYYY-MM-DD, NULL as null', async () => {
    const rows = await collect(source.query('SELECT id, at, at_minute, day, precise FROM moments ORDER BY id'));
    expect(rows).toEqual([
      { id: 1, at: '2024-02-29T13:14:15.123', at_minute: '2024-02-29T13:14:00.000', day: '2024-02-29', precise: '2024-02-29T13:14:15.123' },
      { id: 2, at: '1900-01-01T00:00:00.000', at_minute: '1900-01-01T00:00:00.000', day: '1753-01-01', precise: '0001-01-01T00:00:00.000' },
      { id: 3, at: '2024-12-31T23:59:59.997', at_minute: '2079-06-06T23:59:00.000', day: '9999-12-31', precise: '9999-12-31T23:59:59.999' },
      { id: 4, at: null, at_minute: null, day: null, precise: null },
    ]);
  });

  test('integers stay numbers, bigint beyond 2^53 becomes a bigint, text keeps its accents', async () => {
    const rows = await collect(
      source.query(`SELECT CAST(9007199254740993 AS bigint) AS huge, CAST(42 AS bigint) AS small, CT_Intitule AS name FROM F_COMPTET WHERE CT_Num = 'CARAT'`),
    );
    expect(rows).toEqual([{ huge: 9007199254740993n, small: 42, name: 'Carat SARL — bijoux €' }]);
  });

  test('two columns with the same name are refused', async () => {
    await expect(collect(source.query('SELECT CT_Num, CT_Num FROM F_COMPTET'))).rejects.toThrow(
      'The query returns two columns named "CT_Num": give each column its own alias.',
    );
  });
});

describe('parameters', () => {
  test('every parameter type reaches the server with its SQL Server type and exact value', async () => {
    const rows = await collect(
      source.query(
        `SELECT @count AS count, @marq AS marq, CAST(@amount AS varchar(40)) AS amount, CAST(@tiny AS varchar(40)) AS tiny,
                CAST(@zero AS varchar(40)) AS zero, @label AS label, @since AS since, @day AS day, @active AS active, @missing AS missing`,
        {
          count: { type: 'int', value: -2_147_483_648 },
          marq: { type: 'bigint', value: 9_007_199_254_740_993n },
          amount: { type: 'decimal', value: '123456789012345678.123456' },
          tiny: { type: 'decimal', value: '-0.000001' },
          zero: { type: 'decimal', value: 0 },
          label: { type: 'text', value: 'Société Générale — 100 € ✓' },
          since: { type: 'datetime', value: '2024-02-29T13:14:15.123' },
          day: { type: 'date', value: '2024-02-29' },
          active: { type: 'bit', value: true },
          missing: { type: 'text', value: null },
        },
      ),
    );
    const received = server.queries.at(-1)!.parameters.map(({ name, type, value }) => ({ name, type, value }));
    expect(received).toEqual([
      { name: '@count', type: 'int', value: -2_147_483_648 },
      { name: '@marq', type: 'bigint', value: 9_007_199_254_740_993n },
      { name: '@amount', type: 'decimal(24,6)', value: '123456789012345678.123456' },
      { name: '@tiny', type: 'decimal(24,6)', value: '-0.000001' },
      { name: '@zero', type: 'decimal(24,6)', value: '0.000000' },
      { name: '@label', type: 'nvarchar(4000)', value: 'Société Générale — 100 € ✓' },
      { name: '@since', type: 'datetime', value: '2024-02-29 13:14:15.123' },
      { name: '@day', type: 'date', value: '2024-02-29 00:00:00' },
      { name: '@active', type: 'bit', value: 1 },
      { name: '@missing', type: 'nvarchar(4000)', value: null },
    ]);
    // The test server hands parameters back as SQLite holds them (datetimes as text).
    expect(rows).toEqual([
      {
        count: -2_147_483_648,
        marq: 9_007_199_254_740_993n,
        amount: '123456789012345678.123456',
        tiny: '-0.000001',
        zero: '0.000000',
        label: 'Société Générale — 100 € ✓',
        since: '2024-02-29 13:14:15.123',
        day: '2024-02-29 00:00:00',
        active: 1,
        missing: null,
      },
    ]);
  });

  test('a datetime parameter selects the rows stamped with that exact wall-clock time', async () => {
    const rows = await collect(
      source.query('SELECT CT_Num FROM F_COMPTET WHERE cbModification >= @since ORDER BY cbMarq', {
        since: { type: 'datetime', value: '2024-03-02 11:30:00' },
      }),
    );
    expect(rows).toEqual([{ CT_Num: 'BIJOU' }]);
  });

  test('a parameter that cannot keep its value fails before anything is sent', async () => {
    const queriesBefore = server.queries.length;
    await expect(collect(source.query('SELECT @x AS x', { x: { type: 'decimal', value: '1.1234567' } }))).rejects.toThrow(
      'Parameter @x is not a decimal that fits numeric(24,6): "1.1234567".',
    );
    await expect(collect(source.query('SELECT @x AS x', { x: { type: 'decimal', value: '1234567890123456789' } }))).rejects.toThrow(/numeric\(24,6\)/);
    await expect(collect(source.query('SELECT @x AS x', { x: { type: 'datetime', value: '2024-03-31T02:30:00Z' } }))).rejects.toThrow(
      /must be a wall-clock date .* without a time zone/,
    );
    await expect(collect(source.query('SELECT @x AS x', { x: { type: 'int', value: 2 ** 31 } }))).rejects.toThrow(/32-bit integer/);
    expect(server.queries.length).toBe(queriesBefore);
  });
});

describe('columns', () => {
  test('lists a table’s columns in physical order with their SQL Server types', async () => {
    const expected = [
      { name: 'CT_Num', type: 'varchar', nullable: false },
      { name: 'CT_Intitule', type: 'varchar', nullable: true },
      { name: 'N° Dossier', type: 'varchar', nullable: true },
      { name: 'CT_Encours', type: 'numeric', nullable: true },
      { name: 'cbMarq', type: 'int', nullable: false },
      { name: 'cbModification', type: 'datetime', nullable: true },
    ];
    expect(await source.columns('F_COMPTET')).toEqual(expected);
    expect(await source.columns('[dbo].[F_COMPTET]')).toEqual(expected);
    expect(await source.columns('F_NOTHING')).toEqual([]);
  });
});

describe('errors', () => {
  test('bad SQL is a SourceError carrying the server’s message and number', async () => {
    const error = await failure(() => collect(source.query('SELECT CT_Nope FROM F_COMPTET')));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(
      `SQL Server ${server.host}:${server.port}/SAGE_BIJOU rejected a query (error 207): Invalid column name 'CT_Nope'. Query: SELECT CT_Nope FROM F_COMPTET`,
    );
    const missingTable = await failure(() => collect(source.query('SELECT * FROM F_NOTHING')));
    expect(missingTable.message).toContain("(error 208): Invalid object name 'F_NOTHING'.");
  });

  test('a query the server does not answer in time fails with the timeout and the setting to raise', async () => {
    const impatient = await createMssqlSource({ ...options, requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      const error = await failure(() => collect(impatient.query('SELECT 1 AS n /* slow */')));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error).toBeInstanceOf(SourceError);
      expect(error.message).toBe(`A query on ${server.host}:${server.port}/SAGE_BIJOU did not complete within 0.3 s: SELECT 1 AS n /* slow */`);
      expect((error as SourceError).hint).toContain('database.requestTimeoutSeconds');
      // The connection survives the cancelled query.
      expect(await collect(impatient.query('SELECT 2 AS n'))).toEqual([{ n: 2 }]);
    } finally {
      await impatient.close();
    }
  });

  test('a refused login is an AuthError naming server, database and user, never the password', async () => {
    const error = await failure(() => createMssqlSource({ ...options, password: 'not-the-password' }));
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).exitCode).toBe(4);
    expect(error.message).toBe(`SQL Server ${server.host}:${server.port} refused the login of user "sbsync" to database "SAGE_BIJOU".`);
    expect((error as AuthError).hint).toContain('database.user');
    expect(inspect(error, { depth: 10 })).not.toContain('not-the-password');
  });

  test('an unknown database is a SourceError naming it (not a login refusal, although tedious says so)', async () => {
    const error = await failure(() => createMssqlSource({ ...options, database: 'SAGE_NOPE' }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(`Database "SAGE_NOPE" does not exist on SQL Server ${server.host}:${server.port}, or user "sbsync" may not open it.`);
    expect((error.cause as Error).message).toBe("Login failed for user 'sbsync'.");
  });

  test('a closed port is a SourceError naming host and port and what to check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(() => createMssqlSource({ ...options, port }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(`Could not connect to SQL Server 127.0.0.1:${port}: the connection was refused.`);
    expect((error as SourceError).hint).toContain(`TCP port ${port}`);
    expect((error as SourceError).hint).toContain('TCP/IP is enabled');
  });

  test('a server that accepts but never answers fails after the connect timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => void sockets.add(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const error = await failure(() => createMssqlSource({ ...options, port, connectTimeoutMs: 400 }));
      expect(error).toBeInstanceOf(SourceError);
      expect(error.message).toBe(`SQL Server 127.0.0.1:${port} did not answer within 0.4 s.`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('an unknown host name fails with the name lookup', async () => {
    const error = await failure(() => createMssqlSource({ ...options, server: 'sage-sql.invalid' }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toMatch(/^Could not find the SQL Server host "sage-sql.invalid" \(name lookup failed\)\.$|did not answer within/);
  });

  test('a connection lost in the middle of a result is a SourceError saying so', async () => {
    const fragile = await startTdsServer({ databases: { SAGE_BIJOU: sageFile }, logins: { sbsync: PASSWORD } });
    const doomed = await createMssqlSource({ ...options, port: fragile.port });
    try {
      let consumed = 0;
      const error = await failure(async () => {
        for await (const _row of doomed.query('SELECT id, label FROM big')) {
          consumed += 1;
          if (consumed === 10) await fragile.stop();
        }
      });
      expect(consumed).toBeLessThan(BIG_ROWS);
      expect(error).toBeInstanceOf(SourceError);
      expect(error.message).toMatch(new RegExp(`^Lost the connection to 127\\.0\\.0\\.1:${fragile.port}/SAGE_BIJOU during a query: `));
    } finally {
      await doomed.close();
      await fragile.stop();
    }
  }, 60_000);

  test('missing credentials are a configuration error', async () => {
    await expect(createMssqlSource({ ...options, user: undefined })).rejects.toBeInstanceOf(ConfigError);
    await expect(createMssqlSource({ ...options, password: undefined })).rejects.toThrow('database.password is required for user "sbsync".');
  });
});

describe('connection', () => {
  test('the label shows server, instance, port and database', () => {
    expect(source.label).toBe(`${server.host}:${server.port}/SAGE_BIJOU`);
    expect(mssqlLabel({ server: 'SRV-SAGE\\SAGE100', database: 'BIJOU' })).toBe('SRV-SAGE\\SAGE100/BIJOU');
    expect(mssqlLabel({ server: 'SRV-SAGE\\SAGE100', port: 1433, database: 'BIJOU' })).toBe('SRV-SAGE\\SAGE100:1433/BIJOU');
    expect(mssqlLabel({ server: 'SRV-SAGE', database: 'BIJOU' })).toBe('SRV-SAGE/BIJOU');
  });

  test('Windows (NTLM) authentication, with the domain apart or as DOMAIN\\user', async () => {
    for (const credentials of [
      { domain: 'SAGEDOM', user: 'compta' },
      { domain: undefined, user: 'SAGEDOM\\compta' },
    ]) {
      const windows = await createMssqlSource({ ...options, authentication: 'ntlm', ...credentials });
      try {
        expect(await collect(windows.query('SELECT COUNT(*) AS n FROM F_COMPTET'))).toEqual([{ n: 2 }]);
      } finally {
        await windows.close();
      }
    }
    const error = await failure(() => createMssqlSource({ ...options, authentication: 'ntlm', domain: 'SAGEDOM', user: 'compta', password: 'wrong' }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toBe(`SQL Server ${server.host}:${server.port} refused the login of user "SAGEDOM\\compta" to database "SAGE_BIJOU".`);
    expect((error as AuthError).hint).toContain('database.domain');
  });

  test('a named instance is found through the SQL Server Browser', async (context) => {
    const browser = await startSqlBrowser({ SAGE100: server.port });
    if (!browser) return context.skip('UDP port 1434 (SQL Server Browser) is not available here');
    try {
      const named = await createMssqlSource({ ...options, server: '127.0.0.1\\SAGE100', port: undefined });
      try {
        expect(named.label).toBe('127.0.0.1\\SAGE100/SAGE_BIJOU');
        expect(await collect(named.query('SELECT COUNT(*) AS n FROM F_COMPTET'))).toEqual([{ n: 2 }]);
      } finally {
        await named.close();
      }
      const error = await failure(() => createMssqlSource({ ...options, server: '127.0.0.1\\NOPE', port: undefined }));
      expect(error).toBeInstanceOf(SourceError);
      expect(error.message).toBe('Could not find the port of SQL Server instance "NOPE" on 127.0.0.1.');
      expect((error as SourceError).hint).toContain('SQL Server Browser service');
    } finally {
      await browser.stop();
    }
  });

  test('close() can be called twice; a closed source refuses queries', async () => {
    const once = await createMssqlSource(options);
    expect(await collect(once.query('SELECT 1 AS n'))).toEqual([{ n: 1 }]);
    await once.close();
    await once.close();
    await expect(collect(once.query('SELECT 1 AS n'))).rejects.toThrow(/is closed/);
  });

  test('other queries may run while one streams (the consumer asks for columns mid-loop)', async () => {
    const seen: string[] = [];
    for await (const row of source.query('SELECT id FROM big')) {
      const columns = await source.columns('F_COMPTET');
      seen.push(`${String(row.id)}:${columns.length}`);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['1:6', '2:6', '3:6']);
  });
});

describe('encryption', () => {
  let encrypted: TdsTestServer | undefined;
  let encryptedOptions: MssqlSourceOptions;

  beforeAll(async () => {
    const identity = selfSignedCertificate(fixtures.path);
    if (!identity) return;
    encrypted = await startTdsServer({
      databases: { SAGE_BIJOU: fixtures.sqlite('encrypted', (db) => db.exec(`CREATE TABLE t (n int); INSERT INTO t VALUES (7);`)) },
      logins: { sbsync: PASSWORD },
      tls: { identity, required: true },
    });
    // A host name, not an IP: TLS server names must be names (Node warns about IPs, RFC 6066).
    encryptedOptions = { ...options, server: 'localhost', port: encrypted.port, encrypt: true };
  });

  afterAll(async () => {
    await encrypted?.stop();
  });

  test('encrypt with trustServerCertificate talks TLS to a server with a self-signed certificate', async (context) => {
    if (!encrypted) return context.skip('the openssl command is not available to make a certificate');
    const tlsSource = await createMssqlSource({ ...encryptedOptions, trustServerCertificate: true });
    try {
      expect(await collect(tlsSource.query('SELECT n FROM t'))).toEqual([{ n: 7 }]);
      expect(encrypted.stats.encryptedConnections).toBeGreaterThan(0);
    } finally {
      await tlsSource.close();
    }
  });

  test('a self-signed certificate that is not trusted fails with the trustServerCertificate hint', async (context) => {
    if (!encrypted) return context.skip('the openssl command is not available to make a certificate');
    const error = await failure(() => createMssqlSource({ ...encryptedOptions, trustServerCertificate: false }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(`The TLS certificate of SQL Server localhost:${encrypted.port} is not trusted by this machine.`);
    expect((error as SourceError).hint).toContain('trustServerCertificate: true');
  });

  test('a server that forces encryption refuses a client with encrypt off, with the hint to turn it on', async (context) => {
    if (!encrypted) return context.skip('the openssl command is not available to make a certificate');
    const error = await failure(() => createMssqlSource({ ...encryptedOptions, encrypt: false }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(`SQL Server localhost:${encrypted.port} requires an encrypted connection.`);
    expect((error as SourceError).hint).toContain('encrypt: true');
  });
});
