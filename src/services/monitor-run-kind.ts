/**
 * Monitoring runs (scheduled runs and backfills) as a user of the run engine: the work items are
 * the window's traces, dealt round-robin across chunks of `ASSAY_MONITOR_CHUNK_SIZE`, then the idle
 * sessions session judges are due on, in chunks of their own; a chunk is a slice.
 *
 * The window: every complete trace of the experiment changed by a transaction at or above the
 * monitor's cursor. Sequence numbers and timestamps are assigned before commit, so "everything up
 * to the highest value seen" could step over a transaction that commits a moment later. Instead
 * the run takes a snapshot and its new cursor is the snapshot's xmin: every transaction below it
 * had finished when the snapshot was taken, so its rows are visible now or never will be. A
 * transaction still in flight has an xid ≥ xmin and is picked up by the next run. A row seen now
 * above xmin comes up again next time; the results table remembers which version of each trace it
 * holds, so it is skipped unless it changed (and feedback is unique per trace and scorer anyway).
 */
import { monitorRunsTotal } from '../observability/monitor-metrics.ts';
import { enqueueAlertEvaluation, enqueueMonitorChunks } from '../queue/jobs.ts';
import type { Executor } from '../storage/connect.ts';
import { findRun, type MonitorRunRow } from '../storage/monitor-repository.ts';
import { takeRunCallTotals } from '../storage/monitor-run-calls.ts';
import { addStoredFeedback, storedRunFeedback, storedSessionRunFeedback } from '../storage/monitor-run-counts.ts';
import { markRunSucceeded, pendingChunks, runChunks, selectRunWindow } from '../storage/monitor-run-repository.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import { ensureResultsTable } from '../storage/results-table.ts';
import { runChunk } from './monitor-chunk.ts';
import { sumCounts, withStoredFeedback } from './monitor-counts.ts';
import { planSessionChunks } from './monitor-sessions.ts';
import type { RunUser } from './run-engine.ts';

export const monitorRuns: RunUser<'assay.monitor_run', { counts: RunCounts }> = {
  name: 'monitor',
  table: 'assay.monitor_run',

  load: (ctx, runId) => findRun(ctx.db, runId),

  async plan(ctx, runId) {
    const run = await findRun(ctx.db, runId);
    if (!run || run.status === 'succeeded' || run.status === 'failed') return undefined;
    if (run.chunks !== null) return run;
    await ensureResultsTable(ctx.db, run.config.results_schema, run.experiment_id);
    return selectRunWindow(ctx.db, run, {
      chunkSize: ctx.config.monitorChunkSize,
      planSessions: (trx, traceChunks) => planSessionChunks(trx, ctx, run, traceChunks),
    });
  },

  pendingSlices: (ctx, run) => pendingChunks(ctx.db, run.run_id),

  enqueueSlices: (ctx, runId, chunks) => enqueueMonitorChunks(ctx.queue, runId, chunks),

  describePlan: (run) => ({ experiment_id: run.experiment_id, kind: run.kind, chunks: run.chunks, traces: run.traces_seen }),

  processSlice: runChunk,

  /**
   * Once every chunk is done: sums the chunks' counts and moves the monitor's cursor, in the
   * finishing transaction, so the cursor never passes work that was not committed.
   */
  async summarise(trx, run) {
    const chunks = await runChunks(trx, run.run_id);
    if (chunks.some((c) => !c.done)) return undefined;
    const counts = await finalCounts(trx, run, chunks.map((c) => c.counts));
    await markRunSucceeded(trx, run, counts);
    return { counts };
  },

  async finished(ctx, run, { counts }) {
    monitorRunsTotal.inc({ kind: run.kind, status: 'succeeded' });
    await enqueueAlertEvaluation(ctx.queue, run.run_id);
    ctx.log.info({ run_id: run.run_id, experiment_id: run.experiment_id, traces: run.traces_seen, ...counts, scorers: undefined }, 'monitor run finished');
  },

  // What its judge calls cost stays with a failed run: they were paid for too.
  failedCounts: async (trx, run) => ({ ...run.counts, ...(await takeRunCallTotals(trx, run.run_id)) }),

  failed: () => monitorRunsTotal.inc({ kind: 'any', status: 'failed' }),
};

async function finalCounts(trx: Executor, run: MonitorRunRow, chunkCounts: RunCounts[]): Promise<RunCounts> {
  const stored = addStoredFeedback(await storedRunFeedback(trx, run.run_id, run.experiment_id), await storedSessionRunFeedback(trx, run.run_id, run.experiment_id));
  const { session_calls: sessionCalls, ...summed } = sumCounts(chunkCounts);
  // Every trace-level call of every attempt, crashed ones included, from the calls recorded as they
  // were made; session judges' calls as their chunks counted them.
  const calls = await takeRunCallTotals(trx, run.run_id);
  return {
    ...withStoredFeedback(summed, stored),
    judge_calls: calls.judge_calls + (sessionCalls?.judge_calls ?? 0),
    repeated_judge_calls: calls.repeated_judge_calls,
    input_tokens: calls.input_tokens + (sessionCalls?.input_tokens ?? 0),
    output_tokens: calls.output_tokens + (sessionCalls?.output_tokens ?? 0),
    cost: calls.cost + (sessionCalls?.cost ?? 0),
  };
}
