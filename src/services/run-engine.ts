/**
 * The run engine: monitoring runs, backfills and evaluation runs all go plan → slices → finish or
 * fail, whatever their work items are.
 *
 * - `planRun` (the run's job) lists the run's work items once and enqueues one job per slice that
 *   has work left, with deterministic job ids; planning again after a crash or a duplicate delivery
 *   re-enqueues only unfinished slices.
 * - `runSlice` (a slice's job) processes what is left of one slice, then tries to finish the run.
 * - `finishRunIfDone` finishes the run under its row lock once no slice has work left, so slices
 *   ending together finish it exactly once, and the counts and results commit with the status.
 * - `failRun` (a job out of attempts) marks the run failed for good.
 *
 * What a kind of run brings is a `RunUser`: see monitor-run-kind.ts and evaluation-run-kind.ts.
 */
import type { Executor } from '../storage/connect.ts';
import { lockRun, markRunFailed, type RunRow, type RunTable } from '../storage/run-repository.ts';
import type { AppContext } from './context.ts';

/** What one kind of run supplies to the engine. `T` is its run table, `S` what its finish reports. */
export interface RunUser<T extends RunTable, S> {
  /** Names the kind in logs. */
  readonly name: string;
  /** The table with one row per run of this kind. */
  readonly table: T;
  /** The run as it is now; undefined when there is none. */
  load(ctx: AppContext, runId: string): Promise<RunRow<T> | undefined>;
  /**
   * Lists the run's work items and fixes their slices, once: a second call finds them fixed. Returns
   * the running run, or undefined when it has ended.
   */
  plan(ctx: AppContext, runId: string): Promise<RunRow<T> | undefined>;
  /** The slices that still have work left. */
  pendingSlices(ctx: AppContext, run: RunRow<T>): Promise<number[]>;
  /** Enqueues these slices' jobs at once (deterministic ids: enqueueing twice is one job each). */
  enqueueSlices(ctx: AppContext, runId: string, slices: readonly number[]): Promise<void>;
  /** Facts about a planned run for the log. */
  describePlan(run: RunRow<T>): Record<string, unknown>;
  /** Processes what is left of one slice of a running run; safe to run again after a crash. */
  processSlice(ctx: AppContext, run: RunRow<T>, slice: number, signal: AbortSignal): Promise<void>;
  /**
   * Under the run's row lock, for a running run: when no work is left, sums the counts, writes the
   * run's end (status, counts, results) and returns what to report; undefined while work is left.
   */
  summarise(trx: Executor, run: RunRow<T>): Promise<S | undefined>;
  /** After the finish committed: metrics, follow-up jobs, the log line. */
  finished(ctx: AppContext, run: RunRow<T>, summary: S): Promise<void>;
  /** The counts a failed run keeps (default: as they are), read under the run's lock. */
  failedCounts?(trx: Executor, run: RunRow<T>): Promise<object>;
  /** After a run was marked failed. */
  failed?(ctx: AppContext, runId: string): void;
}

/** Plans the run (once) and enqueues its unfinished slices. Safe to call again after a crash. */
export async function planRun<T extends RunTable, S>(ctx: AppContext, user: RunUser<T, S>, runId: string): Promise<void> {
  const run = await user.plan(ctx, runId);
  if (!run) return;
  const pending = await user.pendingSlices(ctx, run);
  await user.enqueueSlices(ctx, runId, pending);
  ctx.log.info({ run_id: runId, ...user.describePlan(run), pending_slices: pending.length }, `${user.name} run planned`);
  // Nothing to do, or every slice ended before a crash let the run finish: finish it here.
  if (pending.length === 0) await finishRunIfDone(ctx, user, runId);
}

/** Processes one slice of a running run, then finishes the run if that was the last work left. */
export async function runSlice<T extends RunTable, S>(
  ctx: AppContext,
  user: RunUser<T, S>,
  runId: string,
  slice: number,
  signal: AbortSignal,
): Promise<void> {
  const run = await user.load(ctx, runId);
  if (!run || run.status !== 'running') return;
  await user.processSlice(ctx, run, slice, signal);
  await finishRunIfDone(ctx, user, runId);
}

/** Finishes the run once no work is left; true when this call finished it. */
export async function finishRunIfDone<T extends RunTable, S>(ctx: AppContext, user: RunUser<T, S>, runId: string): Promise<boolean> {
  const finished = await ctx.db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, user.table, runId);
    if (!run || run.status !== 'running') return undefined;
    const summary = await user.summarise(trx, run);
    return summary === undefined ? undefined : { run, summary };
  });
  if (!finished) return false;
  await user.finished(ctx, finished.run, finished.summary);
  return true;
}

/** Marks a run failed for good (a job ran out of attempts), freeing what waits for it. */
export async function failRun<T extends RunTable, S>(ctx: AppContext, user: RunUser<T, S>, runId: string, reason: string): Promise<void> {
  const failedCounts = user.failedCounts?.bind(user);
  if (await markRunFailed(ctx.db, user.table, runId, reason, failedCounts)) user.failed?.(ctx, runId);
}
