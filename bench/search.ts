/**
 * Trace search on a large experiment: the first page of every filter shape of search-cases.ts
 * through `searchTraces` (parse, compile, run, assessments), each beside the hand-written SQL a
 * person would write for the same page, in the same run on the same Postgres database, with the
 * plan Postgres chose (EXPLAIN ANALYZE, BUFFERS) condensed to one line.
 *
 * Alone: `npx tsx bench/search.ts`; with the others: `npm run bench -- search`.
 * BENCH_SEARCH_TRACES sets the number of traces (default 1000000); see search-data.ts for the shape.
 * Figures at another count are named with it (`search.10m.*` at 10000000).
 * BENCH_SEARCH_DB=<name> keeps the loaded database under that name between runs (it is loaded
 * once, migrated on each run, and never dropped: `drop database <name>` when done).
 * BENCH_SEARCH_KIND=pglite measures the embedded database instead (in memory, figures named
 * `search.pglite.*`; use fewer traces, e.g. BENCH_SEARCH_TRACES=100000).
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { parseFilter } from '../src/domain/filter/parse-filter.ts';
import { connectDatabase, type Db } from '../src/storage/connect.ts';
import { migrateToLatest } from '../src/storage/migrate.ts';
import { compileSearchTraces, searchTraces, withStatementTimeout } from '../src/storage/trace-search.ts';
import { ADMIN_URL, createTestDatabase } from '../test/support/database.ts';
import { planShape } from './plan-shape.ts';
import { PAGE, searchCases } from './search-cases.ts';
import { loadSearchBenchData } from './search-data.ts';
import { median, round, type BenchResult } from './result.ts';

/** Runs per side: enough to spend about BUDGET_MS on each, within these bounds. */
const MIN_RUNS = 15;
const MAX_RUNS = 201;
const BUDGET_MS = 3000;
const WARMUP = 3;
/** The API's default (ASSAY_SEARCH_TIMEOUT_MS). */
const SEARCH_TIMEOUT_MS = 30_000;

/**
 * The prefix of a figure's name: `pglite.` on the embedded database (at whatever count), none at
 * the default million traces on Postgres, the count otherwise (`10m.` at ten million); so figures
 * at another scale sit beside the million's in results.json instead of replacing them.
 */
function scale(count: number, embedded: boolean): string {
  if (embedded) return 'pglite.';
  if (count === 1_000_000) return '';
  return count % 1_000_000 === 0 ? `${count / 1_000_000}m.` : `${count / 1000}k.`;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

interface BenchDatabase {
  db: Db;
  experimentId: number;
  loadSeconds: number | null;
  close(): Promise<void>;
}

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_SEARCH_TRACES ?? 1_000_000);
  const embedded = process.env.BENCH_SEARCH_KIND === 'pglite';
  const bench = embedded ? await openEmbedded(count) : await openBenchDatabase(count, process.env.BENCH_SEARCH_DB);
  const only = process.env.BENCH_SEARCH_ONLY;
  try {
    const { db, experimentId, loadSeconds } = bench;
    const results: BenchResult[] = [];
    for (const c of searchCases(count)) {
      if (only && !c.name.includes(only)) continue;
      const input = { experiment_ids: [experimentId], filter: parseFilter(c.filter), order_by: c.order_by, max_results: PAGE };
      // As the API runs it: in a transaction with the search timeout and its settings.
      const ours = () => withStatementTimeout(db, SEARCH_TIMEOUT_MS, (trx) => searchTraces(trx, input));
      // The same transaction and settings, so the ratio compares the SQL alone.
      const theirs = () => withStatementTimeout(db, SEARCH_TIMEOUT_MS, (trx) => c.handWritten(experimentId).execute(trx));
      const [ourPage, theirRows] = [await ours(), (await theirs()).rows as Array<{ trace_id: string }>];
      const same = ourPage.traces.map((t) => t.trace_id).join() === theirRows.slice(0, PAGE).map((r) => r.trace_id).join();
      if (!same) throw new Error(`${c.name}: searchTraces and the hand-written SQL disagree`);
      const ourTimes: number[] = [];
      const theirTimes: number[] = [];
      let warm = 0;
      for (let i = 0; i < WARMUP; i += 1) {
        warm = await time(ours);
        await theirs();
      }
      // Fast queries get more runs: on a shared machine a 5 ms median of 15 is mostly noise.
      const runs = Math.min(MAX_RUNS, Math.max(MIN_RUNS, Math.ceil(BUDGET_MS / Math.max(warm, 1))));
      // Interleaved, alternating who goes first, so a neighbour's load on the shared machine and any
      // cache warmed by the previous query favour neither side.
      for (let i = 0; i < runs; i += 1) {
        const pair = i % 2 === 0 ? [ours, theirs] : [theirs, ours];
        for (const side of pair) (side === ours ? ourTimes : theirTimes).push(await time(side));
      }
      const plan = await withStatementTimeout(db, SEARCH_TIMEOUT_MS, (trx) => planShape(trx, compileSearchTraces(trx, input)));
      const baselinePlan = await withStatementTimeout(db, SEARCH_TIMEOUT_MS, (trx) => planShape(trx, c.handWritten(experimentId).compile(trx)));
      const value = median(ourTimes);
      const baseline = median(theirTimes);
      console.error(`${embedded ? 'pglite ' : ''}${c.name}: ${round(value)} ms (hand-written ${round(baseline)} ms, ×${round(value / baseline)}) ${plan.buffers} buffers: ${plan.shape}`);
      results.push({
        name: c.name.replace('search.', `search.${scale(count, embedded)}`),
        value: round(value),
        unit: 'ms',
        baseline: round(baseline),
        ratio: round(value / baseline),
        aim: c.aim,
        params: {
          traces: count,
          filter: c.filter,
          ...(c.order_by ? { order_by: c.order_by } : {}),
          max_results: PAGE,
          runs: ourTimes.length,
          matches_on_page: ourPage.traces.length,
          plan: plan.shape,
          buffers: plan.buffers,
          baseline_plan: baselinePlan.shape,
          ...(loadSeconds === null ? {} : { load_s: loadSeconds }),
        },
      });
    }
    return results;
  } finally {
    await bench.close();
  }
}

