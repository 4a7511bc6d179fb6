/**
 * Sessions: an experiment's traces grouped by their `session_id` column (metadata
 * `mlflow.trace.session`), and the session-level assessments attached to them.
 */
import { sql, type SqlBool } from 'kysely';
import type { Assessment } from '../domain/assessment.ts';
import { SESSION_METADATA_KEY } from '../domain/session.ts';
import type { StoredTrace } from '../domain/trace.ts';
import { rowToAssessment } from './assessment-repository.ts';
import type { Executor } from './connect.ts';
import type { TraceCondition } from './trace-filter-sql.ts';
import { INFO_COLUMNS, rowToInfo } from './trace-repository.ts';

/** One session as the list shows it. Times are epoch ms. */
export interface SessionSummary {
  session_id: string;
  /** The user of the session's latest turn that names one. */
  user_id: string | null;
  turns: number;
  /** Request time of the first turn. */
  first_time: number;
  /** End of the last turn (its request time plus its duration). */
  last_time: number;
  last_trace_id: string;
}

export interface SessionListQuery {
  /** Only sessions with at least one trace matching this condition. */
  condition?: TraceCondition;
  user_id?: string;
  limit: number;
  /** Keyset cursor: the last row of the previous page (newest activity first). */
  after?: { last_time: number; session_id: string };
}

const summaryColumns = sql`
  session_id,
  (array_agg(user_id order by request_time desc, trace_id desc) filter (where user_id is not null))[1] as user_id,
  count(*)::int as turns,
  min(request_time) as first_time,
  max(request_time + coalesce(execution_duration_ms, 0)) as last_time,
  (array_agg(trace_id order by request_time desc, trace_id desc))[1] as last_trace_id`;

interface SummaryRow {
  session_id: string;
  user_id: string | null;
  turns: number;
  first_time: string | number;
  last_time: string | number;
  last_trace_id: string;
}

function toSummary(r: SummaryRow): SessionSummary {
  return { ...r, first_time: Number(r.first_time), last_time: Number(r.last_time) };
}

/** A page of an experiment's sessions, most recently active first (ties by session id). */
export async function listSessions(db: Executor, experimentId: number, query: SessionListQuery): Promise<SessionSummary[]> {
  let matching = db
    .selectFrom('assay.trace')
    .select('session_id')
    .where('experiment_id', '=', experimentId)
    .where('session_id', 'is not', null);
  if (query.condition) matching = matching.where(query.condition);
  if (query.user_id !== undefined) matching = matching.where('user_id', '=', query.user_id);
  const filtered = query.condition !== undefined || query.user_id !== undefined;
  const after = query.after;
  // Counts and times for every session, but the user and last trace only for the page's sessions
  // (an index lookup each): ordering every session's turns to pick those doubles the cost.
  const rows = await sql<SummaryRow>`
    with page as (
      select session_id, count(*)::int as turns, min(request_time) as first_time,
             max(request_time + coalesce(execution_duration_ms, 0)) as last_time
      from assay.trace
      where experiment_id = ${experimentId} and session_id is not null
        ${filtered ? sql`and session_id in (${matching})` : sql``}
      group by session_id
      ${after ? sql`having (max(request_time + coalesce(execution_duration_ms, 0)) < ${after.last_time}
          or (max(request_time + coalesce(execution_duration_ms, 0)) = ${after.last_time} and session_id > ${after.session_id}))` : sql``}
      order by last_time desc, session_id asc
      limit ${query.limit}
    )
    select p.session_id, p.turns, p.first_time, p.last_time,
      (select t.user_id from assay.trace t
        where t.experiment_id = ${experimentId} and t.session_id = p.session_id and t.user_id is not null
        order by t.request_time desc, t.trace_id desc limit 1) as user_id,
      (select t.trace_id from assay.trace t
        where t.experiment_id = ${experimentId} and t.session_id = p.session_id
        order by t.request_time desc, t.trace_id desc limit 1) as last_trace_id
    from page p
    order by p.last_time desc, p.session_id asc`.execute(db);
  return rows.rows.map(toSummary);
}

/**
 * How many sessions the list would show for `query` (its condition and user; no page), counting
 * at most `limit` of them: `more` says there are others past it.
 */
export async function countSessions(
  db: Executor,
  experimentId: number,
  query: Pick<SessionListQuery, 'condition' | 'user_id'> & { limit: number },
): Promise<{ count: number; more: boolean }> {
  let matching = db
    .selectFrom('assay.trace')
    .select('session_id')
    .distinct()
    .where('experiment_id', '=', experimentId)
    .where('session_id', 'is not', null);
  if (query.condition) matching = matching.where(query.condition);
  if (query.user_id !== undefined) matching = matching.where('user_id', '=', query.user_id);
  const row = await db
    .selectFrom(matching.limit(query.limit + 1).as('matching'))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > query.limit ? { count: query.limit, more: true } : { count: n, more: false };
}

/** One session's summary, or undefined when no trace of the experiment names it. */
export async function getSessionSummary(db: Executor, experimentId: number, sessionId: string): Promise<SessionSummary | undefined> {
  const rows = await sql<SummaryRow>`
    select ${summaryColumns}
    from assay.trace
    where experiment_id = ${experimentId} and session_id = ${sessionId}
    group by session_id`.execute(db);
  const row = rows.rows[0];
  return row ? toSummary(row) : undefined;
}

/** A session's turns in order (request time, then trace id), a page at a time. */
export async function listSessionTraces(
  db: Executor,
  experimentId: number,
  sessionId: string,
  page: { limit: number; after?: { request_time: number; trace_id: string } },
): Promise<StoredTrace['info'][]> {
  let query = db
    .selectFrom('assay.trace')
    .select(INFO_COLUMNS)
    .where('experiment_id', '=', experimentId)
    .where('session_id', '=', sessionId)
    .orderBy('request_time', 'asc')
    .orderBy('trace_id', 'asc')
    .limit(page.limit);
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('request_time', '>', after.request_time),
        eb.and([eb('request_time', '=', after.request_time), eb('trace_id', '>', after.trace_id)]),
      ]),
    );
  }
  return (await query.execute()).map(rowToInfo);
}

/**
 * The session-level assessments of these sessions: those on one of the session's traces whose
 * metadata names the session. Only valid ones unless `includeInvalid`. Keyed by session id,
 * oldest first.
 */
export async function loadSessionAssessments(
  db: Executor,
  experimentId: number,
  sessionIds: readonly string[],
  options: { includeInvalid?: boolean } = {},
): Promise<Map<string, Assessment[]>> {
  const out = new Map<string, Assessment[]>();
  if (sessionIds.length === 0) return out;
  let query = db
    .selectFrom('assay.assessment')
    .innerJoin('assay.trace', 'assay.trace.trace_id', 'assay.assessment.trace_id')
    .selectAll('assay.assessment')
    .select('assay.trace.session_id')
    .where('assay.trace.experiment_id', '=', experimentId)
    .where('assay.trace.session_id', 'in', [...sessionIds])
    .where(sql<SqlBool>`assay.assessment.metadata ->> ${SESSION_METADATA_KEY} = assay.trace.session_id`)
    .orderBy('assay.assessment.create_time')
    .orderBy('assay.assessment.assessment_id');
  if (!options.includeInvalid) query = query.where('assay.assessment.valid', '=', true);
  for (const { session_id, ...row } of await query.execute()) {
    if (session_id === null) continue;
    const list = out.get(session_id);
    const assessment = rowToAssessment(row);
    if (list) list.push(assessment);
    else out.set(session_id, [assessment]);
  }
  return out;
}
