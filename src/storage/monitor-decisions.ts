/**
 * What the database knows about one trace from a monitor's point of view: the trace's version
 * against the cursor, whether the results table holds it (and which version), whether an active
 * run's window has it, and the feedback each monitor scorer wrote.
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import { traceLogsTable } from './results-table.ts';

export interface TraceStanding {
  trace_id: string;
  experiment_id: number;
  state: string;
  created_at: Date;
  session_id: string | null;
  /** Whether the trace's last change is below the monitor's cursor (a finished run has seen it). */
  below_cursor: boolean;
}

export async function traceStanding(db: Executor, traceId: string, cursorXid: string | null): Promise<TraceStanding | undefined> {
  const row = await db
    .selectFrom('assay.trace')
    .select(['trace_id', 'experiment_id', 'state', 'created_at', 'session_id'])
    .select(cursorXid === null ? sql<boolean>`false`.as('below_cursor') : sql<boolean>`change_xid < ${cursorXid}::xid8`.as('below_cursor'))
    .where('trace_id', '=', traceId)
    .executeTakeFirst();
  return row ? { ...row, experiment_id: Number(row.experiment_id) } : undefined;
}

export interface CopyStanding {
  /** The results table holds the trace. */
  copied: boolean;
  /** …at its current version. */
  current: boolean;
  copied_at: Date | null;
}

export async function copyStanding(db: Executor, schema: string, experimentId: number, traceId: string): Promise<CopyStanding> {
  const { rows: exists } = await sql<{ ok: boolean }>`select to_regclass(${`"${schema}".trace_logs_${experimentId}`}) is not null as ok`.execute(db);
  if (!exists[0]?.ok) return { copied: false, current: false, copied_at: null };
  const { rows } = await sql<{ copied_at: Date; current: boolean }>`
    select l.copied_at, l.trace_version = t.change_xid::text as current
    from ${traceLogsTable(schema, experimentId)} l join assay.trace t on t.trace_id = l.trace_id
    where l.trace_id = ${traceId}`.execute(db);
  const row = rows[0];
  return row ? { copied: true, current: Boolean(row.current), copied_at: row.copied_at } : { copied: false, current: false, copied_at: null };
}

/** The active run whose window holds the trace, if any. */
export async function activeRunHolding(db: Executor, experimentId: number, traceId: string): Promise<{ run_id: string; status: string } | undefined> {
  return db
    .selectFrom('assay.monitor_run_chunk as w')
    .innerJoin('assay.monitor_run as r', 'r.run_id', 'w.run_id')
    .select(['r.run_id', 'r.status'])
    .where('r.experiment_id', '=', experimentId)
    .where('r.status', 'in', ['queued', 'running'])
    .where(sql<boolean>`${traceId} = any(w.trace_ids)`)
    .executeTakeFirst();
}

export interface StoredFeedback {
  idempotency_key: string;
  assessment_id: string;
  value: unknown;
  error: { error_code: string; error_message: string } | null;
  valid: boolean;
  run_id: string | null;
  create_time: Date;
}

/** Feedback rows by idempotency key (the monitor's key of each (trace, scorer) pair). */
export async function feedbackByKeys(db: Executor, keys: readonly string[]): Promise<Map<string, StoredFeedback>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('assay.assessment')
    .select(['idempotency_key', 'assessment_id', 'value', 'error', 'valid', 'create_time', sql<string | null>`metadata->>'assay.monitor.run_id'`.as('run_id')])
    .where('idempotency_key', 'in', [...keys])
    .execute();
  return new Map(rows.map((r) => [r.idempotency_key!, { ...r, idempotency_key: r.idempotency_key! }]));
}

/** A session as the explanation sees it: its current version and how long it has been idle. */
export interface SessionStanding {
  session_id: string;
  turns: number;
  last_trace_id: string;
  last_arrival: Date;
  /** Seconds since its last turn arrived, by the database's clock (the one idleness is judged by). */
  idle_for_seconds: number;
  in_progress: boolean;
}

export async function sessionStanding(db: Executor, experimentId: number, sessionId: string): Promise<SessionStanding | undefined> {
  const { rows } = await sql<SessionStanding>`
    select session_id, count(*)::int as turns, max(created_at) as last_arrival,
           (array_agg(trace_id order by request_time desc, trace_id desc))[1] as last_trace_id,
           extract(epoch from now() - max(created_at))::float8 as idle_for_seconds,
           bool_or(state = 'IN_PROGRESS') as in_progress
    from assay.trace
    where experiment_id = ${experimentId} and session_id = ${sessionId}
    group by session_id`.execute(db);
  return rows[0];
}

/** A monitor scorer's valid feedback on a session, with the turn (trace) it is attached to. */
export async function validSessionFeedback(
  db: Executor,
  experimentId: number,
  sessionId: string,
  keyPrefix: string,
): Promise<(StoredFeedback & { trace_id: string; turns: number | null }) | undefined> {
  const row = await db
    .selectFrom('assay.assessment as a')
    .innerJoin('assay.trace as t', 't.trace_id', 'a.trace_id')
    .select([
      'a.idempotency_key',
      'a.assessment_id',
      'a.value',
      'a.error',
      'a.valid',
      'a.create_time',
      'a.trace_id',
      sql<string | null>`a.metadata->>'assay.monitor.run_id'`.as('run_id'),
      sql<string | null>`a.metadata->>'assay.session.turns'`.as('turns'),
    ])
    .where('t.experiment_id', '=', experimentId)
    .where('t.session_id', '=', sessionId)
    .where('a.valid', '=', true)
    .where(sql<boolean>`starts_with(a.idempotency_key, ${keyPrefix})`)
    .where(sql<boolean>`a.idempotency_key !~ '#[0-9]+$'`)
    .orderBy('a.create_time', 'desc')
    .executeTakeFirst();
  return row ? { ...row, idempotency_key: row.idempotency_key!, turns: row.turns === null ? null : Number(row.turns) } : undefined;
}
