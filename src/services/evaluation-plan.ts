/**
 * Planning and finishing an evaluation run on the queue.
 *
 * A run's rows are split into slices (row_index mod slices), one `evaluation.rows` job each, with
 * deterministic job ids; each slice runs `concurrency ÷ slices` rows at a time, so the run never
 * has more than `concurrency` rows in flight however many workers take its jobs. Planning again
 * (a retried or duplicated `evaluation.run`) re-enqueues only slices with rows left to do.
 */
import type { AppContext } from '../services/context.ts';
import { enqueueEvaluationRows } from '../queue/jobs.ts';
import { computeMetrics, type Aggregation } from '../domain/evaluation-metrics.ts';
import {
  allRows,
  appendMetrics,
  judgeCostOfRun,
  lockRun,
  markRunFailed,
  markRunRunning,
  markRunSucceeded,
  pendingSlices,
  rowCounts,
  type EvaluationRunRow,
} from '../storage/evaluation-repository.ts';

/** Rows one slice job runs at a time at most. */
export const LANES_PER_SLICE = 8;

/** How a run's rows are divided among jobs, from what the run row fixes. */
export function slicing(run: Pick<EvaluationRunRow, 'concurrency' | 'rows_total'>): { slices: number; lanes: number } {
  const slices = Math.max(1, Math.min(Math.ceil(run.concurrency / LANES_PER_SLICE), run.rows_total));
  return { slices, lanes: Math.max(1, Math.ceil(run.concurrency / slices)) };
}

/** Marks the run running and enqueues every slice that has rows left. Safe to call again. */
export async function planRun(ctx: AppContext, runId: string): Promise<void> {
  const run = await markRunRunning(ctx.db, runId);
  if (!run) return;
  const { slices } = slicing(run);
  const pending = await pendingSlices(ctx.db, runId, slices);
  for (const slice of pending) await enqueueEvaluationRows(ctx.queue, runId, slice);
  ctx.log.info({ run_id: runId, rows: run.rows_total, slices, pending_slices: pending.length }, 'evaluation run planned');
  if (pending.length === 0) await finishRunIfDone(ctx, runId);
}

/**
 * Finishes the run once no row is pending: counts, metrics, and the metrics table for dashboards,
 * in one transaction under the run's row lock, so two slices ending together finish it once.
 */
export async function finishRunIfDone(ctx: AppContext, runId: string): Promise<boolean> {
  const finished = await ctx.db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, runId);
    if (!run || run.status !== 'running') return undefined;
    const { pending, ...counts } = await rowCounts(trx, runId);
    if (pending > 0) return undefined;
    const rows = await allRows(trx, runId);
    const metrics = computeMetrics(
      rows.map((r) => ({
        status: r.status,
        passed: r.passed,
        verdicts: r.verdicts,
        latency_ms: r.target_latency_ms,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        total_tokens: r.total_tokens,
        cost: r.cost,
      })),
      run.aggregations as Aggregation[],
    );
    const spent = await judgeCostOfRun(trx, runId);
    if (spent !== null) metrics['judge_cost/total'] = spent;
    await markRunSucceeded(trx, runId, counts, metrics);
    await appendMetrics(trx, run, metrics);
    return { counts, metrics };
  });
  if (!finished) return false;
  ctx.log.info({ run_id: runId, ...finished.counts, pass_rate: finished.metrics.pass_rate }, 'evaluation run finished');
  return true;
}

/** Marks a run failed for good (a job ran out of attempts). */
export async function failRun(ctx: AppContext, runId: string, reason: string): Promise<void> {
  await markRunFailed(ctx.db, runId, reason);
}

