/**
 * Traces, their spans and assessments: writes for ingest, reads for the API, scorers and copies.
 */
import { sql, type Selectable } from 'kysely';
import type { Assessment } from '../domain/assessment.ts';
import type { Span, SpanStatusCode, StoredTrace, TraceInfo, TraceState, TraceSummary } from '../domain/trace.ts';
import type { Executor } from './connect.ts';
import { rowToAssessment } from './assessment-repository.ts';
import { TIME_COLUMN } from './partitions.ts';
import type { AssessmentTable, SpanTable, TraceTable } from './schema.ts';

export type { Executor };

export interface TraceWrite {
  trace_id: string;
  experiment_id: number;
  client_request_id: string | null;
  trace_metadata: Record<string, string>;
  tags: Record<string, string>;
  summary: TraceSummary;
}

// A batch goes to Postgres as one JSON document, read back as rows by json_to_recordset: one
// parameter per statement instead of one per value, and JSON columns serialised once, inside the
// document, instead of as text that is then escaped again. For 500 spans this saves most of
// kysely's and pg's per-value work and Postgres' parse and plan time for 6,500 parameters.
const ROWS_PER_STATEMENT = 5000;

/** `json_to_recordset($1) as r(col type, …)` over `rows`, typed by `columns`. */
function recordset(rows: readonly object[], columns: Readonly<Record<string, string>>) {
  const definitions = Object.entries(columns).map(([column, type]) => sql`${sql.id(column)} ${sql.raw(type)}`);
  return sql`select * from json_to_recordset(${JSON.stringify(rows)}::json) as r(${sql.join(definitions)})`;
}

const TRACE_TYPES = {
  trace_id: 'text',
  experiment_id: 'bigint',
  client_request_id: 'text',
  request_time: 'bigint',
  execution_duration_ms: 'bigint',
  state: 'text',
  request_preview: 'text',
  response_preview: 'text',
  request: 'jsonb',
  response: 'jsonb',
  trace_metadata: 'jsonb',
  tags: 'jsonb',
  input_tokens: 'bigint',
  output_tokens: 'bigint',
  total_tokens: 'bigint',
  cost: 'float8',
} as const;

/**
 * The rows of `rows` (a recordset with a trace_id column) with their trace's partition key
 * appended, from `assay.trace_key`: rows of a trace that has no key (no such trace) are left out.
 */
function withTraceKey(rows: ReturnType<typeof recordset>) {
  return sql`select r.*, k.retention_class, k.created_at from (${rows}) r join assay.trace_key k on k.trace_id = r.trace_id`;
}

/**
 * Inserts or updates trace headers. Metadata is immutable (keys already stored win); tags are
 * mutable (new values win). Every write marks the trace changed for monitors.
 *
 * A trace's partition is fixed by its first arrival: the first write records (class, now) in
 * `assay.trace_key`, and every write of the trace, in whatever request, uses that key, so the
 * ON CONFLICT below (the partitioned table's primary key) finds the stored row and merges.
 */
