/**
 * The TypeScript client against a listening server: `evaluate()` with a local async function (one
 * that throws on some rows), traces recorded per call, and the typed calls for datasets, runs,
 * comparisons and assessments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssayApiError, AssayClient, type EvaluateProgress } from '../../src/client/index.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { deferred } from '../support/wait-for.ts';

const N = 12;
const numberIn = (text: string) => Number(/city (\d+)/.exec(text)?.[1] ?? -1);

describe('client evaluate()', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let assay: AssayClient;

  beforeAll(async () => {
    judge = await startFakeJudge();
    judge.setAnswer('correctness', (c) => {
      const ok = (c.sections.RESPONSE ?? '').includes('Capital of');
      return { rationale: ok ? 'matches' : 'does not match', result: ok ? 'yes' : 'no' };
    });
    t = await startTestApp({ env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k' } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { authorization } = await t.tokenHeaders('writer', 'app-developer');
    assay = new AssayClient({ url, token: authorization!.replace('Bearer ', '') });
  });

  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  it('runs predict locally with bounded concurrency, tracing each call; throwing rows are errored', async () => {
    const data = Array.from({ length: N }, (_, i) => ({
      inputs: { question: `What is the capital of city ${i}?` },
      expectations: { expected_response: `Capital of city ${i}` },
    }));
    let inFlight = 0;
    let peak = 0;
    // The first three calls wait for each other: they overlap whatever the machine's speed.
    const threeInFlight = deferred();
    const progress: EvaluateProgress[] = [];
    const { run, rows } = await assay.evaluate({
      name: 'local-fn',
      data,
      concurrency: 3,
      onProgress: (p) => progress.push(p),
      predict: async ({ question }) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        if (inFlight === 3) threeInFlight.resolve();
        await threeInFlight.promise;
        await new Promise((r) => setTimeout(r, 15));
        inFlight -= 1;
        const i = numberIn(question);
        if (i % 5 === 0) throw new Error(`no answer for city ${i}`);
        return i === 7 ? 'I do not know' : `Capital of city ${i}`;
      },
    });
    expect(peak).toBe(3);
    expect(progress.filter((p) => p.phase === 'predict').at(-1)).toEqual({ phase: 'predict', done: N, total: N });
    expect(progress.at(-1)).toMatchObject({ phase: 'score', done: N, total: N });

    // Rows 0, 5, 10 threw; row 7 answered wrongly; the rest pass.
    expect(run.status).toBe('succeeded');
    expect(run.progress).toMatchObject({ rows: N, errored: 3, done: 9, passed: 8, failed: 1 });
    const errored = rows.filter((r) => r.status === 'errored');
    expect(errored.map((r) => r.row_index)).toEqual([0, 5, 10]);
    expect(errored[1]!.error).toBe('no answer for city 5');
    const seven = rows.find((r) => r.row_index === 7)!;
    expect(seven).toMatchObject({ passed: false, failing_judges: ['correctness'], outputs: 'I do not know' });
    expect(seven.verdicts.find((v) => v.name === 'correctness')!.rationale).toBe('does not match');
    expect(run.metrics['correctness/mean']).toBeCloseTo(8 / 9, 10);
    expect(run.metrics.error_rate).toBeCloseTo(3 / N, 10);
    // Latency is the traced call's duration: the percentiles lie within the rows' trace durations.
    const durations = await Promise.all(rows.map(async (r) => (await assay.getTrace(r.trace_id!)).info.execution_duration_ms! / 1000));
    expect(run.metrics['latency_seconds/p50']).toBeGreaterThanOrEqual(Math.min(...durations));
    expect(run.metrics['latency_seconds/p90']).toBeGreaterThanOrEqual(run.metrics['latency_seconds/p50']!);
    expect(run.metrics['latency_seconds/p90']).toBeLessThanOrEqual(Math.max(...durations));

    const trace = await assay.getTrace(seven.trace_id!);
    expect(trace.info.state).toBe('OK');
    expect(trace.info.trace_metadata['assay.evaluation.run_id']).toBe(run.run_id);
    expect(trace.info.assessments.map((a) => a.assessment_name).sort()).toEqual(['correctness', 'expected_response', 'safety']);
    const failedTrace = await assay.getTrace(errored[0]!.trace_id!);
    expect(failedTrace.info.state).toBe('ERROR');
  });

  it('reads runs, compares them, and reports API errors with their codes', async () => {
    const data = [{ inputs: { question: 'city 1' } }, { inputs: { question: 'city 2' } }];
    const a = await assay.evaluate({ name: 'cmp', data, predict: async () => 'fine', scorers: ['safety'] });
    const b = await assay.evaluate({ name: 'cmp', data, predict: async () => 'fine', scorers: ['safety'] });
    expect(a.run.experiment_id).toBe(b.run.experiment_id);
    const comparison = await assay.compareEvaluations(a.run.run_id, b.run.run_id);
    expect(comparison.rows).toMatchObject({ matched: 2, unchanged: 2, regressions: [], improvements: [] });
    const listed = await assay.listEvaluations({ experiment_id: a.run.experiment_id });
    expect(listed.runs).toHaveLength(2);
    const error = await assay.getEvaluation('ev-nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssayApiError);
    expect((error as AssayApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    await assay.deleteEvaluation(b.run.run_id);
    expect((await assay.listEvaluations({ experiment_id: a.run.experiment_id })).runs).toHaveLength(1);
  });

  it('creates datasets, merges records and evaluates them by name', async () => {
    await assay.createDataset('evals.client');
    await assay.mergeRecords('evals.client', [{ inputs: { question: 'city 3' }, outputs: 'Capital of city 3' }]);
    const run = await assay.createEvaluation({ data: { name: 'evals.client' }, scorers: ['safety'] });
    const finished = await assay.waitForEvaluation(run.run_id, { pollMs: 50 });
    expect(finished.dataset).toEqual({ name: 'evals.client', version: 1 });
    const { evaluation_runs } = await assay.getDataset('evals.client');
    expect(evaluation_runs.map((r) => r.run_id)).toEqual([run.run_id]);
  });
});
