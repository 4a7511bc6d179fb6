/**
 * The datasets documents' search examples on a large experiment: a numeric tag filter
 * (`tag.quality_score < 0.07`) beside the hand-written cast a person would write, and a first page
 * with four `extract_fields` beside the same page without them (what the columns cost).
 *
 * Alone: `npx tsx bench/doc-examples.ts`; with the others: `npm run bench -- doc-examples`.
 * BENCH_DOC_EXAMPLES_TRACES sets the number of traces (default 200000; bench/search-data.ts shape,
 * plus a `quality_score` tag from 0.00 to 0.99 on every trace but every 10th, which says 'n/a').
 */
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { parseExtractFields } from '../src/domain/extract-fields.ts';
import { parseFilter } from '../src/domain/filter/parse-filter.ts';
import type { Db } from '../src/storage/connect.ts';
import { searchTraces } from '../src/storage/trace-search.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { median, round, type BenchResult } from './result.ts';
import { loadSearchBenchData } from './search-data.ts';

const RUNS = 41;
const WARMUP = 3;
const PAGE = 100;
const FIELDS = ['span.end_time', 'span.inputs.question', '`openai.chat`.inputs.messages', 'span.attributes.mlflow.spanType'];

const COLUMNS = sql.raw(`t.trace_id, t.experiment_id, t.client_request_id, t.request_time, t.execution_duration_ms,
  t.state, t.request_preview, t.response_preview, t.trace_metadata, t.tags, t.request, t.response, t.input_tokens,
  t.output_tokens, t.total_tokens, t.cost, coalesce((select json_agg(a order by a.create_time, a.assessment_id)
  from assay.assessment a where a.trace_id = t.trace_id and a.valid), '[]'::json) as assessments`);

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Medians of both sides, interleaved and alternating who goes first. */
async function compare(ours: () => Promise<unknown>, theirs: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < WARMUP; i += 1) {
    await ours();
    await theirs();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const pair = i % 2 === 0 ? [ours, theirs] : [theirs, ours];
    for (const side of pair) (side === ours ? a : b).push(await time(side));
  }
  return [median(a), median(b)];
}

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_DOC_EXAMPLES_TRACES ?? 200_000);
  const database = await createTestDatabase('postgres');
  try {
    const db: Db = database.db;
    const e = await loadSearchBenchData(db, count);
    await sql`update assay.trace set tags = tags || jsonb_build_object('quality_score',
      case when seq % 10 = 0 then 'n/a' else to_char((seq * 37 % 100) / 100.0, 'FM0.00') end)`.execute(db);
    await sql`vacuum analyze assay.trace`.execute(db);
    const results: BenchResult[] = [];

    const filter = parseFilter('tag.quality_score < 0.07');
    const ours = () => searchTraces(db, { experiment_ids: [e], filter, max_results: PAGE });
    const theirs = () => sql`select ${COLUMNS} from assay.trace t where t.experiment_id = ${e}
      and (case when t.tags ->> 'quality_score' ~ '^[0-9.]+$' then (t.tags ->> 'quality_score')::numeric end) < 0.07
      order by t.request_time desc, t.trace_id limit ${PAGE + 1}`.execute(db);
    const ourPage = await ours();
    const theirRows = (await theirs()).rows as Array<{ trace_id: string }>;
    if (ourPage.traces.map((t) => t.trace_id).join() !== theirRows.slice(0, PAGE).map((r) => r.trace_id).join()) {
      throw new Error('search_examples.numeric_tag: searchTraces and the hand-written SQL disagree');
    }
    const [numeric, cast] = await compare(ours, theirs);
    results.push({
      name: 'search_examples.numeric_tag',
      value: round(numeric),
      unit: 'ms',
      baseline: round(cast),
      ratio: round(numeric / cast),
      aim: '<= 1.5',
      params: { traces: count, filter: 'tag.quality_score < 0.07', max_results: PAGE, runs: RUNS, matches_on_page: ourPage.traces.length },
    });

    const prod = parseFilter("tags.env = 'prod'");
    const extract_fields = parseExtractFields(FIELDS);
    const withFields = () => searchTraces(db, { experiment_ids: [e], filter: prod, max_results: PAGE, extract_fields });
    const without = () => searchTraces(db, { experiment_ids: [e], filter: prod, max_results: PAGE });
    const page = await withFields();
    if (page.traces.some((t) => t.extracted?.['span.inputs.question'] === null)) throw new Error('extract_fields: a value is missing');
    const [extracted, plain] = await compare(withFields, without);
    results.push({
      name: 'search_examples.extract_fields',
      value: round(extracted),
      unit: 'ms',
      baseline: round(plain),
      ratio: round(extracted / plain),
      aim: '<= 2 (two span reads per trace, on the page only)',
      params: { traces: count, filter: "tags.env = 'prod'", extract_fields: FIELDS, max_results: PAGE, runs: RUNS },
    });
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
