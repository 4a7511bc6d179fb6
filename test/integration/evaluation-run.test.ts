/**
 * An evaluation run end to end with the fake judge and a fake target: 50 dataset rows, half with
 * ground truth, get the right default judges per row, metrics equal to a hand computation,
 * verdicts with rationales, traces carrying the feedback, and the dataset's lineage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import { allRunRows, startRun, waitForEvaluation, type Call, type Loose } from '../support/evaluation.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { startFakeTarget, type FakeTarget } from '../support/fake-target.ts';

const N = 50;
const question = (i: number) => `question ${i}`;
/** Rows the target gets wrong: 3, 13, 23 (ground truth) and 33, 43 (none). */
const WRONG = new Set([3, 13, 23, 33, 43]);
/** The row whose safety verdict comes back unparseable. */
const SAFETY_BROKEN = 7;

const numberIn = (text: string) => Number(/question (\d+)/.exec(text)?.[1] ?? -1);

describe('evaluation run over a dataset (fake judge, openai_chat target)', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let target: FakeTarget;
  let call: Call;
  let runId: string;
  let run: Record<string, Loose>;

  beforeAll(async () => {
    judge = await startFakeJudge();
    const verdict = (text: string) => (text.includes('WRONG') ? 'no' : 'yes');
    for (const marker of ['correctness', 'relevance_to_query']) {
      judge.setAnswer(marker, (c) => ({ rationale: `${marker} says ${verdict(c.sections.RESPONSE ?? '')}`, result: verdict(c.sections.RESPONSE ?? '') }));
    }
    judge.setAnswer('safety', (c) => (numberIn(c.user) === SAFETY_BROKEN ? 'not json at all' : { rationale: 'safe', result: 'yes' }));
    target = await startFakeTarget({ latencyMs: 5, answer: (q) => (WRONG.has(numberIn(q)) ? `WRONG about ${q}` : `Answer: ${q}`) });
    process.env.EVAL_TEST_API_KEY = 'sk-eval-test';
    t = await startTestApp({
      env: {
        ASSAY_OFFLINE_JUDGE: 'false',
        ASSAY_JUDGE_BASE_URL: judge.url,
        ASSAY_JUDGE_API_KEY: 'judge-key',
        ASSAY_JUDGE_MODEL: 'fake-judge',
        ASSAY_OUTBOUND_ALLOW: target.url,
        ASSAY_TARGET_SECRETS: `EVAL_TEST_API_KEY@${target.url}`,
      },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    call = client(t, await t.tokenHeaders('writer', 'evaluator'));
    expect((await call('POST', '/api/v1/datasets', { name: 'evals.support' })).status).toBe(201);
    const records = Array.from({ length: N }, (_, i) => ({
      inputs: { question: question(i) },
      ...(i < 25 ? { expectations: { expected_response: `Answer: ${question(i)}` } } : {}),
    }));
    expect((await call('POST', '/api/v1/datasets/evals.support/merge', { records })).status).toBe(200);

    runId = await startRun(call, {
      name: 'support-v1',
      data: { name: 'evals.support' },
      target: { type: 'openai_chat', base_url: `${target.url}/v1`, model: 'fake-app', api_key_env: 'EVAL_TEST_API_KEY', system_prompt: 'Be brief.' },
      concurrency: 8,
      metrics: ['min', 'max', 'median', 'p90', 'variance'],
    });
    run = await waitForEvaluation(call, runId);
  });

  afterAll(async () => {
    await t?.close();
    await judge?.close();
    await target?.close();
    delete process.env.EVAL_TEST_API_KEY;
  });

  it('calls the target once per row with the named key, and records the dataset version', () => {
    expect(target.calls).toHaveLength(N);
    expect(new Set(target.calls.map((c) => c.question)).size).toBe(N);
    expect(target.calls.every((c) => c.authorization === 'Bearer sk-eval-test')).toBe(true);
    expect((target.calls[0]!.body as Loose).messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(run.dataset).toEqual({ name: 'evals.support', version: 1 });
    expect(run.progress).toMatchObject({ rows: N, done: N, errored: 0, pending: 0, passed: 44, failed: 6 });
    expect(JSON.stringify(run.target)).not.toContain('sk-eval-test');
  });

  it('gives each row the default judges for what it holds', async () => {
    const rows = await allRunRows(call, runId);
    expect(rows).toHaveLength(N);
    for (const row of rows) {
      const judges = [...new Set(row.verdicts.map((v: Loose) => v.name))].sort();
      expect(judges, `row ${row.row_index}`).toEqual(row.row_index < 25 ? ['correctness', 'safety'] : ['relevance_to_query', 'safety']);
    }
    const perMarker = (m: string) => judge.calls.filter((c) => c.marker === m).length;
    expect(perMarker('correctness')).toBe(25);
    expect(perMarker('relevance_to_query')).toBe(25);
  });

  it('computes the metrics a hand computation gives', async () => {
    const m = run.metrics;
    // correctness: 22 yes of 25; relevance: 23 of 25; safety: 49 yes, 1 error (skipped from the mean).
    expect(m['correctness/mean']).toBeCloseTo(22 / 25, 10);
    expect(m['relevance_to_query/mean']).toBeCloseTo(23 / 25, 10);
    expect(m['safety/mean']).toBe(1);
    expect(m['safety/error_count']).toBe(1);
    expect(m['correctness/error_count']).toBe(0);
    expect(m['correctness/min']).toBe(0);
    expect(m['correctness/max']).toBe(1);
    expect(m['correctness/median']).toBe(1);
    expect(m['correctness/p90']).toBe(1);
    // population variance of 22 ones and 3 zeros: p(1-p) with p = 0.88
    expect(m['correctness/variance']).toBeCloseTo(0.88 * 0.12, 10);
    // rows failing: the five wrong answers and the row whose safety judge failed
    expect(m.pass_rate).toBeCloseTo(44 / 50, 10);
    expect(m['input_tokens/total']).toBe(N * 10);
    expect(m['output_tokens/total']).toBe(N * 5);
    expect(m['total_tokens/total']).toBe(N * 15);
    // Latency is the target call's: both percentiles lie within the rows' latencies.
    const latencies = (await allRunRows(call, runId)).map((r) => Number(r.latency_ms) / 1000);
    expect(m['latency_seconds/p50']).toBeGreaterThanOrEqual(Math.min(...latencies));
    expect(m['latency_seconds/p90']).toBeGreaterThanOrEqual(m['latency_seconds/p50']!);
    expect(m['latency_seconds/p90']).toBeLessThanOrEqual(Math.max(...latencies));
  });

  it('shows verdicts with rationales and filters rows by failed judge', async () => {
    const failedCorrectness = await allRunRows(call, runId, 'failed_judge=correctness');
    expect(failedCorrectness.map((r) => r.row_index)).toEqual([3, 13, 23]);
    const row = failedCorrectness[0]!;
    expect(row.passed).toBe(false);
    expect(row.failing_judges).toEqual(['correctness']);
    expect(row.outputs).toBe('WRONG about question 3');
    expect(row.expectations).toEqual({ expected_response: 'Answer: question 3' });
    expect(row.verdicts.find((v: Loose) => v.name === 'correctness')).toMatchObject({ value: 'no', rationale: 'correctness says no', error: null });
    const broken = await allRunRows(call, runId, 'failed_judge=safety');
    expect(broken.map((r) => r.row_index)).toEqual([SAFETY_BROKEN]);
    expect(broken[0]!.verdicts.find((v: Loose) => v.name === 'safety').error.error_code).toMatch(/JUDGE/);
  });

  it('records a trace per row carrying the feedback with the run id', async () => {
    const [row] = await allRunRows(call, runId, 'failed_judge=relevance_to_query');
    const res = await call('GET', `/api/v1/traces/${row!.trace_id}`);
    expect(res.status).toBe(200);
    const info = res.body.trace?.info ?? res.body.info;
    expect(info.experiment_id).toBe(run.experiment_id);
    expect(info.trace_metadata['assay.evaluation.run_id']).toBe(runId);
    const feedback = info.assessments.filter((a: Loose) => a.feedback);
    expect(feedback.map((a: Loose) => a.assessment_name).sort()).toEqual(['relevance_to_query', 'safety']);
    expect(feedback.every((a: Loose) => a.metadata['assay.evaluation.run_id'] === runId)).toBe(true);
    const experiments = await call('GET', `/api/v1/experiments/${run.experiment_id}`);
    expect(experiments.body.name ?? experiments.body.experiment?.name).toBe('evaluation:support-v1');
  });

  it('lists the run in the dataset lineage, the runs list and the metrics table', async () => {
    const dataset = await call('GET', '/api/v1/datasets/evals.support');
    expect(dataset.body.evaluation_runs).toEqual([expect.objectContaining({ run_id: runId, dataset_version: 1, status: 'succeeded' })]);
    const list = await call('GET', '/api/v1/evaluations?dataset=evals.support');
    expect(list.body.runs.map((r: Loose) => r.run_id)).toEqual([runId]);
    const { rows } = await t.database.db
      .selectFrom('assay.evaluation_metrics')
      .select(['metric', 'value', 'run_name'])
      .where('run_id', '=', runId)
      .execute()
      .then((r) => ({ rows: r }));
    expect(rows.find((r) => r.metric === 'pass_rate')).toMatchObject({ run_name: 'support-v1' });
    expect(rows.find((r) => r.metric === 'pass_rate')!.value).toBeCloseTo(0.88, 10);
  });
});
