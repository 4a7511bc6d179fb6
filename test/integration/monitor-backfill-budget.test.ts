/**
 * A backfill's own judge budget: recorded with the backfill, it holds the backfill to at most its
 * calls; the pairs past it are deferred (counted on the run, explained as waiting for another
 * backfill, not taken up by the monitor's runs) and a later backfill of the range judges each of
 * them once, none lost.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun, turnBudgetDay, waitForRun, waitUntilBeforeNewMonitors } from '../support/monitor.ts';

const run = promisify(execFile);
const TRACES = 20;
const SCORERS = ['safety', 'relevance_to_query'];
const PAIRS = TRACES * SCORERS.length;
const OWN = 15;

describe('backfill budget', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let admin: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];
  const start = Date.parse('2026-01-01T00:00:00Z');
  const range = { start_time: new Date(start).toISOString(), end_time: new Date(start + 3600_000).toISOString() };

  beforeAll(async () => {
    judge = await startFakeJudge();
    t = await startTestApp({
      queue: 'bullmq',
      env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k', ASSAY_MONITOR_CHUNK_SIZE: '4' },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    traceIds = await ingestSamples(t.ctx, experimentId, TRACES, { seed: 'backfill-budget', startMs: start });
    await waitUntilBeforeNewMonitors(t.ctx, experimentId);
    // A daily budget with room: the backfill's own budget is the one that binds.
    await configureMonitor(t, experimentId, { results_schema: 'monitoring', scorers: SCORERS.map((name) => ({ name })), budget: { max_judge_calls: 1000 } }, admin);
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  const backfill = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/monitor/backfill`, headers: admin, payload: { ...range, ...payload } });
  const feedback = () => t.database.db.selectFrom('assay.assessment').select(['trace_id', 'name']).where('kind', '=', 'feedback').execute();
  /** The environment of an `assay` command talking to this API as `role`. */
  const cliEnv = async (role: 'admin' | 'reader') => {
    if (!t.app.server.listening) await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const token = (await t.tokenHeaders(role)).authorization!.slice('Bearer '.length);
    return { ...process.env, ASSAY_URL: `http://127.0.0.1:${port}`, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' };
  };
  const explain = async (traceId: string, scorer: string) => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}/monitor-decisions`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().scorers.find((d: { scorer: string }) => d.scorer === scorer);
  };

  it("rejects a bad backfill budget, naming the field, and starts nothing", async () => {
    for (const [budget, field] of [[{}, 'budget'], [{ max_judge_calls: -1 }, 'budget.max_judge_calls'], [{ max_calls: 3 }, 'budget']] as const) {
      const response = await backfill({ budget, confirm: true });
      expect(response.statusCode, JSON.stringify(budget)).toBe(400);
      expect(response.json().message).toContain(field);
    }
    expect(await t.database.db.selectFrom('assay.monitor_run').select('run_id').execute()).toEqual([]);
  });

  it("estimates what the backfill's own budget allows", async () => {
    const response = await backfill({ budget: { max_judge_calls: OWN } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().estimate).toMatchObject({
      judge_calls: PAIRS,
      budget: { allowed_judge_calls: PAIRS, deferred_judge_calls: 0 },
      backfill_budget: { budget: { max_judge_calls: OWN }, allowed_judge_calls: OWN, deferred_judge_calls: PAIRS - OWN },
    });
  });

  it('estimates the same with assay monitor backfill --max-judge-calls', async () => {
    const env = await cliEnv('admin');
    const args = ['bin/assay.mjs', 'monitor', 'backfill', experimentId, '--from', range.start_time, '--to', range.end_time, '--max-judge-calls', String(OWN)];
    const { stdout } = await run(process.execPath, args, { env, cwd: process.cwd() });
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ confirmed: false, estimate: { backfill_budget: { budget: { max_judge_calls: OWN }, allowed_judge_calls: OWN } } });
  });

  it('judges at most its own budget, records it with the backfill and defers the rest', async () => {
    const response = await backfill({ budget: { max_judge_calls: OWN }, confirm: true });
    expect(response.statusCode, response.body).toBe(202);
    const runId = response.json().run.run_id as string;
    await waitForRun(t.ctx, runId);
    expect(judge.calls).toHaveLength(OWN);
    expect(await feedback()).toHaveLength(OWN);
    const runs = (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin })).json().runs;
    expect(runs[0]).toMatchObject({
      run_id: runId,
      kind: 'backfill',
      status: 'succeeded',
      judge_calls: OWN,
      deferred: PAIRS - OWN,
      backfill_budget: { max_judge_calls: OWN, used: { judge_calls: OWN } },
    });
    // The backfill's calls count against the day as well.
    const budget = (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/budget`, headers: admin })).json();
    expect(budget).toMatchObject({ used: { judge_calls: OWN }, deferred_pairs: PAIRS - OWN, deferred_for_backfill: PAIRS - OWN });

    const judged = new Set((await feedback()).map((f) => `${f.trace_id}/${f.name}`));
    const waiting = traceIds.flatMap((id) => SCORERS.map((s) => [id, s] as const)).filter(([id, s]) => !judged.has(`${id}/${s}`));
    expect(waiting).toHaveLength(PAIRS - OWN);
    for (const [traceId, scorer] of waiting) {
      const decision = await explain(traceId, scorer);
      expect(decision).toMatchObject({ decision: 'deferred_by_budget', feedback: null, deferred: { run_id: runId, budget: 'backfill' } });
      expect(decision.reason).toContain(`backfill run ${runId} used up its own judge budget (max_judge_calls ${OWN})`);
      expect(decision.reason).toContain('another backfill');
    }
    // The CLI prints the whole reason, with what will judge the pair.
    const { stdout } = await run(process.execPath, ['bin/assay.mjs', 'traces', 'why', waiting[0]![0]], { env: await cliEnv('reader'), cwd: process.cwd() });
    expect(stdout).toContain('deferred_by_budget');
    expect(stdout).toContain('another backfill whose range holds this trace judges it');
  });

  it("leaves the pairs past a backfill's budget to another backfill, not to the monitor's runs", async () => {
    await startMonitorRun(t, admin, experimentId);
    expect(judge.calls).toHaveLength(OWN);
    expect(await feedback()).toHaveLength(OWN);
  });

  it('judges the deferred pairs with the next backfill of the range, each once', async () => {
    const estimate = (await backfill({ budget: { max_judge_calls: 100 } })).json().estimate;
    expect(estimate).toMatchObject({ judge_calls: PAIRS - OWN, backfill_budget: { allowed_judge_calls: PAIRS - OWN, deferred_judge_calls: 0 } });
    const response = await backfill({ budget: { max_judge_calls: 100 }, confirm: true });
    expect(response.statusCode, response.body).toBe(202);
    await waitForRun(t.ctx, response.json().run.run_id);
    const rows = await feedback();
    expect(rows).toHaveLength(PAIRS);
    expect(new Set(rows.map((f) => `${f.trace_id}/${f.name}`)).size).toBe(PAIRS);
    expect(judge.calls).toHaveLength(PAIRS);
    expect(await t.database.db.selectFrom('assay.monitor_deferred').selectAll().execute()).toHaveLength(0);
    const runs = (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin })).json().runs;
    expect(runs[0]).toMatchObject({ kind: 'backfill', judge_calls: PAIRS - OWN, deferred: 0, backfill_budget: { max_judge_calls: 100, used: { judge_calls: PAIRS - OWN } } });
  });
});

