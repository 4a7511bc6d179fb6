/**
 * A monitor's judge budget (calls, tokens or dollars per UTC day). LLM judge calls — of trace and of
 * session judges alike — are reserved before they are made; a pair that gets no reservation is
 * deferred — recorded, not judged, not marked scored — and the next run of a later period picks it
 * up again (a deferred session stays unjudged at its version, so the next run plans it again).
 */
import type { AppContext } from './context.ts';
import type { JudgeBudget } from '../domain/alert-rules.ts';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { budgetDeferrals, budgetDeferred, budgetUsed } from '../observability/alert-metrics.ts';
import type { ScorerKind } from '../scorers/scorer.ts';
import type { DeferralCause } from '../storage/alert-schema.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import {
  type BudgetLimits,
  budgetUse,
  clearDeferred,
  clearDeferredSessions,
  deferPairs,
  deferSessions,
  deferredAmong,
  deferredCount,
  deferredForBackfill,
  deferredSessionsAmong,
  hasRoom,
  periodStart,
  reserveJudgeCalls,
} from '../storage/budget-repository.ts';

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
    deferred_for_backfill: await deferredForBackfill(ctx.db, experimentId),
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
  /**
   * Whether the pair (a trace id, or a session id for session judges) may be judged now; a pair
   * that may not is deferred. Code scorers always may.
   */
  admit(id: string, scorer: string, kind: ScorerKind): Promise<boolean>;
  /** Adds `calls` more judge tasks this chunk may ask for (those it learns of as it goes). */
  expect(calls: number): void;
  /** Counts a judged pair's tokens and cost against the budget. */
  spent(drafts: readonly FeedbackDraft[]): void;
  /** Returns unused calls, books tokens and cost, records the deferred pairs, forgets settled ones. */
  settle(runId: string, counts: RunCounts): Promise<void>;
}

interface Pair {
  id: string;
  scorer: string;
}

interface DeferredPair extends Pair {
  cause: DeferralCause;
}

/** Where a chunk's deferred pairs are kept: the pairs of its traces, or of its sessions. */
interface DeferredLedger {
  /** Pairs of the chunk's traces (sessions) deferred earlier. */
  waiting(): Promise<Pair[]>;
  defer(runId: string, pairs: DeferredPair[]): Promise<void>;
  clear(pairs: Pair[]): Promise<void>;
}

/**
 * `judgeTasks` is how many LLM judge pairs the chunk will ask for, so a reservation never holds
 * more calls than the chunk can use (another chunk would be deferred for nothing). A backfill
 * with a budget of its own (`backfill`) is held to it as well as to the daily budget, and what it
 * defers, whichever limit stopped it, waits for another backfill.
 */
export async function chunkBudget(
  ctx: AppContext,
  experimentId: number,
  budget: JudgeBudget | undefined,
  traceIds: readonly string[],
  judgeTasks: number,
  backfill?: { runId: string; limits: BudgetLimits },
): Promise<ChunkBudget> {
  return ledgerBudget(ctx, experimentId, budget, judgeTasks, {
    waiting: async () => (await deferredAmong(ctx.db, experimentId, traceIds)).map((p) => ({ id: p.trace_id, scorer: p.scorer })),
    defer: (runId, pairs) => deferPairs(ctx.db, experimentId, runId, pairs.map((p) => ({ trace_id: p.id, scorer: p.scorer, cause: p.cause }))),
    clear: (pairs) => clearDeferred(ctx.db, experimentId, pairs.map((p) => ({ trace_id: p.id, scorer: p.scorer }))),
  }, backfill);
}

/** The budget as a chunk of sessions (for session judges) meets it; pairs are (session id, scorer). */
export async function sessionChunkBudget(
  ctx: AppContext,
  experimentId: number,
  budget: JudgeBudget | undefined,
  sessionIds: readonly string[],
  judgeTasks: number,
): Promise<ChunkBudget> {
  return ledgerBudget(ctx, experimentId, budget, judgeTasks, {
    waiting: async () => (await deferredSessionsAmong(ctx.db, experimentId, sessionIds)).map((p) => ({ id: p.session_id, scorer: p.scorer })),
    defer: (runId, pairs) => deferSessions(ctx.db, experimentId, runId, pairs.map((p) => ({ session_id: p.id, scorer: p.scorer }))),
    clear: (pairs) => clearDeferredSessions(ctx.db, experimentId, pairs.map((p) => ({ session_id: p.id, scorer: p.scorer }))),
  });
}

