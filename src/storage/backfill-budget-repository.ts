/**
 * A backfill's own judge budget (migration 022): the limits given with the backfill request and
 * what the backfill used of them. Reservations against it are made in budget-repository.ts,
 * together with the monitor's daily budget.
 */
import type { BudgetLimits } from './budget-repository.ts';
import type { Executor } from './connect.ts';

export interface BackfillBudget {
  run_id: string;
  limits: BudgetLimits;
  used: { judge_calls: number; tokens: number; cost: number };
}

/** Records the backfill's budget; called in the transaction that creates the backfill's run. */
export async function createBackfillBudget(db: Executor, runId: string, limits: BudgetLimits): Promise<void> {
  await db
    .insertInto('assay.monitor_backfill_budget')
    .values({
      run_id: runId,
      max_judge_calls: limits.max_judge_calls ?? null,
      max_tokens: limits.max_tokens ?? null,
      max_cost_usd: limits.max_cost_usd ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The budgets of some backfill runs (runs without one are absent). */
export async function backfillBudgets(db: Executor, runIds: readonly string[]): Promise<Map<string, BackfillBudget>> {
  if (runIds.length === 0) return new Map();
  const rows = await db.selectFrom('assay.monitor_backfill_budget').selectAll().where('run_id', 'in', [...runIds]).execute();
  return new Map(
    rows.map((r) => [
      r.run_id,
      {
        run_id: r.run_id,
        limits: {
          ...(r.max_judge_calls !== null ? { max_judge_calls: Number(r.max_judge_calls) } : {}),
          ...(r.max_tokens !== null ? { max_tokens: Number(r.max_tokens) } : {}),
          ...(r.max_cost_usd !== null ? { max_cost_usd: Number(r.max_cost_usd) } : {}),
        },
        used: { judge_calls: Number(r.judge_calls), tokens: Number(r.tokens), cost: Number(r.cost) },
      },
    ]),
  );
}

export async function findBackfillBudget(db: Executor, runId: string): Promise<BackfillBudget | undefined> {
  return (await backfillBudgets(db, [runId])).get(runId);
}
