/**
 * The scheduler: on every node-cron tick, each monitor that is due and not paused gets one run.
 *
 * Several replicas may tick at once. The due monitor's row is locked (`for update skip locked`)
 * while its next due time is moved forward and its run inserted, and the run's key
 * (`scheduled:<experiment>:<due time>`) and the one-active-run index are unique in Postgres, so no
 * replica ever enqueues the same run twice. Each tick also re-enqueues active runs under their
 * deterministic job ids, which finishes work whose queue state was lost (an embedded process that
 * restarted, a Redis that was flushed); a job that still exists is not duplicated. And each tick
 * folds the overview's pending rollup deltas (storage/trace-rollup.ts).
 */
import cron from 'node-cron';
import type { AppContext } from './context.ts';
import { activeRuns, startDueRun } from '../storage/monitor-repository.ts';
import { runsAwaitingAlerts, stalePendingDeliveries } from '../storage/alert-repository.ts';
import { foldTraceRollup } from '../storage/trace-rollup.ts';
import { enqueueAlertDelivery, enqueueAlertEvaluation, enqueueMonitorRun } from '../queue/jobs.ts';
import { maintainPartitions } from './partition-maintenance.ts';

export interface Scheduler {
  /** Runs one tick now (tests, `assay monitor run`). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export async function startScheduler(ctx: AppContext, options: { cron?: string } = {}): Promise<Scheduler> {
  let running: Promise<void> | undefined;
  const tick = async () => {
    if (running) return running;
    running = schedulerTick(ctx)
      .then(() => undefined)
      .catch((err: unknown) => ctx.log.error({ err }, 'scheduler tick failed'))
      .finally(() => (running = undefined));
    return running;
  };
  const task = cron.schedule(options.cron ?? ctx.config.schedulerCron, () => void tick(), { noOverlap: true });
  void tick();
  return {
    tick,
    stop: async () => {
      await task.stop();
      await running;
    },
  };
}

const FOLD_BATCH = 50_000;

/** One pass: partitions ahead and retention, start due runs, then re-enqueue active ones. */
export async function schedulerTick(ctx: AppContext): Promise<{ started: string[] }> {
  const started: string[] = [];
  await maintainPartitions(ctx);
  for (;;) {
    const runId = await startDueRun(ctx.db);
    if (runId === null) break;
    if (runId) started.push(runId);
  }
  for (const run of await activeRuns(ctx.db)) await enqueueMonitorRun(ctx.queue, run.run_id);
  // A delivery whose job was lost with the queue (an embedded restart, a flushed Redis) goes again.
  for (const id of await stalePendingDeliveries(ctx.db, 10 * 60_000)) await enqueueAlertDelivery(ctx.queue, id, ctx.config.webhooks);
  // So does the alert evaluation of a run that finished just before a crash.
  for (const runId of await runsAwaitingAlerts(ctx.db, 60_000)) await enqueueAlertEvaluation(ctx.queue, runId);
  // The overview's hourly rollup takes in what ingest appended since the last tick.
  let folded = FOLD_BATCH;
  while (folded === FOLD_BATCH) folded = await foldTraceRollup(ctx.db, FOLD_BATCH);
  if (started.length) ctx.log.info({ runs: started }, 'monitor runs scheduled');
  return { started };
}