async function ledgerBudget(
  ctx: AppContext,
  experimentId: number,
  budget: JudgeBudget | undefined,
  judgeTasks: number,
  ledger: DeferredLedger,
  backfill?: { runId: string; limits: BudgetLimits },
): Promise<ChunkBudget> {
  const key = (p: Pair) => `${p.id}\u0000${p.scorer}`;
  const waiting = await ledger.waiting();
  const period = periodStart();
  const deferred: DeferredPair[] = [];
  const limits: BudgetLimits = budget ?? {};
  const limited = budget !== undefined || backfill !== undefined;
  let granted = 0;
  let unasked = judgeTasks;
  let exhausted = false;
  // The monitor's runs never take up a budgeted backfill's pairs: they would spend past its budget.
  const cause: DeferralCause = backfill ? 'backfill' : 'day';
  const unbooked = { calls: 0, tokens: 0, cost: 0 };
  let pending: Promise<void> | undefined;
  const refill = async () => {
    const wanted = Math.min(BLOCK, unasked);
    const spent = { ...unbooked };
    const got = await reserveJudgeCalls(ctx.db, experimentId, limits, period, wanted, spent, backfill);
    unbooked.tokens -= spent.tokens;
    unbooked.cost -= spent.cost;
    unasked -= got;
    granted += got;
    if (got === 0) exhausted = true;
  };
  return {
    async admit(id, scorer, kind) {
      if (!limited || kind !== 'llm_judge') return true;
      while (granted === 0 && !exhausted && unasked > 0) {
        // One reservation at a time per chunk; concurrent callers wait for it.
        pending ??= refill().finally(() => (pending = undefined));
        await pending;
      }
      if (granted > 0) {
        granted -= 1;
        return true;
      }
      deferred.push({ id, scorer, cause });
      return false;
    },
    expect(calls) {
      unasked += calls;
    },
    spent(drafts) {
      if (!limited) return;
      for (const d of drafts) {
        const meta = d.metadata ?? {};
        unbooked.tokens += (Number(meta['assay.judge.input_tokens'] ?? 0) || 0) + (Number(meta['assay.judge.output_tokens'] ?? 0) || 0);
        unbooked.cost += Number(meta['assay.judge.cost'] ?? 0) || 0;
      }
    },
    async settle(runId, counts) {
      if (limited && (granted > 0 || unbooked.tokens > 0 || unbooked.cost > 0)) {
        // Calls reserved but not made go back; tokens and cost not yet booked are.
        await reserveJudgeCalls(ctx.db, experimentId, limits, period, 0, { calls: -granted, tokens: unbooked.tokens, cost: unbooked.cost }, backfill);
        granted = 0;
      }
      await ledger.defer(runId, deferred);
      const again = new Set(deferred.map(key));
      // Every earlier deferred pair of these traces (sessions) was judged now, found stored, or left the sample.
      await ledger.clear(waiting.filter((p) => !again.has(key(p))));
      for (const p of deferred) {
        const tally = counts.scorers?.[p.scorer];
        if (tally) tally.deferred += 1;
      }
      budgetDeferrals.inc(deferred.length);
    },
  };
}

/**
 * What today's budget allows of `calls` judge calls (for estimates); null without a budget. With
 * `perCall` (tokens and dollars one call takes, measured or estimated) the token and dollar limits
 * count too; calls are granted while a limit has room, so the call that crosses it is counted.
 */
export async function budgetAllowance(
  ctx: AppContext,
  experimentId: number,
  budget: JudgeBudget | undefined,
  calls: number,
  perCall?: { tokens: number; cost: number | null },
) {
  if (!budget) return null;
  const use = await budgetUse(ctx.db, experimentId, periodStart());
  let allowed = hasRoom(budget, use) ? calls : 0;
  if (budget.max_judge_calls !== undefined) allowed = Math.min(allowed, Math.max(0, budget.max_judge_calls - use.judge_calls));
  if (perCall && budget.max_tokens !== undefined && perCall.tokens > 0) {
    allowed = Math.min(allowed, Math.max(0, Math.ceil((budget.max_tokens - use.tokens) / perCall.tokens)));
  }
  if (perCall && budget.max_cost_usd !== undefined && perCall.cost) {
    allowed = Math.min(allowed, Math.max(0, Math.ceil((budget.max_cost_usd - use.cost) / perCall.cost)));
  }
  return {
    budget,
    used_today: { judge_calls: use.judge_calls, tokens: use.tokens, cost_usd: use.cost },
    renews_at: new Date(use.period_start.getTime() + 86_400_000).toISOString(),
    per_call: perCall ? { tokens: perCall.tokens, cost_usd: perCall.cost } : null,
    allowed_judge_calls: allowed,
    deferred_judge_calls: calls - allowed,
  };
}
