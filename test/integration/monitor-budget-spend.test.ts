/**
 * Token and dollar budgets end to end. Tokens and cost are known only after a call, so these limits
 * stop new calls once reached and calls already granted may pass them by their own use: at most one
 * reservation block per chunk in flight. Each day a run judges until the limit is reached, books
 * exactly what the judged pairs used, defers the rest (explained with when it is judged), and the
 * next days take the deferred pairs up until every pair is judged once, none twice, none lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun, turnBudgetDay } from '../support/monitor.ts';

const TRACES = 20;
const SCORERS = ['safety', 'relevance_to_query'];
const PAIRS = TRACES * SCORERS.length;
const CHUNK_SIZE = 4;
const WORKERS = 2;
/** Calls one chunk can hold before its tokens are booked: its judge pairs (fewer than a reservation block). */
const UNBOOKED_CALLS = WORKERS * CHUNK_SIZE * SCORERS.length;
/** USD per million tokens: a call of a few hundred tokens costs a few tenths of a dollar. */
const PRICE = 1000;

describe.each([
  { limit: 'max_tokens', max: 4000 },
  { limit: 'max_cost_usd', max: 4 },
] as const)('judge budget by $limit', ({ limit, max }) => {
  let t: TestApp;
  let judge: FakeJudge;
  let admin: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];
  let testCalls = 0;

  beforeAll(async () => {
    judge = await startFakeJudge();
    t = await startTestApp({
      queue: 'bullmq',
      env: {
        ASSAY_OFFLINE_JUDGE: 'false',
        ASSAY_JUDGE_BASE_URL: judge.url,
        ASSAY_JUDGE_API_KEY: 'k',
        ASSAY_JUDGE_MODEL: 'gpt-4.1-mini',
        ASSAY_JUDGE_PRICES: JSON.stringify({ 'gpt-4.1-mini': { input: PRICE, output: PRICE } }),
        ASSAY_MONITOR_CHUNK_SIZE: String(CHUNK_SIZE),
      },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: WORKERS });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    await configureMonitor(t, experimentId, { results_schema: 'monitoring', scorers: SCORERS.map((name) => ({ name })), budget: { period: 'day', [limit]: max } }, admin);
    traceIds = await ingestSamples(t.ctx, experimentId, TRACES, { seed: `spend-${limit}` });
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  const feedback = async () => {
    const rows = await t.database.db.selectFrom('assay.assessment').select(['trace_id', 'name', 'metadata']).where('kind', '=', 'feedback').execute();
    return rows.map((r) => {
      const tokens = Number(r.metadata['assay.judge.input_tokens']) + Number(r.metadata['assay.judge.output_tokens']);
      return { pair: `${r.trace_id}/${r.name}`, tokens, cost: Number(r.metadata['assay.judge.cost']) };
    });
  };
  const budget = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/budget`, headers: admin })).json();
  const lastRun = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin })).json().runs[0];
  const spendOf = (rows: Array<{ tokens: number; cost: number }>) => rows.reduce((n, r) => n + (limit === 'max_tokens' ? r.tokens : r.cost), 0);

  it('tells before any run what the limit allows, from what the test calls took', async () => {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/monitor/test`, headers: admin, payload: { max_traces: TRACES } });
    expect(response.statusCode, response.body).toBe(200);
    const { run_judge_calls: calls, budget } = response.json();
    expect(calls).toBe(PAIRS);
    const perCall = limit === 'max_tokens' ? budget.per_call.tokens : budget.per_call.cost_usd;
    expect(perCall).toBeGreaterThan(0);
    expect(budget.allowed_judge_calls).toBe(Math.ceil(max / perCall));
    expect(budget.allowed_judge_calls).toBeLessThan(PAIRS);
    expect(budget.deferred_judge_calls).toBe(PAIRS - budget.allowed_judge_calls);
    testCalls = judge.calls.length;
  });

  it('each day judges until the limit is reached, books what it used, defers the rest, and in the end judges every pair once', async () => {
    let judgedBefore = new Set<string>();
    let deferredBefore = PAIRS;
    for (let day = 0; deferredBefore > 0; day += 1) {
      expect(day, 'days needed to judge every pair').toBeLessThan(6);
      if (day > 0) {
        // The day turns: today's use becomes yesterday's.
        await turnBudgetDay(t.database.db, experimentId);
      }
      await startMonitorRun(t, admin, experimentId);
      const rows = await feedback();
      const fresh = rows.filter((r) => !judgedBefore.has(r.pair));
      const run = await lastRun();
      const used = (await budget()).used;
      const spent = limit === 'max_tokens' ? used.tokens : used.cost_usd;
      // Exactly the judged pairs' use is booked, and a call was made only for a pair it judged.
      expect(spent).toBeCloseTo(spendOf(fresh), 6);
      expect(run.judge_calls).toBe(fresh.length);
      expect(used.judge_calls).toBe(fresh.length);
      const perCall = Math.max(...fresh.map((r) => (limit === 'max_tokens' ? r.tokens : r.cost)));
      expect(spent).toBeLessThan(max + UNBOOKED_CALLS * perCall);
      expect(run.deferred).toBe(deferredBefore - fresh.length);
      if (run.deferred > 0) {
        // Deferred only once the limit was reached.
        expect(spent).toBeGreaterThanOrEqual(max);
        const waiting = traceIds.flatMap((id) => SCORERS.map((s) => [id, s] as const)).find(([id, s]) => !rows.some((r) => r.pair === `${id}/${s}`))!;
        const why = (await t.app.inject({ method: 'GET', url: `/api/v1/traces/${waiting[0]}/monitor-decisions`, headers: admin })).json();
        const decision = why.scorers.find((d: { scorer: string }) => d.scorer === waiting[1]);
        expect(decision).toMatchObject({ decision: 'deferred_by_budget', deferred: { budget: 'day' } });
        expect(decision.reason).toContain(`renews at ${(await budget()).renews_at}`);
      }
      expect(fresh.length, `day ${day} judged nothing`).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.pair)).size).toBe(rows.length);
      judgedBefore = new Set(rows.map((r) => r.pair));
      deferredBefore = run.deferred;
    }
    expect(judgedBefore.size).toBe(PAIRS);
    // The test's calls draw on no budget and write nothing.
    expect(judge.calls).toHaveLength(testCalls + PAIRS);
    expect(await t.database.db.selectFrom('assay.monitor_deferred').selectAll().execute()).toHaveLength(0);
  });
});
