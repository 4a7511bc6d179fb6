/**
 * What every kind of run shares in the database: its row, locked while the run is finished or
 * failed, and the one way a run's work items are split into slices.
 *
 * A run row has a `run_id`, a `status` (queued → running → succeeded | failed), `counts`, `error`
 * and `finished_at`; monitoring runs (`assay.monitor_run`, backfills included) and evaluation runs
 * (`assay.evaluation_run`) are the two kinds.
 */
import { sql, type Expression, type RawBuilder, type Selectable } from 'kysely';
import type { Db, Executor } from './connect.ts';
import type { Database } from './schema.ts';

/** The tables that hold one row per run. */
export type RunTable = 'assay.monitor_run' | 'assay.evaluation_run';

/** A run's row in its table, with what every run row has. */
export type RunRow<T extends RunTable> = Selectable<Database[T]> & { readonly run_id: string; readonly status: string };

/**
 * The slice of the work item at `index` (0-based, in the run's order) when the run's work is split
 * into `slices`: items are dealt round-robin, so every slice gets a share of every part of the
 * order and the slices differ in size by one item at most.
 */
export function sliceOf(index: number, slices: number): number {
  return index % slices;
}

/** `sliceOf` in SQL, for an index and a slice count that the statement computes or is given. */
export function sliceSql(index: Expression<number> | RawBuilder<number>, slices: number | RawBuilder<number>): RawBuilder<number> {
  return sql<number>`(${index}) % (${slices})`;
}

/** How many slices `items` work items make at `perSlice` items a slice. */
export function sliceCount(items: number, perSlice: number): number {
  return Math.ceil(items / Math.max(1, perSlice));
}

/** The run, locked until the transaction ends: finishing and failing a run take this lock. */
export async function lockRun<T extends RunTable>(trx: Executor, table: T, runId: string): Promise<RunRow<T> | undefined> {
  const { rows } = await sql<RunRow<T>>`select * from ${sql.table(table)} where run_id = ${runId} for update`.execute(trx);
  return rows[0];
}

/**
 * Marks a queued or running run failed for good with the reason; `finalCounts`, when given, sets
 * what the run's counts keep (under the run's lock). Returns false when the run had already ended.
 */
export async function markRunFailed<T extends RunTable>(
  db: Db,
  table: T,
  runId: string,
  reason: string,
  finalCounts?: (trx: Executor, run: RunRow<T>) => Promise<object>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, table, runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return false;
    const counts = finalCounts ? sql`, counts = ${JSON.stringify(await finalCounts(trx, run))}::jsonb` : sql``;
    await sql`update ${sql.table(table)}
              set status = 'failed', error = ${reason.slice(0, 2000)}, finished_at = ${new Date()}${counts}
              where run_id = ${runId}`.execute(trx);
    return true;
  });
}
