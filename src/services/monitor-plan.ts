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
import { sql } from 'kysely';
import type { AppContext } from '../services/context.ts';
import type { RunCounts, ScorerCounts } from '../storage/monitor-schema.ts';
import { findMonitor, findRun, type MonitorRunRow } from '../storage/monitor-repository.ts';
import { takeRunCallTotals } from '../storage/monitor-run-calls.ts';
import { addStoredFeedback, storedRunFeedback, storedSessionRunFeedback, type StoredRunFeedback } from '../storage/monitor-run-counts.ts';
import { ensureResultsTable, traceLogsTable } from '../storage/results-table.ts';
import { monitorRunsTotal } from '../observability/monitor-metrics.ts';
import { enqueueAlertEvaluation, enqueueMonitorChunk } from '../queue/jobs.ts';
import { deferredReady } from '../storage/budget-repository.ts';
import { planSessionChunks } from './monitor-sessions.ts';

/** Plans the run (once) and enqueues its unfinished chunks. Safe to call again after a crash. */
export async function planRun(ctx: AppContext, runId: string): Promise<void> {
  let run = await findRun(ctx.db, runId);
  if (!run || run.status === 'succeeded' || run.status === 'failed') return;
  if (run.chunks === null) {
    await ensureResultsTable(ctx.db, run.config.results_schema, run.experiment_id);
    run = await selectWindow(ctx, run);
  }
  if (run.chunks === 0) {
    await finishRunIfDone(ctx, runId);
    return;
  }
  const pending = await ctx.db
    .selectFrom('assay.monitor_run_chunk')
    .select('chunk')
    .where('run_id', '=', runId)
    .where('done', '=', false)
    .execute();
  for (const { chunk } of pending) {
    await enqueueMonitorChunk(ctx.queue, runId, chunk);
  }
  ctx.log.info({ run_id: runId, chunks: run.chunks, pending: pending.length, traces: run.traces_seen }, 'monitor run planned');
}

async function selectWindow(ctx: AppContext, run: MonitorRunRow): Promise<MonitorRunRow> {
  const chunkSize = ctx.config.monitorChunkSize;
  return ctx.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // First statement: fixes the snapshot that both the xmin and the window are read from.
      const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(trx);
      const xmin = rows[0]!.xmin;
      const monitor = await findMonitor(trx, run.experiment_id);
      const from = run.kind === 'backfill' ? null : (monitor?.cursor_xid ?? xmin);
      let window = trx
        .selectFrom('assay.trace')
        .select(['trace_id', 'seq'])
        .where('experiment_id', '=', run.experiment_id)
        .where('state', '!=', 'IN_PROGRESS');
      if (run.kind === 'backfill') {
        window = window.where('request_time', '>=', run.backfill_from ?? 0).where('request_time', '<', run.backfill_to ?? Number.MAX_SAFE_INTEGER);
      } else {
        // Above the cursor, and not already copied at this very version (a trace seen by the
        // previous run because a transaction elsewhere held the snapshot's xmin back).
        const copied = traceLogsTable(run.config.results_schema, run.experiment_id);
        const fresh = sql<boolean>`change_xid >= ${from}::xid8 and not exists (select 1 from ${copied} c
                                where c.trace_id = assay.trace.trace_id and c.trace_version = assay.trace.change_xid::text)`;
        // Pairs a spent budget deferred come back once the budget has room again.
        window = (await deferredReady(trx, run.experiment_id, run.config.budget))
          ? window.where((eb) => eb.or([fresh, eb('trace_id', 'in', eb.selectFrom('assay.monitor_deferred').select('trace_id').where('experiment_id', '=', run.experiment_id))]))
          : window.where(fresh);
      }
      await trx
        .insertInto('assay.monitor_run_trace')
        .columns(['run_id', 'chunk', 'trace_id'])
        .expression(
          trx
            .selectFrom(window.as('w'))
            .select([
              sql.lit(run.run_id).as('run_id'),
              sql<number>`((row_number() over (order by w.seq, w.trace_id)) - 1) / ${chunkSize}`.as('chunk'),
              'w.trace_id',
            ]),
        )
        .execute();
      const { rows: stats } = await sql<{ traces: number; chunks: number }>`
        select count(*)::int as traces, coalesce(max(chunk) + 1, 0)::int as chunks
        from assay.monitor_run_trace where run_id = ${run.run_id}`.execute(trx);
      const { traces } = stats[0]!;
      // Idle sessions, for session judges, get chunks of their own after the traces' chunks.
      const chunks = stats[0]!.chunks + (await planSessionChunks(trx, ctx, run, stats[0]!.chunks));
      if (chunks > 0) {
        await sql`insert into assay.monitor_run_chunk (run_id, chunk)
                  select ${run.run_id}, g from generate_series(0, ${chunks - 1}) g`.execute(trx);
      }
      return trx
        .updateTable('assay.monitor_run')
        .set({
          status: 'running',
          window_from: from,
          window_to: run.kind === 'backfill' ? null : xmin,
          chunks,
          traces_seen: traces,
          started_at: new Date(),
        })
        .where('run_id', '=', run.run_id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
}

/**
 * Finishes the run once every chunk is done: sums the chunks' counts and moves the monitor's
 * cursor, in one transaction, so the cursor never passes work that was not committed.
 */
export async function finishRunIfDone(ctx: AppContext, runId: string): Promise<boolean> {
  const finished = await ctx.db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('assay.monitor_run').selectAll().where('run_id', '=', runId).forUpdate().executeTakeFirst();
    if (!run || run.status !== 'running') return undefined;
    const chunks = await trx.selectFrom('assay.monitor_run_chunk').select(['done', 'counts']).where('run_id', '=', runId).execute();
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
    await trx
      .updateTable('assay.monitor_run')
      .set({ status: 'succeeded', counts: JSON.stringify(counts), finished_at: new Date() })
      .where('run_id', '=', runId)
      .execute();
    if (run.kind !== 'backfill' && run.window_to !== null) {
      await trx
        .updateTable('assay.monitor')
        .set({ cursor_xid: sql`greatest(cursor_xid, ${run.window_to}::xid8)` })
        .where('experiment_id', '=', run.experiment_id)
        .execute();
    }
    // The window's trace list has served its purpose; history keeps the counts.
    await trx.deleteFrom('assay.monitor_run_trace').where('run_id', '=', runId).execute();
    await trx.deleteFrom('assay.monitor_run_session').where('run_id', '=', runId).execute();
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
  await ctx.db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('assay.monitor_run').select(['status', 'counts']).where('run_id', '=', runId).forUpdate().executeTakeFirst();
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return;
    // A failed run's judge calls were paid for too: its history says what they cost.
    const counts = { ...run.counts, ...(await takeRunCallTotals(trx, runId)) };
    await trx
      .updateTable('assay.monitor_run')
      .set({ status: 'failed', error: reason.slice(0, 2000), finished_at: new Date(), counts: JSON.stringify(counts) })
      .where('run_id', '=', runId)
      .execute();
  });
  monitorRunsTotal.inc({ kind: 'any', status: 'failed' });
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
