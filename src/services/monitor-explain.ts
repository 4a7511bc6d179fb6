/**
 * Why a trace was (not) scored: for each scorer of the experiment's monitor, the monitor and scorer
 * filters, the trace's sampling point `u` against the scorer's rate, whether the scorer applies,
 * whether a budget deferred it, and the feedback written — or why none exists yet.
 *
 * It answers from the same rules the run engine uses (the same filter SQL, `samplingPoint`, the
 * scorer's own applicability check, the feedback key), so it agrees with what the monitor did.
 */
import type { AppContext } from './context.ts';
import { notFound } from '../domain/errors.ts';
import { scorerRate, type MonitorConfig } from '../domain/monitor-config.ts';
import type { ScorerEntry } from '../domain/scorer-entry.ts';
import { isSampled, samplingPoint } from '../domain/sampling.ts';
import { buildScorer, scorerLevel } from '../scorers/registry.ts';
import { scorerInputFromTrace } from '../scorers/scorer-input.ts';
import { findMonitor } from '../storage/monitor-repository.ts';
import { activeRunHolding, copyStanding, feedbackByKeys, traceStanding, type StoredFeedback } from '../storage/monitor-decisions.ts';
import type { DeferralCause } from '../storage/alert-schema.ts';
import { backfillBudgets, type BackfillBudget } from '../storage/backfill-budget-repository.ts';
import { deferredPairs, hasRoom, periodStart } from '../storage/budget-repository.ts';
import { loadStoredTraces } from '../storage/trace-repository.ts';
import { traceFeedbackKey } from '../domain/feedback-key.ts';
import { traceCoverage, type TraceCoverage } from '../domain/monitor-window.ts';
import { explainSessionScorers } from './monitor-explain-sessions.ts';
import { tracesMatching } from './monitor-filters.ts';

export type Decision =
  | 'scored'
  | 'error'
  | 'filtered_out'
  | 'not_sampled'
  | 'not_applicable'
  | 'deferred_by_budget'
  | 'in_progress'
  | 'pending'
  | 'waiting_for_idle'
  | 'before_monitor'
  | 'not_scored';

/** How a session scorer sees the trace's session (null for trace scorers and traces without one). */
export interface SessionFacts {
  session_id: string;
  turns: number;
  last_trace_id: string;
  idle_seconds: number;
  idle_for_seconds: number;
  /** Seconds until the session counts as idle (0 once it is). */
  idle_left_seconds: number;
  /** The turn the scorer's valid session feedback is attached to, if any. */
  feedback_trace_id: string | null;
  feedback_turns: number | null;
}

export interface ScorerDecision {
  scorer: string;
  type: string;
  level: 'trace' | 'session';
  decision: Decision;
  reason: string;
  filters: { monitor: boolean | null; scorer: boolean | null };
  sample: { u: number; rate: number; sampled: boolean };
  applicability: { applies: boolean; reason: string | null };
  /** The budget that held the pair back: the monitor's daily one (`day`) or a backfill's own (`backfill`). */
  deferred: { run_id: string | null; since: string; budget: DeferralCause } | null;
  feedback: { assessment_id: string; run_id: string | null; create_time: string; value: unknown; error: unknown; valid: boolean } | null;
  session: SessionFacts | null;
}

export interface TraceDecisions {
  trace_id: string;
  experiment_id: string;
  monitor: boolean;
  coverage: TraceCoverage | null;
  coverage_reason: string;
  scorers: ScorerDecision[];
}

export async function explainTrace(ctx: AppContext, traceId: string, experimentId?: string): Promise<TraceDecisions> {
  const bare = await traceStanding(ctx.db, traceId, null);
  if (!bare || (experimentId !== undefined && String(bare.experiment_id) !== experimentId)) {
    throw notFound(`trace_id: trace '${traceId}' does not exist${experimentId !== undefined ? ` in experiment '${experimentId}'` : ''}`);
  }
  const monitor = await findMonitor(ctx.db, bare.experiment_id);
  if (!monitor) {
    return {
      trace_id: traceId,
      experiment_id: String(bare.experiment_id),
      monitor: false,
      coverage: null,
      coverage_reason: `experiment ${bare.experiment_id} has no monitor`,
      scorers: [],
    };
  }
  const config = monitor.config;
  const standing = (await traceStanding(ctx.db, traceId, monitor.cursor_xid))!;
  const copy = await copyStanding(ctx.db, config.results_schema, bare.experiment_id, traceId);
  const active = await activeRunHolding(ctx.db, bare.experiment_id, traceId);
  const [coverage, coverageReason] = traceCoverage(standing, copy, active?.run_id, monitor.created_at);

  const [stored] = await loadStoredTraces(ctx.db, [traceId]);
  const input = scorerInputFromTrace(stored!);
  const feedback = await feedbackByKeys(ctx.db, config.scorers.map((s) => traceFeedbackKey(bare.experiment_id, s.name, traceId)));
  const deferred = await deferredPairs(ctx.db, bare.experiment_id, traceId);
  const backfillRuns = [...deferred.values()].filter((d) => d.cause === 'backfill' && d.run_id).map((d) => d.run_id!);
  const ownBudgets = await backfillBudgets(ctx.db, backfillRuns);
  const monitorPass = config.filter_string ? (await tracesMatching(ctx.db, [traceId], [config.filter_string], ctx.config.searchTimeoutMs)).has(traceId) : null;
  const u = samplingPoint(traceId);

  const scorers: ScorerDecision[] = [];
  for (const entry of config.scorers.filter((e) => scorerLevel(e) === 'trace')) {
    const scorerPass = entry.filter_string ? (await tracesMatching(ctx.db, [traceId], [entry.filter_string], ctx.config.searchTimeoutMs)).has(traceId) : null;
    const scorer = buildScorer(entry, { model: ctx.config.judge.model });
    const applicability = scorer.applicability(input);
    const rate = scorerRate(config, entry);
    const sampled = isSampled(traceId, rate);
    const fb = feedback.get(traceFeedbackKey(bare.experiment_id, entry.name, traceId)) ?? null;
    const pair = deferred.get(entry.name);
    const wait = pair ? { ...pair, own: pair.run_id ? (ownBudgets.get(pair.run_id) ?? null) : null } : null;
    const base = {
      scorer: entry.name,
      type: scorer.type,
      level: 'trace' as const,
      filters: { monitor: monitorPass, scorer: scorerPass },
      sample: { u, rate, sampled },
      applicability: { applies: applicability.applies, reason: applicability.applies ? null : applicability.reason },
      deferred: wait ? { run_id: wait.run_id, since: wait.deferred_at.toISOString(), budget: wait.cause } : null,
      feedback: fb ? feedbackView(fb) : null,
      session: null,
    };
    scorers.push({ ...base, ...decide(config, entry, { monitorPass, scorerPass, sampled, u, rate, applicability, fb, wait, coverage, coverageReason }) });
  }
  // Session judges decide per session: the trace's session, at its current version.
  scorers.push(...(await explainSessionScorers(ctx, config, bare.experiment_id, bare.session_id, monitor.created_at)));
  return { trace_id: traceId, experiment_id: String(bare.experiment_id), monitor: true, coverage, coverage_reason: coverageReason, scorers };
}

