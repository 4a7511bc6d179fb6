/**
 * The data behind the console's dataset and overview pages, over HTTP, each beside the plain SQL
 * that reads the same rows in the same run:
 * - console.dataset_page: a page of 100 records from the middle of a 100,000-record dataset;
 * - console.dataset_search: the first 100 records whose inputs contain a word (1 in 100 match);
 * - console.dataset_diff: the diff of two versions of 100,000 records (1,000 changed, 1,000 added,
 *   1,000 removed): counts and the first page of 100;
 * - console.overview: the overview over 30 days of an experiment of 1,000,000 traces (volume,
 *   errors, latency percentiles, tokens, cost, judge calls), read from the hourly rollup, beside the
 *   same figures computed from every trace in the range (and checked equal to them).
 *
 * Alone: `npx tsx bench/pages.ts`; with the others: `npm run bench -- pages`.
 * BENCH_DATASET_RECORDS (default 100000) and BENCH_CONSOLE_TRACES (default 1000000) set the sizes.
 */
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { isDeepStrictEqual } from 'node:util';
import { createDataset } from '../src/services/datasets.ts';
import { deleteDatasetRecords } from '../src/services/edit-dataset.ts';
import { mergeDatasetRecords } from '../src/services/merge-dataset.ts';
import { judgeSpend, traceVolumeFromTraces } from '../src/storage/experiment-overview.ts';
import { msResult, startBenchApp, timeBoth } from './console-app.ts';
import type { BenchResult } from './result.ts';
import { loadSearchBenchData, T0 } from './search-data.ts';

const RUNS = 15;
const DAY = 86_400_000;

function records(n: number, from: number, revision: number) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      inputs: { question: `How do I configure feature ${i} of the product?${i % 100 === 0 ? ' (warranty)' : ''}`, locale: 'en' },
      expectations: { expected_response: `Open settings and enable feature ${i} (revision ${revision}).` },
      tags: { topic: `t${i % 50}` },
    };
  });
}

