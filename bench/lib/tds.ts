/**
 * The demo company served by the TDS test server (test/support/tds/, compiled into dist/test/support/tds/ by
 * the bench build because this file imports it), and FreeTDS `bsqldb` replaying, from the same server, the
 * statements a replica sync sent it: the SQL Server path of the replica, with a client nobody here wrote as
 * the reference.
 */
import { writeFileSync } from 'node:fs';
import { startTdsServer, type ReceivedQuery, type TdsTestServer } from '../../test/support/tds/server.js';
import type { DecodedParameter } from '../../test/support/tds/types.js';
import { SQL_SERVER_2008_R2 } from '../../test/support/tds/versions.js';
import { runChild } from './proc.js';
import { TDS_DATABASE, TDS_LOGIN, TDS_PASSWORD } from './tds-source.js';

export type { TdsTestServer };

/** The demo file as database SAGE of a TDS test server playing SQL Server 2008 R2, on 127.0.0.1. */
export function startBenchTds(demo: string): Promise<TdsTestServer> {
  return startTdsServer({ databases: { [TDS_DATABASE]: demo }, logins: { [TDS_LOGIN]: TDS_PASSWORD }, version: SQL_SERVER_2008_R2 });
}

/** A parameter as a literal SQL Server reads the same way whatever the login's language. */
function literal(p: DecodedParameter): string {
  const v = p.value;
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (/date|time/.test(p.type)) return `CONVERT(${p.type}, '${v}', 121)`;
  return `N'${v.replace(/'/g, "''")}'`;
}

/** The statement of a received query with its parameters as literals: what a client without parameters sends. */
export function withLiterals(query: ReceivedQuery): string {
  const byName = new Map(query.parameters.map((p) => [p.name.replace(/^@/, ''), p]));
  return query.sql.replace(/@(\w+)/g, (whole, name: string) => {
    const p = byName.get(name);
    return p ? literal(p) : whole;
  });
}

export interface BsqldbFigures {
  statements: number;
  /** Statements that read rows of a table (`SELECT TOP (n) … WHERE cbMarq > … ORDER BY cbMarq`). */
  chunkStatements: number;
  /** Lines bsqldb printed (one per row, headers off): at least the rows the sync copied. */
  lines: number;
  seconds: number;
  /** CPU of bsqldb (and wc), from bash's `times`. */
  cpuSeconds?: number;
  error?: string;
}

const isChunk = (sql: string) => /^SELECT TOP \(\d+\) /.test(sql);

/**
 * bsqldb cannot print a uniqueidentifier ("type 36 not supported"): in the rows it reads, such a column is
 * selected as `CAST([c] AS varchar(36)) AS [c]`, its text. Only the plain column items of row reads change.
 */
export function guidsAsText(sql: string, guidColumns: (table: string) => readonly string[]): string {
  const match = /^SELECT (TOP \(\d+\) )?(.*?) FROM \[([^\]]+)\](.*)$/s.exec(sql);
  if (!match) return sql;
  const [, top = '', list = '', table = '', rest = ''] = match;
  if (/GROUP BY/.test(rest)) return sql; // counts and checksums: no row values
  const guids = new Set(guidColumns(table).map((c) => `[${c.replace(/]/g, ']]')}]`));
  if (guids.size === 0) return sql;
  // Items are joined by ", " (src/replica/reads.ts); a piece that is exactly a quoted GUID column is a plain item.
  const items = list.split(', ').map((item) => (guids.has(item) ? `CAST(${item} AS varchar(36)) AS ${item}` : item));
  return `SELECT ${top}${items.join(', ')} FROM [${table}]${rest}`;
}

/**
 * Replays `queries` in their order through one `bsqldb` session (parameters as literals, one batch each, tab
 * separated, no headers; uniqueidentifier columns as text, see guidsAsText), its output counted by `wc -l`.
 * Wall time is spawn to exit of the shell pipeline.
 */
export async function replayWithBsqldb(
  server: TdsTestServer,
  queries: readonly ReceivedQuery[],
  guidColumns: (table: string) => readonly string[],
  scriptFile: string,
): Promise<BsqldbFigures> {
  writeFileSync(scriptFile, queries.map((q) => `${guidsAsText(withLiterals(q), guidColumns)}\ngo\n`).join(''));
  // `times` (on stderr, last): the CPU of the shell, then of its children (bsqldb and wc).
  const script = 'set -o pipefail; bsqldb -S "$1" -U "$2" -P "$3" -D "$4" -t "\t" -q < "$5" | wc -l; status=$?; times >&2; exit $status';
  const r = await runChild('bash', ['-c', script, 'bash', `${server.host}:${server.port}`, TDS_LOGIN, TDS_PASSWORD, TDS_DATABASE, scriptFile], {
    // FreeTDS converts the server's text to the locale's charset: UTF-8, as for the tests.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', HOME: process.env.HOME ?? '/tmp' },
    timeoutMs: 60 * 60_000,
  });
  const figures: BsqldbFigures = {
    statements: queries.length,
    chunkStatements: queries.filter((q) => isChunk(q.sql)).length,
    lines: Number(r.stdout.trim()) || 0,
    seconds: Math.round(r.wallMs) / 1000,
  };
  const lines = r.stderr.trimEnd().split('\n');
  const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
  if (children && lines.length >= 2) {
    const [, um, us, sm, ss] = children.map(Number) as [number, number, number, number, number];
    figures.cpuSeconds = Math.round((um * 60 + us + sm * 60 + ss) * 1000) / 1000;
    lines.splice(-2);
  }
  const stderr = lines.join('\n').trim();
  if (r.code !== 0 || stderr) figures.error = `exit ${r.code}: ${stderr.slice(-400)}`;
  return figures;
}
