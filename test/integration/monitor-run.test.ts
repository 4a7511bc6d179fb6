/**
 * A monitor end to end on real Postgres, Redis and BullMQ: coordinated sampling at 1.0 / 0.4 / 0.2
 * over 2,000 traces, every trace copied exactly once, idempotent reruns, new and changed traces.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerTick } from '../../src/services/monitor-scheduler.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun, waitForRun } from '../support/monitor.ts';
import { jobHandlers } from '../../workers/index.ts';

const N = 2000;
const RATES = { safety: 1.0, relevance_to_query: 0.4, retrieval_groundedness: 0.2 } as const;
/**
 * What each scorer judges over the 2,000 'monitor-run' sample traces, computed outside this code
 * base (u = first 52 bits of SHA-256(trace_id) / 2^52, judged iff u < rate; every 20th trace has no
 * retriever, so groundedness does not apply there): how many, and SHA-256 of the sorted ids, one a line.
 */
const EXPECTED: Record<keyof typeof RATES, { count: number; digest: string }> = {
  safety: { count: 2000, digest: '3d5195eee9219a898877825e06606a493248552ccd238d557a229b382806e139' },
  relevance_to_query: { count: 819, digest: 'bca2a3f41b4d76ca54c32056d56b1c7fab6656f0fc2b44a3a5cfbde5bea7a80d' },
  retrieval_groundedness: { count: 409, digest: '570c95233a5b159c867e4110459372593f4f2da2e27a77c1095051f40b342053' },
};
const fingerprint = (ids: Iterable<string>) => createHash('sha256').update([...ids].sort().join('\n')).digest('hex');