export async function upsertTraces(db: Executor, traces: readonly TraceWrite[]): Promise<void> {
  for (let i = 0; i < traces.length; i += ROWS_PER_STATEMENT) {
    const rows = traces.slice(i, i + ROWS_PER_STATEMENT).map(traceToRow);
    await sql`
      insert into assay.trace_key (trace_id, retention_class, created_at)
      select r.trace_id, coalesce(e.retention_days, 0), now()
      from json_to_recordset(${JSON.stringify(rows.map((r) => ({ trace_id: r.trace_id, experiment_id: r.experiment_id })))}::json)
           as r(trace_id text, experiment_id bigint)
      join assay.experiment e on e.experiment_id = r.experiment_id
      order by r.trace_id
      on conflict (trace_id) do nothing`.execute(db);
    await db
      .insertInto('assay.trace')
      .columns([...(Object.keys(TRACE_TYPES) as Array<keyof typeof TRACE_TYPES>), 'retention_class', 'created_at'])
      .expression(withTraceKey(recordset(rows, TRACE_TYPES)))
      .onConflict((oc) =>
        oc.columns(['trace_id', 'retention_class', 'created_at']).doUpdateSet((eb) => ({
          client_request_id: sql`coalesce(excluded.client_request_id, ${eb.ref('assay.trace.client_request_id')})`,
          request_time: eb.ref('excluded.request_time'),
          execution_duration_ms: eb.ref('excluded.execution_duration_ms'),
          state: eb.ref('excluded.state'),
          request_preview: eb.ref('excluded.request_preview'),
          response_preview: eb.ref('excluded.response_preview'),
          request: eb.ref('excluded.request'),
          response: eb.ref('excluded.response'),
          trace_metadata: sql`excluded.trace_metadata || assay.trace.trace_metadata`,
          tags: sql`assay.trace.tags || excluded.tags`,
          input_tokens: eb.ref('excluded.input_tokens'),
          output_tokens: eb.ref('excluded.output_tokens'),
          total_tokens: eb.ref('excluded.total_tokens'),
          cost: eb.ref('excluded.cost'),
          seq: sql`nextval('assay.trace_seq')`,
          change_xid: sql`pg_current_xact_id()`,
          updated_at: sql`now()`,
        })),
      )
      .execute();
  }
}

function traceToRow(t: TraceWrite) {
  return {
    trace_id: t.trace_id,
    experiment_id: t.experiment_id,
    client_request_id: t.client_request_id,
    request_time: t.summary.request_time,
    execution_duration_ms: t.summary.execution_duration_ms,
    state: t.summary.state,
    request_preview: t.summary.request_preview,
    response_preview: t.summary.response_preview,
    request: t.summary.request,
    response: t.summary.response,
    trace_metadata: t.trace_metadata,
    tags: t.tags,
    input_tokens: t.summary.input_tokens,
    output_tokens: t.summary.output_tokens,
    total_tokens: t.summary.total_tokens,
    cost: t.summary.cost,
  };
}

const SPAN_TYPES = {
  trace_id: 'text',
  span_id: 'text',
  parent_span_id: 'text',
  name: 'text',
  span_type: 'text',
  status_code: 'text',
  status_message: 'text',
  start_time_ns: 'bigint',
  end_time_ns: 'bigint',
  inputs: 'jsonb',
  outputs: 'jsonb',
  attributes: 'jsonb',
  events: 'jsonb',
} as const;

/** Inserts spans (their trace written first); a re-sent span (same trace_id, span_id) replaces the earlier copy. */
export async function upsertSpans(db: Executor, spans: readonly Span[]): Promise<void> {
  for (let i = 0; i < spans.length; i += ROWS_PER_STATEMENT) {
    const rows = spans.slice(i, i + ROWS_PER_STATEMENT).map(spanToRow);
    await db
      .insertInto('assay.span')
      .columns([...(Object.keys(SPAN_TYPES) as Array<keyof typeof SPAN_TYPES>), 'retention_class', 'trace_created_at'])
      .expression(withTraceKey(recordset(rows, SPAN_TYPES)))
      .onConflict((oc) =>
        oc.columns(['trace_id', 'span_id', 'retention_class', 'trace_created_at']).doUpdateSet((eb) => ({
          parent_span_id: eb.ref('excluded.parent_span_id'),
          name: eb.ref('excluded.name'),
          span_type: eb.ref('excluded.span_type'),
          status_code: eb.ref('excluded.status_code'),
          status_message: eb.ref('excluded.status_message'),
          start_time_ns: eb.ref('excluded.start_time_ns'),
          end_time_ns: eb.ref('excluded.end_time_ns'),
          inputs: eb.ref('excluded.inputs'),
          outputs: eb.ref('excluded.outputs'),
          attributes: eb.ref('excluded.attributes'),
          events: eb.ref('excluded.events'),
        })),
      )
      .execute();
  }
}

function spanToRow(s: Span) {
  return {
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id || null,
    name: s.name,
    span_type: s.span_type,
    status_code: s.status_code,
    status_message: s.status_message,
    // As text: nanoseconds exceed what a JSON number keeps exactly.
    start_time_ns: s.start_time_ns.toString(),
    end_time_ns: s.end_time_ns === null ? null : s.end_time_ns.toString(),
    inputs: s.inputs,
    outputs: s.outputs,
    attributes: s.attributes,
    events: s.events,
  };
}

