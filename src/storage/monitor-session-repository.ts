/**
 * What session judging in monitors reads and writes: sessions that have gone idle, the sessions a
 * run judges (by chunk), session feedback that replaces the earlier one, and a session's turns.
 */
import { sql } from 'kysely';
import { SESSION_METADATA_KEY } from '../domain/session.ts';
import { insertAssessments, type AssessmentWrite } from './assessment-repository.ts';
import type { Db, Executor } from './connect.ts';
import { sliceCount, sliceOf } from './run-repository.ts';

/** A session at one version: its number of turns and its last trace when it was read. */
export interface SessionVersion {
  session_id: string;
  last_trace_id: string;
  turns: number;
}

/**
 * Sessions of an experiment whose last turn arrived at least `idleSeconds` ago (by the server's
 * clock), no earlier than `since`, and none of whose turns is still in progress.
 */
export async function idleSessions(
  db: Executor,
  experimentId: number,
  options: { idleSeconds: number; since: Date },
): Promise<SessionVersion[]> {
  const { rows } = await sql<SessionVersion>`
    select session_id, last_trace_id, turns from (
      select session_id, count(*)::int as turns, max(created_at) as last_arrival,
             (array_agg(trace_id order by request_time desc, trace_id desc))[1] as last_trace_id,
             bool_or(state = 'IN_PROGRESS') as in_progress
      from assay.trace
      where experiment_id = ${experimentId} and session_id is not null
      group by session_id
    ) s
    where not s.in_progress
      and s.last_arrival <= now() - make_interval(secs => ${options.idleSeconds})
      and s.last_arrival >= ${options.since}
    order by session_id`.execute(db);
  return rows;
}

/** The idempotency keys among `keys` already stored. */
export async function storedIdempotencyKeys(db: Executor, keys: readonly string[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < keys.length; i += 5000) {
    const rows = await db
      .selectFrom('assay.assessment')
      .select('idempotency_key')
      .where('idempotency_key', 'in', keys.slice(i, i + 5000))
      .execute();
    for (const r of rows) if (r.idempotency_key) stored.add(r.idempotency_key);
  }
  return stored;
}

/** Lists a run's sessions in chunks of `chunkSize` numbered from `firstChunk`; returns the chunk count. */
export async function insertRunSessions(
  db: Executor,
  runId: string,
  sessions: readonly SessionVersion[],
  firstChunk: number,
  chunkSize: number,
): Promise<number> {
  if (sessions.length === 0) return 0;
  const chunks = sliceCount(sessions.length, chunkSize);
  const rows = sessions.map((s, i) => ({ run_id: runId, chunk: firstChunk + sliceOf(i, chunks), ...s }));
  for (let i = 0; i < rows.length; i += 5000) {
    await db.insertInto('assay.monitor_run_session').values(rows.slice(i, i + 5000)).onConflict((oc) => oc.doNothing()).execute();
  }
  return chunks;
}

export async function runSessions(db: Executor, runId: string, chunk: number): Promise<SessionVersion[]> {
  return db
    .selectFrom('assay.monitor_run_session')
    .select(['session_id', 'last_trace_id', 'turns'])
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .orderBy('session_id')
    .execute();
}

/** A session's trace ids in order (request time, then id). */
export async function sessionTraceIds(db: Executor, experimentId: number, sessionId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('assay.trace')
    .select('trace_id')
    .where('experiment_id', '=', experimentId)
    .where('session_id', '=', sessionId)
    .orderBy('request_time')
    .orderBy('trace_id')
    .execute();
  return rows.map((r) => r.trace_id);
}

/**
 * Stores a session feedback and, in the same transaction, marks invalid every other valid
 * feedback of this monitor scorer on this session (`keyPrefix` is the scorer's session key prefix),
 * so exactly one stays valid. Returns the traces whose assessments changed (to copy again).
 */
export async function replaceSessionFeedback(
  db: Db,
  experimentId: number,
  sessionId: string,
  keyPrefix: string,
  writes: readonly AssessmentWrite[],
): Promise<{ inserted: number; traces: string[] }> {
  return db.transaction().execute(async (trx) => {
    const inserted = (await insertAssessments(trx, writes)).length;
    const keys = writes.map((w) => w.idempotency_key ?? '');
    const replaced = await sql<{ trace_id: string }>`
      update assay.assessment a set valid = false, last_update_time = now()
      from assay.trace t
      where t.trace_id = a.trace_id and t.experiment_id = ${experimentId} and t.session_id = ${sessionId}
        and a.valid and a.metadata ->> ${SESSION_METADATA_KEY} = ${sessionId}
        and starts_with(a.idempotency_key, ${keyPrefix})
        and not (a.idempotency_key = any(${keys}::text[]))
      returning a.trace_id`.execute(trx);
    return { inserted, traces: [...new Set([...writes.map((w) => w.trace_id), ...replaced.rows.map((r) => r.trace_id)])] };
  });
}
