/**
 * A monitoring run's work lists and its end: the window of traces a run takes (read under one
 * snapshot, see services/monitor-run-kind.ts), its chunks, and the write that finishes it.
 */
import { sql } from 'kysely';
import { runWindow } from '../domain/monitor-window.ts';
import { deferredReady } from './budget-repository.ts';
import type { Db, Executor } from './connect.ts';
import { findMonitor, type MonitorRunRow } from './monitor-repository.ts';
import type { RunCounts } from './monitor-schema.ts';
import { arrivalLowerBound } from './partitions.ts';
import { traceLogsTable } from './results-table.ts';
import { sliceSql } from './run-repository.ts';

export interface WindowOptions {
  chunkSize: number;
  /** Adds chunks for idle sessions after the traces' `traceChunks` chunks; returns how many. */
  planSessions(trx: Executor, traceChunks: number): Promise<number>;
}

/**
 * Fixes the run's window in one repeatable-read transaction: the traces it judges (in sequence
 * order, dealt round-robin across its chunks), and the cursor it moves to when it finishes (the snapshot's xmin).
 */
export async function selectRunWindow(db: Db, run: MonitorRunRow, options: WindowOptions): Promise<MonitorRunRow> {
  const { chunkSize } = options;
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // First statement: fixes the snapshot that both the xmin and the window are read from.
      const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(trx);
      const xmin = rows[0]!.xmin;
      const monitor = await findMonitor(trx, run.experiment_id);
      const bounds = runWindow(run, monitor?.cursor_xid, xmin);
      const from = bounds.changedFrom;
      let window = trx
        .selectFrom('assay.trace')
        .select(['trace_id', 'seq'])
        .where('experiment_id', '=', run.experiment_id)
        .where('state', '!=', bounds.skipState);
      if (bounds.requestTime) {
        window = window.where('request_time', '>=', bounds.requestTime.from).where('request_time', '<', bounds.requestTime.to);
        // A backfill's time range also prunes partitions of traces that arrived before it.
        const arrived = arrivalLowerBound(bounds.requestTime.from);
        if (arrived) window = window.where('created_at', '>=', arrived);
      }
      if (from !== null) {
        // Above the cursor, and not already copied at this very version (a trace seen by the
        // previous run because a transaction elsewhere held the snapshot's xmin back).
        const copied = traceLogsTable(run.config.results_schema, run.experiment_id);
        const fresh = sql<boolean>`change_xid >= ${from}::xid8 and not exists (select 1 from ${copied} c
                                where c.trace_id = assay.trace.trace_id and c.trace_version = assay.trace.change_xid::text)`;
        // Pairs a spent budget deferred come back once the budget has room again.
        window = (await deferredReady(trx, run.experiment_id, run.config.budget))
          ? window.where((eb) => eb.or([fresh, eb('trace_id', 'in', eb.selectFrom('assay.monitor_deferred').select('trace_id').where('experiment_id', '=', run.experiment_id).where('cause', '=', 'day'))]))
          : window.where(fresh);
      }
      // Each trace's place in sequence order, and the chunks that `chunkSize` traces a chunk make.
      const placed = trx
        .selectFrom(window.as('w'))
        .select([
          'w.trace_id',
          sql<number>`row_number() over (order by w.seq, w.trace_id) - 1`.as('position'),
          sql<number>`ceil(count(*) over () / ${chunkSize}::numeric)::int`.as('slices'),
        ]);
      // Dealt round-robin over the chunks; each chunk's list in sequence order.
      const { rows: stats } = await sql<{ traces: number; chunks: number }>`
        with lists as (
          insert into assay.monitor_run_chunk (run_id, chunk, trace_ids)
          select ${run.run_id}, ${sliceSql(sql<number>`d.position`, sql<number>`d.slices`)}, array_agg(d.trace_id order by d.position)
            from ${placed} d
           group by 2
          returning chunk, cardinality(trace_ids) as traces)
        select coalesce(sum(traces), 0)::int as traces, count(*)::int as chunks from lists`.execute(trx);
      const { traces } = stats[0]!;
      const traceChunks = stats[0]!.chunks;
      // Idle sessions, for session judges, get chunks of their own after the traces' chunks.
      const chunks = traceChunks + (await options.planSessions(trx, traceChunks));
      if (chunks > traceChunks) {
        await sql`insert into assay.monitor_run_chunk (run_id, chunk)
                  select ${run.run_id}, g from generate_series(${traceChunks}::int, ${chunks - 1}::int) g`.execute(trx);
      }
      return trx
        .updateTable('assay.monitor_run')
        .set({
          status: 'running',
          window_from: from,
          window_to: bounds.cursorTo,
          chunks,
          traces_seen: traces,
          started_at: new Date(),
        })
        .where('run_id', '=', run.run_id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
}

/** The run's chunks not yet done. */
export async function pendingChunks(db: Executor, runId: string): Promise<number[]> {
  const rows = await db.selectFrom('assay.monitor_run_chunk').select('chunk').where('run_id', '=', runId).where('done', '=', false).execute();
  return rows.map((r) => r.chunk);
}

export async function runChunks(trx: Executor, runId: string): Promise<Array<{ done: boolean; counts: RunCounts }>> {
  return trx.selectFrom('assay.monitor_run_chunk').select(['done', 'counts']).where('run_id', '=', runId).execute();
}

/**
 * Marks the run succeeded with its counts, moves the monitor's cursor to the run's window end
 * (never backwards; not for backfills) and drops the run's work lists; history keeps the counts.
 */
export async function markRunSucceeded(trx: Executor, run: MonitorRunRow, counts: RunCounts): Promise<void> {
  await trx
    .updateTable('assay.monitor_run')
    .set({ status: 'succeeded', counts: JSON.stringify(counts), finished_at: new Date() })
    .where('run_id', '=', run.run_id)
    .execute();
  if (run.kind !== 'backfill' && run.window_to !== null) {
    await trx
      .updateTable('assay.monitor')
      .set({ cursor_xid: sql`greatest(cursor_xid, ${run.window_to}::xid8)` })
      .where('experiment_id', '=', run.experiment_id)
      .execute();
  }
  await trx.updateTable('assay.monitor_run_chunk').set({ trace_ids: sql<string[]>`'{}'::text[]` }).where('run_id', '=', run.run_id).execute();
  await trx.deleteFrom('assay.monitor_run_session').where('run_id', '=', run.run_id).execute();
}

/** Whether the chunk exists and is done (undefined when it does not exist). */
export async function chunkDone(db: Executor, runId: string, chunk: number): Promise<boolean | undefined> {
  const row = await db.selectFrom('assay.monitor_run_chunk').select('done').where('run_id', '=', runId).where('chunk', '=', chunk).executeTakeFirst();
  return row?.done;
}

/** The traces the run's window put in this chunk, in sequence order. */
export async function chunkTraceIds(db: Executor, runId: string, chunk: number): Promise<string[]> {
  const row = await db.selectFrom('assay.monitor_run_chunk').select('trace_ids').where('run_id', '=', runId).where('chunk', '=', chunk).executeTakeFirst();
  return row?.trace_ids ?? [];
}

export async function markChunkDone(trx: Executor, runId: string, chunk: number, counts: RunCounts): Promise<void> {
  await trx
    .updateTable('assay.monitor_run_chunk')
    .set({ done: true, counts: JSON.stringify(counts), finished_at: new Date() })
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .execute();
}