describe('monitoring run on Postgres + BullMQ', () => {
  let t: TestApp;
  let experimentId: string;
  let sql: pg.Client;
  let admin: Record<string, string>;
  let traceIds: string[];

  beforeAll(async () => {
    t = await startTestApp({ queue: 'bullmq' });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    await configureMonitor(t, experimentId, {
      results_schema: 'monitoring',
      scorers: Object.entries(RATES).map(([name, sample_rate]) => ({ name, sample_rate })),
    }, admin);
    // Traces arrive after the monitor exists: a new monitor never judges older traces by itself.
    traceIds = await ingestSamples(t.ctx, experimentId, N, { seed: 'monitor-run' });
    sql = new pg.Client({ connectionString: t.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await t?.close();
  });

  const runOnce = () => startMonitorRun(t, admin, experimentId);

  async function feedbackTraces(name: string): Promise<Set<string>> {
    const { rows } = await sql.query(`select trace_id from assay.assessment where kind = 'feedback' and name = $1`, [name]);
    return new Set(rows.map((r: { trace_id: string }) => r.trace_id));
  }

  // 2,000 traces through three judges: room for a loaded machine (a failed run fails at once).
  it('copies every trace and samples each scorer at its rate, nested', async () => {
    await runOnce();
    const { rows } = await sql.query(`select count(*)::int as n, count(distinct trace_id)::int as d from monitoring.trace_logs_${experimentId}`);
    expect(rows[0]).toEqual({ n: N, d: N });

    const sets: Record<string, Set<string>> = {};
    for (const [name, rate] of Object.entries(RATES)) {
      sets[name] = await feedbackTraces(name);
      const expected = rate * N;
      const sd = Math.sqrt(N * rate * (1 - rate));
      expect(Math.abs(sets[name]!.size - expected)).toBeLessThanOrEqual(4 * sd + 1e-9);
      // The decision is the stable hash: exactly the traces written down above.
      const expectedSet = EXPECTED[name as keyof typeof RATES];
      expect(sets[name]!.size).toBe(expectedSet.count);
      expect(fingerprint(sets[name]!)).toBe(expectedSet.digest);
    }
    for (const id of sets.retrieval_groundedness!) expect(sets.relevance_to_query!.has(id)).toBe(true);
    for (const id of sets.relevance_to_query!) expect(sets.safety!.has(id)).toBe(true);

    const runs = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin });
    const [run] = runs.json().runs;
    expect(run).toMatchObject({ status: 'succeeded', traces_seen: N, traces_copied: N });
    expect(run.scorers.safety).toMatchObject({ sampled: N, scored: N, errored: 0 });
    const groundedness = run.scorers.retrieval_groundedness;
    expect(groundedness.scored + groundedness.not_applicable).toBe(groundedness.sampled);
    expect(groundedness.not_applicable).toBeGreaterThan(0);
    expect(run.judge_calls).toBeGreaterThan(0);
  }, 180_000);

  it('writes nothing on a second run without new traces', async () => {
    const before = await sql.query(`select count(*)::int as n from assay.assessment`);
    const copiedBefore = await sql.query(`select max(copied_at) as at from monitoring.trace_logs_${experimentId}`);
    const runId = await runOnce();
    const after = await sql.query(`select count(*)::int as n from assay.assessment`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const copiedAfter = await sql.query(`select max(copied_at) as at from monitoring.trace_logs_${experimentId}`);
    expect(copiedAfter.rows[0].at).toEqual(copiedBefore.rows[0].at);
    const { rows } = await sql.query(`select traces_seen from assay.monitor_run where run_id = $1`, [runId]);
    expect(rows[0].traces_seen).toBe(0);
  });

  it('picks up new traces and copies a changed trace again', async () => {
    const fresh = await ingestSamples(t.ctx, experimentId, 50, { seed: 'monitor-run-2' });
    const changed = traceIds[0]!;
    const label = await t.app.inject({
      method: 'POST',
      url: `/api/v1/traces/${changed}/assessments`,
      headers: admin,
      payload: { assessment_name: 'expert_label', feedback: { value: 'no' }, rationale: 'wrong document' },
    });
    expect(label.statusCode, label.body).toBe(201);
    const runId = await runOnce();
    const { rows } = await sql.query(`select traces_seen from assay.monitor_run where run_id = $1`, [runId]);
    expect(rows[0].traces_seen).toBe(51);
    const total = await sql.query(`select count(*)::int as n from monitoring.trace_logs_${experimentId}`);
    expect(total.rows[0].n).toBe(N + 50);
    const safety = await feedbackTraces('safety');
    for (const id of fresh) expect(safety.has(id)).toBe(true);
    // The human label reached the copy, and the SQL view a user would query.
    const view = await sql.query(
      `select name, value, numeric_value, rationale from monitoring.assessment_logs_${experimentId} where trace_id = $1 and name = 'expert_label'`,
      [changed],
    );
    expect(view.rows).toEqual([{ name: 'expert_label', value: 'no', numeric_value: 0, rationale: 'wrong document' }]);
  });

  it('answers the user SQL a dashboard would run', async () => {
    const { rows } = await sql.query(
      `select name, count(*)::int as n, round(avg(numeric_value)::numeric, 3) as pass_rate,
              round(count(*) filter (where value #>> '{}' = 'yes') / count(*)::numeric, 3) as yes_share
         from monitoring.assessment_logs_${experimentId}
        where source_type = 'LLM_JUDGE' and error is null group by name order by name`,
    );
    expect(rows.map((r: { name: string }) => r.name)).toEqual(['relevance_to_query', 'retrieval_groundedness', 'safety']);
    // A judge's pass rate is the share of its verdicts that said yes.
    for (const row of rows) {
      expect(Number(row.pass_rate)).toBeGreaterThan(0);
      expect(row.pass_rate).toBe(row.yes_share);
    }
  });

  it('schedules the first run right away, once, however many schedulers tick', async () => {
    const other = await newExperiment(t.ctx);
    await configureMonitor(t, other, { results_schema: 'monitoring', scorers: [{ name: 'safety' }] }, admin);
    const ticks = await Promise.all([schedulerTick(t.ctx), schedulerTick(t.ctx), schedulerTick(t.ctx)]);
    const started = ticks.flatMap((r) => r.started);
    // Exactly one run exists for the new monitor, and exactly one tick says it started it.
    const { rows } = await sql.query(`select run_id from assay.monitor_run where experiment_id = $1`, [other]);
    expect(rows).toHaveLength(1);
    const ours = rows[0].run_id as string;
    expect(started.filter((id) => id === ours)).toEqual([ours]);
    await waitForRun(t.ctx, ours);
    // Once it finished, the next ticks start nothing new before the monitor is due again.
    const later = await Promise.all([schedulerTick(t.ctx), schedulerTick(t.ctx)]);
    expect(later.flatMap((r) => r.started).filter((id) => id === ours)).toEqual([]);
    const { rows: after } = await sql.query(`select count(*)::int as n from assay.monitor_run where experiment_id = $1`, [other]);
    expect(after[0].n).toBe(1);
  });
});
