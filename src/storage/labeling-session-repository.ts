/**
 * Labeling sessions: the session rows, the traces each holds in order, and the human labels on
 * those traces (assessments named after the session's label schemas) read back as progress.
 */
import { sql, type Selectable } from 'kysely';
import type { LabelSchema } from '../domain/labeling-session.ts';
import { notFound } from '../domain/errors.ts';
import type { Executor } from './connect.ts';
import type { LabelingSessionTable } from './schema.ts';

export type LabelingSessionRow = Selectable<LabelingSessionTable>;

/** A session id from a path: anything but digits does not exist. */
export function parseSessionId(id: string): number | undefined {
  return /^\d{1,15}$/.test(id) ? Number(id) : undefined;
}

export async function insertSession(
  db: Executor,
  input: { name: string; experiment_id: number; label_schemas: LabelSchema[]; assigned_users: string[]; created_by: string },
): Promise<LabelingSessionRow> {
  return db
    .insertInto('assay.labeling_session')
    .values({
      name: input.name,
      experiment_id: input.experiment_id,
      label_schemas: JSON.stringify(input.label_schemas),
      assigned_users: JSON.stringify(input.assigned_users),
      created_by: input.created_by,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getSessionRow(db: Executor, id: string): Promise<LabelingSessionRow> {
  const numeric = parseSessionId(id);
  const row = numeric === undefined
    ? undefined
    : await db.selectFrom('assay.labeling_session').selectAll().where('labeling_session_id', '=', numeric).executeTakeFirst();
  if (!row) throw notFound(`labeling_session_id: labeling session '${id}' does not exist`);
  return row;
}

export async function listSessionRows(db: Executor, filter: { experimentId?: number | undefined; limit: number; offset: number }): Promise<LabelingSessionRow[]> {
  let query = db.selectFrom('assay.labeling_session').selectAll().orderBy('labeling_session_id', 'desc').limit(filter.limit).offset(filter.offset);
  if (filter.experimentId !== undefined) query = query.where('experiment_id', '=', filter.experimentId);
  return query.execute();
}

export async function updateSessionRow(
  db: Executor,
  id: number,
  change: { name?: string | undefined; label_schemas?: LabelSchema[] | undefined; assigned_users?: string[] | undefined },
): Promise<LabelingSessionRow> {
  return db
    .updateTable('assay.labeling_session')
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.label_schemas !== undefined ? { label_schemas: JSON.stringify(change.label_schemas) } : {}),
      ...(change.assigned_users !== undefined ? { assigned_users: JSON.stringify(change.assigned_users) } : {}),
      updated_at: new Date(),
    })
    .where('labeling_session_id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteSessionRow(db: Executor, id: string): Promise<boolean> {
  const numeric = parseSessionId(id);
  if (numeric === undefined) return false;
  const result = await db.deleteFrom('assay.labeling_session').where('labeling_session_id', '=', numeric).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Of these trace ids, the ones that exist in the experiment. */
export async function tracesInExperiment(db: Executor, experimentId: number, traceIds: readonly string[]): Promise<Set<string>> {
  if (traceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('assay.trace')
    .select('trace_id')
    .where('experiment_id', '=', experimentId)
    .where('trace_id', '=', sql<string>`any(${[...traceIds]}::text[])`)
    .execute();
  return new Set(rows.map((r) => r.trace_id));
}

/** Adds traces at the end of the session's order; traces already in it keep their place. Returns how many were new. */
export async function addSessionTraces(db: Executor, sessionId: number, traceIds: readonly string[], by: string): Promise<number> {
  let added = 0;
  for (let i = 0; i < traceIds.length; i += 10_000) {
    const chunk = traceIds.slice(i, i + 10_000);
    // unnest keeps the order given, so `position` follows it.
    const result = await sql<{ trace_id: string }>`
      insert into assay.labeling_session_trace (labeling_session_id, trace_id, added_by)
      select ${sessionId}, t.id, ${by} from unnest(${[...chunk]}::text[]) with ordinality as t(id, n) order by t.n
      on conflict do nothing returning trace_id`.execute(db);
    added += result.rows.length;
  }
  if (added > 0) await db.updateTable('assay.labeling_session').set({ updated_at: new Date() }).where('labeling_session_id', '=', sessionId).execute();
  return added;
}

export async function removeSessionTrace(db: Executor, sessionId: number, traceId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('assay.labeling_session_trace')
    .where('labeling_session_id', '=', sessionId)
    .where('trace_id', '=', traceId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Every trace id of the session, in order. */
export async function sessionTraceIds(db: Executor, sessionId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('assay.labeling_session_trace')
    .select('trace_id')
    .where('labeling_session_id', '=', sessionId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.trace_id);
}

/** A human label on a session trace: a valid HUMAN assessment named after one of the schemas. */
export interface SessionLabel {
  trace_id: string;
  assessment_id: string;
  name: string;
  kind: 'feedback' | 'expectation';
  value: unknown;
  rationale: string | null;
  source_id: string | null;
  last_update_time: Date;
}

export interface SessionTraceRow {
  trace_id: string;
  position: number;
  request_preview: string | null;
  response_preview: string | null;
  request_time: number;
  state: string;
}

/** One page of the session's traces in order; `after` is the previous page's last position. */
export async function pageSessionTraces(
  db: Executor,
  sessionId: number,
  page: { after: number; limit: number },
): Promise<SessionTraceRow[]> {
  return db
    .selectFrom('assay.labeling_session_trace as st')
    .innerJoin('assay.trace as t', 't.trace_id', 'st.trace_id')
    .select(['st.trace_id', 'st.position', 't.request_preview', 't.response_preview', 't.request_time', 't.state'])
    .where('st.labeling_session_id', '=', sessionId)
    .where('st.position', '>', page.after)
    .orderBy('st.position')
    .limit(page.limit)
    .execute();
}

export async function labelsOf(db: Executor, traceIds: readonly string[], names: readonly string[]): Promise<SessionLabel[]> {
  if (traceIds.length === 0 || names.length === 0) return [];
  return db
    .selectFrom('assay.assessment')
    .select(['trace_id', 'assessment_id', 'name', 'kind', 'value', 'rationale', 'source_id', 'last_update_time'])
    .where('trace_id', '=', sql<string>`any(${[...traceIds]}::text[])`)
    .where('name', '=', sql<string>`any(${[...names]}::text[])`)
    .where('valid', '=', true)
    .where('source_type', '=', 'HUMAN')
    .orderBy('create_time')
    .execute();
}

export interface SessionProgress {
  total: number;
  /** Traces on which every schema has at least one label. */
  done: number;
  /** Per labeler: traces on which that labeler answered every schema. */
  by_user: Record<string, number>;
}

export async function sessionProgress(db: Executor, sessionId: number, names: readonly string[]): Promise<SessionProgress> {
  const labeled = sql`
    select st.trace_id, a.source_id, a.name
    from assay.labeling_session_trace st
    join assay.assessment a on a.trace_id = st.trace_id and a.valid and a.source_type = 'HUMAN'
      and a.name = any(${[...names]}::text[])
    where st.labeling_session_id = ${sessionId}`;
  const [totals, users] = await Promise.all([
    sql<{ total: number; done: number }>`
      select (select count(*) from assay.labeling_session_trace where labeling_session_id = ${sessionId})::int as total,
             (select count(*) from (select trace_id from (${labeled}) l group by trace_id
                                    having count(distinct name) = ${names.length}) d)::int as done`.execute(db),
    sql<{ source_id: string; done: number }>`
      select source_id, count(*)::int as done from (
        select trace_id, source_id from (${labeled}) l group by trace_id, source_id having count(distinct name) = ${names.length}
      ) d group by source_id`.execute(db),
  ]);
  const row = totals.rows[0] ?? { total: 0, done: 0 };
  return { total: Number(row.total), done: Number(row.done), by_user: Object.fromEntries(users.rows.map((u) => [u.source_id ?? '', Number(u.done)])) };
}
