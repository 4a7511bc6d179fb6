/**
 * A worker process killed with SIGKILL in the middle of an evaluation run: a fresh worker finishes
 * the run, and no row whose target answer was stored before the kill has its target called again.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { spawnAssay, type AssayProcess } from '../support/spawn-assay.ts';
import { REDIS_URL } from '../support/database.ts';
import { client } from '../support/dataset-fixtures.ts';
import { startRun, waitForEvaluation } from '../support/evaluation.ts';
import { startFakeTarget, type FakeTarget } from '../support/fake-target.ts';
import { waitFor } from '../support/wait-for.ts';

const N = 160;
const CONCURRENCY = 16;

describe('evaluation run survives a killed worker', () => {
  let t: TestApp;
  let target: FakeTarget;
  let sql: pg.Client;
  const children: AssayProcess[] = [];

  beforeAll(async () => {
    target = await startFakeTarget({ latencyMs: 60 });
    t = await startTestApp({ queue: 'bullmq', env: { ASSAY_OUTBOUND_ALLOW: target.url } });
    sql = new pg.Client({ connectionString: t.database.url });
    await sql.connect();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await sql?.end();
    await target?.close();
    await t?.close();
  });

  const startWorker = () => {
    const child = spawnAssay(['worker'], {
      DATABASE_URL: t.database.url!,
      REDIS_URL,
      ASSAY_QUEUE_PREFIX: t.ctx.config.queuePrefix,
      ASSAY_OFFLINE_JUDGE: 'true',
      ASSAY_OUTBOUND_ALLOW: target.url,
      ASSAY_WORKER_CONCURRENCY: '4',
      ASSAY_JOB_LOCK_MS: '2000',
      ASSAY_LOG_LEVEL: 'warn',
    });
    children.push(child);
    return child;
  };

  const stored = async (runId: string): Promise<string[]> => {
    const { rows } = await sql.query(`select inputs->>'question' as q from assay.evaluation_row where run_id = $1 and output_recorded`, [runId]);
    return rows.map((r: { q: string }) => r.q);
  };

  it('resumes on a fresh worker without calling the target again for stored rows', async () => {
    const call = client(t, await t.tokenHeaders('writer'));
    const records = Array.from({ length: N }, (_, i) => ({ inputs: { question: `question ${i}` } }));
    const runId = await startRun(call, { name: 'crash', data: { records }, target: { type: 'http', url: `${target.url}/answer` }, concurrency: CONCURRENCY });

    const first = startWorker();
    await waitFor(async () => (await stored(runId)).length >= N / 4, { timeoutMs: 60_000, what: 'a quarter of the rows stored' });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const storedBeforeKill = await stored(runId);
    expect(storedBeforeKill.length).toBeGreaterThanOrEqual(N / 4);
    expect(storedBeforeKill.length).toBeLessThan(N);

    startWorker();
    const run = await waitForEvaluation(call, runId, 120_000);
    expect(run.progress).toMatchObject({ rows: N, done: N, errored: 0, pending: 0 });

    for (const q of storedBeforeKill) expect(target.callsFor(q), q).toBe(1);
    for (const r of records) expect(target.callsFor(r.inputs.question)).toBeGreaterThanOrEqual(1);
    // Only answers in flight at the kill can have been asked twice.
    expect(target.calls.length - N).toBeLessThanOrEqual(CONCURRENCY);

    // One feedback per (row, judge), whatever was retried.
    const { rows } = await sql.query(
      `select count(*)::int as n, count(distinct (trace_id, name))::int as pairs from assay.assessment where metadata->>'assay.evaluation.run_id' = $1`,
      [runId],
    );
    expect(rows[0].n).toBe(rows[0].pairs);
    expect(rows[0].n).toBe(N * 2);
  });
});
