/** The traces a backfill covers: complete traces of an experiment by request time. */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import { arrivalLowerBound } from './partitions.ts';

export interface BackfillTrace {
  trace_id: string;
  /** Characters of the request and response previews: the judges' reading, roughly. */
  chars: number;
}

/** One page of complete traces with `from <= request_time < to`, after `after` in trace id order. */
export async function backfillPage(db: Executor, experimentId: number, range: { from: number; to: number }, after: string, limit: number): Promise<BackfillTrace[]> {
  const arrived = arrivalLowerBound(range.from);
  const rows = await db
    .selectFrom('assay.trace')
    .select(['trace_id', sql<number>`length(coalesce(request_preview, '')) + length(coalesce(response_preview, ''))`.as('chars')])
    .where('experiment_id', '=', experimentId)
    .where('state', '!=', 'IN_PROGRESS')
    .where('request_time', '>=', range.from)
    .where('request_time', '<', range.to)
    // Bounds the partition key too, so older days' partitions are skipped.
    .$if(arrived !== undefined, (q) => q.where('created_at', '>=', arrived!))
    .where('trace_id', '>', after)
    .orderBy('trace_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ trace_id: r.trace_id, chars: Number(r.chars ?? 0) }));
}

/** How many complete traces the experiment holds, and their first and last request times. */
export async function completeTraceSpan(db: Executor, experimentId: number): Promise<{ count: number; first: number | null; last: number | null }> {
  const row = await db
    .selectFrom('assay.trace')
    .select([sql<number>`count(*)`.as('count'), sql<number | null>`min(request_time)`.as('first'), sql<number | null>`max(request_time)`.as('last')])
    .where('experiment_id', '=', experimentId)
    .where('state', '!=', 'IN_PROGRESS')
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), first: row.first === null ? null : Number(row.first), last: row.last === null ? null : Number(row.last) };
}
