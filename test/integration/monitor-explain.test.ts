/**
 * "Why was this trace (not) scored": for every trace of a sampled, filtered run the explanation
 * agrees with what the monitor did, and traces outside the run say why (before the monitor, not
 * yet reached). Also through `assay traces why`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';
import { isSampled, samplingPoint } from '../../src/domain/sampling.ts';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { ingestTraces } from '../../src/services/ingest.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun, waitUntilBeforeNewMonitors } from '../support/monitor.ts';

const run = promisify(execFile);

interface Decision {
  scorer: string;
  decision: string;
  reason: string;
  filters: { monitor: boolean | null; scorer: boolean | null };
  sample: { u: number; rate: number; sampled: boolean };
  applicability: { applies: boolean; reason: string | null };
  feedback: { run_id: string | null; assessment_id: string; create_time: string } | null;
}

describe('monitor decisions', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let experimentId: string;
  let before: string[];
  let production: string[];
  let staging: string[];
  let runId: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    before = await ingestSamples(t.ctx, experimentId, 5, { seed: 'explain-before' });
    await waitUntilBeforeNewMonitors(t.ctx, experimentId);
    // The sample traces carry no expectations: never applies.
    await configureMonitor(t, experimentId, {
      results_schema: 'monitoring',
      filter_string: "tags.environment = 'production'",
      scorers: [
        { name: 'safety' },
        { name: 'relevance_to_query', sample_rate: 0.5, filter_string: "tags.sample_kind != 'off_topic'" },
        { name: 'retrieval_groundedness', sample_rate: 0.3 },
        
        { name: 'correctness', sample_rate: 0.5 },
      ],
    }, admin);
    production = await ingestSamples(t.ctx, experimentId, 120, { seed: 'explain-prod' });
    staging = await ingestSamples(t.ctx, experimentId, 20, { seed: 'explain-staging', tags: { environment: 'staging' } });
    runId = await startMonitorRun(t, admin, experimentId);
  });
  afterAll(async () => t?.close());

  const explain = async (traceId: string) => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}/monitor-decisions`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { coverage: string; coverage_reason: string; scorers: Decision[] };
  };

  it('agrees with what the run did for every trace', async () => {
    const rows = await t.database.db
      .selectFrom('assay.assessment')
      .select(['trace_id', 'name'])
      .where('kind', '=', 'feedback')
      .execute();
    const judged = new Set(rows.map((r) => `${r.trace_id}/${r.name}`));
    expect(judged.size).toBeGreaterThan(50);
    const seen = new Set<string>();
    for (const traceId of [...production, ...staging]) {
      const result = await explain(traceId);
      expect(result.coverage).toBe('processed');
      for (const d of result.scorers) {
        seen.add(d.decision);
        const wasJudged = judged.has(`${traceId}/${d.scorer}`);
        expect(d.decision === 'scored', `${traceId} ${d.scorer}: ${d.decision} ${d.reason}`).toBe(wasJudged);
        expect(d.sample.u).toBe(samplingPoint(traceId));
        expect(d.sample.sampled).toBe(isSampled(traceId, d.sample.rate));
        if (wasJudged) {
          // The feedback written: by which run, and when.
          expect(d.feedback?.run_id).toBe(runId);
          expect(Date.parse(d.feedback!.create_time)).toBeGreaterThan(Date.now() - 600_000);
          expect(d.reason).toBe(`feedback written by run ${runId} at ${d.feedback!.create_time}`);
        }
        if (staging.includes(traceId)) {
          expect(d.decision).toBe('filtered_out');
          expect(d.reason).toContain("monitor's filter_string");
        } else if (d.decision !== 'scored') {
          // Nothing else can keep a production trace from its scorer in this run.
          expect(['filtered_out', 'not_sampled', 'not_applicable']).toContain(d.decision);
          if (d.decision === 'not_sampled') expect(d.sample.sampled).toBe(false);
          if (d.decision === 'not_applicable') expect(d.applicability.reason).toMatch(d.scorer === 'correctness' ? /expectations/ : /RETRIEVER|retriev/i);
          if (d.decision === 'filtered_out') expect(d.filters).toEqual({ monitor: true, scorer: false });
        }
      }
    }
    expect(seen).toEqual(new Set(['scored', 'filtered_out', 'not_sampled', 'not_applicable']));
    const reasons = new Set<string>();
    for (const traceId of production.slice(0, 20)) {
      for (const d of (await explain(traceId)).scorers) if (d.decision === 'not_applicable') reasons.add(d.scorer);
    }
    // Not applicable for lack of expectations (correctness) and of a RETRIEVER span (groundedness, one sample in twenty).
    expect(reasons.has('correctness')).toBe(true);
  });

  it('says a trace before the monitor needs a backfill and a new one waits for the next run', async () => {
    const old = await explain(before[0]!);
    expect(old.coverage).toBe('before_monitor');
    expect(old.scorers.find((s) => s.scorer === 'safety')?.decision).toBe('before_monitor');

    const [fresh] = await ingestSamples(t.ctx, experimentId, 1, { seed: 'explain-fresh' });
    const waiting = await explain(fresh!);
    expect(waiting.coverage).toBe('awaiting_run');
    expect(waiting.scorers.find((s) => s.scorer === 'safety')).toMatchObject({ decision: 'pending', feedback: null });
  });

  it('says a trace in progress is not judged until it is complete, however many runs pass', async () => {
    // A trace whose root span has not ended yet.
    const [open] = sampleTraces(1, { seed: 'explain-open' }) as Array<{ info: { trace_id: string }; data: { spans: Array<Record<string, unknown>> } }>;
    delete open!.data.spans[0]!.end_time_unix_nano;
    await ingestTraces(t.ctx.db, experimentId, parseMlflowPayload({ traces: [open] }), 'rest');
    const traceId = open!.info.trace_id;
    for (let i = 0; i < 2; i += 1) {
      const result = await explain(traceId);
      expect(result.coverage).toBe('in_progress');
      expect(result.coverage_reason).toContain('in progress');
      for (const d of result.scorers) {
        expect(d).toMatchObject({ decision: 'in_progress', feedback: null });
        expect(d.reason).toContain('a run takes it once it is complete');
      }
      if (i === 0) await startMonitorRun(t, admin, experimentId);
    }
  });

  it('answers per experiment, and 404 for a trace elsewhere', async () => {
    const ok = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/decisions?trace_id=${production[0]}`, headers: admin });
    expect(ok.statusCode).toBe(200);
    const other = await newExperiment(t.ctx);
    const missing = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${other}/monitor/decisions?trace_id=${production[0]}`, headers: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain('trace_id');
    const noQuery = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/decisions`, headers: admin });
    expect(noQuery.statusCode).toBe(400);
    expect(noQuery.json().message).toContain('trace_id');
  });

  it('prints the decisions with assay traces why', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const token = (await t.tokenHeaders('reader', 'why')).authorization!.slice('Bearer '.length);
    const env = { ...process.env, ASSAY_URL: address, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, ['bin/assay.mjs', 'traces', 'why', staging[0]!], { env, cwd: process.cwd() });
    expect(stdout).toContain(staging[0]);
    expect(stdout).toContain('filtered_out');
    expect(stdout).toContain('relevance_to_query');
  });
});
