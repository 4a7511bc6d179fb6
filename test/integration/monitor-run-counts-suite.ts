/**
 * Every counter of a monitoring run against what is actually stored, on both queues: traces seen and
 * copied, assessments written, each scorer's sampled / scored / errored / not applicable / skipped,
 * judge calls (as the judge counted them), tokens and cost. Small chunks and a wide judge pool make
 * feedback batches of one chunk commit at the same time, where increments used to get lost.
 *
 * One test file per queue (monitor-run-counts.test.ts: in-process and embedded, -bullmq.test.ts:
 * BullMQ), so they run side by side.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSampled } from '../../src/domain/sampling.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { jobHandlers } from '../../workers/index.ts';
import { recordRunCalls } from '../../src/storage/monitor-run-calls.ts';
import { writeRunFeedback } from '../../src/storage/monitor-feedback-write.ts';
import { feedbackWrite, newAssessmentId } from '../../src/storage/assessment-repository.ts';
import { traceFeedbackKey } from '../../src/domain/feedback-key.ts';

// Five chunks of 40, four at a time: their feedback batches commit side by side.
const N = 200;
const RATES = { safety: 1.0, relevance_to_query: 0.5, retrieval_relevance: 0.3 } as const;
const PRICES = { 'fake-judge': { input: 0.4, output: 1.6 } };

export interface RunView {
  traces_seen: number;
  traces_copied: number;
  assessments_written: number;
  judge_calls: number;
  repeated_judge_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
  scorers: Record<string, { sampled: number; scored: number; errored: number; not_applicable: number; skipped_existing: number }>;
}

/** The counter tests of a Postgres-backed app on one queue implementation. */
export function runCounters(queue: 'in-process' | 'bullmq'): void {
  describe(`run counters match the stored rows (${queue} queue)`, () => {
    let t: TestApp;
    let judge: FakeJudge;
    let sql: pg.Client;
    let admin: Record<string, string>;
    let experimentId: string;
    let traceIds: string[];

    beforeAll(async () => {
      judge = await startFakeJudge({ latencyMs: 2 });
      // Some pairs get an answer that never parses: an error feedback, after two paid requests.
      judge.setAnswer('relevance_to_query', (call) => (call.user.length % 5 === 0 ? 'not json' : { rationale: 'fine', result: 'yes' }));
      t = await startTestApp({
        queue,
        env: {
          ASSAY_OFFLINE_JUDGE: 'false',
          ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`,
          ASSAY_JUDGE_API_KEY: 'test-key',
          ASSAY_JUDGE_CONCURRENCY: '32',
          ASSAY_JUDGE_PRICES: JSON.stringify(PRICES),
          ASSAY_MONITOR_CHUNK_SIZE: '40',
        },
      });
      await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
      admin = await t.tokenHeaders('admin');
      experimentId = await newExperiment(t.ctx);
      await configureMonitor(t, experimentId, { results_schema: 'counted', scorers: Object.entries(RATES).map(([name, sample_rate]) => ({ name, sample_rate })) }, admin);
      traceIds = await ingestSamples(t.ctx, experimentId, N, { seed: `counts-${queue}` });
      sql = new pg.Client({ connectionString: t.database.url });
      await sql.connect();
    });

    afterAll(async () => {
      await sql?.end();
      await t?.close();
      await judge?.close();
    });

    async function runView(runId: string): Promise<RunView> {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin });
      return response.json().runs.find((r: { run_id: string }) => r.run_id === runId);
    }

    /** Input tokens of the requests the judge received since `from` (the fake bills a token per 4 characters). */
    const billedInput = (from: number) => judge.calls.slice(from).reduce((n, c) => n + Math.ceil((c.system.length + c.user.length) / 4), 0);

    /** What the run's rows say: per scorer, pairs fine and in error; every row; tokens and cost. */
    async function stored(runId: string) {
      const { rows } = await sql.query(
        `select count(*)::int as rows,
                coalesce(sum((metadata->>'assay.judge.input_tokens')::int), 0)::int as input,
                coalesce(sum((metadata->>'assay.judge.output_tokens')::int), 0)::int as output,
                coalesce(sum((metadata->>'assay.judge.cost')::float8), 0) as cost,
                count(*) filter (where metadata ? 'assay.judge.model')::int as judged
           from assay.assessment where kind = 'feedback' and metadata->>'assay.monitor.run_id' = $1`,
        [runId],
      );
      const pairs = await sql.query(
        `select split_part(split_part(idempotency_key, '#', 1), ':', 3) as scorer,
                count(*) filter (where not errored)::int as scored, count(*) filter (where errored)::int as errored
           from (select idempotency_key, bool_or(error is not null) over (partition by split_part(idempotency_key, '#', 1)) as errored
                   from assay.assessment where metadata->>'assay.monitor.run_id' = $1) a
          where idempotency_key not like '%#%'
          group by 1`,
        [runId],
      );
      return { ...rows[0], scorers: Object.fromEntries(pairs.rows.map((p: { scorer: string }) => [p.scorer, p])) };
    }

    it('counts every trace, row, pair, judge call, token and cost of a run', async () => {
      const callsBefore = judge.calls.length;
      const runId = await startMonitorRun(t, admin, experimentId);
      const run = await runView(runId);
      const rows = await stored(runId);
      const copied = await sql.query(`select count(*)::int as n from counted.trace_logs_${experimentId}`);

      expect(run.traces_seen).toBe(N);
      expect(run.traces_copied).toBe(copied.rows[0].n);
      expect(run.traces_copied).toBe(N);
      expect(rows.rows).toBeGreaterThan(N); // retrieval_relevance writes a feedback per chunk and a precision
      expect(run.assessments_written).toBe(rows.rows);
      for (const [name, rate] of Object.entries(RATES)) {
        const sampled = traceIds.filter((id) => isSampled(id, rate)).length;
        const counts = run.scorers[name]!;
        expect(counts.sampled, name).toBe(sampled);
        expect(counts.scored, name).toBe(rows.scorers[name]?.scored ?? 0);
        expect(counts.errored, name).toBe(rows.scorers[name]?.errored ?? 0);
        expect(counts.skipped_existing, name).toBe(0);
        expect(counts.scored + counts.errored + counts.not_applicable, name).toBe(sampled);
      }
      expect(run.scorers.retrieval_relevance!.not_applicable).toBeGreaterThan(0);
      expect(run.scorers.relevance_to_query!.errored).toBeGreaterThan(0);
      // Every request the judge received, the unparseable answers' second tries included.
      expect(run.judge_calls).toBe(judge.calls.length - callsBefore);
      expect(run.judge_calls).toBe(rows.judged + run.scorers.relevance_to_query!.errored);
      expect(run.repeated_judge_calls).toBe(0);
      // Tokens as the judge billed them: the stored feedback's, plus the unparseable answers' ("not json": 2 tokens each).
      expect(run.input_tokens).toBe(billedInput(callsBefore));
      expect(run.input_tokens).toBeGreaterThan(rows.input);
      expect(run.output_tokens).toBe(rows.output + 2 * 2 * run.scorers.relevance_to_query!.errored);
      expect(run.cost).toBeCloseTo((run.input_tokens * 0.4 + run.output_tokens * 1.6) / 1e6, 9);
      expect(run.cost).toBeGreaterThan(rows.cost);
    });

    it('counts pairs stored by an earlier run as skipped, not scored', async () => {
      const changed = traceIds.slice(0, 3);
      for (const id of changed) {
        const label = await t.app.inject({
          method: 'POST',
          url: `/api/v1/traces/${id}/assessments`,
          headers: admin,
          payload: { assessment_name: 'expert_label', feedback: { value: 'yes' } },
        });
        expect(label.statusCode, label.body).toBe(201);
      }
      const fresh = await ingestSamples(t.ctx, experimentId, 20, { seed: `counts-${queue}-fresh` });
      const callsBefore = judge.calls.length;
      const runId = await startMonitorRun(t, admin, experimentId);
      const run = await runView(runId);
      const rows = await stored(runId);

      expect(run.traces_seen).toBe(23);
      expect(run.traces_copied).toBe(23);
      expect(run.assessments_written).toBe(rows.rows);
      const window = [...changed, ...fresh];
      for (const [name, rate] of Object.entries(RATES)) {
        const counts = run.scorers[name]!;
        expect(counts.sampled, name).toBe(window.filter((id) => isSampled(id, rate)).length);
        expect(counts.scored, name).toBe(rows.scorers[name]?.scored ?? 0);
        expect(counts.skipped_existing + counts.not_applicable + counts.scored + counts.errored, name).toBe(counts.sampled);
      }
      expect(run.scorers.safety).toMatchObject({ sampled: 23, scored: 20, skipped_existing: 3 });
      expect(run.judge_calls).toBe(judge.calls.length - callsBefore);
      expect(run.input_tokens).toBe(billedInput(callsBefore));
    });

    it('counts a lost answer once, however often it is recorded, and even after its run ended', async () => {
      const runId = await startMonitorRun(t, admin, experimentId);
      const before = await runView(runId);
      // The calls of an attempt whose feedback was lost, recorded twice (a retried write) after the
      // run ended: added once, as repeated work.
      const lost = { run_id: runId, scorer: 'safety', trace_id: traceIds[0]!, attempt_id: 'lost-attempt', judge_calls: 2, input_tokens: 300, output_tokens: 20, cost: 0.001, stored: false };
      await recordRunCalls(t.ctx.db, [lost]);
      const after = await runView(runId);
      expect(after.judge_calls).toBe(before.judge_calls + 2);
      expect(after.repeated_judge_calls).toBe(before.repeated_judge_calls + 2);
      expect(after.input_tokens).toBe(before.input_tokens + 300);
      expect(after.output_tokens).toBe(before.output_tokens + 20);
      expect(after.cost).toBeCloseTo(before.cost + 0.001, 9);

      // While a run is running, the same record written twice is one row.
      await t.ctx.db.updateTable('assay.monitor_run').set({ status: 'running' }).where('run_id', '=', runId).execute();
      await recordRunCalls(t.ctx.db, [lost]);
      await recordRunCalls(t.ctx.db, [lost]);
      const { rows } = await sql.query(`select count(*)::int as n from assay.monitor_run_call where run_id = $1`, [runId]);
      expect(rows[0].n).toBe(1);
      await t.ctx.db.updateTable('assay.monitor_run').set({ status: 'succeeded' }).where('run_id', '=', runId).execute();
    });

    it('writes a feedback batch once, marks repeated work, and counts a batch that commits after its run ended', async () => {
      const runId = await startMonitorRun(t, admin, experimentId);
      const before = await runView(runId);
      const exp = Number(experimentId);
      const pair = (traceId: string, scorer: string, attempt: string, calls: number) => {
        const draft = { name: scorer, value: 'yes', rationale: 'ĩ fine', error: null, source: { source_type: 'LLM_JUDGE' as const, source_id: 'fake-judge' }, metadata: { 'assay.monitor.run_id': runId } };
        const write = { ...feedbackWrite(traceId, draft, traceFeedbackKey(exp, scorer, traceId)), assessment_id: newAssessmentId() };
        const call = { run_id: runId, scorer, trace_id: traceId, attempt_id: attempt, judge_calls: calls, input_tokens: 100, output_tokens: 10, cost: 0.5, stored: false };
        return { writes: [write], call };
      };
      // A pair nobody judged yet ("extra" is no scorer of the monitor), one the run already stored,
      // one on a trace that does not exist, one that made no call.
      const fresh = pair(traceIds[1]!, 'extra', 'a1', 1);
      const again = pair(traceIds[0]!, 'safety', 'a1', 2);
      const missing = pair('tr-missing', 'extra', 'a1', 1);
      const free = pair(traceIds[2]!, 'extra', 'a1', 0);

      await t.ctx.db.updateTable('assay.monitor_run').set({ status: 'running' }).where('run_id', '=', runId).execute();
      const first = await writeRunFeedback(t.ctx.db, runId, [fresh, again, missing, free]);
      expect(first).toEqual({ written: new Set([fresh.writes[0]!.assessment_id, free.writes[0]!.assessment_id]), late: [] });
      const { rows: calls } = await sql.query(`select trace_id, judge_calls, stored from assay.monitor_run_call where run_id = $1 order by judge_calls, trace_id`, [runId]);
      expect(calls).toEqual(
        [
          { trace_id: traceIds[1], judge_calls: 1, stored: true },
          { trace_id: 'tr-missing', judge_calls: 1, stored: false },
          { trace_id: traceIds[0], judge_calls: 2, stored: false },
        ].sort((a, b) => a.judge_calls - b.judge_calls || (a.trace_id! < b.trace_id! ? -1 : 1)),
      );
      const { rows: feedback } = await sql.query(`select value, rationale, kind, source_type, valid from assay.assessment where assessment_id = $1`, [fresh.writes[0]!.assessment_id]);
      expect(feedback).toEqual([{ value: 'yes', rationale: 'ĩ fine', kind: 'feedback', source_type: 'LLM_JUDGE', valid: true }]);

      // The same batch again (a retried write): nothing new.
      expect(await writeRunFeedback(t.ctx.db, runId, [fresh, again])).toEqual({ written: new Set(), late: [] });
      const { rows: count } = await sql.query(`select count(*)::int as n from assay.monitor_run_call where run_id = $1`, [runId]);
      expect(count[0].n).toBe(3);
      await sql.query(`delete from assay.monitor_run_call where run_id = $1`, [runId]);

      // After the run ended (a straggler of a failed attempt: the run stored every pair), the calls
      // come back to be counted on their own, as repeated work.
      await t.ctx.db.updateTable('assay.monitor_run').set({ status: 'succeeded' }).where('run_id', '=', runId).execute();
      const straggler = pair(traceIds[3]!, 'safety', 'a2', 3);
      const late = await writeRunFeedback(t.ctx.db, runId, [straggler, fresh]);
      expect(late.written).toEqual(new Set());
      expect(late.late.map((c) => [c.trace_id, c.judge_calls, c.stored])).toEqual([
        [traceIds[3], 3, false],
        [traceIds[1], 1, false],
      ]);
      await recordRunCalls(t.ctx.db, late.late);
      const after = await runView(runId);
      expect(after.judge_calls).toBe(before.judge_calls + 4);
      expect(after.repeated_judge_calls).toBe(before.repeated_judge_calls + 4);
    });
  });
}
