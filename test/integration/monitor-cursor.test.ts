/**
 * The cursor never steps over a late commit: a trace whose transaction began before a run and
 * committed after it is picked up by the next run, even though traces ingested later (with higher
 * sequence numbers) were committed first. And under concurrent ingest during runs, every trace is
 * copied and judged exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { jobHandlers } from '../../workers/index.ts';
import { ingestTraces } from '../../src/services/ingest.ts';

const MAX_CONCURRENT_TRACES = 2_000;

describe.each(['in-process', 'bullmq'] as const)('monitor cursor on the %s queue', (queue) => {
  let t: TestApp;
  let sql: pg.Client;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ queue });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    sql = new pg.Client({ connectionString: t.database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
  });

  async function monitor(id: string) {
    await configureMonitor(t, id, { results_schema: 'cursor_test', scorers: [{ name: 'safety' }] }, admin);
  }

  const copied = async (id: string) =>
    (await sql.query(`select trace_id from cursor_test.trace_logs_${id}`)).rows.map((r: { trace_id: string }) => r.trace_id);

  it('picks up a trace whose transaction committed after a run that saw later traces', async () => {
    const id = await newExperiment(t.ctx);
    await monitor(id);
    const [late, early] = sampleTraces(2, { seed: 'late-commit' }) as [Record<string, unknown>, Record<string, unknown>];
    const lateId = (late.info as { trace_id: string }).trace_id;

    // A slow ingest: its transaction takes a sequence number now and commits much later.
    const slow = new pg.Client({ connectionString: t.database.url });
    await slow.connect();
    await slow.query('begin');
    // As ingest writes it: the trace's partition key first (class 0, first arrival now()), then the trace.
    await slow.query(`insert into assay.trace_key (trace_id, retention_class, created_at) values ($1, 0, now())`, [lateId]);
    await slow.query(
      `insert into assay.trace (trace_id, experiment_id, request_time, state, trace_metadata, tags)
       values ($1, $2, $3, 'OK', '{}', '{}')`,
      [lateId, Number(id), Date.now()],
    );
    // Meanwhile a later trace commits (a higher sequence number) …
    await ingestTraces(t.ctx.db, id, parseMlflowPayload(early), 'rest');
    // … and a run happens.
    await startMonitorRun(t, admin, id);
    expect(await copied(id)).not.toContain(lateId);

    await slow.query('commit');
    await slow.end();
    await startMonitorRun(t, admin, id);
    expect(await copied(id)).toContain(lateId);
  });

  it('judges and copies every trace exactly once under concurrent ingest during runs', async () => {
    const id = await newExperiment(t.ctx);
    await monitor(id);
    let ingesting = true;
    // A steady writer (20 traces, then a breath) that runs while the runs do, up to a bound: unpaced
    // and unbounded, it wrote 15,000 traces that the later runs then had to judge.
    const writer = (async () => {
      let from = 0;
      while (ingesting && from < MAX_CONCURRENT_TRACES) {
        await ingestSamples(t.ctx, id, 20, { seed: 'concurrent', from });
        from += 20;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return from;
    })();
    for (let i = 0; i < 4; i += 1) await startMonitorRun(t, admin, id);
    ingesting = false;
    const total = await writer;
    await startMonitorRun(t, admin, id);

    const rows = await copied(id);
    expect(rows.length).toBe(total);
    expect(new Set(rows).size).toBe(total);
    const { rows: feedback } = await sql.query(
      `select trace_id, count(*)::int as n from assay.assessment a join assay.trace t using (trace_id)
        where t.experiment_id = $1 and a.name = 'safety' group by trace_id`,
      [Number(id)],
    );
    expect(feedback.length).toBe(total);
    expect(feedback.every((r: { n: number }) => r.n === 1)).toBe(true);
  });
});
