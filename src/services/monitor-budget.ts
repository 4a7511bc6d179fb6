/**
 * A monitor's judge budget (calls, tokens or dollars per UTC day). LLM judge calls are reserved
 * before they are made; a pair that gets no reservation is deferred — recorded, not judged, not marked
 * scored — and the next run of a later period picks it up again.
 */
import type { AppContext } from './context.ts';
import type { JudgeBudget } from '../domain/alert-rules.ts';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { budgetDeferrals, budgetDeferred, budgetUsed } from '../observability/alert-metrics.ts';
import type { ScorerKind } from '../scorers/scorer.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import { budgetUse, clearDeferred, deferPairs, deferredAmong, deferredCount, periodStart, reserveJudgeCalls } from '../storage/budget-repository.ts';

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

/** Calls one reservation asks for at most: fewer round trips on the budget's row, little held back. */
const BLOCK = 16;

/** The budget as one chunk of a run meets it. */
export interface ChunkBudget {
  /** Whether the pair may be judged now; a pair that may not is deferred. Code scorers always may. */
  admit(traceId: string, scorer: string, kind: ScorerKind): Promise<boolean>;
  /** Counts a judged pair's tokens and cost against the budget. */
  spent(drafts: readonly FeedbackDraft[]): void;
  /** Returns unused calls, books tokens and cost, records the deferred pairs, forgets settled ones. */
  settle(runId: string, counts: RunCounts): Promise<void>;
}

/**
 * `judgeTasks` is how many LLM judge pairs the chunk will ask for, so a reservation never holds
 * more calls than the chunk can use (another chunk would be deferred for nothing).
 */
export async function chunkBudget(
  ctx: AppContext,
  experimentId: number,
  budget: JudgeBudget | undefined,
  traceIds: readonly string[],
  judgeTasks: number,
): Promise<ChunkBudget> {
  const key = (p: { trace_id: string; scorer: string }) => `${p.trace_id}\u0000${p.scorer}`;
  const waiting = await deferredAmong(ctx.db, experimentId, traceIds);
  const period = periodStart();
  const deferred: Array<{ trace_id: string; scorer: string }> = [];
  let granted = 0;
  let unasked = judgeTasks;
  let exhausted = false;
  const unbooked = { calls: 0, tokens: 0, cost: 0 };
  let pending: Promise<void> | undefined;
  const refill = async () => {
    const wanted = Math.min(BLOCK, unasked);
    const spent = { ...unbooked };
    const got = await reserveJudgeCalls(ctx.db, experimentId, budget!, period, wanted, spent);
    unbooked.tokens -= spent.tokens;
    unbooked.cost -= spent.cost;
    unasked -= got;
    granted += got;
    if (got === 0) exhausted = true;
  };
  return {
    async admit(traceId, scorer, kind) {
      if (!budget || kind !== 'llm_judge') return true;
      while (granted === 0 && !exhausted && unasked > 0) {
        // One reservation at a time per chunk; concurrent callers wait for it.
        pending ??= refill().finally(() => (pending = undefined));
        await pending;
      }
      if (granted > 0) {
        granted -= 1;
        return true;
      }
      deferred.push({ trace_id: traceId, scorer });
      return false;
    },
    spent(drafts) {
      if (!budget) return;
      for (const d of drafts) {
        const meta = d.metadata ?? {};
        unbooked.tokens += (Number(meta['assay.judge.input_tokens'] ?? 0) || 0) + (Number(meta['assay.judge.output_tokens'] ?? 0) || 0);
        unbooked.cost += Number(meta['assay.judge.cost'] ?? 0) || 0;
      }
    },
    async settle(runId, counts) {
      if (budget && (granted > 0 || unbooked.tokens > 0 || unbooked.cost > 0)) {
        // Calls reserved but not made go back; tokens and cost not yet booked are.
        await reserveJudgeCalls(ctx.db, experimentId, budget, period, 0, { calls: -granted, tokens: unbooked.tokens, cost: unbooked.cost });
        granted = 0;
      }
      await deferPairs(ctx.db, experimentId, runId, deferred);
      const again = new Set(deferred.map(key));
      // Every earlier deferred pair of these traces was judged now, found stored, or left the sample.
      await clearDeferred(ctx.db, experimentId, waiting.filter((p) => !again.has(key(p))));
      for (const p of deferred) {
        const tally = counts.scorers?.[p.scorer];
        if (tally) tally.deferred += 1;
      }
      budgetDeferrals.inc(deferred.length);
    },
  };
}
