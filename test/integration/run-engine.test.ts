/**
 * The run engine's own guarantees, shown on a monitoring run: work dealt round-robin into slices,
 * a run whose slices all ended before it could finish is finished when planned again (once), and
 * a failed run stays failed with its reason.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { explainTrace } from '../../src/services/monitor-explain.ts';
import { monitorRuns } from '../../src/services/monitor-run-kind.ts';
import { startRunNow } from '../../src/services/monitor-runs.ts';
import { failRun, planRun, runSlice } from '../../src/services/run-engine.ts';
import { findRun } from '../../src/storage/monitor-repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment } from '../support/monitor.ts';

let t: TestApp;
let sql: pg.Client;

beforeAll(async () => {
  t = await startTestApp({ env: { ASSAY_MONITOR_CHUNK_SIZE: '4' } });
  sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

async function monitoredExperiment(schema: string, traces: number, from: number): Promise<string> {
  const experimentId = await newExperiment(t.ctx);
  await configureMonitor(t, experimentId, { results_schema: schema, scorers: [{ name: 'safety' }] });
  await ingestSamples(t.ctx, experimentId, traces, { from });
  return experimentId;
}

it('deals the window round-robin into chunks and finishes a run whose chunks all ended when it is planned again', async () => {
  // Two requests: within one, traces are stored in trace id order, so the window's sequence order
  // differs from trace id order only across them.
  const experimentId = await monitoredExperiment('engine_a', 5, 0);
  await ingestSamples(t.ctx, experimentId, 5, { from: 5 });
  // No worker runs here: the test plays the worker's part.
  const run = await startRunNow(t.ctx, experimentId);
  await planRun(t.ctx, monitorRuns, run.run_id);

  const { rows } = await sql.query(
    `select c.chunk, count(*)::int as traces,
            array_agg(((row_number - 1) % 3)::int order by row_number) as dealt,
            array_agg(row_number::int order by listed) as positions
       from (select r.chunk, u.listed, row_number() over (order by t.seq, t.trace_id) as row_number
               from assay.monitor_run_chunk r
              cross join unnest(r.trace_ids) with ordinality as u(trace_id, listed)
               join assay.trace t using (trace_id)
              where r.run_id = $1) c
      group by c.chunk order by c.chunk`,
    [run.run_id],
  );
  // 10 traces at 4 a chunk make 3 chunks of 4, 3 and 3, each trace in chunk (position mod 3).
  expect(rows.map((r: { traces: number }) => r.traces)).toEqual([4, 3, 3]);
  for (const r of rows as Array<{ chunk: number; dealt: number[]; positions: number[] }>) {
    expect(new Set(r.dealt)).toEqual(new Set([r.chunk]));
    // Each chunk lists its traces in sequence order, the order its judge tasks are taken in.
    expect(r.positions).toEqual([...r.positions].sort((a, b) => a - b));
  }

  // While the run is active, a trace in its window says so.
  const { rows: listed } = await sql.query(`select trace_ids[1] as trace_id from assay.monitor_run_chunk where run_id = $1 and chunk = 2`, [run.run_id]);
  const inWindow = (listed[0] as { trace_id: string }).trace_id;
  const pending = await explainTrace(t.ctx, inWindow, experimentId);
  expect(pending.coverage).toBe('in_active_run');
  expect(pending.coverage_reason).toContain(run.run_id);

  // Every chunk's work ends, as if the worker died before the last one could finish the run.
  const planned = (await findRun(t.ctx.db, run.run_id))!;
  for (const chunk of [0, 1, 2]) await monitorRuns.processSlice(t.ctx, planned, chunk, new AbortController().signal);
  expect((await findRun(t.ctx.db, run.run_id))?.status).toBe('running');

  // The run's job sent again and the last chunk's job retried, at once: the run finishes once.
  await Promise.all([
    planRun(t.ctx, monitorRuns, run.run_id),
    runSlice(t.ctx, monitorRuns, run.run_id, 2, new AbortController().signal),
    runSlice(t.ctx, monitorRuns, run.run_id, 2, new AbortController().signal),
  ]);
  const finished = await findRun(t.ctx.db, run.run_id);
  expect(finished?.status).toBe('succeeded');
  expect(finished?.traces_seen).toBe(10);
  expect(finished?.counts.traces_copied).toBe(10);
  // The finished run's work lists are emptied (its chunks keep their counts), and the trace is no longer in a run.
  const { rows: left } = await sql.query(`select count(*)::int as chunks, sum(cardinality(trace_ids))::int as ids from assay.monitor_run_chunk where run_id = $1`, [run.run_id]);
  expect(left[0]).toEqual({ chunks: 3, ids: 0 });
  expect((await explainTrace(t.ctx, inWindow, experimentId)).coverage).not.toBe('in_active_run');
  expect(finished?.counts.scorers?.safety?.scored).toBe(10);

  // A run that ended stays as it ended.
  await failRun(t.ctx, monitorRuns, run.run_id, 'too late');
  expect((await findRun(t.ctx.db, run.run_id))?.status).toBe('succeeded');
});

it('fails a running run for good with its reason, and the monitor can run again', async () => {
  const experimentId = await monitoredExperiment('engine_b', 3, 1000);
  const run = await startRunNow(t.ctx, experimentId);
  await planRun(t.ctx, monitorRuns, run.run_id);
  await failRun(t.ctx, monitorRuns, run.run_id, 'chunk 0 failed: judge unreachable');
  const failed = await findRun(t.ctx.db, run.run_id);
  expect(failed?.status).toBe('failed');
  expect(failed?.error).toBe('chunk 0 failed: judge unreachable');
  expect(failed?.finished_at).not.toBeNull();
  expect(failed?.counts.judge_calls).toBe(0);

  // Planning a failed run again does nothing; a new run can start.
  await planRun(t.ctx, monitorRuns, run.run_id);
  expect((await findRun(t.ctx.db, run.run_id))?.status).toBe('failed');
  const next = await startRunNow(t.ctx, experimentId);
  expect(next.run_id).not.toBe(run.run_id);
});
