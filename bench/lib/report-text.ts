/** The fixed prose of docs/benchmarks.md: how to read it, the method, how to reproduce. */
import type { BenchRun } from './report.js';
import { TARGETS } from './report-figures.js';

export const HOW_TO_READ = `Each line of the summary is one figure, measured at each scale, with its target and PASS or MISS.
The figures that matter are those of the largest scale (scale 50: about a million ledger lines and
2.5 million rows in all); the smaller scale is there to show that memory stays flat as the data grows
tenfold. Everything downstream of the Sage database reads the company's **replica** (docs/replica.md):
its first sync is measured on its own, from the SQLite demo and through the TDS test server (the SQL
Server path, with FreeTDS \`bsqldb\` reading the same statements from the same server as the reference;
the server is JavaScript and slow, so this is measured at the smaller scales only). Throughputs count
**rows of every table copied or published** (ledger lines, document lines, headers, third parties…), not
ledger lines only. The publication figures are the wall time of the \`sbsync publish\` process, so they
include Node's start-up, the config, the replica sync (nothing or little to do: the replica is synced
first), the consistency checks and the commit; the "data-manager" and "business-mobile" columns of the
details are each service alone. The pipeline ratio compares sbsync with the cheapest way to move the same
tables (the Debian tools, no typing, no incremental state, keys repeated on every row): 0.5× means sbsync
took half as long. Peak RSS is each process's own peak (one process per step; Linux's \`VmHWM\`, not getrusage's
\`maxRSS\`, which a child inherits from the benchmark process it was forked from), in MB of 10⁶ bytes. The
machine is small (2 cores) and may be shared: compare figures of the same run rather than across runs,
look at the load average below, and rerun before concluding that a change made something slower. Close
to a target, one run's PASS or MISS can flip: within a day here, the same build's full publication at
scale 50 measured from 9.5 s to 12.4 s on an otherwise idle machine, and the Debian pipeline moved alike
(14.6 s to 16.8 s): the host gives more or less CPU from hour to hour. The ratios are the steadier figures.`;

