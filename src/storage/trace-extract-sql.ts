/**
 * `extract_fields` as SQL: one scalar subquery per field over the trace's spans, selected beside the
 * trace. Postgres evaluates such subqueries after the sort and the limit, so a page pays for its own
 * rows only (one primary-key probe of `assay.span` per field and trace).
 */
import { sql, type RawBuilder } from 'kysely';
import type { ExtractField } from '../domain/extract-fields.ts';
import type { JsonValue } from '../domain/trace.ts';

const span = (column: string) => sql.ref(`s.${column}`);

/** The column alias of the i-th field's value. */
export const extractAlias = (i: number) => `extract_${i}`;

/** The i-th field's value for the row of `assay.trace` (unaliased), JSON or null. */
export function extractSelection(field: ExtractField, i: number) {
  const which = field.span.root ? sql`${span('parent_span_id')} is null` : sql`${span('name')} = ${field.span.name}`;
  return sql<JsonValue | null>`(select ${valueSql(field)} from assay.span s
    where ${span('trace_id')} = assay.trace.trace_id and ${which}
    order by ${span('start_time_ns')}, ${span('span_id')} limit 1)`.as(extractAlias(i));
}

function valueSql(field: ExtractField): RawBuilder<unknown> {
  switch (field.part) {
    case 'name':
      return sql`to_jsonb(${span('name')})`;
    case 'type':
      return sql`to_jsonb(${span('span_type')})`;
    case 'status':
      return sql`to_jsonb(${span('status_code')})`;
    case 'start_time':
      return sql`to_jsonb(${span('start_time_ns')} / 1000000)`;
    case 'end_time':
      return sql`to_jsonb(${span('end_time_ns')} / 1000000)`;
    case 'inputs':
    case 'outputs':
      return field.path.length === 0 ? span(field.part) : sql`${span(field.part)} #> ${textArray(field.path)}`;
    default:
      return attributeSql(field.path);
  }
}

/**
 * `attributes.a.b.c` may be the attribute `a.b.c`, or `a.b` then key `c`, or `a` then `b.c`:
 * OpenTelemetry names hold dots, so the longest attribute name that exists wins.
 */
function attributeSql(path: readonly string[]): RawBuilder<unknown> {
  const candidates = path.map((_, i) => {
    const cut = path.length - i;
    return [path.slice(0, cut).join('.'), ...path.slice(cut)];
  });
  const lookups = candidates.map((keys) => sql`${span('attributes')} #> ${textArray(keys)}`);
  return lookups.length === 1 ? lookups[0]! : sql`coalesce(${sql.join(lookups)})`;
}

function textArray(keys: readonly string[]): RawBuilder<unknown> {
  return sql`array[${sql.join(keys.map((k) => sql`${k}::text`))}]`;
}
