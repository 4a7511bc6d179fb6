/**
 * Why a trace's session was (not) judged by each session scorer of the monitor: scored (with the
 * feedback and the turn it is attached to), waiting for the session to go idle (and how long), not
 * sampled on the session id, deferred by the judge budget, filtered out — or not applicable, for a
 * trace without a session. It answers from the rules the run engine uses (the same idle query
 * terms, `samplingPoint` on the session id, the same filters over the turns, the version's key).
 */
import type { AppContext } from './context.ts';
import { scorerRate, sessionIdleSeconds, type MonitorConfig } from '../domain/monitor-config.ts';
import type { ScorerEntry } from '../domain/scorer-entry.ts';
import { isSampled, samplingPoint } from '../domain/sampling.ts';
import { buildScorer } from '../scorers/registry.ts';
import { deferredSessionPairs } from '../storage/budget-repository.ts';
import { feedbackByKeys, sessionStanding, validSessionFeedback, type SessionStanding, type StoredFeedback } from '../storage/monitor-decisions.ts';
import { sessionTraceIds } from '../storage/monitor-session-repository.ts';
import type { Decision, ScorerDecision } from './monitor-explain.ts';
import { tracesMatching } from './monitor-filters.ts';
import { sessionFeedbackKey, sessionKeyPrefix } from '../domain/feedback-key.ts';
import { conversationInput, sessionScorers } from './monitor-sessions.ts';

export async function explainSessionScorers(
  ctx: AppContext,
  config: MonitorConfig,
  experimentId: number,
  sessionId: string | null,
  monitorCreated: Date,
): Promise<ScorerDecision[]> {
  const entries = sessionScorers(ctx, config);
  if (entries.length === 0) return [];
  const standing = sessionId === null ? undefined : await sessionStanding(ctx.db, experimentId, sessionId);
  if (!standing) {
    return entries.map((entry) => ({
      scorer: entry.name,
      type: buildScorer(entry, { model: ctx.config.judge.model }).type,
      level: 'session',
      decision: 'not_applicable',
      reason: 'not applicable: the trace has no session',
      filters: { monitor: null, scorer: null },
      sample: { u: 0, rate: scorerRate(config, entry), sampled: false },
      applicability: { applies: false, reason: 'the trace has no session' },
      deferred: null,
      feedback: null,
      session: null,
    }));
  }
  const turns = await sessionTraceIds(ctx.db, experimentId, standing.session_id);
  const idleSeconds = sessionIdleSeconds(config);
  const deferred = await deferredSessionPairs(ctx.db, experimentId, standing.session_id);
  const current = await feedbackByKeys(ctx.db, entries.map((e) => sessionFeedbackKey(experimentId, e.name, standing)));
  const monitorPass = config.filter_string ? (await tracesMatching(ctx.db, turns, [config.filter_string], ctx.config.searchTimeoutMs)).size > 0 : null;
  const input = await conversationInput(ctx, standing, turns);
  const u = samplingPoint(standing.session_id);

  const decisions: ScorerDecision[] = [];
  for (const entry of entries) {
    const scorer = buildScorer(entry, { model: ctx.config.judge.model });
    // The run applies the monitor's and the scorer's filters together to the session's turns.
    const scorerPass = entry.filter_string
      ? (await tracesMatching(ctx.db, turns, [config.filter_string, entry.filter_string].filter((f): f is string => Boolean(f)), ctx.config.searchTimeoutMs)).size > 0
      : null;
    const rate = scorerRate(config, entry);
    const sampled = isSampled(standing.session_id, rate);
    const applicability = scorer.applicability(input);
    const fb = current.get(sessionFeedbackKey(experimentId, entry.name, standing));
    // The valid feedback (the current version's, or an earlier one until it is replaced).
    const latest = await validSessionFeedback(ctx.db, experimentId, standing.session_id, sessionKeyPrefix(experimentId, entry.name, standing.session_id));
    const attached = latest ? { trace_id: latest.trace_id, turns: latest.turns } : null;
    const wait = deferred.get(entry.name) ?? null;
    const idleLeft = Math.max(0, Math.ceil(idleSeconds - standing.idle_for_seconds));
    decisions.push({
      scorer: entry.name,
      type: scorer.type,
      level: 'session',
      ...decide(config, entry, { fb, latest, attached, standing, monitorPass, scorerPass, sampled, u, rate, applicability, wait, idleSeconds, idleLeft, monitorCreated }),
      filters: { monitor: monitorPass, scorer: scorerPass },
      sample: { u, rate, sampled },
      applicability: { applies: applicability.applies, reason: applicability.applies ? null : applicability.reason },
      deferred: wait ? { run_id: wait.run_id, since: wait.deferred_at.toISOString(), budget: 'day' as const } : null,
      feedback: latest ? view(fb ?? latest) : null,
      session: {
        session_id: standing.session_id,
        turns: standing.turns,
        last_trace_id: standing.last_trace_id,
        idle_seconds: idleSeconds,
        idle_for_seconds: Math.max(0, Math.floor(standing.idle_for_seconds)),
        idle_left_seconds: idleLeft,
        feedback_trace_id: attached?.trace_id ?? null,
        feedback_turns: attached?.turns ?? null,
      },
    });
  }
  return decisions;
}

