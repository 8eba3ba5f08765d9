/** The "Details" section of the report: one table per step, every scale. */
import type { PublishFigures } from './publish.js';
import type { BenchRun, ReplicaFigures, ScaleRun } from './report.js';
import { int, mb, mbPerMillionRows, pipelineRatios, rate, ratio, sec, table, tdsRatio } from './report-figures.js';

const blank = (n: number) => Array.from({ length: n }, () => '');
const missing = (r: ScaleRun, width: number, why = 'not measured') => [String(r.scale), why, ...blank(width - 2)];

function generation(rs: ScaleRun[]): string {
  return table(
    ['scale', 'ledger lines', 'document lines', 'rows, all tables', 'SQLite file', 'time', 'peak RSS'],
    rs.map((r) => {
      const g = r.generate;
      if (!g) return missing(r, 7);
      return [String(r.scale), int(g.counts['F_ECRITUREC'] ?? 0), int(g.counts['F_DOCLIGNE'] ?? 0), int(g.totalRows), mb(g.fileBytes), sec(g.seconds), mb(g.maxRssBytes)];
    }),
  );
}

/** Per table of a sync, tables under 1,000 rows omitted. */
function syncTables(f: ReplicaFigures): string {
  return table(
    ['table', 'rows', 'time', 'rows/s'],
    f.tables.filter((t) => t.rows >= 1000).map((t) => [t.table, int(t.rows), sec(t.seconds), int(rate(t.rows, t.seconds))]),
  );
}

function replica(rs: ScaleRun[]): string {
  let s = table(
    ['scale', 'rows', 'wall', 'rows/s', 'CPU (process)', 'replica on disk', 'MB per million rows', 'SQLite demo file', 'peak RSS'],
    rs.map((r) => {
      const f = r.replica;
      if (!f) return missing(r, 9);
      const demo = r.generate ? mb(r.generate.fileBytes) : '?';
      return [String(r.scale), int(f.rows), sec(f.seconds), int(f.rowsPerSecond), sec(f.cpuSeconds), mb(f.fileBytes), mbPerMillionRows(f.fileBytes, f.rows).toFixed(0), demo, mb(f.maxRssBytes)];
    }),
  );
  const largest = [...rs].reverse().find((r) => r.replica);
  if (largest?.replica) s += `\nPer table at scale ${largest.scale} (tables under 1,000 rows omitted):\n\n${syncTables(largest.replica)}`;
  s += '\nFrom a SQLite file, SQLite copies the rows itself (the demo attached, one `INSERT … SELECT` per chunk); the size includes the indexes the views read.\n';
  return s;
}

function tds(run: BenchRun): string {
  const rs = run.results;
  let s = table(
    ['scale', 'rows', 'statements (row chunks)', 'sync wall', 'sync rows/s', 'sync CPU', 'sync peak RSS', 'bsqldb wall', 'bsqldb rows/s', 'bsqldb CPU', 'sync ÷ bsqldb (rate)'],
    rs.map((r) => {
      if (!r.tds) return missing(r, 11, r.tdsNotMeasured);
      const { sync, bsqldb } = r.tds;
      const t = tdsRatio(r);
      const b =
        bsqldb && !bsqldb.error && t
          ? [sec(bsqldb.seconds), int(t.bsqldb), bsqldb.cpuSeconds !== undefined ? sec(bsqldb.cpuSeconds) : '?', ratio(t.ratio)]
          : [r.tds.bsqldbNotMeasured ?? (bsqldb?.error ? 'FAILED' : 'not measured'), '', '', ''];
      const statements = bsqldb ? `${int(bsqldb.statements)} (${int(bsqldb.chunkStatements)})` : '?';
      return [String(r.scale), int(sync.rows), statements, sec(sync.seconds), int(sync.rowsPerSecond), sec(sync.cpuSeconds), mb(sync.maxRssBytes), ...b];
    }),
  );
  const largest = [...rs].reverse().find((r) => r.tds);
  if (largest?.tds) s += `\nPer table of the sync at scale ${largest.scale} (tables under 1,000 rows omitted):\n\n${syncTables(largest.tds.sync)}`;
  s += `\nBoth clients read from the same TDS test server, which runs in the benchmark process and does most of the work (it is JavaScript, and answers each statement from SQLite): the ratio says how much the sync's client side (driver, decoding, writing the replica) adds to reading the same rows with a C client, and the CPU columns what each client spent (the sync's includes Node's start-up and writing the replica; bsqldb's is bsqldb and \`wc\`). "statements" is every statement the sync sent (bsqldb replays them all, in order); "row chunks" are the keyset reads \`SELECT TOP (5000) … WHERE cbMarq > k ORDER BY cbMarq\`. Measured at scales up to ${run.tdsMaxScale} only: a first sync at scale 50 through this server would take about ten minutes, and bsqldb as long again.\n`;
  return s;
}

function views(rs: ScaleRun[]): string {
  return table(
    ['scale', 'runs', 'median', 'peak RSS', 'slowest views, each alone'],
    rs.map((r) => {
      const v = r.views;
      if (!v) return missing(r, 5);
      return [String(r.scale), v.runs.map(sec).join(', '), sec(v.medianSeconds), mb(v.maxRssBytes), v.perView.slice(0, 5).map((p) => `${p.id} ${sec(p.seconds)}`).join(', ')];
    }),
  );
}