describe('backfill budget under a spent daily budget', () => {
  const DAILY = 10;
  let t: TestApp;
  let judge: FakeJudge;
  let admin: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];
  const start = Date.parse('2026-02-01T00:00:00Z');
  const range = { start_time: new Date(start).toISOString(), end_time: new Date(start + 3600_000).toISOString() };

  beforeAll(async () => {
    judge = await startFakeJudge();
    t = await startTestApp({ env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k', ASSAY_MONITOR_CHUNK_SIZE: '4' } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    traceIds = await ingestSamples(t.ctx, experimentId, TRACES, { seed: 'backfill-daily', startMs: start });
    await waitUntilBeforeNewMonitors(t.ctx, experimentId);
    await configureMonitor(t, experimentId, { results_schema: 'monitoring', scorers: SCORERS.map((name) => ({ name })), budget: { max_judge_calls: DAILY } }, admin);
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  const backfill = async (payload: Record<string, unknown>) => {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/monitor/backfill`, headers: admin, payload: { ...range, ...payload, confirm: true } });
    expect(response.statusCode, response.body).toBe(202);
    await waitForRun(t.ctx, response.json().run.run_id);
    return response.json().run.run_id as string;
  };
  const feedback = () => t.database.db.selectFrom('assay.assessment').select(['trace_id', 'name']).where('kind', '=', 'feedback').execute();
  const waitingPair = async () => {
    const judged = new Set((await feedback()).map((f) => `${f.trace_id}/${f.name}`));
    return traceIds.flatMap((id) => SCORERS.map((s) => [id, s] as const)).find(([id, s]) => !judged.has(`${id}/${s}`))!;
  };
  const explain = async ([traceId, scorer]: readonly [string, string]) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}/monitor-decisions`, headers: admin })).json().scorers.find((d: { scorer: string }) => d.scorer === scorer);

  it("keeps what a budgeted backfill deferred for a backfill, even when the daily budget stopped it", async () => {
    const runId = await backfill({ budget: { max_judge_calls: 30 } });
    expect(judge.calls).toHaveLength(DAILY);
    const decision = await explain(await waitingPair());
    expect(decision).toMatchObject({ decision: 'deferred_by_budget', deferred: { run_id: runId, budget: 'backfill' } });
    expect(decision.reason).toContain(`the monitor's daily judge budget ran out during backfill run ${runId} (its own budget (max_judge_calls 30) was not used up)`);
    await turnBudgetDay(t.database.db, experimentId);
    await startMonitorRun(t, admin, experimentId);
    expect(judge.calls).toHaveLength(DAILY);
  });

  it('leaves what a backfill without a budget of its own deferred to the next days, each pair once', async () => {
    const runId = await backfill({});
    expect(judge.calls).toHaveLength(2 * DAILY);
    const decision = await explain(await waitingPair());
    expect(decision).toMatchObject({ decision: 'deferred_by_budget', deferred: { run_id: runId, budget: 'day' } });
    expect(decision.reason).toContain('renews at');
    for (let day = 0; day < 2; day += 1) {
      await turnBudgetDay(t.database.db, experimentId);
      await startMonitorRun(t, admin, experimentId);
    }
    const rows = await feedback();
    expect(rows).toHaveLength(PAIRS);
    expect(new Set(rows.map((f) => `${f.trace_id}/${f.name}`)).size).toBe(PAIRS);
    expect(judge.calls).toHaveLength(PAIRS);
    expect(await t.database.db.selectFrom('assay.monitor_deferred').selectAll().execute()).toHaveLength(0);
  });
});
