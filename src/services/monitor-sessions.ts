/**
 * Session judges in monitoring runs. A session (the traces sharing `mlflow.trace.session`) is
 * judged once no new turn has arrived for the monitor's `session_idle_seconds`, and again when new
 * turns arrive and it goes idle again. Each judgement is keyed by the session's version (turns and
 * last trace), so retries, crashes and duplicate deliveries store it once; storing it marks the
 * earlier feedback of that scorer on the session invalid, so exactly one stays valid per (session,
 * scorer). The feedback is attached to the session's last trace with the session id in its metadata.
 * Sampling is coordinated on the session id as it is on trace ids.
 */
import type { FeedbackDraft } from '../domain/assessment.ts';
import { extractText } from '../domain/chat-text.ts';
import { draftKey, sessionFeedbackKey, sessionKeyPrefix } from '../domain/feedback-key.ts';
import { conversationText } from '../domain/conversation.ts';
import { scorerRate, sessionIdleSeconds, type MonitorConfig } from '../domain/monitor-config.ts';
import type { ScorerEntry } from '../domain/scorer-entry.ts';
import { isSampled } from '../domain/sampling.ts';
import { SESSION_METADATA_KEY } from '../domain/session.ts';
import type { JsonValue } from '../domain/json.ts';
import { monitorJudgeCalls } from '../observability/monitor-metrics.ts';
import { buildScorer, scorerLevel, type Scorer } from '../scorers/registry.ts';
import type { ScorerInput } from '../scorers/scorer-input.ts';
import { feedbackWrite } from '../storage/assessment-repository.ts';
import type { Executor } from '../storage/connect.ts';
import { findMonitor, type MonitorRunRow } from '../storage/monitor-repository.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import {
  idleSessions,
  insertRunSessions,
  replaceSessionFeedback,
  runSessions,
  sessionTraceIds,
  storedIdempotencyKeys,
  type SessionVersion,
} from '../storage/monitor-session-repository.ts';
import { loadTraceInfos } from '../storage/trace-repository.ts';
import type { AppContext } from './context.ts';
import { sessionChunkBudget } from './monitor-budget.ts';
import { tracesMatching } from './monitor-filters.ts';
import { runPool } from './pool.ts';

/** The monitor's session judges (none when ASSAY_SESSION_JUDGES is off). */
export function sessionScorers(ctx: Pick<AppContext, 'config'>, config: MonitorConfig): ScorerEntry[] {
  return ctx.config.sessionJudges ? config.scorers.filter((s) => scorerLevel(s) === 'session') : [];
}

/**
 * Lists the sessions this run judges (idle, sampled by some session scorer, not yet judged at their
 * current version) in chunks numbered from `firstChunk`; returns how many chunks that makes.
 * Runs inside the planning transaction. Backfills judge traces only.
 */
export async function planSessionChunks(
  trx: Executor,
  ctx: Pick<AppContext, 'config'>,
  run: MonitorRunRow,
  firstChunk: number,
): Promise<number> {
  const scorers = sessionScorers(ctx, run.config);
  if (run.kind === 'backfill' || scorers.length === 0) return 0;
  const monitor = await findMonitor(trx, run.experiment_id);
  if (!monitor) return 0;
  // Like traces, sessions whose last turn came before the monitor existed are left to the past.
  const idle = await idleSessions(trx, run.experiment_id, { idleSeconds: sessionIdleSeconds(run.config), since: monitor.created_at });
  const wanted = idle.flatMap((s) =>
    scorers.filter((e) => isSampled(s.session_id, scorerRate(run.config, e))).map((e) => ({ s, key: sessionFeedbackKey(run.experiment_id, e.name, s) })),
  );
  const stored = await storedIdempotencyKeys(trx, wanted.map((w) => w.key));
  const due = [...new Map(wanted.filter((w) => !stored.has(w.key)).map((w) => [w.s.session_id, w.s])).values()];
  return insertRunSessions(trx, run.run_id, due, firstChunk, ctx.config.monitorChunkSize);
}

interface SessionTask {
  session: SessionVersion;
  entry: ScorerEntry;
  scorer: Scorer;
  input: ScorerInput;
  key: string;
}

/**
 * Judges the sessions of one chunk; returns the trace ids whose assessments may have changed (every
 * turn of those sessions), for the chunk to copy into the results table.
 */
