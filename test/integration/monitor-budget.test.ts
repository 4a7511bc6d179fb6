/**
 * Judge budgets: with a budget of N calls a run makes at most N judge calls, however many chunks
 * judge at once; the rest is deferred (counted, explained, not marked scored) and judged in the
 * next period, with no pair judged twice and none lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun, turnBudgetDay } from '../support/monitor.ts';
import { waitFor } from '../support/wait-for.ts';

const BUDGET = 25;
const TRACES = 20;
const SCORERS = ['safety', 'relevance_to_query'];

describe('judge budget', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let admin: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];

  beforeAll(async () => {
    judge = await startFakeJudge({ latencyMs: 5 });
    t = await startTestApp({
      queue: 'bullmq',
      env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k', ASSAY_MONITOR_CHUNK_SIZE: '4' },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 6 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    await configureMonitor(t, experimentId, {
      results_schema: 'monitoring',
      scorers: SCORERS.map((name) => ({ name })),
      budget: { max_judge_calls: BUDGET },
      alerts: [{ name: 'budget-spent', metric: 'deferred_pairs', op: '>', threshold: 0, window: { runs: 1 } }],
    }, admin);
    traceIds = await ingestSamples(t.ctx, experimentId, TRACES, { seed: 'budget' });
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  const runs = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin })).json().runs;
  const alertAfter = async (runId: string) => {
    await waitFor(async () => (await t.database.db.selectFrom('assay.monitor_alert').select('last_run_id').executeTakeFirst())?.last_run_id === runId || undefined, { what: 'alert evaluation' });
    return (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin })).json().alerts[0];
  };
  const feedback = () => t.database.db.selectFrom('assay.assessment').select(['trace_id', 'name']).where('kind', '=', 'feedback').execute();

  it('judges at most the budget and defers the rest, visibly', async () => {
    const runId = await startMonitorRun(t, admin, experimentId);
    expect(judge.calls).toHaveLength(BUDGET);
    expect(await alertAfter(runId)).toMatchObject({ state: 'firing', value: TRACES * SCORERS.length - BUDGET });
    const [run] = await runs();
    expect(run).toMatchObject({ status: 'succeeded', judge_calls: BUDGET, deferred: TRACES * SCORERS.length - BUDGET, traces_copied: TRACES });
    expect(run.scorers.safety.deferred + run.scorers.relevance_to_query.deferred).toBe(TRACES * SCORERS.length - BUDGET);
    expect(run.scorers.safety.skipped_existing + run.scorers.relevance_to_query.skipped_existing).toBe(0);
    expect(await feedback()).toHaveLength(BUDGET);

    const budget = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/budget`, headers: admin });
    expect(budget.json()).toMatchObject({ used: { judge_calls: BUDGET }, deferred_pairs: TRACES * SCORERS.length - BUDGET });

    // The explanation agrees with the run for every pair: judged, or deferred by this run.
    const judged = new Set((await feedback()).map((f) => `${f.trace_id}/${f.name}`));
    const renews = budget.json().renews_at as string;
    for (const traceId of traceIds) {
      const why = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}/monitor-decisions`, headers: admin });
      for (const scorer of SCORERS) {
        const decision = why.json().scorers.find((d: { scorer: string }) => d.scorer === scorer);
        if (judged.has(`${traceId}/${scorer}`)) {
          expect(decision).toMatchObject({ decision: 'scored', deferred: null, feedback: { run_id: run.run_id } });
        } else {
          expect(decision).toMatchObject({ decision: 'deferred_by_budget', feedback: null, deferred: { run_id: run.run_id, budget: 'day' } });
          expect(decision.reason).toContain(`used up in run ${run.run_id}`);
          expect(decision.reason).toContain(`renews at ${renews}`);
        }
      }
    }

    // The gauges are refreshed when the run's alert job runs, just after the run.
    const line = `assay_monitor_deferred_pairs{experiment_id="${experimentId}"} ${TRACES * SCORERS.length - BUDGET}`;
    const used = `assay_monitor_budget_used{experiment_id="${experimentId}",resource="judge_calls"} ${BUDGET}`;
    await waitFor(async () => {
      const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      return (body.includes(line) && body.includes(used)) || undefined;
    }, { what: 'deferred pairs and budget use gauges' });
  });

  it('waits while the budget is spent', async () => {
    await startMonitorRun(t, admin, experimentId);
    expect(judge.calls).toHaveLength(BUDGET);
    expect(await feedback()).toHaveLength(BUDGET);
    const estimate = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${experimentId}/monitor/backfill`,
      headers: admin,
      payload: { start_time: new Date(Date.now() - 3 * 3600_000).toISOString(), end_time: new Date().toISOString() },
    });
    expect(estimate.statusCode, estimate.body).toBe(200);
    expect(estimate.json().estimate).toMatchObject({
      judge_calls: TRACES * SCORERS.length - BUDGET,
      budget: { allowed_judge_calls: 0, deferred_judge_calls: TRACES * SCORERS.length - BUDGET, used_today: { judge_calls: BUDGET } },
    });
  });

  it('judges the deferred pairs in the next period, each once', async () => {
    // The day turns: today's use becomes yesterday's.
    await turnBudgetDay(t.database.db, experimentId);
    const runId = await startMonitorRun(t, admin, experimentId);
    expect(await alertAfter(runId)).toMatchObject({ state: 'ok', value: 0 });
    const rows = await feedback();
    expect(rows).toHaveLength(TRACES * SCORERS.length);
    expect(new Set(rows.map((f) => `${f.trace_id}/${f.name}`)).size).toBe(TRACES * SCORERS.length);
    expect(judge.calls).toHaveLength(TRACES * SCORERS.length);
    const [run] = await runs();
    expect(run).toMatchObject({ judge_calls: TRACES * SCORERS.length - BUDGET, deferred: 0 });
    const left = await t.database.db.selectFrom('assay.monitor_deferred').selectAll().execute();
    expect(left).toHaveLength(0);
  });
});
