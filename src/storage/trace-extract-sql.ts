/**
 * `extract_fields` as SQL: one scalar subquery per span read, selected beside the trace. Postgres evaluates such subqueries after the sort and the limit, so a page pays for its own
 * rows only (one primary-key probe of `assay.span` per span read and trace).
 */
import { sql, type RawBuilder } from 'kysely';
import type { ExtractField } from '../domain/extract-fields.ts';
import type { JsonValue } from '../domain/trace.ts';

const span = (column: string) => sql.ref(`s.${column}`);

/** The fields that read one span, and the index of each in the caller's list. */
export interface ExtractGroup {
  alias: string;
  indexes: number[];
}

/**
 * One scalar subquery per span read (the root span, or a span name), returning the values of all
 * its fields as a JSON array, so four fields of the root span cost one probe, not four.
 */
export function extractSelections(fields: readonly ExtractField[]) {
  const groups = new Map<string, { fields: ExtractField[]; group: ExtractGroup }>();
  fields.forEach((field, i) => {
    const key = field.span.root ? '' : `=${field.span.name}`;
    let entry = groups.get(key);
    if (!entry) {
      entry = { fields: [], group: { alias: `extract_${groups.size}`, indexes: [] } };
      groups.set(key, entry);
    }
    entry.fields.push(field);
    entry.group.indexes.push(i);
  });
  return [...groups.values()].map(({ fields: spanFields, group }) => {
    const first = spanFields[0]!;
    const which = first.span.root ? sql`${span('parent_span_id')} is null` : sql`${span('name')} = ${first.span.name}`;
    const values = sql.join(spanFields.map(valueSql));
    return {
      group,
      selection: sql<JsonValue[] | null>`(select jsonb_build_array(${values}) from assay.span s
        where ${span('trace_id')} = assay.trace.trace_id and ${which}
        order by ${span('start_time_ns')}, ${span('span_id')} limit 1)`.as(group.alias),
    };
  });
}

/** Each field's value from a row that selected `extractSelections(fields)`, keyed by the field. */
export function extractedValues(
  fields: readonly ExtractField[],
  groups: readonly ExtractGroup[],
  row: Record<string, unknown>,
): Record<string, JsonValue | null> {
  const values: Record<string, JsonValue | null> = {};
  for (const group of groups) {
    const array = (row[group.alias] ?? null) as JsonValue[] | null;
    group.indexes.forEach((fieldIndex, j) => {
      values[fields[fieldIndex]!.field] = array?.[j] ?? null;
    });
  }
  return values;
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
