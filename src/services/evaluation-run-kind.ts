/**
 * Evaluation runs as a user of the run engine: the work items are the run's rows (listed when the
 * run was created), dealt round-robin into the slices `slicing` fixes; a run finishes once no row
 * is pending, with its counts, metrics and the metrics table for dashboards in one transaction.
 */
import { MetricTally, type Aggregation, type MetricRow } from '../domain/evaluation-metrics.ts';
import { enqueueEvaluationRows } from '../queue/jobs.ts';
import { appendMetrics, findRun, judgeCostOfRun, markRunRunning, markRunSucceeded, metricRowsPage, pendingSlices, rowCounts } from '../storage/evaluation-repository.ts';
import type { RunCounts } from '../storage/evaluation-schema.ts';
import type { Executor } from '../storage/connect.ts';
import { slicing } from './evaluation-plan.ts';
import { runRows } from './evaluation-rows.ts';
import type { RunUser } from './run-engine.ts';

export const evaluationRuns: RunUser<'assay.evaluation_run', { counts: RunCounts; metrics: Record<string, number> }> = {
  name: 'evaluation',
  table: 'assay.evaluation_run',

  load: (ctx, runId) => findRun(ctx.db, runId),

  // The rows were listed when the run was created: planning marks it running (keeping its first start).
  plan: (ctx, runId) => markRunRunning(ctx.db, runId),

  pendingSlices: (ctx, run) => pendingSlices(ctx.db, run.run_id, slicing(run).slices),

  enqueueSlices: (ctx, runId, slices) => enqueueEvaluationRows(ctx.queue, runId, slices),

  describePlan: (run) => ({ rows: run.rows_total, slices: slicing(run).slices }),

  processSlice: runRows,

  async summarise(trx, run) {
    const { pending, ...counts } = await rowCounts(trx, run.run_id);
    if (pending > 0) return undefined;
    const metrics = await runMetrics(trx, run.run_id, run.aggregations as Aggregation[]);
    const spent = await judgeCostOfRun(trx, run.run_id);
    if (spent !== null) metrics['judge_cost/total'] = spent;
    await markRunSucceeded(trx, run.run_id, counts, metrics);
    await appendMetrics(trx, run, metrics);
    return { counts, metrics };
  },

  async finished(ctx, run, { counts, metrics }) {
    ctx.log.info({ run_id: run.run_id, ...counts, pass_rate: metrics.pass_rate }, 'evaluation run finished');
  },
};

/** Rows the finish reads at a time: the metrics of a large run never hold its rows whole. */
export const METRIC_PAGE_ROWS = 1000;

/** A run's metrics from its rows, read a page at a time in row order. */
async function runMetrics(db: Executor, runId: string, aggregations: Aggregation[]): Promise<Record<string, number>> {
  const tally = new MetricTally();
  let after = -1;
  for (;;) {
    const page = await metricRowsPage(db, runId, { after, limit: METRIC_PAGE_ROWS });
    for (const r of page) {
      tally.add({
        status: r.status,
        passed: r.passed,
        verdicts: r.verdicts as MetricRow['verdicts'],
        latency_ms: r.target_latency_ms,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        total_tokens: r.total_tokens,
        cost: r.cost,
      });
    }
    if (page.length < METRIC_PAGE_ROWS) return tally.metrics(aggregations);
    after = page.at(-1)!.row_index;
  }
}