interface Attached {
  trace_id: string;
  turns: number | null;
}

interface Facts {
  fb: StoredFeedback | undefined;
  latest: StoredFeedback | undefined;
  attached: Attached | null;
  standing: SessionStanding;
  monitorPass: boolean | null;
  scorerPass: boolean | null;
  sampled: boolean;
  u: number;
  rate: number;
  applicability: { applies: boolean; reason?: string };
  wait: { run_id: string | null } | null;
  idleSeconds: number;
  idleLeft: number;
  monitorCreated: Date;
}

function decide(config: MonitorConfig, entry: ScorerEntry, f: Facts): { decision: Decision; reason: string } {
  const turn = f.attached ? `turn ${f.attached.turns ?? '?'} (trace ${f.attached.trace_id})` : 'the last turn';
  if (f.fb) {
    const run = f.fb.run_id ? ` by run ${f.fb.run_id}` : '';
    if (f.fb.error) return { decision: 'error', reason: `the session judge failed${run} on session ${f.standing.session_id}: ${f.fb.error.error_code}: ${f.fb.error.error_message}` };
    return { decision: 'scored', reason: `session ${f.standing.session_id} judged${run} at ${f.fb.create_time.toISOString()}; the feedback is attached to ${turn}` };
  }
  const earlier = f.latest ? `; its earlier feedback on ${turn} stays valid until then` : '';
  if (f.standing.in_progress) return { decision: 'in_progress', reason: `a turn of session ${f.standing.session_id} is in progress; it is judged once complete and idle${earlier}` };
  if (f.monitorPass === false) return { decision: 'filtered_out', reason: `no turn of the session matches the monitor's filter_string: ${config.filter_string}` };
  if (f.scorerPass === false) return { decision: 'filtered_out', reason: `no turn of the session matches the scorer's filter_string: ${entry.filter_string}` };
  if (!f.sampled) return { decision: 'not_sampled', reason: `u = ${f.u.toFixed(6)} of session id ${f.standing.session_id} is not below the sample rate ${f.rate}` };
  if (!f.applicability.applies) return { decision: 'not_applicable', reason: `the scorer does not apply: ${f.applicability.reason}` };
  if (f.wait) {
    return {
      decision: 'deferred_by_budget',
      reason: `the monitor's judge budget was used up${f.wait.run_id ? ` in run ${f.wait.run_id}` : ''}; session ${f.standing.session_id} is judged when the budget has room again${earlier}`,
    };
  }
  if (f.idleLeft > 0) {
    return {
      decision: 'waiting_for_idle',
      reason: `session ${f.standing.session_id} had a new turn ${Math.floor(f.standing.idle_for_seconds)} s ago; it is judged once idle for ${f.idleSeconds} s (${f.idleLeft} s left)${earlier}`,
    };
  }
  if (f.standing.last_arrival < f.monitorCreated) {
    return { decision: 'before_monitor', reason: `session ${f.standing.session_id} went quiet before the monitor was created; the monitor judges only sessions active since` };
  }
  return { decision: 'pending', reason: `session ${f.standing.session_id} is idle; the next run judges it${earlier}` };
}

function view(fb: StoredFeedback): NonNullable<ScorerDecision['feedback']> {
  return { assessment_id: fb.assessment_id, run_id: fb.run_id, create_time: fb.create_time.toISOString(), value: fb.value, error: fb.error, valid: fb.valid };
}
