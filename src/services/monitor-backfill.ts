/**
 * `POST …/monitor/backfill`: judges past traces of a time range. The first call only estimates
 * (traces, judge calls per scorer, tokens and cost); the run starts when called with `confirm: true`.
 * Creating a monitor never judges old traces by itself.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../services/context.ts';
import { parseWith } from '../domain/validate.ts';
import { invalid, notFound } from '../domain/errors.ts';
import { scorerRate } from '../domain/monitor-config.ts';
import { isSampled } from '../domain/sampling.ts';
import { buildScorer, scorerLevel } from '../scorers/registry.ts';
import { storedIdempotencyKeys } from '../storage/assessment-repository.ts';
import { backfillPage, completeTraceSpan } from '../storage/backfill-traces.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { createRun, findMonitor, type MonitorRunRow } from '../storage/monitor-repository.ts';
import { traceFeedbackKey } from '../domain/feedback-key.ts';
import { tracesMatching } from './monitor-filters.ts';
import { enqueueMonitorRun } from '../queue/jobs.ts';
import { backfillBudgetShape, type BackfillBudgetLimits } from '../domain/alert-rules.ts';
import { backfillBudgets, createBackfillBudget } from '../storage/backfill-budget-repository.ts';
import { budgetAllowance } from './monitor-budget.ts';
import { activeConflict, runView } from './monitor-runs.ts';

const time = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);
const body = z.object({
  start_time: time,
  end_time: time,
  scorers: z.array(z.string()).optional(),
  /** The backfill's own judge budget, on top of the monitor's daily one. */
  budget: backfillBudgetShape.optional(),
  confirm: z.boolean().default(false),
});

/** Rough size of one judge call beyond the trace's own text: instructions and answer. */
const PROMPT_OVERHEAD_TOKENS = 350;
const ANSWER_TOKENS = 80;
const PAGE = 20_000;
/** Above this many old traces, a new monitor's answer leaves the exact backfill estimate to the backfill request. */
const EXACT_ESTIMATE_MAX_TRACES = 50_000;

export async function backfill(ctx: AppContext, experimentId: string, raw: unknown): Promise<Record<string, unknown>> {
  const input = parseWith(body, raw);
  if (input.end_time <= input.start_time) throw invalid('end_time: must be after start_time');
  const experiment = await getExperiment(ctx.db, experimentId);
  const id = Number(experiment.experiment_id);
  const monitor = await findMonitor(ctx.db, id);
  if (!monitor) throw notFound(`experiment_id: experiment '${experimentId}' has no monitor`);
  const unknown = (input.scorers ?? []).filter((n) => !monitor.config.scorers.some((s) => s.name === n));
  if (unknown.length) throw invalid(`scorers: not in this monitor: ${unknown.join(', ')}`);
  // A backfill judges past traces; session judges run on sessions as they go idle.
  const scorers = monitor.config.scorers.filter((s) => scorerLevel(s) === 'trace' && (!input.scorers || input.scorers.includes(s.name)));
  const config = { ...monitor.config, scorers };

  const estimate = await estimateBackfill(ctx, id, config, input.start_time, input.end_time);
  // The backfill's judge calls count against the monitor's daily budget like a run's.
  estimate.budget = await budgetAllowance(ctx, id, config.budget, estimate.judge_calls, perCallEstimate(estimate));
  estimate.backfill_budget = input.budget ? ownAllowance(input.budget, estimate) : null;
  if (!input.confirm) return { confirmed: false, estimate, message: 'nothing started; send again with "confirm": true' };
  const own = input.budget;
  const run: MonitorRunRow | undefined = await ctx.db.transaction().execute(async (trx) => {
    const created = await createRun(trx, {
      experimentId: id,
      kind: 'backfill',
      runKey: `backfill:${randomUUID()}`,
      config,
      backfill: { from: input.start_time, to: input.end_time },
    });
    // Recorded with the backfill, before any chunk of it can run.
    if (created && own) await createBackfillBudget(trx, created.run_id, own);
    return created;
  });
  if (!run) throw await activeConflict(ctx, id);
  await enqueueMonitorRun(ctx.queue, run.run_id);
  const budgets = own ? await backfillBudgets(ctx.db, [run.run_id]) : new Map();
  return { confirmed: true, estimate, run: runView(run, budgets.get(run.run_id)) };
}

interface EstimatedSpend {
  judge_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost: number | null;
}

/** Tokens and dollars of one judge call, from the estimate. */
function perCallEstimate(estimate: EstimatedSpend): { tokens: number; cost: number | null } {
  const calls = estimate.judge_calls;
  return {
    tokens: calls ? (estimate.input_tokens + estimate.output_tokens) / calls : 0,
    cost: calls && estimate.cost !== null ? estimate.cost / calls : null,
  };
}

/**
 * What the backfill's own budget allows of its estimated calls. Calls are granted while every
 * limit has room, so the call that crosses a token or dollar limit is still made: the figure for
 * those limits rounds up, and is only as good as the token estimate.
 */
