/**
 * Planning and finishing a monitoring run.
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
import type { AppContext } from '../services/context.ts';
import type { RunCounts, ScorerCounts } from '../storage/monitor-schema.ts';
import { findRun } from '../storage/monitor-repository.ts';
import { takeRunCallTotals } from '../storage/monitor-run-calls.ts';
import { lockRun, markRunFailed, markRunSucceeded, pendingChunks, runChunks, selectRunWindow } from '../storage/monitor-run-repository.ts';
import { addStoredFeedback, storedRunFeedback, storedSessionRunFeedback, type StoredRunFeedback } from '../storage/monitor-run-counts.ts';
import { ensureResultsTable } from '../storage/results-table.ts';
import { monitorRunsTotal } from '../observability/monitor-metrics.ts';
import { enqueueAlertEvaluation, enqueueMonitorChunk } from '../queue/jobs.ts';
import { planSessionChunks } from './monitor-sessions.ts';

/** Plans the run (once) and enqueues its unfinished chunks. Safe to call again after a crash. */
export async function planRun(ctx: AppContext, runId: string): Promise<void> {
  let run = await findRun(ctx.db, runId);
  if (!run || run.status === 'succeeded' || run.status === 'failed') return;
  if (run.chunks === null) {
    await ensureResultsTable(ctx.db, run.config.results_schema, run.experiment_id);
    const planned = run;
    run = await selectRunWindow(ctx.db, planned, {
      chunkSize: ctx.config.monitorChunkSize,
      planSessions: (trx, traceChunks) => planSessionChunks(trx, ctx, planned, traceChunks),
    });
  }
  if (run.chunks === 0) {
    await finishRunIfDone(ctx, runId);
    return;
  }
  const pending = await pendingChunks(ctx.db, runId);
  for (const chunk of pending) await enqueueMonitorChunk(ctx.queue, runId, chunk);
  ctx.log.info({ run_id: runId, chunks: run.chunks, pending: pending.length, traces: run.traces_seen }, 'monitor run planned');
}


/**
 * Finishes the run once every chunk is done: sums the chunks' counts and moves the monitor's
 * cursor, in one transaction, so the cursor never passes work that was not committed.
 */
export async function finishRunIfDone(ctx: AppContext, runId: string): Promise<boolean> {
  const finished = await ctx.db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, runId);
    if (!run || run.status !== 'running') return undefined;
    const chunks = await runChunks(trx, runId);
    if (chunks.some((c) => !c.done)) return undefined;
    const stored = addStoredFeedback(await storedRunFeedback(trx, runId, run.experiment_id), await storedSessionRunFeedback(trx, runId, run.experiment_id));
    const { session_calls: sessionCalls, ...summed } = sumCounts(chunks.map((c) => c.counts));
    // Every trace-level call of every attempt, crashed ones included, from the calls recorded as they
    // were made; session judges' calls as their chunks counted them.
    const calls = await takeRunCallTotals(trx, runId);
    const counts = {
      ...withStoredFeedback(summed, stored),
      judge_calls: calls.judge_calls + (sessionCalls?.judge_calls ?? 0),
      repeated_judge_calls: calls.repeated_judge_calls,
      input_tokens: calls.input_tokens + (sessionCalls?.input_tokens ?? 0),
      output_tokens: calls.output_tokens + (sessionCalls?.output_tokens ?? 0),
      cost: calls.cost + (sessionCalls?.cost ?? 0),
    };
    await markRunSucceeded(trx, run, counts);
    return { run, counts };
  });
  if (!finished) return false;
  monitorRunsTotal.inc({ kind: finished.run.kind, status: 'succeeded' });
  await enqueueAlertEvaluation(ctx.queue, runId);
  ctx.log.info(
    { run_id: runId, experiment_id: finished.run.experiment_id, traces: finished.run.traces_seen, ...finished.counts, scorers: undefined },
    'monitor run finished',
  );
  return true;
}

/** Marks a run failed for good (its job ran out of attempts), freeing the monitor for the next run. */
export async function failRun(ctx: AppContext, runId: string, reason: string): Promise<void> {
  if (await markRunFailed(ctx.db, runId, reason)) monitorRunsTotal.inc({ kind: 'any', status: 'failed' });
}

export function sumCounts(parts: readonly RunCounts[]): RunCounts {
  const total: RunCounts = { traces_copied: 0, judge_calls: 0, repeated_judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0, assessments_written: 0, scorers: {}, errors: [] };
  for (const part of parts) {
    total.traces_copied! += part.traces_copied ?? 0;
    total.judge_calls! += part.judge_calls ?? 0;
    total.repeated_judge_calls! += part.repeated_judge_calls ?? 0;
    total.input_tokens! += part.input_tokens ?? 0;
    total.output_tokens! += part.output_tokens ?? 0;
    total.cost! += part.cost ?? 0;
    total.assessments_written! += part.assessments_written ?? 0;
    if (part.session_calls) {
      const into = (total.session_calls ??= { judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0 });
      for (const key of Object.keys(into) as Array<keyof typeof into>) into[key] += part.session_calls[key];
    }
    for (const [name, c] of Object.entries(part.scorers ?? {})) {
      const into = (total.scorers![name] ??= emptyScorerCounts());
      for (const key of Object.keys(into) as Array<keyof ScorerCounts>) into[key] += c[key] ?? 0;
    }
    total.errors!.push(...(part.errors ?? []));
  }
  total.errors = total.errors!.slice(0, 50);
  return total;
}

/**
 * The chunks' sums, with what was written taken from the rows themselves: an attempt that crashed
 * after storing feedback leaves no counts of its own, and the attempt that finished the chunk saw
 * those pairs as already stored. Sampling and applicability are decided afresh by every attempt, so
 * the last one's figures are exact; a sampled pair this run did not write was stored before it.
 */
export function withStoredFeedback(counts: RunCounts, stored: StoredRunFeedback): RunCounts {
  const scorers: Record<string, ScorerCounts> = {};
  for (const name of new Set([...Object.keys(counts.scorers ?? {}), ...Object.keys(stored.scorers)])) {
    const planned = counts.scorers?.[name] ?? emptyScorerCounts();
    const { scored, errored } = stored.scorers[name] ?? { scored: 0, errored: 0 };
    const skipped = Math.max(0, planned.sampled - planned.not_applicable - (planned.deferred ?? 0) - scored - errored);
    scorers[name] = { ...planned, scored, errored, skipped_existing: skipped };
  }
  return { ...counts, assessments_written: stored.assessments, scorers };
}

export function emptyScorerCounts(): ScorerCounts {
  return { sampled: 0, scored: 0, errored: 0, not_applicable: 0, skipped_existing: 0, deferred: 0 };
}
