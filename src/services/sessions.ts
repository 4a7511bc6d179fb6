/**
 * Sessions (conversations): the list of an experiment's sessions with their session-level feedback,
 * and one session's turns in order.
 */
import type { Assessment } from '../domain/assessment.ts';
import { extractText } from '../domain/chat-text.ts';
import { notFound } from '../domain/errors.ts';
import type { StoredTrace } from '../domain/trace.ts';
import type { Db } from '../storage/connect.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import {
  countSessions,
  getSessionSummary,
  listSessions,
  listSessionTraces,
  loadSessionAssessments,
  type SessionSummary,
} from '../storage/session-repository.ts';
import { checkFilterRegexes } from '../storage/filter-regex-check.ts';
import { traceFilterCondition } from '../storage/trace-filter-sql.ts';
import { loadAssessments } from '../storage/trace-repository.ts';
import { parseFilterField, underSearchTimeout } from './search-traces.ts';

export type SessionWithFeedback = SessionSummary & { assessments: Assessment[] };

export interface SessionListRequest {
  filter_string?: string | undefined;
  user_id?: string | undefined;
  max_results: number;
  after?: { last_time: number; session_id: string } | undefined;
}

/** A page of sessions, most recently active first, each with its valid session-level feedback. */
export async function listExperimentSessions(
  db: Db,
  experimentId: string,
  request: SessionListRequest,
  options: { searchTimeoutMs?: number } = {},
): Promise<SessionWithFeedback[]> {
  const experiment = Number((await getExperiment(db, experimentId)).experiment_id);
  const filter = request.filter_string ? parseFilterField(request.filter_string, 'filter_string') : [];
  if (filter.length > 0) await checkFilterRegexes(db, filter);
  // A filter runs under the search's statement timeout, as a trace search does.
  const sessions = await underSearchTimeout(db, options.searchTimeoutMs, 'filter_string', (trx) =>
    listSessions(trx, experiment, {
      ...(filter.length > 0 ? { condition: traceFilterCondition(filter) } : {}),
      ...(request.user_id !== undefined ? { user_id: request.user_id } : {}),
      limit: request.max_results,
      ...(request.after ? { after: request.after } : {}),
    }),
  );
  const feedback = await loadSessionAssessments(db, experiment, sessions.map((s) => s.session_id));
  return sessions.map((s) => ({ ...s, assessments: feedback.get(s.session_id) ?? [] }));
}

/**
 * How many sessions `listExperimentSessions` would list over all its pages, up to `limit`; the
 * filter runs under the search's statement timeout, as the list's does.
 */
export async function countExperimentSessions(
  db: Db,
  experimentId: string,
  request: Pick<SessionListRequest, 'filter_string' | 'user_id'> & { limit: number },
  options: { searchTimeoutMs?: number } = {},
): Promise<{ count: number; more: boolean }> {
  const experiment = Number((await getExperiment(db, experimentId)).experiment_id);
  const filter = request.filter_string ? parseFilterField(request.filter_string, 'filter_string') : [];
  if (filter.length > 0) await checkFilterRegexes(db, filter);
  return underSearchTimeout(db, options.searchTimeoutMs, 'filter_string', (trx) =>
    countSessions(trx, experiment, {
      ...(filter.length > 0 ? { condition: traceFilterCondition(filter) } : {}),
      ...(request.user_id !== undefined ? { user_id: request.user_id } : {}),
      limit: request.limit,
    }),
  );
}

/** One turn of a conversation: the trace, the user's message and the assistant's answer as text. */
export interface SessionTurn {
  info: StoredTrace['info'];
  assessments: Assessment[];
  user: string | null;
  assistant: string | null;
}

export interface SessionView {
  session: SessionWithFeedback;
  turns: SessionTurn[];
}

/** A session and a page of its turns in order; 404 when no trace of the experiment names it. */
export async function getExperimentSession(
  db: Db,
  experimentId: string,
  sessionId: string,
  page: { limit: number; after?: { request_time: number; trace_id: string } | undefined },
): Promise<SessionView> {
  const experiment = Number((await getExperiment(db, experimentId)).experiment_id);
  const summary = await getSessionSummary(db, experiment, sessionId);
  if (!summary) throw notFound(`session_id: session '${sessionId}' does not exist in experiment '${experimentId}'`);
  const [infos, feedback] = await Promise.all([
    listSessionTraces(db, experiment, sessionId, { limit: page.limit, ...(page.after ? { after: page.after } : {}) }),
    loadSessionAssessments(db, experiment, [sessionId]),
  ]);
  const assessments = await loadAssessments(db, infos.map((i) => i.trace_id));
  const byTrace = new Map<string, Assessment[]>();
  for (const a of assessments) byTrace.set(a.trace_id, [...(byTrace.get(a.trace_id) ?? []), a]);
  return {
    session: { ...summary, assessments: feedback.get(sessionId) ?? [] },
    turns: infos.map((info) => ({
      info,
      assessments: byTrace.get(info.trace_id) ?? [],
      user: extractText(info.request, 'request'),
      assistant: extractText(info.response, 'response'),
    })),
  };
}