function ownAllowance(limits: BackfillBudgetLimits, estimate: EstimatedSpend) {
  const calls = estimate.judge_calls;
  const { tokens: tokensPerCall, cost: costPerCall } = perCallEstimate(estimate);
  let allowed = calls;
  if (limits.max_judge_calls !== undefined) allowed = Math.min(allowed, limits.max_judge_calls);
  if (limits.max_tokens !== undefined && tokensPerCall > 0) allowed = Math.min(allowed, Math.ceil(limits.max_tokens / tokensPerCall));
  if (limits.max_cost_usd !== undefined && costPerCall) allowed = Math.min(allowed, Math.ceil(limits.max_cost_usd / costPerCall));
  return {
    budget: limits,
    allowed_judge_calls: allowed,
    deferred_judge_calls: calls - allowed,
    note: 'pairs past the backfill\'s own budget wait for another backfill of their traces; the monitor\'s runs do not take them up',
  };
}

/** What a backfill of [from, to) would cost: traces, judge calls per scorer, tokens and cost. */
export async function estimateBackfill(
  ctx: AppContext,
  experimentId: number,
  config: NonNullable<Awaited<ReturnType<typeof findMonitor>>>['config'],
  from: number,
  to: number,
) {
  const perScorer = new Map(config.scorers.map((s) => [s.name, { name: s.name, sampled: 0, already_scored: 0, judge_calls: 0 }]));
  let traces = 0;
  let textChars = 0;
  let after = '';
  for (;;) {
    const page = await backfillPage(ctx.db, experimentId, { from, to }, after, PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!.trace_id;
    traces += page.length;
    const ids = page.map((r) => r.trace_id);
    for (const r of page) textChars += r.chars;
    for (const entry of config.scorers) {
      const tally = perScorer.get(entry.name)!;
      const filters = [config.filter_string, entry.filter_string].filter((f): f is string => Boolean(f));
      const eligible = filters.length ? await tracesMatching(ctx.db, ids, filters, ctx.config.searchTimeoutMs) : null;
      const sampled = ids.filter((t) => (!eligible || eligible.has(t)) && isSampled(t, scorerRate(config, entry)));
      const keys = sampled.map((t) => traceFeedbackKey(experimentId, entry.name, t));
      const existing = await storedIdempotencyKeys(ctx.db, keys);
      const isJudge = buildScorer(entry, { model: ctx.config.judge.model }).kind === 'llm_judge';
      tally.sampled += sampled.length;
      tally.already_scored += existing.size;
      if (isJudge) tally.judge_calls += sampled.length - existing.size;
    }
    if (page.length < PAGE) break;
  }
  const calls = [...perScorer.values()].reduce((n, s) => n + s.judge_calls, 0);
  // Previews are capped at 1,000 characters, so this undercounts long traces: a floor, not a quote.
  const tokensPerCall = PROMPT_OVERHEAD_TOKENS + Math.ceil((traces ? textChars / traces : 0) / 4);
  const inputTokens = calls * tokensPerCall;
  const outputTokens = calls * ANSWER_TOKENS;
  const price = ctx.config.judge.prices[ctx.config.judge.model];
  return {
    start_time: new Date(from).toISOString(),
    end_time: new Date(to).toISOString(),
    traces,
    judge_calls: calls,
    scorers: [...perScorer.values()],
    model: ctx.config.judge.model,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cost: price ? (inputTokens * price.input + outputTokens * price.output) / 1_000_000 : null,
    cost_note: price ? 'estimate at the configured price' : `no price configured for ${ctx.config.judge.model} (ASSAY_JUDGE_PRICES)`,
    budget: null as Awaited<ReturnType<typeof budgetAllowance>>,
    backfill_budget: null as ReturnType<typeof ownAllowance> | null,
  };
}

/**
 * What a monitor just created will not judge: the experiment's complete traces that were there
 * before it (a new monitor starts from its creation), with the estimate of backfilling all of
 * them and the request that would start it.
 */
export async function existingTraces(ctx: AppContext, experimentId: string) {
  const id = Number(experimentId);
  const monitor = await findMonitor(ctx.db, id);
  if (!monitor) throw notFound(`experiment_id: experiment '${experimentId}' has no monitor`);
  const span = await completeTraceSpan(ctx.db, id);
  const count = span.count;
  if (count === 0 || span.first === null || span.last === null) {
    return { count: 0, message: 'the experiment has no traces yet: every trace that arrives from now on is monitored' };
  }
  const from = span.first;
  const to = span.last + 1;
  const request = { start_time: new Date(from).toISOString(), end_time: new Date(to).toISOString(), confirm: true as const };
  const intro = `${count} trace${count === 1 ? ' was' : 's were'} here before this monitor and will not be judged by its runs (a monitor starts from its creation)`;
  const backfillCall = `POST /api/v1/experiments/${experimentId}/monitor/backfill ${JSON.stringify(request)}`;
  if (count > EXACT_ESTIMATE_MAX_TRACES) {
    // Sampling is decided per trace, so an exact figure reads every id: too slow for this answer.
    return { count, message: `${intro}. Send the backfill request without "confirm" for its judge calls and cost; ${backfillCall} starts it.`, backfill: { request } };
  }
  const estimate = await estimateBackfill(ctx, id, monitor.config, from, to);
  const calls = `${estimate.judge_calls} judge call${estimate.judge_calls === 1 ? '' : 's'}`;
  return { count, message: `${intro}. A backfill of them would make ${calls}: ${backfillCall}`, backfill: { request, estimate } };
}
