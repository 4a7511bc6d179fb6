/**
 * The filter shapes bench/search measures, each beside the SQL a person would write by hand for the
 * same page (same rows, same order, same columns and assessments) over the data of search-data.ts.
 */
import { sql, type RawBuilder } from 'kysely';
import { T0 } from './search-data.ts';

export const PAGE = 100;
const DAY_MS = 86_400_000;

export interface SearchCase {
  name: string;
  filter: string;
  order_by?: string[];
  handWritten: (experimentId: number) => RawBuilder<unknown>;
  aim: string;
}

const COLUMNS = sql.raw(`t.trace_id, t.experiment_id, t.client_request_id, t.request_time, t.execution_duration_ms,
  t.state, t.request_preview, t.response_preview, t.trace_metadata, t.tags, t.request, t.response, t.input_tokens,
  t.output_tokens, t.total_tokens, t.cost, coalesce((select json_agg(a order by a.create_time, a.assessment_id)
  from assay.assessment a where a.trace_id = t.trace_id and a.valid), '[]'::json) as assessments`);
const NEWEST = sql.raw(`order by t.request_time desc, t.trace_id limit ${PAGE + 1}`);

/** A page of traces matching `where` (SQL over `t`), newest first. */
function newest(e: number, where: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select ${COLUMNS} from assay.trace t where t.experiment_id = ${e} and ${where} ${NEWEST}`;
}

function assessed(kind: string, name: string, value: string): RawBuilder<unknown> {
  return sql`exists (select 1 from assay.assessment f where f.trace_id = t.trace_id and f.kind = ${kind}
    and f.name = ${name} and f.valid and f.value #>> '{}' = ${value})`;
}

export function searchCases(count: number): SearchCase[] {
  // A one-day window ending at the middle of the data: ~86,400 traces, a third of them prod.
  const to = T0 + Math.floor(count / 2) * 1000;
  const from = to - DAY_MS;
  // The aim of issue 18: a first page within 100 ms at a million traces, within 250 ms at ten million.
  const within = `<= 1.5 (and value < ${count >= 10_000_000 ? 250 : 100} ms)`;
  return [
    {
      name: 'search.time_range',
      filter: `timestamp_ms >= ${from} AND timestamp_ms < ${to}`,
      handWritten: (e) => newest(e, sql`t.request_time >= ${from} and t.request_time < ${to}`),
      aim: within,
    },
    {
      name: 'search.time_tag',
      filter: `timestamp_ms >= ${from} AND timestamp_ms < ${to} AND tags.env = 'prod'`,
      handWritten: (e) => newest(e, sql`t.request_time >= ${from} and t.request_time < ${to} and t.tags ->> 'env' = 'prod'`),
      aim: within,
    },
    {
      name: 'search.tag',
      filter: `tags.customer = 'c-7'`,
      handWritten: (e) => newest(e, sql`t.tags ->> 'customer' = 'c-7'`),
      aim: within,
    },
    {
      name: 'search.metadata',
      filter: `metadata.user = 'user-42'`,
      handWritten: (e) => newest(e, sql`t.trace_metadata ->> 'user' = 'user-42'`),
      aim: within,
    },
    {
      name: 'search.status',
      filter: `status = 'ERROR'`,
      handWritten: (e) => newest(e, sql`t.state = 'ERROR'`),
      aim: within,
    },
    {
      name: 'search.feedback',
      filter: `feedback.correctness = 'no'`,
      handWritten: (e) => newest(e, assessed('feedback', 'correctness', 'no')),
      aim: within,
    },
    {
      name: 'search.status_feedback',
      filter: `status = 'ERROR' AND feedback.correctness = 'no'`,
      handWritten: (e) => newest(e, sql`t.state = 'ERROR' and ${assessed('feedback', 'correctness', 'no')}`),
      aim: within,
    },
    {
      name: 'search.expectation',
      filter: `expectation.category = 'billing'`,
      handWritten: (e) => newest(e, assessed('expectation', 'category', 'billing')),
      aim: within,
    },
    {
      name: 'search.span_type',
      filter: `span.type = 'RETRIEVER'`,
      handWritten: (e) => newest(e, sql`exists (select 1 from assay.span s where s.trace_id = t.trace_id and s.span_type = 'RETRIEVER')`),
      aim: within,
    },
    {
      name: 'search.span_name',
      filter: `span.name = 'search_docs'`,
      handWritten: (e) => newest(e, sql`exists (select 1 from assay.span s where s.trace_id = t.trace_id and s.name = 'search_docs')`),
      aim: within,
    },
    {
      name: 'search.span_like',
      filter: `span.type = 'LLM' AND span.content LIKE '%refund%'`,
      handWritten: (e) =>
        newest(
          e,
          sql`exists (select 1 from assay.span s where s.trace_id = t.trace_id and s.span_type = 'LLM'
            and (s.inputs::text like '%refund%' or s.outputs::text like '%refund%' or s.attributes::text like '%refund%'))`,
        ),
      aim: within,
    },
    {
      name: 'search.order_latency',
      filter: `tags.env = 'prod'`,
      order_by: ['execution_time_ms DESC'],
      handWritten: (e) => sql`select ${COLUMNS} from assay.trace t where t.experiment_id = ${e} and t.tags ->> 'env' = 'prod'
        order by t.execution_duration_ms desc nulls last, t.request_time desc, t.trace_id limit ${PAGE + 1}`,
      aim: within,
    },
    {
      name: 'search.order_time_asc',
      filter: `status = 'OK'`,
      order_by: ['timestamp_ms ASC'],
      handWritten: (e) => sql`select ${COLUMNS} from assay.trace t where t.experiment_id = ${e} and t.state = 'OK'
        order by t.request_time, t.trace_id limit ${PAGE + 1}`,
      aim: within,
    },
  ];
}
