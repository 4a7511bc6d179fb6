/**
 * A monitor's judge budget (calls, tokens or dollars per UTC day). Each LLM judge call is reserved
 * before it is made; a pair that gets no reservation is deferred — recorded, not judged, not marked
 * scored — and the next run of a later period picks it up again.
 */
import type { AppContext } from '../api/context.ts';
import type { JudgeBudget } from '../domain/alert-rules.ts';
import { budgetDeferred, budgetUsed } from '../observability/alert-metrics.ts';
import { addBudgetUse, budgetUse, deferredCount, periodStart, reserveJudgeCall } from '../storage/budget-repository.ts';

export interface BudgetGate {
  /** True when the pair may be judged now (a call was reserved). */
  reserve(): Promise<boolean>;
  /** Adds what a judged pair used. */
  spent(use: { tokens: number; cost: number }): Promise<void>;
}

/** The gate of one chunk; the period is fixed when the chunk starts. */
export function budgetGate(ctx: AppContext, experimentId: number, budget: JudgeBudget): BudgetGate {
  const period = periodStart();
  return {
    reserve: () => reserveJudgeCall(ctx.db, experimentId, budget, period),
    spent: (use) => addBudgetUse(ctx.db, experimentId, period, use),
  };
}

/** Budget use and deferred pairs of a monitor, for the API and the gauges. */
export async function budgetStatus(ctx: AppContext, experimentId: number, budget: JudgeBudget | undefined) {
  const use = await budgetUse(ctx.db, experimentId, periodStart());
  const deferred = await deferredCount(ctx.db, experimentId);
  const next = new Date(use.period_start.getTime() + 86_400_000);
  return {
    budget: budget ?? null,
    period_start: use.period_start.toISOString(),
    renews_at: next.toISOString(),
    used: { judge_calls: use.judge_calls, tokens: use.tokens, cost_usd: use.cost },
    deferred_pairs: deferred,
  };
}

export async function refreshBudgetGauges(ctx: AppContext, experimentId: number): Promise<void> {
  const use = await budgetUse(ctx.db, experimentId, periodStart());
  const id = String(experimentId);
  budgetUsed.set({ experiment_id: id, resource: 'judge_calls' }, use.judge_calls);
  budgetUsed.set({ experiment_id: id, resource: 'tokens' }, use.tokens);
  budgetUsed.set({ experiment_id: id, resource: 'cost_usd' }, use.cost);
  budgetDeferred.set({ experiment_id: id }, await deferredCount(ctx.db, experimentId));
}
