/** Run counters on the in-process queue (monitor-run-counts-suite.ts), and in the embedded mode. */
import { sql as kyselySql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isSampled } from '../../src/domain/sampling.ts';
import { startTestApp } from '../support/app.ts';
import { startFakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { jobHandlers } from '../../workers/index.ts';
import { runCounters, type RunView } from './monitor-run-counts-suite.ts';

runCounters('in-process');

describe('run counters in the embedded mode (PGlite, in-process queue)', () => {
  it('counts rows, pairs and judge calls as on Postgres', async () => {
    const judge = await startFakeJudge({ latencyMs: 1 });
    const t = await startTestApp({
      db: 'pglite',
      env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`, ASSAY_JUDGE_API_KEY: 'k', ASSAY_MONITOR_CHUNK_SIZE: '30' },
    });
    try {
      await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
      const admin = await t.tokenHeaders('admin');
      const id = await newExperiment(t.ctx);
      await configureMonitor(t, id, { results_schema: 'embedded', scorers: [{ name: 'safety' }, { name: 'retrieval_relevance', sample_rate: 0.5 }] }, admin);
      const traceIds = await ingestSamples(t.ctx, id, 100, { seed: 'counts-embedded' });
      const runId = await startMonitorRun(t, admin, id);
      const runs = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${id}/monitor/runs`, headers: admin });
      const run = runs.json().runs.find((r: { run_id: string }) => r.run_id === runId) as RunView;
      const { rows } = await kyselySql<{ n: number }>`select count(*)::int as n from assay.assessment where metadata->>'assay.monitor.run_id' = ${runId}`.execute(t.ctx.db);
      expect(run.traces_copied).toBe(100);
      expect(run.assessments_written).toBe(rows[0]!.n);
      expect(run.scorers.safety).toMatchObject({ sampled: 100, scored: 100, errored: 0 });
      const relevance = run.scorers.retrieval_relevance!;
      expect(relevance.sampled).toBe(traceIds.filter((tid) => isSampled(tid, 0.5)).length);
      expect(relevance.scored + relevance.not_applicable).toBe(relevance.sampled);
      expect(run.judge_calls).toBe(judge.calls.length);
      expect(run.repeated_judge_calls).toBe(0);
    } finally {
      await t.close();
      await judge.close();
    }
  });
});