/**
 * `from` clause: the rows of `assay.<table>` (as `alias`) of these traces, each trace's found by its
 * full key: the class and arrival time from `assay.trace_key`, then one index probe in the one
 * partition that holds it. Sought by trace id alone, the rows were looked for in every partition,
 * and in a partition whose statistics were not gathered yet (a new one, or any while autovacuum is
 * behind the ingest) the planner scanned the partition whole: 170 ms for the spans of 50 traces in a
 * 20,000-trace monitor run, against 0.7 ms by key.
 */
function rowsOfTraces(table: keyof typeof TIME_COLUMN, alias: string, traceIds: readonly string[]) {
  const row = (column: string) => sql.ref(`${alias}.${column}`);
  return sql`unnest(${[...new Set(traceIds)]}::text[]) as u(id)
    cross join lateral (select k.retention_class, k.created_at from assay.trace_key k where k.trace_id = u.id offset 0) k
    cross join lateral (
      select * from ${sql.table(`assay.${table}`)} as ${sql.id(alias)}
      where ${row('trace_id')} = u.id and ${row('retention_class')} = k.retention_class and ${row(TIME_COLUMN[table])} = k.created_at
      offset 0
    ) as ${sql.id(alias)}`;
}

type SpanRow = Omit<Selectable<SpanTable>, 'start_time_ns' | 'end_time_ns' | 'retention_class' | 'trace_created_at'> & {
  start_ns: string;
  end_ns: string | null;
};

/** Spans of the given traces, ordered by trace id and start time. */
export async function loadSpans(db: Executor, traceIds: readonly string[]): Promise<Span[]> {
  if (traceIds.length === 0) return [];
  const { rows } = await sql<SpanRow>`
    select s.trace_id, s.span_id, s.parent_span_id, s.name, s.span_type, s.status_code, s.status_message,
           s.start_time_ns::text as start_ns, s.end_time_ns::text as end_ns, s.inputs, s.outputs, s.attributes, s.events
    from ${rowsOfTraces('span', 's', traceIds)}
    order by s.trace_id, s.start_time_ns`.execute(db);
  return rows.map((r) => ({
    trace_id: r.trace_id,
    span_id: r.span_id,
    parent_span_id: r.parent_span_id,
    name: r.name,
    span_type: r.span_type,
    status_code: r.status_code as SpanStatusCode,
    status_message: r.status_message,
    start_time_ns: BigInt(r.start_ns),
    end_time_ns: r.end_ns === null ? null : BigInt(r.end_ns),
    inputs: r.inputs,
    outputs: r.outputs,
    attributes: r.attributes,
    events: r.events,
  }));
}

/** The columns of a trace header, as reads and searches select them. */
export const INFO_COLUMNS = [
  'trace_id',
  'experiment_id',
  'client_request_id',
  'request_time',
  'execution_duration_ms',
  'state',
  'request_preview',
  'response_preview',
  'trace_metadata',
  'tags',
  'request',
  'response',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cost',
] as const;

type InfoRow = Pick<Selectable<TraceTable>, (typeof INFO_COLUMNS)[number]>;

export function rowToInfo(r: InfoRow): StoredTrace['info'] {
  return { ...r, experiment_id: String(r.experiment_id), state: r.state as TraceState };
}

/** Trace headers by id, in the order asked (missing ids skipped). */
export async function loadTraceInfos(db: Executor, traceIds: readonly string[]): Promise<StoredTrace['info'][]> {
  if (traceIds.length === 0) return [];
  const columns = sql.join(INFO_COLUMNS.map((column) => sql.ref(`t.${column}`)));
  const { rows } = await sql<InfoRow>`
    select ${columns}
    from ${rowsOfTraces('trace', 't', traceIds)}`.execute(db);
  const byId = new Map(rows.map((r) => [r.trace_id, rowToInfo(r)]));
  return traceIds.flatMap((id) => byId.get(id) ?? []);
}

