/**
 * Every counter of a monitoring run against what is actually stored, on both queues: traces seen and
 * copied, assessments written, each scorer's sampled / scored / errored / not applicable / skipped,
 * judge calls (as the judge counted them), tokens and cost. Small chunks and a wide judge pool make
 * feedback batches of one chunk commit at the same time, where increments used to get lost.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSampled } from '../../src/domain/sampling.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { jobHandlers } from '../../workers/index.ts';

const N = 400;
const RATES = { safety: 1.0, relevance_to_query: 0.5, retrieval_relevance: 0.3 } as const;
const PRICES = { 'fake-judge': { input: 0.4, output: 1.6 } };

interface RunView {
  traces_seen: number;
  traces_copied: number;
  assessments_written: number;
  judge_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
  scorers: Record<string, { sampled: number; scored: number; errored: number; not_applicable: number; skipped_existing: number }>;
}

describe.each(['in-process', 'bullmq'] as const)('run counters match the stored rows (%s queue)', (queue) => {
  let t: TestApp;
  let judge: FakeJudge;
  let sql: pg.Client;
  let admin: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];

  beforeAll(async () => {
    judge = await startFakeJudge({ latencyMs: 2 });
    t = await startTestApp({
      queue,
      env: {
        ASSAY_OFFLINE_JUDGE: 'false',
        ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`,
        ASSAY_JUDGE_API_KEY: 'test-key',
        ASSAY_JUDGE_CONCURRENCY: '32',
        ASSAY_JUDGE_PRICES: JSON.stringify(PRICES),
        ASSAY_MONITOR_CHUNK_SIZE: '40',
      },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/experiments/${experimentId}/monitor`,
      headers: admin,
      payload: { results_schema: 'counted', scorers: Object.entries(RATES).map(([name, sample_rate]) => ({ name, sample_rate })) },
    });
    expect(put.statusCode, put.body).toBe(201);
    traceIds = await ingestSamples(t.ctx, experimentId, N, { seed: `counts-${queue}` });
    sql = new pg.Client({ connectionString: t.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await t?.close();
    await judge?.close();
  });

  async function runView(runId: string): Promise<RunView> {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin });
    return response.json().runs.find((r: { run_id: string }) => r.run_id === runId);
  }

  /** What the run's rows say: per scorer, pairs fine and in error; every row; tokens and cost. */
  async function stored(runId: string) {
    const { rows } = await sql.query(
      `select count(*)::int as rows,
              coalesce(sum((metadata->>'assay.judge.input_tokens')::int), 0)::int as input,
              coalesce(sum((metadata->>'assay.judge.output_tokens')::int), 0)::int as output,
              coalesce(sum((metadata->>'assay.judge.cost')::float8), 0) as cost
         from assay.assessment where kind = 'feedback' and metadata->>'assay.monitor.run_id' = $1`,
      [runId],
    );
    const pairs = await sql.query(
      `select split_part(split_part(idempotency_key, '#', 1), ':', 3) as scorer,
              count(*) filter (where not errored)::int as scored, count(*) filter (where errored)::int as errored
         from (select idempotency_key, bool_or(error is not null) over (partition by split_part(idempotency_key, '#', 1)) as errored
                 from assay.assessment where metadata->>'assay.monitor.run_id' = $1) a
        where idempotency_key not like '%#%'
        group by 1`,
      [runId],
    );
    return { ...rows[0], scorers: Object.fromEntries(pairs.rows.map((p: { scorer: string }) => [p.scorer, p])) };
  }

  it('counts every trace, row, pair, judge call, token and cost of a run', async () => {
    const callsBefore = judge.calls.length;
    const runId = await startMonitorRun(t, admin, experimentId);
    const run = await runView(runId);
    const rows = await stored(runId);
    const copied = await sql.query(`select count(*)::int as n from counted.trace_logs_${experimentId}`);

    expect(run.traces_seen).toBe(N);
    expect(run.traces_copied).toBe(copied.rows[0].n);
    expect(run.traces_copied).toBe(N);
    expect(rows.rows).toBeGreaterThan(N); // retrieval_relevance writes a feedback per chunk and a precision
    expect(run.assessments_written).toBe(rows.rows);
    for (const [name, rate] of Object.entries(RATES)) {
      const sampled = traceIds.filter((id) => isSampled(id, rate)).length;
      const counts = run.scorers[name]!;
      expect(counts.sampled, name).toBe(sampled);
      expect(counts.scored, name).toBe(rows.scorers[name]?.scored ?? 0);
      expect(counts.errored, name).toBe(rows.scorers[name]?.errored ?? 0);
      expect(counts.skipped_existing, name).toBe(0);
      expect(counts.scored + counts.errored + counts.not_applicable, name).toBe(sampled);
    }
    expect(run.scorers.retrieval_relevance!.not_applicable).toBeGreaterThan(0);
    expect(run.judge_calls).toBe(judge.calls.length - callsBefore);
    expect(run.input_tokens).toBe(rows.input);
    expect(run.output_tokens).toBe(rows.output);
    expect(run.input_tokens).toBeGreaterThan(0);
    expect(run.cost).toBeCloseTo(rows.cost, 9);
    expect(run.cost).toBeCloseTo((rows.input * 0.4 + rows.output * 1.6) / 1e6, 9);
  });

  it('counts pairs stored by an earlier run as skipped, not scored', async () => {
    const changed = traceIds.slice(0, 3);
    for (const id of changed) {
      const label = await t.app.inject({
        method: 'POST',
        url: `/api/v1/traces/${id}/assessments`,
        headers: admin,
        payload: { assessment_name: 'expert_label', feedback: { value: 'yes' } },
      });
      expect(label.statusCode, label.body).toBe(201);
    }
    const fresh = await ingestSamples(t.ctx, experimentId, 20, { seed: `counts-${queue}-fresh` });
    const callsBefore = judge.calls.length;
    const runId = await startMonitorRun(t, admin, experimentId);
    const run = await runView(runId);
    const rows = await stored(runId);

    expect(run.traces_seen).toBe(23);
    expect(run.traces_copied).toBe(23);
    expect(run.assessments_written).toBe(rows.rows);
    const window = [...changed, ...fresh];
    for (const [name, rate] of Object.entries(RATES)) {
      const counts = run.scorers[name]!;
      expect(counts.sampled, name).toBe(window.filter((id) => isSampled(id, rate)).length);
      expect(counts.scored, name).toBe(rows.scorers[name]?.scored ?? 0);
      expect(counts.skipped_existing + counts.not_applicable + counts.scored + counts.errored, name).toBe(counts.sampled);
    }
    expect(run.scorers.safety).toMatchObject({ sampled: 23, scored: 20, skipped_existing: 3 });
    expect(run.judge_calls).toBe(judge.calls.length - callsBefore);
    expect(run.input_tokens).toBe(rows.input);
  });
});
