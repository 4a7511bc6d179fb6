/** `…/monitor/test` (dry run with applicability) and `…/monitor/backfill` (estimate, then confirm). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment, waitForRun } from '../support/monitor.ts';
import { jobHandlers } from '../../workers/index.ts';

describe('monitor test and backfill', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let id: string;
  const start = Date.parse('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    t = await startTestApp();
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    admin = await t.tokenHeaders('admin');
    id = await newExperiment(t.ctx);
    // 40 old traces (before the monitor exists); every 20th sample has no RETRIEVER span.
    await ingestSamples(t.ctx, id, 40, { seed: 'backfill', startMs: start });
    await configureMonitor(t, id, { results_schema: 'bf', scorers: [{ name: 'safety' }, { name: 'retrieval_groundedness', sample_rate: 0.5 }] }, admin);
  });
  afterAll(() => t?.close());

  it('tests scorers on the latest traces without writing, saying where they do not apply and why', async () => {
    const before = await t.ctx.db.selectFrom('assay.assessment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${id}/monitor/test`,
      headers: admin,
      payload: { max_traces: 20 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.traces).toBe(20);
    const safety = body.scorers.find((s: { name: string }) => s.name === 'safety');
    expect(safety).toMatchObject({ applied: 20, not_applicable: 0 });
    expect(safety.samples.length).toBeGreaterThan(0);
    const grounded = body.scorers.find((s: { name: string }) => s.name === 'retrieval_groundedness');
    expect(grounded.not_applicable).toBe(1);
    expect(Object.keys(grounded.reasons).join(' ')).toMatch(/RETRIEVER/i);
    const after = await t.ctx.db.selectFrom('assay.assessment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("says what a run at the monitor's rates would call the judge for, and what today's budget allows", async () => {
    const first = (await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${id}/monitor/test`, headers: admin, payload: { max_traces: 20 } })).json();
    expect(first.budget).toBeNull(); // no budget in this monitor
    const safety = first.scorers.find((s: { name: string }) => s.name === 'safety');
    const grounded = first.scorers.find((s: { name: string }) => s.name === 'retrieval_groundedness');
    expect(safety.sampled).toBe(20); // rate 1
    expect(grounded.sampled).toBeLessThan(grounded.applied); // rate 0.5 of 19 applicable traces
    expect(first.run_judge_calls).toBe(safety.sampled + grounded.sampled);

    const budgeted = await newExperiment(t.ctx);
    await ingestSamples(t.ctx, budgeted, 10, { seed: 'budgeted-test', startMs: start });
    await configureMonitor(t, budgeted, { results_schema: 'bt', scorers: [{ name: 'safety' }], budget: { period: 'day', max_judge_calls: 4 } }, admin);
    const tested = (await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${budgeted}/monitor/test`, headers: admin, payload: { max_traces: 10 } })).json();
    expect(tested.run_judge_calls).toBe(10);
    expect(tested.budget).toMatchObject({ allowed_judge_calls: 4, deferred_judge_calls: 6, used_today: { judge_calls: 0 } });
  });

  it('estimates a backfill first and runs it only when confirmed', async () => {
    const range = { start_time: new Date(start).toISOString(), end_time: new Date(start + 20_000).toISOString() };
    const estimate = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${id}/monitor/backfill`, headers: admin, payload: range });
    expect(estimate.statusCode, estimate.body).toBe(200);
    const body = estimate.json();
    expect(body.confirmed).toBe(false);
    expect(body.estimate.traces).toBe(20);
    const safety = body.estimate.scorers.find((s: { name: string }) => s.name === 'safety');
    expect(safety).toMatchObject({ sampled: 20, judge_calls: 20, already_scored: 0 });
    expect(body.estimate.judge_calls).toBeGreaterThanOrEqual(20);
    const none = await t.ctx.db.selectFrom('assay.monitor_run').select('run_id').where('experiment_id', '=', Number(id)).execute();
    expect(none).toEqual([]);

    const confirmed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${id}/monitor/backfill`,
      headers: admin,
      payload: { ...range, confirm: true },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(202);
    await waitForRun(t.ctx, confirmed.json().run.run_id);
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${id}/monitor/backfill`, headers: admin, payload: range });
    const after = again.json().estimate.scorers.find((s: { name: string }) => s.name === 'safety');
    expect(after).toMatchObject({ sampled: 20, already_scored: 20, judge_calls: 0 });
  });

  it('rejects a backfill with a bad range, naming the field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${id}/monitor/backfill`,
      headers: admin,
      payload: { start_time: '2026-02-01T00:00:00Z', end_time: '2026-01-01T00:00:00Z' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('end_time');
  });
});
