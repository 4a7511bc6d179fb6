/**
 * Judge budget use per monitor and UTC day, and the (trace, scorer) and (session, scorer) pairs a
 * spent budget deferred.
 *
 * Judge calls are reserved before they are made, a few at a time, under a row lock that grants them
 * only while every limit still has room, so concurrent chunks on many workers never pass the call
 * limit. Tokens and cost are known only after a call and are booked with the next reservation (or
 * when the chunk ends): those limits stop new calls once reached, and calls already granted may
 * pass them by their own use.
 */
import type { DeferralCause } from './alert-schema.ts';
import type { Db, Executor } from './connect.ts';

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

/**
 * Reserves up to `wanted` judge calls for the period and books `spent` (tokens and cost of calls
 * already made) in one short transaction on the budget's row — and on the backfill's own budget
 * row, for a backfill that has one (locked in that order, always). Grants none once any limit of
 * either is reached; never grants past a call limit. Returns the calls granted.
 */
export async function reserveJudgeCalls(
  db: Db,
  experimentId: number,
  limits: BudgetLimits,
  period: Date,
  wanted: number,
  spent: { calls: number; tokens: number; cost: number } = { calls: 0, tokens: 0, cost: 0 },
  backfill?: { runId: string; limits: BudgetLimits },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('assay.monitor_budget_usage').values({ experiment_id: experimentId, period_start: period }).onConflict((oc) => oc.doNothing()).execute();
    const row = await trx
      .selectFrom('assay.monitor_budget_usage')
      .select(['judge_calls', 'tokens', 'cost'])
      .where('experiment_id', '=', experimentId)
      .where('period_start', '=', period)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const use = { period_start: period, judge_calls: Number(row.judge_calls) + spent.calls, tokens: Number(row.tokens) + spent.tokens, cost: Number(row.cost) + spent.cost };
    const own = backfill ? await lockBackfillUse(trx, backfill.runId, spent) : undefined;
    const dayRoom = roomFor(limits, use, wanted);
    const ownRoom = own && backfill ? roomFor(backfill.limits, own, wanted) : wanted;
    const granted = Math.min(dayRoom, ownRoom);
    if (granted === 0 && spent.calls === 0 && spent.tokens === 0 && spent.cost === 0) return 0;
    await trx
      .updateTable('assay.monitor_budget_usage')
      .set({ judge_calls: use.judge_calls + granted, tokens: use.tokens, cost: use.cost })
      .where('experiment_id', '=', experimentId)
      .where('period_start', '=', period)
      .execute();
    if (own && backfill) {
      await trx
        .updateTable('assay.monitor_backfill_budget')
        .set({ judge_calls: own.judge_calls + granted, tokens: own.tokens, cost: own.cost })
        .where('run_id', '=', backfill.runId)
        .execute();
    }
    return granted;
  });
}

/** Calls of `wanted` that `limits` still allow at `use`: none once any limit is reached. */
function roomFor(limits: BudgetLimits, use: Omit<BudgetUse, 'period_start'>, wanted: number): number {
  if (wanted <= 0 || !hasRoom(limits, use)) return 0;
  return limits.max_judge_calls === undefined ? wanted : Math.min(wanted, Math.max(0, limits.max_judge_calls - use.judge_calls));
}