export async function run(): Promise<BenchResult[]> {
  const recordCount = Number(process.env.BENCH_DATASET_RECORDS ?? 100_000);
  const traceCount = Number(process.env.BENCH_CONSOLE_TRACES ?? 1_000_000);
  const bench = await startBenchApp();
  const { db, config, get } = bench;
  try {
    const options = { user: 'bench', limits: config.datasets };

    console.error(`loading a dataset of ${recordCount} records…`);
    await createDataset(db, { name: 'bench.golden', user: 'bench' });
    for (let i = 0; i < recordCount; i += 5000) await mergeDatasetRecords(db, 'bench.golden', { records: records(Math.min(5000, recordCount - i), i, 1) as never }, options);
    const firstVersion = (await db.selectFrom('assay.dataset').select('current_version').where('name', '=', 'bench.golden').executeTakeFirstOrThrow()).current_version;
    const change = Math.max(1, Math.floor(recordCount / 100));
    await mergeDatasetRecords(db, 'bench.golden', { records: [...records(change, 0, 2), ...records(change, recordCount, 1)] as never }, options);
    const page = await get(`/api/v1/datasets/bench.golden/records?max_results=${change}&version=${firstVersion + 1}`);
    // Removes records change…2·change-1 (the first page starts with the changed ones, then the rest).
    const tail = await get(`/api/v1/datasets/bench.golden/records?max_results=${change}&page_token=${page.next_page_token as string}`);
    await deleteDatasetRecords(db, 'bench.golden', (tail.records as Array<{ dataset_record_id: string }>).map((r) => r.dataset_record_id), options);
    await sql`analyze assay.dataset_record_version`.execute(db);
    const dataset = await db.selectFrom('assay.dataset').select(['dataset_id', 'current_version']).where('name', '=', 'bench.golden').executeTakeFirstOrThrow();
    const current = dataset.current_version;
    const results: BenchResult[] = [];

    // A page from the middle: the page token of the previous page, as the console's scrolling sends it.
    let middleToken = '';
    for (let read = 0; read < Math.floor(recordCount / 2); read += 10_000) {
      const size = Math.min(10_000, Math.floor(recordCount / 2) - read);
      middleToken = (await get(`/api/v1/datasets/bench.golden/records?max_results=${size}${middleToken ? `&page_token=${middleToken}` : ''}`)).next_page_token as string;
    }
    const middleSeq = await sql<{ seq: number }>`
      select record_seq as seq from assay.dataset_record_version where dataset_id = ${dataset.dataset_id} and valid_to is null
      order by record_seq offset ${Math.floor(recordCount / 2) - 1} limit 1`.execute(db);
    const seq = Number(middleSeq.rows[0]!.seq);
    results.push(msResult('console.dataset_page', await timeBoth(
      () => get(`/api/v1/datasets/bench.golden/records?max_results=100&page_token=${middleToken}`),
      () => sql`select * from assay.dataset_record_version where dataset_id = ${dataset.dataset_id} and valid_from <= ${current}
                and (valid_to is null or valid_to > ${current}) and record_seq > ${seq} order by record_seq limit 100`.execute(db),
      RUNS,
    ), 'value < 200 ms', { records: recordCount, page: 100 }));

    results.push(msResult('console.dataset_search', await timeBoth(
      () => get('/api/v1/datasets/bench.golden/records?max_results=100&search=warranty'),
      () => sql`select * from assay.dataset_record_version where dataset_id = ${dataset.dataset_id} and valid_to is null
                and inputs::text ilike ${'%warranty%'} order by record_seq limit 100`.execute(db),
      RUNS,
    ), 'value < 200 ms', { records: recordCount, matching: Math.ceil(recordCount / 100), page: 100 }));

    const diff = await get(`/api/v1/datasets/bench.golden/diff?from=${firstVersion}&to=${current}&max_results=100`);
    const counts = diff.counts as { added: number; removed: number; changed: number };
    if (counts.changed !== change || counts.added !== change || counts.removed !== change) throw new Error(`unexpected diff counts ${JSON.stringify(counts)}`);
    results.push(msResult('console.dataset_diff', await timeBoth(
      () => get(`/api/v1/datasets/bench.golden/diff?from=${firstVersion}&to=${current}&max_results=100`),
      () => sql`select count(*) from
                  (select record_seq, content_hash from assay.dataset_record_version where dataset_id = ${dataset.dataset_id}
                     and valid_from <= ${firstVersion} and (valid_to is null or valid_to > ${firstVersion})) a
                  full join (select record_seq, content_hash from assay.dataset_record_version where dataset_id = ${dataset.dataset_id}
                     and valid_to is null) b on a.record_seq = b.record_seq
                where a.content_hash is distinct from b.content_hash`.execute(db),
      5,
    ), 'value < 2000 ms', { records: recordCount, changed: change, added: change, removed: change }));

    console.error(`loading ${traceCount} traces…`);
    const experimentId = await loadSearchBenchData(db, traceCount);
    const end = T0 + 30 * DAY;
    // The baseline: the same figures computed from every trace in the range (no rollup), without HTTP.
    const range = { from: T0, to: end };
    const overviewPath = `/api/v1/experiments/${experimentId}/overview?start_time=${new Date(T0).toISOString()}&end_time=${new Date(end).toISOString()}`;
    const served = await get(overviewPath);
    const raw = await traceVolumeFromTraces(db, experimentId, range, 'day');
    if (!isDeepStrictEqual(served.volume, raw.points) || !isDeepStrictEqual(served.totals, raw.totals)) throw new Error('the overview differs from the raw computation');
    results.push(msResult('console.overview', await timeBoth(
      () => get(overviewPath),
      () => Promise.all([traceVolumeFromTraces(db, experimentId, range, 'day'), judgeSpend(db, experimentId, range)]),
      7,
    ), 'value < 500 ms (the baseline computes the same figures from the raw traces, without HTTP)', { traces: traceCount, days: 30 }));
    return results;
  } finally {
    await bench.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  console.table(results.map(({ params: _p, ...r }) => r));
  process.exit(0);
}