/**
 * A fresh database loaded with `count` traces, dropped afterwards; or, with `keep`, the database of
 * that name, loaded on first use and kept. The experiment's name records the count and data shape,
 * so a kept database with other data is loaded again into a new experiment rather than measured.
 */
async function openBenchDatabase(count: number, keep: string | undefined): Promise<BenchDatabase> {
  const experimentName = `bench-search-v2-${count}`;
  if (!keep) {
    const database = await createTestDatabase('postgres');
    const { experimentId, loadSeconds } = await load(database.db, count, experimentName);
    return { db: database.db, experimentId, loadSeconds, close: () => database.drop() };
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(keep)) throw new Error(`BENCH_SEARCH_DB: not a plain database name: ${keep}`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [keep]);
    if (!rowCount) await admin.query(`create database ${keep}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${keep}`;
  const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  const migrated = await migrateToLatest(handle.db as never);
  if (migrated.length) console.error(`bench/search: applied ${migrated.join(', ')} to ${keep}`);
  const existing = await handle.db
    .selectFrom('assay.experiment')
    .select('experiment_id')
    .where('name', '=', experimentName)
    .executeTakeFirst();
  if (existing) {
    console.error(`bench/search: reusing ${count} traces in database ${keep}`);
    return { db: handle.db, experimentId: Number(existing.experiment_id), loadSeconds: null, close: () => handle.close() };
  }
  const { experimentId, loadSeconds } = await load(handle.db, count, experimentName);
  return { db: handle.db, experimentId, loadSeconds, close: () => handle.close() };
}

async function openEmbedded(count: number): Promise<BenchDatabase> {
  const database = await createTestDatabase('pglite');
  const { experimentId, loadSeconds } = await load(database.db, count, `bench-search-v2-${count}`);
  return { db: database.db, experimentId, loadSeconds, close: () => database.drop() };
}

async function load(db: Db, count: number, experimentName: string): Promise<{ experimentId: number; loadSeconds: number }> {
  const started = performance.now();
  const experimentId = await loadSearchBenchData(db, count, experimentName);
  const loadSeconds = round((performance.now() - started) / 1000, 1);
  console.error(`bench/search: loaded ${count} traces in ${loadSeconds} s`);
  return { experimentId, loadSeconds };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  console.table(results.map(({ params: _params, ...r }) => r));
  process.exit(0);
}
