/**
 * Feedback keys: the idempotency key of every feedback a run writes, one scheme for every kind of
 * run. A key is the run kind's scope, then the (work item, scorer) pair, then `#n` for the n-th
 * extra draft of one scorer call:
 *
 *   monitor:<experiment>:<scorer>:<trace>                                  a monitored trace
 *   monitor:<experiment>:<scorer>:session:<session>@<turns>:<last trace>   a version of a session
 *   evaluation:<run>:<row>:<scorer>                                        an evaluation row
 *
 * The scope is what a pair is unique within: a monitor judges a trace once whichever of its runs
 * (or backfills) reaches it; an evaluation run judges each of its rows once. Stored keys never
 * change shape: they are how a later run knows what was judged.
 */

/** The start of every key a monitor (`monitor:<experiment>:`) or an evaluation run (`evaluation:<run>:`) writes. */
export function feedbackScope(kind: 'monitor', experimentId: number): string;
export function feedbackScope(kind: 'evaluation', runId: string): string;
export function feedbackScope(kind: 'monitor' | 'evaluation', id: number | string): string {
  return `${kind}:${id}:`;
}

/** The key of the `draftIndex`-th feedback of one scorer call (the first has no suffix). */
export function draftKey(key: string, draftIndex: number): string {
  return draftIndex === 0 ? key : `${key}#${draftIndex}`;
}

/** The feedback key of one (trace, monitor scorer) pair. */
export function traceFeedbackKey(experimentId: number, scorerName: string, traceId: string, draftIndex = 0): string {
  return draftKey(`${feedbackScope('monitor', experimentId)}${scorerName}:${traceId}`, draftIndex);
}

/** The start of every key of one monitor scorer's feedback on one session, whatever its version. */
export function sessionKeyPrefix(experimentId: number, scorerName: string, sessionId: string): string {
  return `${feedbackScope('monitor', experimentId)}${scorerName}:session:${sessionId}@`;
}

/** The feedback key of one (session version, monitor scorer) pair. */
export function sessionFeedbackKey(
  experimentId: number,
  scorerName: string,
  session: { session_id: string; turns: number; last_trace_id: string },
  draftIndex = 0,
): string {
  return draftKey(`${sessionKeyPrefix(experimentId, scorerName, session.session_id)}${session.turns}:${session.last_trace_id}`, draftIndex);
}

/** The start of every key of one evaluation row's feedback. */
export function rowKeyPrefix(runId: string, rowIndex: number): string {
  return `${feedbackScope('evaluation', runId)}${rowIndex}:`;
}

/** The feedback key of one (evaluation row, scorer) pair. */
export function rowFeedbackKey(runId: string, rowIndex: number, scorerName: string, draftIndex = 0): string {
  return draftKey(`${rowKeyPrefix(runId, rowIndex)}${scorerName}`, draftIndex);
}