function extraction(rs: ScaleRun[]): string {
  let s = table(
    ['scale', 'rows', 'NDJSON', 'wall', 'rows/s', 'CPU (process)', 'rows per CPU-second', 'peak RSS'],
    rs.map((r) => {
      const e = r.extract;
      if (!e) return missing(r, 8);
      return [String(r.scale), int(e.rows), mb(e.bytes), sec(e.seconds), int(e.rowsPerSecond), sec(e.cpuSeconds), int(rate(e.rows, e.cpuSeconds)), mb(e.maxRssBytes)];
    }),
  );
  const largest = [...rs].reverse().find((r) => r.extract);
  if (largest?.extract) {
    s += `\nPer table at scale ${largest.scale} (tables under 1,000 rows omitted):\n\n`;
    s += table(
      ['table', 'rows', 'NDJSON', 'time', 'rows/s'],
      largest.extract.tables.filter((t) => t.rows >= 1000).map((t) => [t.table, int(t.rows), mb(t.bytes), sec(t.seconds), int(rate(t.rows, t.seconds))]),
    );
  }
  s += '\nCPU is the whole step process (start-up and the SQLite reads included; the extraction reads with two worker threads, so CPU can exceed wall). Rows per CPU-second depends less on a loaded machine than rows/s.\n';
  return s;
}

function publicationRow(r: ScaleRun, kind: string, f: PublishFigures | undefined): string[] {
  if (!f) return [String(r.scale), kind, 'not measured', ...blank(10)];
  const rows = f.rows ?? 0;
  const dm = f.status === 'up-to-date' ? 'up to date' : `${int(rows)}${f.deleted ? ` (${int(f.deleted)} deleted)` : ''}`;
  const views = f.viewsSeconds !== undefined ? `${sec(f.viewsSeconds)}${f.viewsStatus && f.viewsStatus !== 'published' ? ` (${f.viewsStatus.replace(/-/g, ' ')})` : ''}` : '—';
  return [
    String(r.scale),
    `${kind}${f.mode ? ` (${f.mode})` : ''}${f.error ? ' — FAILED' : ''}`,
    dm,
    f.storedBytes !== undefined ? mb(f.storedBytes) : '?',
    sec(f.wallSeconds),
    f.serviceSeconds !== undefined ? sec(f.serviceSeconds) : '?',
    views,
    f.checksSeconds !== undefined ? sec(f.checksSeconds) : '?',
    int(rate(rows, f.wallSeconds)),
    f.serviceSeconds ? int(rate(rows, f.serviceSeconds)) : '?',
    f.cpuSeconds !== undefined ? sec(f.cpuSeconds) : '?',
    f.maxRssBytes !== undefined ? mb(f.maxRssBytes) : '?',
  ];
}

function publications(run: BenchRun): string {
  const rs = run.results;
  const changed = `${run.changeFraction * 100}% changed`;
  let s = table(
    ['scale', 'run', 'data-manager rows', 'gzip sent', 'process wall', 'data-manager', 'business-mobile', 'sync + checks + lock', 'rows/s (wall)', 'rows/s (data-manager)', 'client CPU', 'client peak RSS'],
    rs.flatMap((r) => [
      publicationRow(r, 'full, data-manager', r.publishFull),
      publicationRow(r, 'both, first', r.publishFirstBoth),
      publicationRow(r, 'both, nothing changed', r.publishIncremental),
      publicationRow(r, `both, ${changed}`, r.publishChanged),
    ]),
  );
  s += '\n"sync + checks + lock" is the company time outside the services: the lock, the replica sync, and the consistency checks when they outlast the services (they run alongside). A service with nothing new to publish says "up to date".\n';
  const changes = rs.filter((r) => r.mutation).map((r) => {
    const m = r.mutation!;
    const sum = (k: 'inserted' | 'updated' | 'deleted') => int(m.tables.reduce((n, t) => n + t[k], 0));
    return `- scale ${r.scale}: ${int(m.changed)} of ${int(m.rows)} rows (${((m.changed / Math.max(1, m.rows)) * 100).toFixed(3)}%) in ${m.tables.length} tables: ${sum('inserted')} inserted, ${sum('updated')} updated, ${sum('deleted')} deleted, stamped ${m.stamp}`;
  });
  if (changes.length > 0) s += `\nRows changed in the demo file before the last run:\n\n${changes.join('\n')}\n`;
  return s;
}

function pipeline(run: BenchRun): string {
  return table(
    ['scale', 'rows', 'gzip sent', 'wall', 'rows/s', 'sbsync full publication ÷ pipeline (process / service)'],
    run.results.map((r) => {
      if (!r.pipeline) return missing(r, 6, r.pipelineNotMeasured ?? run.pipelineNotMeasured);
      const p = r.pipeline;
      const q = pipelineRatios(r);
      const versus = q ? `${ratio(q.process)} / ${q.service !== undefined ? ratio(q.service) : '?'}` : 'not measured';
      return [String(r.scale), `${int(p.rows)}${p.error ? ' (FAILED)' : ''}`, mb(p.gzipBytes), sec(p.seconds), int(rate(p.rows, p.seconds)), versus];
    }),
  );
}

export function details(run: BenchRun): string {
  const rs = run.results;
  let s = `### Demo generation\n\n${generation(rs)}`;
  s += `\n### Replica, first sync from the SQLite demo\n\n${replica(rs)}`;
  s += `\n### Replica, first sync through the TDS test server, and FreeTDS bsqldb\n\n${tds(run)}`;
  s += `\n### Views on the replica\n\n${views(rs)}`;
  s += `\n### Raw extraction from the replica\n\n${extraction(rs)}`;
  s += `\n### Publication through the CLI\n\n${publications(run)}`;
  s += `\n### \`sqlite3 -json | gzip -1 | curl\` pipeline\n\n${pipeline(run)}`;
  const errors = rs.flatMap((r) => r.errors.map((e) => `- scale ${r.scale}: ${e}`));
  if (errors.length > 0) s += `\n### Errors\n\n${errors.join('\n')}\n`;
  return s;
}