export async function scoreSessionChunk(ctx: AppContext, run: MonitorRunRow, chunk: number, signal: AbortSignal, counts: RunCounts): Promise<string[]> {
  const sessions = await runSessions(ctx.db, run.run_id, chunk);
  if (sessions.length === 0) return [];
  const plans = sessionScorers(ctx, run.config).map((entry) => ({ entry, scorer: buildScorer(entry, { model: ctx.config.judge.model }) }));
  for (const { entry } of plans) counts.scorers![entry.name] ??= { sampled: 0, scored: 0, errored: 0, not_applicable: 0, skipped_existing: 0, deferred: 0 };
  const toCopy: string[] = [];
  const tasks: SessionTask[] = [];
  for (const session of sessions) {
    const all = await sessionTraceIds(ctx.db, run.experiment_id, session.session_id);
    toCopy.push(...all);
    // The session as it was planned: later turns wait for the next time it goes idle.
    const end = all.indexOf(session.last_trace_id);
    const turns = end < 0 ? all : all.slice(0, end + 1);
    let input: ScorerInput | null = null;
    for (const { entry, scorer } of plans) {
      if (!isSampled(session.session_id, scorerRate(run.config, entry))) continue;
      const filters = [run.config.filter_string, entry.filter_string].filter((f): f is string => Boolean(f));
      if (filters.length > 0 && (await tracesMatching(ctx.db, turns, filters, ctx.config.searchTimeoutMs)).size === 0) continue;
      const tally = counts.scorers![entry.name]!;
      tally.sampled += 1;
      const key = sessionFeedbackKey(run.experiment_id, entry.name, session);
      if ((await storedIdempotencyKeys(ctx.db, [key])).size > 0) {
        tally.skipped_existing += 1;
        continue;
      }
      input ??= await conversationInput(ctx, session, turns);
      const applies = scorer.applicability(input);
      if (!applies.applies) {
        tally.not_applicable += 1;
        continue;
      }
      tasks.push({ session, entry, scorer, input, key });
    }
  }
  // Session judge calls count against the monitor's daily budget; a session it defers stays
  // unjudged at its version, so the next run (of a period with budget) plans it again.
  const budget = await sessionChunkBudget(ctx, run.experiment_id, run.config.budget, sessions.map((s) => s.session_id), tasks.filter((t) => t.scorer.kind === 'llm_judge').length);
  await runPool(tasks, ctx.config.judge.concurrency * 2, signal, async (task) => {
    if (!(await budget.admit(task.session.session_id, task.entry.name, task.scorer.kind))) return;
    const drafts = await task.scorer.score(task.input, { judge: ctx.judge.judge, signal });
    budget.spent(drafts);
    const writes = drafts.map((draft, i) =>
      feedbackWrite(
        task.session.last_trace_id,
        {
          ...draft,
          metadata: {
            ...draft.metadata,
            'assay.monitor.run_id': run.run_id,
            [SESSION_METADATA_KEY]: task.session.session_id,
            'assay.session.turns': String(task.session.turns),
          },
        },
        draftKey(task.key, i),
      ),
    );
    const prefix = sessionKeyPrefix(run.experiment_id, task.entry.name, task.session.session_id);
    const { inserted } = await replaceSessionFeedback(ctx.db, run.experiment_id, task.session.session_id, prefix, writes);
    counts.assessments_written! += inserted;
    tallyDrafts(counts, task, drafts);
  });
  signal.throwIfAborted();
  await budget.settle(run.run_id, counts);
  return [...new Set(toCopy)];
}

/** The conversation a session judge reads: each turn's user message and answer, as text. */
export async function conversationInput(ctx: AppContext, session: SessionVersion, traceIds: string[]): Promise<ScorerInput> {
  const infos = await loadTraceInfos(ctx.db, traceIds);
  const messages: JsonValue[] = [];
  const turns = infos.map((info) => {
    const user = extractText(info.request, 'request') ?? info.request_preview ?? '';
    const assistant = extractText(info.response, 'response') ?? info.response_preview ?? '';
    messages.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
    return { user, assistant };
  });
  const text = conversationText(turns);
  const last = infos.at(-1);
  return {
    inputs: { messages },
    outputs: last?.response ?? null,
    request: last ? (extractText(last.request, 'request') ?? '') : '',
    response: last ? (extractText(last.response, 'response') ?? '') : '',
    retrieved: [],
    expectations: {},
    trace: null,
    latency_ms: null,
    tokens: null,
    cost: null,
    conversation: { session_id: session.session_id, turns: infos.length, text },
  };
}

function tallyDrafts(counts: RunCounts, task: SessionTask, drafts: FeedbackDraft[]): void {
  const tally = counts.scorers![task.entry.name]!;
  const error = drafts.find((d) => d.error)?.error;
  if (error) {
    tally.errored += 1;
    if (counts.errors!.length < 20) counts.errors!.push(`${task.entry.name} on session ${task.session.session_id}: ${error.error_code}: ${error.error_message}`);
  } else {
    tally.scored += 1;
  }
  monitorJudgeCalls.inc({ scorer: task.entry.name, outcome: error ? 'error' : 'ok' });
  const calls = (counts.session_calls ??= { judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0 });
  for (const d of drafts) {
    const meta = d.metadata ?? {};
    const used = {
      judge_calls: meta['assay.judge.model'] !== undefined ? 1 : 0,
      input_tokens: Number(meta['assay.judge.input_tokens'] ?? 0) || 0,
      output_tokens: Number(meta['assay.judge.output_tokens'] ?? 0) || 0,
      cost: Number(meta['assay.judge.cost'] ?? 0) || 0,
    };
    for (const key of Object.keys(used) as Array<keyof typeof used>) {
      calls[key] += used[key];
      counts[key] = (counts[key] ?? 0) + used[key];
    }
  }
}
