/**
 * Queries over a monitor's results tables, written as a user would write them: the demo prints
 * the first one and runs it, to show that the results are plain Postgres tables.
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import { traceLogsTable } from './results-table.ts';

/** Each judge's verdicts and pass rate, from the assessment log view: the text the demo prints. */
export function verdictSummaryText(schema: string, experimentId: number): string {
  return `select name, count(*) as verdicts, round(avg(numeric_value)::numeric, 2) as pass_rate
  from ${schema}.assessment_logs_${experimentId}
 where error is null
 group by name
 order by name;`;
}

export async function verdictSummary(db: Executor, schema: string, experimentId: number) {
  const { rows } = await sql<{ name: string; verdicts: number; pass_rate: number }>`${sql.raw(verdictSummaryText(schema, experimentId))}`.execute(db);
  return rows;
}

/** A few traces of the results table with a verdict `value` from the scorer `name`. */
export async function tracesWithVerdict(db: Executor, schema: string, experimentId: number, name: string, value: string, limit: number) {
  const { rows } = await sql<{ trace_id: string; request_preview: string; response_preview: string }>`
    select l.trace_id, l.request_preview, l.response_preview
      from ${traceLogsTable(schema, experimentId)} l
     where exists (select 1 from jsonb_array_elements(l.assessments) a
                    where a->>'name' = ${name} and a->'value' = to_jsonb(${value}::text))
     limit ${limit}`.execute(db);
  return rows;
}
