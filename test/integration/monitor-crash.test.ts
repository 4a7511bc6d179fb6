/**
 * A worker killed with SIGKILL in the middle of a run: another worker finishes the run; every
 * sampled (trace, scorer) has exactly one feedback, every trace exactly one row, and nothing that
 * was already stored was judged again.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { spawnAssay, type AssayProcess } from '../support/spawn-assay.ts';
import { REDIS_URL } from '../support/database.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, waitForRun } from '../support/monitor.ts';
import { waitFor } from '../support/wait-for.ts';

// Three chunks of 100: the kill lands while two of them are being judged.
const N = 300;

describe('monitoring survives a killed worker', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let sql: pg.Client;
  const children: AssayProcess[] = [];

  beforeAll(async () => {
    t = await startTestApp({ queue: 'bullmq' });
    judge = await startFakeJudge({ latencyMs: 8 });
    sql = new pg.Client({ connectionString: t.database.url });
    await sql.connect();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await sql?.end();
    await judge?.close();
    await t?.close();
  });

  const workerEnv = () => ({
    DATABASE_URL: t.database.url!,
    REDIS_URL,
    ASSAY_QUEUE_PREFIX: t.ctx.config.queuePrefix,
    ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`,
    ASSAY_JUDGE_API_KEY: 'test-key',
    ASSAY_JUDGE_CONCURRENCY: '8',
    ASSAY_MONITOR_CHUNK_SIZE: '100',
    ASSAY_WORKER_CONCURRENCY: '2',
    ASSAY_JOB_LOCK_MS: '2000',
    ASSAY_LOG_LEVEL: 'warn',
  });

  it('finishes the run on another worker with exactly one feedback per sampled pair', { timeout: 240_000 }, async () => {
    const admin = await t.tokenHeaders('admin');
    const id = await newExperiment(t.ctx);
    await configureMonitor(t, id, { results_schema: 'crash', scorers: [{ name: 'safety' }, { name: 'relevance_to_query', sample_rate: 0.5 }] }, admin);
    const traceIds = await ingestSamples(t.ctx, id, N, { seed: 'crash' });

    const first = spawnAssay(['worker'], workerEnv());
    children.push(first);
    const started = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${id}/monitor/run`, headers: admin });
    expect(started.statusCode, started.body).toBe(202);
    const runId = started.json().run.run_id as string;

    const feedbackCount = async () =>
      Number((await sql.query(`select count(*)::int as n from assay.assessment where kind = 'feedback'`)).rows[0].n);
    // Kill it mid-run: some feedback stored, far from all.
    await waitFor(async () => (await feedbackCount()) >= 150, { what: 'feedback before the kill', timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    const storedAtKill = await feedbackCount();
    const callsAtKill = judge.calls.length;
    expect(storedAtKill).toBeLessThan(N + 149);

    const second = spawnAssay(['worker'], workerEnv());
    children.push(second);
    await waitForRun(t.ctx, runId, 120_000);
    second.child.kill('SIGTERM');
    await second.exited;

    // Computed outside this code base: 149 of the first 300 'crash' sample traces have u < 0.5.
    expect(traceIds).toHaveLength(N);
    const sampled = N + 149;
    const { rows: pairs } = await sql.query(
      `select trace_id, name, count(*)::int as n from assay.assessment where kind = 'feedback' group by trace_id, name`,
    );
    expect(pairs.length).toBe(sampled);
    expect(pairs.every((p: { n: number }) => p.n === 1)).toBe(true);
    const relevance = pairs.filter((p: { name: string }) => p.name === 'relevance_to_query').map((p: { trace_id: string }) => p.trace_id);
    // SHA-256 of the sorted ids of those 149 traces, one a line.
    expect(createHash('sha256').update(relevance.sort().join('\n')).digest('hex')).toBe(
      '9c56d79d1c86dedf53f21eb59a250197732de4aea250d3694e7ad1bb683e4759',
    );
    const { rows } = await sql.query(`select count(*)::int as n, count(distinct trace_id)::int as d from crash.trace_logs_${id}`);
    expect(rows[0]).toEqual({ n: N, d: N });
    // Judge calls after the kill cover only what was not stored yet; calls in flight at the kill
    // (at most the first worker's judge concurrency per running chunk) were lost and repeated.
    const errors = await sql.query(`select count(*)::int as n, min(error::text) as first from assay.assessment where error is not null`);
    const logs = (p: AssayProcess) => (p.stdout() + p.stderr()).slice(-3000);
    expect(errors.rows[0].n, `error feedback, e.g. ${errors.rows[0].first}\nfirst worker:\n${logs(first)}\nsecond worker:\n${logs(second)}`).toBe(0);
    expect(judge.calls.length).toBeGreaterThanOrEqual(sampled);
    const callsAfterKill = judge.calls.length - callsAtKill;
    expect(callsAfterKill).toBeLessThanOrEqual(sampled - storedAtKill + 16);
    expect(judge.calls.length).toBeLessThanOrEqual(sampled + 16 + (callsAtKill - storedAtKill));

    // The run's history counts the calls of both workers: the killed one's answers that were stored
    // as scored (not skipped), each pair paid once, and the calls made again as repeated work.
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${id}/monitor/runs`, headers: admin });
    const run = history.json().runs.find((r: { run_id: string }) => r.run_id === runId);
    expect(run.scorers.safety).toMatchObject({ sampled: N, scored: N, errored: 0, skipped_existing: 0 });
    expect(run.scorers.relevance_to_query.scored).toBe(sampled - N);
    expect(run.assessments_written).toBe(sampled);
    expect(run.judge_calls - run.repeated_judge_calls).toBe(sampled);
    expect(run.judge_calls).toBeLessThanOrEqual(judge.calls.length);
    // What a SIGKILL loses is what the killed process held in memory: a request in flight or an
    // answer not yet committed, at most one pair per task slot (2 × judge concurrency per process,
    // however many chunks it runs).
    expect(judge.calls.length - run.judge_calls).toBeLessThanOrEqual(2 * 8);
    const tokens = await sql.query(`select sum((metadata->>'assay.judge.input_tokens')::int)::int as n from assay.assessment`);
    expect(run.input_tokens).toBeGreaterThanOrEqual(tokens.rows[0].n);
  });
});