interface Facts {
  monitorPass: boolean | null;
  scorerPass: boolean | null;
  sampled: boolean;
  u: number;
  rate: number;
  applicability: { applies: boolean; reason?: string };
  fb: StoredFeedback | null;
  wait: { run_id: string | null; cause: DeferralCause; own: BackfillBudget | null } | null;
  coverage: TraceCoverage;
  coverageReason: string;
}

function decide(config: MonitorConfig, entry: ScorerEntry, f: Facts): { decision: Decision; reason: string } {
  if (f.fb) {
    const run = f.fb.run_id ? ` by run ${f.fb.run_id}` : '';
    if (f.fb.error) return { decision: 'error', reason: `the scorer failed${run}: ${f.fb.error.error_code}: ${f.fb.error.error_message}` };
    return { decision: 'scored', reason: `feedback written${run} at ${f.fb.create_time.toISOString()}` };
  }
  if (f.coverage === 'in_progress') return { decision: 'in_progress', reason: f.coverageReason };
  if (f.monitorPass === false) return { decision: 'filtered_out', reason: `the monitor's filter_string does not match: ${config.filter_string}` };
  if (f.scorerPass === false) return { decision: 'filtered_out', reason: `the scorer's filter_string does not match: ${entry.filter_string}` };
  if (!f.sampled) return { decision: 'not_sampled', reason: `u = ${f.u.toFixed(6)} is not below the sample rate ${f.rate}` };
  if (!f.applicability.applies) return { decision: 'not_applicable', reason: `the scorer does not apply: ${f.applicability.reason}` };
  if (f.wait) return { decision: 'deferred_by_budget', reason: deferralReason(config, f.wait) };
  if (f.coverage === 'in_active_run' || f.coverage === 'awaiting_run') return { decision: 'pending', reason: f.coverageReason };
  if (f.coverage === 'before_monitor') return { decision: 'before_monitor', reason: f.coverageReason };
  return {
    decision: 'not_scored',
    reason: 'a run processed the trace before this scorer, filter or rate was in the config; the monitor does not go back (use a backfill)',
  };
}

/** When a deferred pair will be judged, as the run engine decides it (see `deferredReady`). */
function deferralReason(config: MonitorConfig, wait: NonNullable<Facts['wait']>): string {
  const run = wait.run_id ? ` run ${wait.run_id}` : ' a run';
  if (wait.cause === 'backfill') {
    const then = "; the monitor's runs do not take the pair up (they would spend past the backfill's budget): another backfill whose range holds this trace judges it";
    if (!wait.own) return `backfill${run} held it back${then}`;
    const limits = ` (${Object.entries(wait.own.limits).map(([k, v]) => `${k} ${v}`).join(', ')})`;
    const used = { judge_calls: wait.own.used.judge_calls, tokens: wait.own.used.tokens, cost: wait.own.used.cost };
    if (!hasRoom(wait.own.limits, used)) return `backfill${run} used up its own judge budget${limits}${then}`;
    return `the monitor's daily judge budget ran out during backfill${run} (its own budget${limits} was not used up)${then}`;
  }
  const renews = new Date(periodStart().getTime() + 86_400_000).toISOString();
  if (!config.budget) return `the monitor's daily judge budget was used up in${run}; the monitor has no budget now, so its next run judges it`;
  return `the monitor's daily judge budget was used up in${run}; the first run after the budget has room again (it renews at ${renews}, or when it is raised) judges it`;
}

function feedbackView(fb: StoredFeedback): NonNullable<ScorerDecision['feedback']> {
  return {
    assessment_id: fb.assessment_id,
    run_id: fb.run_id,
    create_time: fb.create_time.toISOString(),
    value: fb.value,
    error: fb.error,
    valid: fb.valid,
  };
}