export function method(run: BenchRun): string {
  const views = run.results.find((r) => r.views)?.views?.views ?? 18;
  const changed = `${run.changeFraction * 100}%`;
  return `For each scale, in a fresh temporary directory (removed at the end):

1. **Demo generation**: \`createDemoDatabase({ scale, seed: ${run.seed}, today: '${run.today}' })\` into a SQLite file, in a
   child process; the file is reused by the next steps.
2. **Replica, first sync from the SQLite demo**: \`syncReplica\` of the company (both services: every table they need)
   into an empty data directory, in a child process: rows/s = rows copied ÷ wall time of the sync; size on disk =
   the replica file (and its WAL, if any) once the sync closed it. This replica is the one the publication config
   below points at (same data directory, company and source), so every later step reads it.
3. **Replica, first sync through the TDS test server** (scales ≤ ${run.tdsMaxScale}, \`SBSYNC_BENCH_TDS_MAX_SCALE\`): the demo
   file served by the TDS test server (test/support/tds/, playing SQL Server 2008 R2, in the benchmark process),
   synced into another empty data directory by a child through the real \`mssql\` driver, as for a SQL Server
   company. The server records every statement it receives; FreeTDS \`bsqldb\` then replays **all of them**
   (column discovery, marks, per-range counts and checksums, and the keyset chunks
   \`SELECT TOP (5000) … WHERE cbMarq > k ORDER BY cbMarq\`, chunk by chunk exactly as the sync sent them), in
   the same order, in one session, parameters as literals, its output counted by \`wc -l\`. bsqldb cannot print a
   uniqueidentifier, so in its row reads those columns are \`CAST(… AS varchar(36))\`. bsqldb's rows/s = the rows
   the sync copied ÷ bsqldb's wall time; the target compares the two rates.
4. **Views**: \`computeViews\` of all ${views} views (as of ${run.today}) on the replica, ${run.viewRuns} times in a row in one
   child process; the figure is the median. A further pass computes each view alone (\`computeView\`, fresh
   context) to list the slowest ones. Target: 1.5 s per million ledger lines, at least 1.5 s.
5. **Raw extraction**: \`extractTable(replica, dataset, { mode: 'full', stateDir })\` over every \`RAW_DATASETS\` entry,
   consuming \`blocks\` (NDJSON bytes, as the publisher reads them) and counting rows and bytes, in a child process of its own:
   rows/s = all rows ÷ wall time of the loop. The key set is written as a full publication does.
6. **Full publication**: a reference portal (\`startPortalServer\`, store in the temp dir) listens on 127.0.0.1
   in the benchmark process; \`node bin/sbsync.js publish --config <generated yaml> --service data-manager
   --full --as-of ${run.today} --json\` runs as a child with \`--import dist/bench/rss-probe.js\`, which writes the
   process's peak RSS and CPU time at exit. Rows and bytes come from the CLI's JSON report; rows/s = rows ÷ the
   process's wall time (spawn to exit). The portal's own work (gunzip, checks, store) runs on the same two
   cores meanwhile, as the sink does for the pipeline.
7. **Pipeline**: for every Data Manager table in turn, \`sqlite3 -json <demo> "SELECT <the published columns> FROM
   <table> ORDER BY cbMarq" | gzip -1 | curl -T - http://127.0.0.1:<port>/sink/<table>\` in one \`bash -o pipefail\`
   (the kernel pipes the bytes), to a sink in the benchmark process that counts the bytes. \`curl -T -\` streams
   the upload. Target: sbsync's full publication at most ${TARGETS.pipelineRatio}× the pipeline's wall time.
8. **Both services**: \`publish --as-of ${run.today} --json\` (Business Mobile views and Data Manager, incremental)
   three times: right after the full one (the first Business Mobile publication: informative), again with
   nothing changed, and after ${changed} of the rows of every Data Manager table large enough were changed in the
   demo file in one transaction (a third inserted as copies with new keys, a third deleted, the rest updated
   with \`cbModification\` moved to now; the rows updated and deleted are spread evenly over each table's keys,
   so that each deletion falls in a different range of 1,024 keys: the costly case for the sync, which reads
   again every range whose row count moved). Each run syncs the replica first.
9. **Memory**: every step's peak RSS under ${TARGETS.peakRssMB} MB, and at the largest scale at most ${TARGETS.flatnessMB} MB above the smallest.

Nothing here asserts a timing: \`npm run bench\` fails only when a step could not run.
`;
}

export function reproduce(): string {
  return `\`\`\`sh
npm ci
npm run bench                                  # scales 5 and 50 (≈ 100k and ≈ 1M ledger lines), TDS at scale 5: about 10–15 minutes; rewrites this file
SBSYNC_BENCH_SCALES=5,50,200 npm run bench     # also 4M ledger lines (views target < 6 s): 15–20 minutes more, ~10 GB of disk
SBSYNC_BENCH_TDS_MAX_SCALE=50 npm run bench    # the TDS test server at scale 50 too (about 25 minutes more)
SBSYNC_BENCH_QUICK=1 npm run bench             # smoke run at scales 0.5 and 2 (a few minutes), written to $TMPDIR/sbsync-benchmarks-quick.md
SBSYNC_BENCH_OUT=/tmp/b.md npm run bench       # write the report elsewhere
SBSYNC_BENCH_KEEP=1 npm run bench              # keep the temporary directory (databases, journals, configs)
node dist/bench/run.js --render /tmp/sbsync-bench-last.json   # render the last full run's raw figures again
node dist/bench/step.js views '{"path":"replica.sqlite","asOf":"2025-12-20","runs":3}'   # one step by hand (after a build)
\`\`\`

The pipeline needs the Debian packages \`sqlite3\` and \`curl\` (and \`gzip\`, \`bash\`), the TDS reference \`freetds-bin\`
(\`bsqldb\`); without them those figures are reported as "not measured". \`.ci/run\` installs them.
`;
}
