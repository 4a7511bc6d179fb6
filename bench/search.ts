/**
 * Trace search on a large experiment: the first page of three typical filters through
 * `searchTraces` (parse, compile, run, assessments), each beside the hand-written SQL a person would
 * write for the same page, in the same run on the same fresh Postgres database.
 *
 * Alone: `npx tsx bench/search.ts`; with the others: `npm run bench -- search`.
 * BENCH_SEARCH_TRACES sets the number of traces (default 1000000); each has two spans, and a
 * third of them a correctness feedback.
 */
import { pathToFileURL } from 'node:url';
import { sql, type RawBuilder } from 'kysely';
import { parseFilter } from '../src/domain/filter/parse-filter.ts';
import type { Db } from '../src/storage/connect.ts';
import { searchTraces } from '../src/storage/trace-search.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { loadSearchBenchData, T0 } from './search-data.ts';
import { median, round, type BenchResult } from './result.ts';

/** Runs per side: enough to spend about BUDGET_MS on each, within these bounds. */
const MIN_RUNS = 15;
const MAX_RUNS = 201;
const BUDGET_MS = 3000;
const WARMUP = 3;
const PAGE = 100;
const DAY_MS = 86_400_000;

interface Case {
  name: string;
  filter: string;
  /** The same page written by hand: same rows, same order, same columns and assessments. */
  handWritten: (experimentId: number) => RawBuilder<unknown>;
  aim: string;
}

const COLUMNS = sql.raw(`t.trace_id, t.experiment_id, t.client_request_id, t.request_time, t.execution_duration_ms,
  t.state, t.request_preview, t.response_preview, t.trace_metadata, t.tags, t.request, t.response, t.input_tokens,
  t.output_tokens, t.total_tokens, t.cost, coalesce((select json_agg(a order by a.create_time, a.assessment_id)
  from assay.assessment a where a.trace_id = t.trace_id and a.valid), '[]'::json) as assessments`);

function cases(count: number): Case[] {
  // A one-day window ending at the middle of the data: ~86,400 traces, a third of them prod.
  const to = T0 + Math.floor(count / 2) * 1000;
  const from = to - DAY_MS;
  return [
    {
      name: 'search.time_tag',
      filter: `timestamp_ms >= ${from} AND timestamp_ms < ${to} AND tags.env = 'prod'`,
      handWritten: (e) => sql`select ${COLUMNS} from assay.trace t
        where t.experiment_id = ${e} and t.request_time >= ${from} and t.request_time < ${to} and t.tags ->> 'env' = 'prod'
        order by t.request_time desc, t.trace_id limit ${PAGE + 1}`,
      aim: '<= 1.5 (and value < 100 ms)',
    },
    {
      name: 'search.status_feedback',
      filter: `status = 'ERROR' AND feedback.correctness = 'no'`,
      handWritten: (e) => sql`select ${COLUMNS} from assay.trace t
        where t.experiment_id = ${e} and t.state = 'ERROR' and exists (select 1 from assay.assessment f
          where f.trace_id = t.trace_id and f.kind = 'feedback' and f.name = 'correctness' and f.valid
            and f.value #>> '{}' = 'no')
        order by t.request_time desc, t.trace_id limit ${PAGE + 1}`,
      aim: '<= 1.5',
    },
    {
      name: 'search.span_like',
      filter: `span.type = 'LLM' AND span.content LIKE '%refund%'`,
      handWritten: (e) => sql`select ${COLUMNS} from assay.trace t
        where t.experiment_id = ${e} and exists (select 1 from assay.span s where s.trace_id = t.trace_id
          and s.span_type = 'LLM' and (s.inputs::text like '%refund%' or s.outputs::text like '%refund%'
            or s.attributes::text like '%refund%'))
        order by t.request_time desc, t.trace_id limit ${PAGE + 1}`,
      aim: '<= 1.5',
    },
  ];
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_SEARCH_TRACES ?? 1_000_000);
  const database = await createTestDatabase('postgres');
  try {
    const db: Db = database.db;
    const loadStarted = performance.now();
    const experimentId = await loadSearchBenchData(db, count);
    const loadSeconds = round((performance.now() - loadStarted) / 1000, 1);
    console.error(`bench/search: loaded ${count} traces in ${loadSeconds} s`);
    const results: BenchResult[] = [];
    for (const c of cases(count)) {
      const ours = () => searchTraces(db, { experiment_ids: [experimentId], filter: parseFilter(c.filter), max_results: PAGE });
      const theirs = () => c.handWritten(experimentId).execute(db);
      const [ourPage, theirRows] = [await ours(), (await theirs()).rows as Array<{ trace_id: string }>];
      const same = ourPage.traces.map((t) => t.trace_id).join() === theirRows.slice(0, PAGE).map((r) => r.trace_id).join();
      if (!same) throw new Error(`${c.name}: searchTraces and the hand-written SQL disagree`);
      const ourTimes: number[] = [];
      const theirTimes: number[] = [];
      let warm = 0;
      for (let i = 0; i < WARMUP; i += 1) {
        await ours();
        warm = await time(theirs);
      }
      // Fast queries get more runs: on a shared machine a 5 ms median of 15 is mostly noise.
      const runs = Math.min(MAX_RUNS, Math.max(MIN_RUNS, Math.ceil(BUDGET_MS / Math.max(warm, 1))));
      // Interleaved, alternating who goes first, so a neighbour's load on the shared machine and any
      // cache warmed by the previous query favour neither side.
      for (let i = 0; i < runs; i += 1) {
        const pair = i % 2 === 0 ? [ours, theirs] : [theirs, ours];
        for (const side of pair) (side === ours ? ourTimes : theirTimes).push(await time(side));
      }
      const value = median(ourTimes);
      const baseline = median(theirTimes);
      results.push({
        name: c.name,
        value: round(value),
        unit: 'ms',
        baseline: round(baseline),
        ratio: round(value / baseline),
        aim: c.aim,
        params: { traces: count, filter: c.filter, max_results: PAGE, runs: ourTimes.length, matches_on_page: ourPage.traces.length, load_s: loadSeconds },
      });
    }
    return results;
  } finally {
    await database.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  console.table(results.map(({ params: _params, ...r }) => r));
  process.exit(0);
}
