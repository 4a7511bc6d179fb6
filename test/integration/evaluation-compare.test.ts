/**
 * Two runs over the same inline records (agent-evaluation shape, some with retrieved context), the
 * second target worse on known rows: the comparison's regressions are exactly those rows, the
 * improvement is the one row it fixed, and the metrics come side by side with deltas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import { allRunRows, startRun, waitForEvaluation, type Call, type Loose } from '../support/evaluation.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { startFakeTarget, type FakeTarget } from '../support/fake-target.ts';

const N = 20;
const numberIn = (text: string) => Number(/question (\d+)/.exec(text)?.[1] ?? -1);
const records = Array.from({ length: N }, (_, i) => ({
  request: i % 4 === 0 ? { messages: [{ role: 'user', content: `question ${i}` }] } : `question ${i}`,
  ...(i % 2 === 0 ? { retrieved_context: [{ content: `doc about question ${i}`, doc_uri: `kb://${i}` }] } : {}),
}));

describe('comparing two evaluation runs', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let good: FakeTarget;
  let worse: FakeTarget;
  let call: Call;
  let runA: string;
  let runB: string;

  beforeAll(async () => {
    judge = await startFakeJudge();
    judge.setAnswer('relevance_to_query', (c) => {
      const bad = (c.sections.RESPONSE ?? '').includes('WRONG');
      return { rationale: bad ? 'off topic' : 'on topic', result: bad ? 'no' : 'yes' };
    });
    // A answers row 8 badly; B fixes it but breaks rows 2, 5 and 11.
    good = await startFakeTarget({ answer: (q) => (numberIn(q) === 8 ? 'WRONG' : `Answer: ${q}`) });
    worse = await startFakeTarget({ answer: (q) => ([2, 5, 11].includes(numberIn(q)) ? 'WRONG' : `Answer: ${q}`) });
    t = await startTestApp({ env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k', ASSAY_OUTBOUND_ALLOW: `${good.url},${worse.url}` } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    call = client(t, await t.tokenHeaders('writer'));
    runA = await startRun(call, { name: 'app-a', data: { records }, target: { type: 'http', url: `${good.url}/answer` } });
    runB = await startRun(call, { name: 'app-b', data: { records: [...records].reverse() }, target: { type: 'http', url: `${worse.url}/answer` } });
    await waitForEvaluation(call, runA);
    await waitForEvaluation(call, runB);
  });

  afterAll(async () => {
    await t?.close();
    await judge?.close();
    await good?.close();
    await worse?.close();
  });

  it('gives retrieval judges only to rows with retrieved context', async () => {
    const rows = await allRunRows(call, runA);
    for (const row of rows) {
      const judges = [...new Set(row.verdicts.map((v: Loose) => v.scorer))].sort();
      const expected = row.row_index % 2 === 0
        ? ['relevance_to_query', 'retrieval_groundedness', 'retrieval_relevance', 'safety']
        : ['relevance_to_query', 'safety'];
      expect(judges, `row ${row.row_index}`).toEqual(expected);
    }
    expect(rows[0]!.inputs).toEqual({ messages: [{ role: 'user', content: 'question 0' }] });
    expect(rows[1]!.inputs).toEqual({ request: 'question 1' });
  });

  it('reports exactly the known rows as regressions and the fixed row as an improvement', async () => {
    const res = await call('GET', `/api/v1/evaluations/compare?run_ids=${runA},${runB}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { rows, metrics } = res.body;
    const questionOf = (c: Loose) => numberIn(JSON.stringify(c.inputs));
    expect(rows.regressions.map(questionOf).sort((a: number, b: number) => a - b)).toEqual([2, 5, 11]);
    expect(rows.improvements.map(questionOf)).toEqual([8]);
    expect(rows).toMatchObject({ matched: N, only_in_a: 0, only_in_b: 0, unchanged: N - 4 });
    const regression = rows.regressions.find((c: Loose) => questionOf(c) === 5);
    // Rows matched by inputs although B ran them in reverse order.
    expect(regression.row_indexes).toEqual([5, N - 1 - 5]);
    expect(regression.failing_judges).toEqual([[], ['relevance_to_query']]);
    const relevance = metrics.find((m: Loose) => m.metric === 'relevance_to_query/mean');
    expect(relevance.values).toEqual([19 / 20, 17 / 20]);
    expect(relevance.delta).toBeCloseTo(-2 / 20, 10);
    const passRate = metrics.find((m: Loose) => m.metric === 'pass_rate');
    expect(passRate.values).toEqual([19 / 20, 17 / 20]);
  });

  it('lists runs and deletes one', async () => {
    const list = await call('GET', '/api/v1/evaluations');
    expect(list.body.runs.map((r: Loose) => r.name).sort()).toEqual(['app-a', 'app-b']);
    const byExperiment = await call('GET', `/api/v1/evaluations?experiment_id=${list.body.runs[0].experiment_id}`);
    expect(byExperiment.body.runs).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/evaluations/${runB}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/evaluations/${runB}`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/evaluations/${runB}`)).status).toBe(404);
    const compare = await call('GET', `/api/v1/evaluations/compare?run_ids=${runA},${runB}`);
    expect(compare.status).toBe(404);
  });
});
