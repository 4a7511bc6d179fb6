/**
 * Maintenance of the overview's hourly rollup (migration 020): the triggers on assay.trace append
 * signed deltas; `foldTraceRollup` moves them into the rollup, `rebuildTraceRollup` recomputes an
 * experiment's rollup from its traces (after a load that bypassed the triggers).
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

/** Any fixed key: one folder at a time, the others skip their turn. */
const FOLD_LOCK = 0x61737279;

/**
 * Folds up to `limit` pending deltas into the rollup, oldest first, in one statement: a reader sees
 * them either as deltas or in the rollup, never both or neither. Returns the number folded.
 */
export async function foldTraceRollup(db: Executor, limit = 50_000): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows: lock } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${FOLD_LOCK}) as ok`.execute(trx);
    if (!lock[0]?.ok) return 0;
    const { rows } = await sql<{ experiment_id: string; hour: string; traces: string; n: string }>`
      with moved as (
        delete from assay.trace_hour_delta
        where delta_id in (select delta_id from assay.trace_hour_delta order by delta_id limit ${limit})
        returning experiment_id, hour, bin, traces, errors, total_tokens, cost
      ), binned as (
        select experiment_id, hour, bin, sum(traces) as traces, sum(errors) as errors,
               sum(total_tokens) as total_tokens, sum(cost) as cost, count(*) as n
        from moved group by 1, 2, 3
      ), hourly as (
        select experiment_id, hour, sum(traces) as traces, sum(errors) as errors, sum(total_tokens) as total_tokens,
               sum(cost) as cost, assay.latency_hist(array_agg(bin), array_agg(traces::bigint)) as latency, sum(n) as n
        from binned group by 1, 2
      ), upserted as (
        insert into assay.trace_hour_rollup as r (experiment_id, hour, traces, errors, total_tokens, cost, latency)
        select experiment_id, hour, traces, errors, total_tokens, cost, latency from hourly order by 1, 2
        on conflict (experiment_id, hour) do update set
          traces = r.traces + excluded.traces, errors = r.errors + excluded.errors,
          total_tokens = r.total_tokens + excluded.total_tokens, cost = r.cost + excluded.cost,
          latency = assay.latency_hist_add(r.latency, excluded.latency)
        returning experiment_id, hour, traces
      )
      select u.experiment_id, u.hour, u.traces, h.n
      from upserted u join hourly h using (experiment_id, hour)`.execute(trx);
    // An hour whose traces all moved elsewhere or were deleted: every sum in it is zero.
    for (const r of rows.filter((row) => Number(row.traces) === 0)) {
      await sql`delete from assay.trace_hour_rollup where experiment_id = ${r.experiment_id} and hour = ${r.hour} and traces = 0`.execute(trx);
    }
    return rows.reduce((n, r) => n + Number(r.n), 0);
  });
}

/** Recomputes one experiment's rollup from its traces, dropping its pending deltas. */
export async function rebuildTraceRollup(db: Executor, experimentId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Ingest of this experiment waits until the rebuild commits, so no delta is lost in between.
    await sql`lock table assay.trace_hour_delta in exclusive mode`.execute(trx);
    await sql`delete from assay.trace_hour_delta where experiment_id = ${experimentId}`.execute(trx);
    await sql`delete from assay.trace_hour_rollup where experiment_id = ${experimentId}`.execute(trx);
    await sql`
      insert into assay.trace_hour_rollup (experiment_id, hour, traces, errors, total_tokens, cost, latency)
      select experiment_id, hour, sum(traces), sum(errors), sum(total_tokens), sum(cost), assay.latency_hist(array_agg(bin), array_agg(traces::bigint))
      from (select r.experiment_id, r.hour, r.bin, sum(r.traces) as traces, sum(r.errors) as errors, sum(r.total_tokens) as total_tokens, sum(r.cost) as cost
            from assay.trace t, assay.trace_hour_rows(1, t) r where t.experiment_id = ${experimentId} group by 1, 2, 3) b
      group by 1, 2`.execute(trx);
  });
}
