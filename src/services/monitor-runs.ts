/** Starting runs (scheduled, manual, backfill) and reading run history. */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../services/context.ts';
import { AssayError, notFound } from '../domain/errors.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { backfillBudgets, type BackfillBudget } from '../storage/backfill-budget-repository.ts';
import { activeRun, createRun, findMonitor, listRuns, type MonitorRunRow } from '../storage/monitor-repository.ts';
import { enqueueMonitorRun } from '../queue/jobs.ts';

/** `POST …/monitor/run`: a run now, unless one is active (409 naming it). */
export async function startRunNow(ctx: AppContext, experimentId: string): Promise<MonitorRunRow> {
  const experiment = await getExperiment(ctx.db, experimentId);
  const id = Number(experiment.experiment_id);
  const monitor = await findMonitor(ctx.db, id);
  if (!monitor) throw notFound(`experiment_id: experiment '${experimentId}' has no monitor`);
  const run = await createRun(ctx.db, { experimentId: id, kind: 'manual', runKey: `manual:${randomUUID()}`, config: monitor.config });
  if (!run) throw await activeConflict(ctx, id);
  await enqueueMonitorRun(ctx.queue, run.run_id);
  return run;
}

export async function activeConflict(ctx: AppContext, experimentId: number): Promise<AssayError> {
  const active = await activeRun(ctx.db, experimentId);
  return new AssayError('RESOURCE_CONFLICT', `run: run '${active?.run_id ?? '?'}' of this monitor is still ${active?.status ?? 'active'}`);
}

export async function runHistory(ctx: AppContext, experimentId: string, limit: number, bounds: { from?: number; to?: number } = {}): Promise<Record<string, unknown>[]> {
  const experiment = await getExperiment(ctx.db, experimentId);
  const runs = await listRuns(ctx.db, Number(experiment.experiment_id), limit, bounds);
  const budgets = await backfillBudgets(ctx.db, runs.filter((r) => r.kind === 'backfill').map((r) => r.run_id));
  return runs.map((run) => runView(run, budgets.get(run.run_id)));
}

/** A run as the API shows it; `own` is a backfill's own judge budget and its use. */
export function runView(run: MonitorRunRow, own?: BackfillBudget): Record<string, unknown> {
  const duration = run.started_at && run.finished_at ? run.finished_at.getTime() - run.started_at.getTime() : null;
  return {
    run_id: run.run_id,
    kind: run.kind,
    status: run.status,
    window: run.kind === 'backfill'
      ? { start_time: msToIso(run.backfill_from), end_time: msToIso(run.backfill_to) }
      : { from_xid: run.window_from, to_xid: run.window_to },
    traces_seen: run.traces_seen,
    traces_copied: run.counts.traces_copied ?? 0,
    chunks: run.chunks,
    scorers: run.counts.scorers ?? {},
    deferred: Object.values(run.counts.scorers ?? {}).reduce((n, c) => n + (c.deferred ?? 0), 0),
    judge_calls: run.counts.judge_calls ?? 0,
    repeated_judge_calls: run.counts.repeated_judge_calls ?? 0,
    input_tokens: run.counts.input_tokens ?? 0,
    output_tokens: run.counts.output_tokens ?? 0,
    cost: run.counts.cost ?? 0,
    assessments_written: run.counts.assessments_written ?? 0,
    errors: run.counts.errors ?? [],
    error: run.error,
    created_at: run.created_at.toISOString(),
    started_at: run.started_at?.toISOString() ?? null,
    finished_at: run.finished_at?.toISOString() ?? null,
    duration_ms: duration,
    backfill_budget: own ? { ...own.limits, used: { judge_calls: own.used.judge_calls, tokens: own.used.tokens, cost_usd: own.used.cost } } : null,
  };
}

function msToIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