/** Whole traces (header, spans, every assessment) by id, in the order asked; missing ids skipped. */
export async function loadStoredTraces(db: Executor, traceIds: readonly string[]): Promise<StoredTrace[]> {
  const infos = await loadTraceInfos(db, traceIds);
  if (infos.length === 0) return [];
  const ids = infos.map((i) => i.trace_id);
  const [spans, assessments] = await Promise.all([loadSpans(db, ids), loadAssessments(db, ids)]);
  const spansBy = groupBy(spans, (s) => s.trace_id);
  const assessmentsBy = groupBy(assessments, (a) => a.trace_id);
  return infos.map((info) => ({
    info,
    spans: spansBy.get(info.trace_id) ?? [],
    assessments: assessmentsBy.get(info.trace_id) ?? [],
  }));
}

export async function loadAssessments(db: Executor, traceIds: readonly string[]): Promise<Assessment[]> {
  if (traceIds.length === 0) return [];
  const { rows } = await sql<Selectable<AssessmentTable>>`
    select x.*
    from ${rowsOfTraces('assessment', 'x', traceIds)}
    order by x.create_time, x.assessment_id`.execute(db);
  return rows.map(rowToAssessment);
}

/** One page of an experiment's traces, newest first; the cursor is the last row's (time, id). */
export async function listTraceInfos(
  db: Executor,
  experimentId: number,
  page: { limit: number; after?: { request_time: number; trace_id: string } },
): Promise<StoredTrace['info'][]> {
  let query = db
    .selectFrom('assay.trace')
    .select(INFO_COLUMNS)
    .where('experiment_id', '=', experimentId)
    .orderBy('request_time', 'desc')
    .orderBy('trace_id', 'asc')
    .limit(page.limit);
  if (page.after) {
    const { request_time, trace_id } = page.after;
    query = query.where((eb) =>
      eb.or([
        eb('request_time', '<', request_time),
        eb.and([eb('request_time', '=', request_time), eb('trace_id', '>', trace_id)]),
      ]),
    );
  }
  return (await query.execute()).map(rowToInfo);
}

/** Marks traces changed (a human label, a tag edit) so monitors copy them again. */
export async function touchTraces(db: Executor, traceIds: readonly string[]): Promise<void> {
  if (traceIds.length === 0) return;
  await db
    .updateTable('assay.trace')
    .set({ seq: sql`nextval('assay.trace_seq')`, change_xid: sql`pg_current_xact_id()`, updated_at: sql`now()` })
    .where('trace_id', 'in', traceIds)
    .execute();
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export type { TraceInfo };

/** The newest finished traces of an experiment, newest first. */
export async function latestFinishedTraceIds(db: Executor, experimentId: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('assay.trace')
    .select('trace_id')
    .where('experiment_id', '=', experimentId)
    .where('state', '!=', 'IN_PROGRESS')
    .orderBy('request_time', 'desc')
    .orderBy('trace_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.trace_id);
}

/**
 * Serialises concurrent transactions writing the same traces (held until commit). Locks are taken
 * in a fixed order so two writers never wait on each other in a cycle.
 */
export async function lockTraceIds(db: Executor, traceIds: readonly string[]): Promise<void> {
  if (traceIds.length === 0) return;
  const keys = [...new Set(traceIds)].sort();
  await sql`select pg_advisory_xact_lock(hashtextextended(id, 0))
            from unnest(${keys}::text[]) with ordinality as k(id, n) order by n`.execute(db);
}

/** The experiment of each of these trace ids that is stored. */
export async function traceExperiments(db: Executor, traceIds: readonly string[]): Promise<Array<{ trace_id: string; experiment_id: number }>> {
  if (traceIds.length === 0) return [];
  // By key, like the whole-trace reads: every ingest request asks this of all its trace ids, most of
  // them new, which one probe of trace_key answers.
  const { rows } = await sql<{ trace_id: string; experiment_id: string | number }>`
    select t.trace_id, t.experiment_id
    from ${rowsOfTraces('trace', 't', traceIds)}`.execute(db);
  return rows.map((r) => ({ trace_id: r.trace_id, experiment_id: Number(r.experiment_id) }));
}
