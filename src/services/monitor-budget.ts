/**
 * A monitor's judge budget (calls, tokens or dollars per UTC day). Each LLM judge call is reserved
 * before it is made; a pair that gets no reservation is deferred — recorded, not judged, not marked
 * scored — and the next run of a later period picks it up again.
 */
import type { AppContext } from '../api/context.ts';
import type { JudgeBudget } from '../domain/alert-rules.ts';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { budgetDeferrals, budgetDeferred, budgetUsed } from '../observability/alert-metrics.ts';
import type { ScorerKind } from '../scorers/scorer.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import { addBudgetUse, budgetUse, clearDeferred, deferPairs, deferredAmong, deferredCount, periodStart, reserveJudgeCall } from '../storage/budget-repository.ts';

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

/** The budget as one chunk of a run meets it. */
export interface ChunkBudget {
  /** Whether the pair may be judged now; a pair that may not is deferred. Code scorers always may. */
  admit(traceId: string, scorer: string, kind: ScorerKind): Promise<boolean>;
  /** Counts a judged pair's tokens and cost against the budget. */
  spent(drafts: readonly FeedbackDraft[]): Promise<void>;
  /** Records this chunk's deferred pairs, forgets earlier ones it settled, and counts them in the run. */
  settle(runId: string, counts: RunCounts): Promise<void>;
}

export async function chunkBudget(ctx: AppContext, experimentId: number, budget: JudgeBudget | undefined, traceIds: readonly string[]): Promise<ChunkBudget> {
  const key = (p: { trace_id: string; scorer: string }) => `${p.trace_id}\u0000${p.scorer}`;
  const waiting = await deferredAmong(ctx.db, experimentId, traceIds);
  const gate = budget ? budgetGate(ctx, experimentId, budget) : null;
  const deferred: Array<{ trace_id: string; scorer: string }> = [];
  return {
    async admit(traceId, scorer, kind) {
      if (!gate || kind !== 'llm_judge') return true;
      if (await gate.reserve()) return true;
      deferred.push({ trace_id: traceId, scorer });
      return false;
    },
    async spent(drafts) {
      if (!gate) return;
      let tokens = 0;
      let cost = 0;
      for (const d of drafts) {
        const meta = d.metadata ?? {};
        tokens += (Number(meta['assay.judge.input_tokens'] ?? 0) || 0) + (Number(meta['assay.judge.output_tokens'] ?? 0) || 0);
        cost += Number(meta['assay.judge.cost'] ?? 0) || 0;
      }
      await gate.spent({ tokens, cost });
    },
    async settle(runId, counts) {
      await deferPairs(ctx.db, experimentId, runId, deferred);
      const again = new Set(deferred.map(key));
      // Every earlier deferred pair of these traces was judged now, found stored, or left the sample.
      await clearDeferred(ctx.db, experimentId, waiting.filter((p) => !again.has(key(p))));
      for (const p of deferred) {
        const tally = counts.scorers?.[p.scorer];
        if (tally) tally.deferred = (tally.deferred ?? 0) + 1;
      }
      budgetDeferrals.inc(deferred.length);
    },
  };
}
