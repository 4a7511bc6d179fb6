/**
 * Judge budget use per monitor and UTC day, and the (trace, scorer) pairs a spent budget deferred.
 *
 * A judge call is reserved before it is made, in one statement that grants it only while every
 * limit of the budget still has room, so concurrent chunks on many workers never pass the call
 * limit. Tokens and cost are known only after the call and are added then: those limits stop new
 * calls once reached (calls already in flight may pass them by their own use).
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export interface BudgetLimits {
  max_judge_calls?: number | undefined;
  max_tokens?: number | undefined;
  max_cost_usd?: number | undefined;
}

export interface BudgetUse {
  period_start: Date;
  judge_calls: number;
  tokens: number;
  cost: number;
}

/** Start of the UTC day holding `now`. */
export function periodStart(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Reserves one judge call; false when a limit is reached for the period. */
export async function reserveJudgeCall(db: Executor, experimentId: number, limits: BudgetLimits, period: Date): Promise<boolean> {
  const calls = limits.max_judge_calls ?? null;
  const tokens = limits.max_tokens ?? null;
  const cost = limits.max_cost_usd ?? null;
  const { rows } = await sql<{ judge_calls: number }>`
    insert into assay.monitor_budget_usage as u (experiment_id, period_start, judge_calls)
    select ${experimentId}, ${period}, 1 where coalesce(${calls}::bigint, 1) >= 1
    on conflict (experiment_id, period_start) do update set judge_calls = u.judge_calls + 1
      where (${calls}::bigint is null or u.judge_calls < ${calls}::bigint)
        and (${tokens}::bigint is null or u.tokens < ${tokens}::bigint)
        and (${cost}::double precision is null or u.cost < ${cost}::double precision)
    returning u.judge_calls`.execute(db);
  return rows.length > 0;
}

/** Adds what a judged pair used after the fact. */
export async function addBudgetUse(db: Executor, experimentId: number, period: Date, use: { tokens: number; cost: number }): Promise<void> {
  if (use.tokens === 0 && use.cost === 0) return;
  await db
    .updateTable('assay.monitor_budget_usage')
    .set((eb) => ({ tokens: eb('tokens', '+', use.tokens), cost: eb('cost', '+', use.cost) }))
    .where('experiment_id', '=', experimentId)
    .where('period_start', '=', period)
    .execute();
}

export async function budgetUse(db: Executor, experimentId: number, period: Date): Promise<BudgetUse> {
  const row = await db
    .selectFrom('assay.monitor_budget_usage')
    .select(['period_start', 'judge_calls', 'tokens', 'cost'])
    .where('experiment_id', '=', experimentId)
    .where('period_start', '=', period)
    .executeTakeFirst();
  return row
    ? { period_start: row.period_start, judge_calls: Number(row.judge_calls), tokens: Number(row.tokens), cost: Number(row.cost) }
    : { period_start: period, judge_calls: 0, tokens: 0, cost: 0 };
}

/** Records pairs a spent budget held back; a pair deferred again keeps its first record. */
export async function deferPairs(db: Executor, experimentId: number, runId: string, pairs: ReadonlyArray<{ trace_id: string; scorer: string }>): Promise<void> {
  if (pairs.length === 0) return;
  await db
    .insertInto('assay.monitor_deferred')
    .values(pairs.map((p) => ({ experiment_id: experimentId, trace_id: p.trace_id, scorer: p.scorer, run_id: runId })))
    .onConflict((oc) => oc.columns(['experiment_id', 'trace_id', 'scorer']).doNothing())
    .execute();
}

/** Forgets deferred pairs once they are judged (or no longer wanted). */
export async function clearDeferred(db: Executor, experimentId: number, pairs: ReadonlyArray<{ trace_id: string; scorer: string }>): Promise<void> {
  if (pairs.length === 0) return;
  await db
    .deleteFrom('assay.monitor_deferred')
    .where('experiment_id', '=', experimentId)
    .where((eb) => eb.or(pairs.map((p) => eb.and([eb('trace_id', '=', p.trace_id), eb('scorer', '=', p.scorer)]))))
    .execute();
}

/** Deferred pairs of one trace, by scorer. */
export async function deferredPairs(db: Executor, experimentId: number, traceId: string): Promise<Map<string, { run_id: string | null; deferred_at: Date }>> {
  const rows = await db
    .selectFrom('assay.monitor_deferred')
    .select(['scorer', 'run_id', 'deferred_at'])
    .where('experiment_id', '=', experimentId)
    .where('trace_id', '=', traceId)
    .execute();
  return new Map(rows.map((r) => [r.scorer, { run_id: r.run_id, deferred_at: r.deferred_at }]));
}

export async function deferredCount(db: Executor, experimentId: number): Promise<number> {
  const row = await db
    .selectFrom('assay.monitor_deferred')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Deferred pairs among some traces, as `trace_id` → scorer names. */
export async function deferredAmong(db: Executor, experimentId: number, traceIds: readonly string[]): Promise<Array<{ trace_id: string; scorer: string }>> {
  if (traceIds.length === 0) return [];
  return db
    .selectFrom('assay.monitor_deferred')
    .select(['trace_id', 'scorer'])
    .where('experiment_id', '=', experimentId)
    .where('trace_id', 'in', [...traceIds])
    .execute();
}

/** Whether the period's use is still below every limit (a budget with room left). */
export function hasRoom(limits: BudgetLimits, use: BudgetUse): boolean {
  return (limits.max_judge_calls === undefined || use.judge_calls < limits.max_judge_calls)
    && (limits.max_tokens === undefined || use.tokens < limits.max_tokens)
    && (limits.max_cost_usd === undefined || use.cost < limits.max_cost_usd);
}

/** Whether a run should take deferred pairs again: some wait, and the budget (if any) has room. */
export async function deferredReady(db: Executor, experimentId: number, limits: BudgetLimits | undefined, now: Date = new Date()): Promise<boolean> {
  const any = await db.selectFrom('assay.monitor_deferred').select('trace_id').where('experiment_id', '=', experimentId).limit(1).executeTakeFirst();
  if (!any) return false;
  return limits === undefined || hasRoom(limits, await budgetUse(db, experimentId, periodStart(now)));
}