async function lockBackfillUse(trx: Executor, runId: string, spent: { calls: number; tokens: number; cost: number }) {
  const row = await trx
    .selectFrom('assay.monitor_backfill_budget')
    .select(['judge_calls', 'tokens', 'cost'])
    .where('run_id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) return undefined;
  return { judge_calls: Number(row.judge_calls) + spent.calls, tokens: Number(row.tokens) + spent.tokens, cost: Number(row.cost) + spent.cost };
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

/**
 * Records pairs a spent budget held back. A pair deferred again keeps its first record, unless the
 * other budget held it back this time: then the record names this run and that budget.
 */
export async function deferPairs(
  db: Executor,
  experimentId: number,
  runId: string,
  pairs: ReadonlyArray<{ trace_id: string; scorer: string; cause: DeferralCause }>,
): Promise<void> {
  if (pairs.length === 0) return;
  await db
    .insertInto('assay.monitor_deferred')
    .values(pairs.map((p) => ({ experiment_id: experimentId, trace_id: p.trace_id, scorer: p.scorer, run_id: runId, cause: p.cause })))
    .onConflict((oc) =>
      oc
        .columns(['experiment_id', 'trace_id', 'scorer'])
        .doUpdateSet((eb) => ({ cause: eb.ref('excluded.cause'), run_id: eb.ref('excluded.run_id') }))
        .whereRef('assay.monitor_deferred.cause', '<>', 'excluded.cause'),
    )
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
export async function deferredPairs(db: Executor, experimentId: number, traceId: string): Promise<Map<string, { run_id: string | null; deferred_at: Date; cause: DeferralCause }>> {
  const rows = await db
    .selectFrom('assay.monitor_deferred')
    .select(['scorer', 'run_id', 'deferred_at', 'cause'])
    .where('experiment_id', '=', experimentId)
    .where('trace_id', '=', traceId)
    .execute();
  return new Map(rows.map((r) => [r.scorer, { run_id: r.run_id, deferred_at: r.deferred_at, cause: r.cause }]));
}

/** Deferred (trace, scorer) and (session, scorer) pairs of a monitor. */
export async function deferredCount(db: Executor, experimentId: number): Promise<number> {
  const row = await db
    .selectFrom('assay.monitor_deferred')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst();
  const sessions = await db
    .selectFrom('assay.monitor_deferred_session')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst();
  return Number(row?.n ?? 0) + Number(sessions?.n ?? 0);
}

/** Records (session, scorer) pairs a spent budget held back; a pair deferred again keeps its first record. */
export async function deferSessions(db: Executor, experimentId: number, runId: string, pairs: ReadonlyArray<{ session_id: string; scorer: string }>): Promise<void> {
  if (pairs.length === 0) return;
  await db
    .insertInto('assay.monitor_deferred_session')
    .values(pairs.map((p) => ({ experiment_id: experimentId, session_id: p.session_id, scorer: p.scorer, run_id: runId })))
    .onConflict((oc) => oc.columns(['experiment_id', 'session_id', 'scorer']).doNothing())
    .execute();
}

/** Forgets deferred (session, scorer) pairs once judged (or no longer wanted). */
export async function clearDeferredSessions(db: Executor, experimentId: number, pairs: ReadonlyArray<{ session_id: string; scorer: string }>): Promise<void> {
  if (pairs.length === 0) return;
  await db
    .deleteFrom('assay.monitor_deferred_session')
    .where('experiment_id', '=', experimentId)
    .where((eb) => eb.or(pairs.map((p) => eb.and([eb('session_id', '=', p.session_id), eb('scorer', '=', p.scorer)]))))
    .execute();
}

/** Deferred (trace, scorer) pairs that wait for another backfill. */
export async function deferredForBackfill(db: Executor, experimentId: number): Promise<number> {
  const row = await db
    .selectFrom('assay.monitor_deferred')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('experiment_id', '=', experimentId)
    .where('cause', '=', 'backfill')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Deferred (session, scorer) pairs among some sessions. */
export async function deferredSessionsAmong(db: Executor, experimentId: number, sessionIds: readonly string[]): Promise<Array<{ session_id: string; scorer: string }>> {
  if (sessionIds.length === 0) return [];
  return db
    .selectFrom('assay.monitor_deferred_session')
    .select(['session_id', 'scorer'])
    .where('experiment_id', '=', experimentId)
    .where('session_id', 'in', [...sessionIds])
    .execute();
}

/** Deferred pairs of one session, by scorer. */
export async function deferredSessionPairs(db: Executor, experimentId: number, sessionId: string): Promise<Map<string, { run_id: string | null; deferred_at: Date }>> {
  const rows = await db
    .selectFrom('assay.monitor_deferred_session')
    .select(['scorer', 'run_id', 'deferred_at'])
    .where('experiment_id', '=', experimentId)
    .where('session_id', '=', sessionId)
    .execute();
  return new Map(rows.map((r) => [r.scorer, { run_id: r.run_id, deferred_at: r.deferred_at }]));
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
export function hasRoom(limits: BudgetLimits, use: Omit<BudgetUse, 'period_start'>): boolean {
  return (limits.max_judge_calls === undefined || use.judge_calls < limits.max_judge_calls)
    && (limits.max_tokens === undefined || use.tokens < limits.max_tokens)
    && (limits.max_cost_usd === undefined || use.cost < limits.max_cost_usd);
}

/**
 * Whether a run should take deferred pairs again: some the daily budget held back wait, and the
 * budget (if any) has room. Pairs a backfill's own budget held back wait for another backfill.
 */
export async function deferredReady(db: Executor, experimentId: number, limits: BudgetLimits | undefined, now: Date = new Date()): Promise<boolean> {
  const any = await db
    .selectFrom('assay.monitor_deferred')
    .select('trace_id')
    .where('experiment_id', '=', experimentId)
    .where('cause', '=', 'day')
    .limit(1)
    .executeTakeFirst();
  if (!any) return false;
  return limits === undefined || hasRoom(limits, await budgetUse(db, experimentId, periodStart(now)));
}
