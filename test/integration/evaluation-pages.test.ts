/**
 * Runs larger than one page: 1,100 rows are more than a slice reads at a time (200) and than the
 * finish reads at a time for metrics (1,000), and B's 1,050 regressions are more than a comparison
 * lists (1,000). Each row is judged once, the metrics are exactly `computeMetrics` over every row,
 * and the comparison counts every row while listing the first 1,000 regressions in A's row order.
 * On both queue kinds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMetrics, type MetricRow } from '../../src/domain/evaluation-metrics.ts';
import { SLICE_PAGE_ROWS } from '../../src/services/evaluation-rows.ts';
import { METRIC_PAGE_ROWS } from '../../src/services/evaluation-run-kind.ts';
import { COMPARE_LISTED_CHANGES } from '../../src/services/evaluation-views.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import { startRun, waitForEvaluation, type Call, type Loose } from '../support/evaluation.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';

const N = 1100;
const BROKEN = 1050;
const numberIn = (text: string) => Number(/question (\d+)/.exec(text)?.[1] ?? -1);

describe.each(['in-process', 'bullmq'] as const)('evaluation runs over more rows than a page (%s queue)', (queue) => {
  let t: TestApp;
  let judge: FakeJudge;
  let call: Call;
  let runA: string;
  let runB: string;

  const records = (broken: (i: number) => boolean) =>
    Array.from({ length: N }, (_, i) => ({ inputs: { question: `question ${i}` }, outputs: broken(i) ? 'WRONG' : `answer to question ${i}` }));

  beforeAll(async () => {
    expect(N).toBeGreaterThan(Math.max(SLICE_PAGE_ROWS, METRIC_PAGE_ROWS));
    expect(BROKEN).toBeGreaterThan(COMPARE_LISTED_CHANGES);
    judge = await startFakeJudge({ keepCalls: false });
    judge.setAnswer('relevance_to_query', (c) => {
      const bad = (c.sections.RESPONSE ?? '').includes('WRONG');
      return { rationale: bad ? 'off topic' : 'on topic', result: bad ? 'no' : 'yes' };
    });
    t = await startTestApp({ queue, env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k' } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    call = client(t, await t.tokenHeaders('writer'));
    const scorers = ['relevance_to_query'];
    // A fails the last 50 rows; B (its rows in reverse order) fails the first 1,050 and fixes those 50.
    runA = await startRun(call, { name: 'pages-a', data: { records: records((i) => i >= BROKEN) }, scorers, concurrency: 16 });
    runB = await startRun(call, { name: 'pages-b', data: { records: records((i) => i < BROKEN).reverse() }, scorers, concurrency: 16 });
    await waitForEvaluation(call, runA, 120_000);
    await waitForEvaluation(call, runB, 120_000);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  it('judges every row once and finishes with the metrics of every row', async () => {
    expect(judge.callCount).toBe(2 * N);
    for (const [runId, passing] of [[runA, BROKEN], [runB, N - BROKEN]] as const) {
      const res = await call('GET', `/api/v1/evaluations/${runId}`);
      expect(res.body.run.progress).toMatchObject({ rows: N, done: N, errored: 0, pending: 0, passed: passing, failed: N - passing });
      const rows = await t.ctx.db
        .selectFrom('assay.evaluation_row')
        .select(['status', 'passed', 'verdicts', 'target_latency_ms', 'input_tokens', 'output_tokens', 'total_tokens', 'cost'])
        .where('run_id', '=', runId)
        .orderBy('row_index')
        .execute();
      const expected = computeMetrics(rows.map((r): MetricRow => ({ ...r, latency_ms: r.target_latency_ms })));
      expect(res.body.run.metrics).toEqual(expected);
      expect(res.body.run.metrics).toMatchObject({ 'relevance_to_query/mean': passing / N, pass_rate: passing / N, error_rate: 0 });
    }
  });

  it('compares page by page: every row counted, the first 1,000 regressions listed in A order', async () => {
    const res = await call('GET', `/api/v1/evaluations/compare?run_ids=${runA},${runB}`);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    const { rows } = res.body;
    expect(rows).toMatchObject({ matched: N, only_in_a: 0, only_in_b: 0, unchanged: 0, regression_count: BROKEN, improvement_count: N - BROKEN });
    expect(rows.regressions).toHaveLength(COMPARE_LISTED_CHANGES);
    expect(rows.regressions.map((c: Loose) => numberIn(c.inputs.question))).toEqual(Array.from({ length: COMPARE_LISTED_CHANGES }, (_, i) => i));
    expect(rows.regressions[7]).toMatchObject({ kind: 'regression', row_indexes: [7, N - 1 - 7], passed: [true, false], failing_judges: [[], ['relevance_to_query']] });
    expect(rows.improvements.map((c: Loose) => c.row_indexes[0])).toEqual(Array.from({ length: N - BROKEN }, (_, i) => BROKEN + i));
  });
});
