/**
 * Session judging survives an interrupted chunk and duplicate deliveries: a chunk stopped in the
 * middle of its judge calls (as a killed worker leaves it) and then delivered twice at once stores
 * exactly one feedback per (session, scorer) and never judges a stored pair again. With session
 * judges turned off, a monitor document naming one is refused.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isSampled } from '../../src/domain/sampling.ts';
import { monitorRuns } from '../../src/services/monitor-run-kind.ts';
import { planRun, runSlice } from '../../src/services/run-engine.ts';
import { startRunNow } from '../../src/services/monitor-runs.ts';
import { findRun } from '../../src/storage/monitor-repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, newExperiment, putMonitor } from '../support/monitor.ts';
import { mlflowTrace, newTraceHex, type Json } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

const SESSIONS = Array.from({ length: 24 }, (_, i) => `crash-${i}`);
let t: TestApp;
let judge: FakeJudge;
let sql: pg.Client;

beforeAll(async () => {
  judge = await startFakeJudge({ latencyMs: 30 });
  t = await startTestApp({
    env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k', ASSAY_JUDGE_CONCURRENCY: '2' },
  });
  sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
  await judge?.close();
});

it('an interrupted session chunk, then delivered twice, stores each (session, scorer) once', async () => {
  const experimentId = await newExperiment(t.ctx);
  await configureMonitor(t, experimentId, {
    results_schema: 'sesscrash',
    session_idle_seconds: 1,
    scorers: [{ name: 'conversation_completeness' }, { name: 'knowledge_retention', sample_rate: 0.5 }],
  });
  for (const session of SESSIONS) {
    const trace = mlflowTrace(newTraceHex(), [{ id: 1, name: 'chat', inputs: { question: `q ${session}` }, outputs: { answer: 'a' } }], {
      trace_metadata: { 'mlflow.trace.session': session },
    });
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: trace as Json });
    expect(res.statusCode).toBe(200);
  }
  await waitFor(
    async () => (await sql.query(`select now() - max(created_at) > interval '1 second' as idle from assay.trace`)).rows[0].idle === true,
    { what: 'sessions to go idle', timeoutMs: 10_000, intervalMs: 100 },
  );

  // No worker runs here: the test plays the worker's part.
  const run = await startRunNow(t.ctx, experimentId);
  await planRun(t.ctx, monitorRuns, run.run_id);
  const chunks = (await sql.query(`select distinct chunk from assay.monitor_run_session where run_id = $1 order by 1`, [run.run_id])).rows.map(
    (r: { chunk: number }) => r.chunk,
  );
  expect(chunks).toHaveLength(1);
  const chunk = chunks[0] as number;
  // The traces' own chunk (copying them) runs as usual.
  const all = (await sql.query(`select chunk from assay.monitor_run_chunk where run_id = $1`, [run.run_id])).rows.map((r: { chunk: number }) => r.chunk);
  for (const other of all.filter((c: number) => c !== chunk)) await runSlice(t.ctx, monitorRuns, run.run_id, other, new AbortController().signal);

  const stop = new AbortController();
  void judge.waitForCalls(6).then(() => stop.abort());
  await expect(runSlice(t.ctx, monitorRuns, run.run_id, chunk, stop.signal)).rejects.toThrow();
  await judge.idle();
  const storedAtStop = Number((await sql.query(`select count(*)::int as n from assay.assessment`)).rows[0].n);
  const callsAtStop = judge.calls.length;
  const pairs = SESSIONS.length + SESSIONS.filter((s) => isSampled(s, 0.5)).length;
  expect(storedAtStop).toBeGreaterThan(0);
  expect(storedAtStop).toBeLessThan(pairs);

  await Promise.all([runSlice(t.ctx, monitorRuns, run.run_id, chunk, new AbortController().signal), runSlice(t.ctx, monitorRuns, run.run_id, chunk, new AbortController().signal)]);
  const finished = await findRun(t.ctx.db, run.run_id);
  expect(finished?.status).toBe('succeeded');

  const { rows } = await sql.query(
    `select metadata ->> 'mlflow.trace.session' as s, name, count(*)::int as n, bool_and(valid) as valid
     from assay.assessment group by 1, 2`,
  );
  expect(rows).toHaveLength(pairs);
  expect(rows.every((r: { n: number; valid: boolean }) => r.n === 1 && r.valid)).toBe(true);
  // The run's counts come from the stored rows: every pair once, under its scorer's name (the
  // sessions' last traces are in the run's trace window too, and are not counted twice there).
  expect(Object.keys(finished!.counts.scorers ?? {}).sort()).toEqual(['conversation_completeness', 'knowledge_retention']);
  expect(finished!.counts.scorers?.conversation_completeness).toMatchObject({ scored: SESSIONS.length, errored: 0 });
  expect(finished!.counts.scorers?.knowledge_retention).toMatchObject({ scored: pairs - SESSIONS.length, errored: 0 });
  expect(finished!.counts.assessments_written).toBe(pairs);
  // What was stored before the stop was not judged again; the two deliveries may both ask for the rest.
  expect(judge.calls.length - callsAtStop).toBeLessThanOrEqual(2 * (pairs - storedAtStop));
});

it('refuses session judges when they are turned off', async () => {
  const off = await startTestApp({ env: { ASSAY_SESSION_JUDGES: 'false' } });
  try {
    const experimentId = await newExperiment(off.ctx);
    const res = await putMonitor(off, experimentId, { results_schema: 'off', scorers: [{ name: 'safety' }, { name: 'user_frustration' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('scorers[1].name: session judges are turned off');
  } finally {
    await off.close();
  }
});
