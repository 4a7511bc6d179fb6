/**
 * Compiles a parsed trace filter to a kysely condition on `assay.trace`. Every value is a bind
 * parameter and so is every tag, metadata, attribute and assessment key; the only SQL text comes
 * from this file (operators from a fixed table, column references by name). It needs no database:
 * test/unit/storage/trace-filter-sql.test.ts compiles filters and reads the SQL. RLIKE patterns are
 * checked against the database by filter-regex-check.ts.
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type {
  Comparison,
  Filter,
  KeyedComparison,
  KeyedNumberComparison,
  NumericAttributeComparison,
  SpanComparison,
  StringAttributeComparison,
} from '../domain/filter/filter.ts';
import { arrivalLowerBound } from './partitions.ts';
import type { Database } from './schema.ts';

/** A condition over rows of `assay.trace` (unaliased), for `.where(condition)`. */
export type TraceCondition = (eb: ExpressionBuilder<Database, 'assay.trace'>) => Expression<SqlBool>;

const TEXT_OPERATORS = { '=': '=', '!=': '<>', LIKE: 'like', ILIKE: 'ilike', RLIKE: '~' } as const;
const NUMERIC_OPERATORS = { '=': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const;

const trace = (column: string) => sql.ref(`assay.trace.${column}`);
const span = (column: string) => sql.ref(`assay.span.${column}`);
const assessment = (column: string) => sql.ref(`assay.assessment.${column}`);

/**
 * The SQL condition of a filter: use as `db.selectFrom('assay.trace').where(traceFilterCondition(f))`.
 * The table must not be aliased (columns are referenced as `assay.trace.*`). Filters with RLIKE
 * should pass `checkFilterRegexes` once first, so a bad pattern is a 400 rather than a query error.
 */
export function traceFilterCondition(filter: Filter): TraceCondition {
  const spanConditions = filter.filter((c): c is SpanComparison => c.entity === 'span');
  const traceConditions = filter.filter((c): c is TraceComparison => c.entity !== 'span');
  return (eb) => {
    const parts: Expression<SqlBool>[] = traceConditions.map((c) => comparisonSql(c));
    // All span conditions must hold on one and the same span: a single EXISTS carries them all.
    if (spanConditions.length > 0) {
      parts.push(
        eb.exists(
          eb
            .selectFrom('assay.span')
            .select(sql.lit(1).as('one'))
            .whereRef('assay.span.trace_id', '=', 'assay.trace.trace_id')
            // The trace's partition key: Postgres probes only the span partition of that trace.
            .whereRef('assay.span.retention_class', '=', 'assay.trace.retention_class')
            .whereRef('assay.span.trace_created_at', '=', 'assay.trace.created_at')
            .where(() => sql<SqlBool>`${sql.join(spanConditions.map(spanSql), sql` and `)}`),
        ),
      );
    }
    return parts.length === 0 ? sql<SqlBool>`true` : eb.and(parts);
  };
}

type TraceComparison = Exclude<Comparison, SpanComparison>;

function comparisonSql(c: TraceComparison): RawBuilder<SqlBool> {
  if (c.entity !== 'attributes') {
    if (typeof c.value === 'number') return keyedNumberSql(c as KeyedNumberComparison);
    const keyed = c as KeyedComparison;
    if (keyed.entity === 'tags') return keyedSql(keyed, 'tags');
    if (keyed.entity === 'metadata') return keyedSql(keyed, 'trace_metadata');
    return assessmentSql(keyed);
  }
  if (typeof c.value === 'number') return numericSql(c as NumericAttributeComparison);
  const text = c as StringAttributeComparison;
  const column = { request_id: 'trace_id', status: 'state', client_request_id: 'client_request_id' }[text.key];
  return textSql(trace(column), text.comparator, text.value);
}

function textSql(
  subject: RawBuilder<unknown>,
  comparator: SpanComparison['comparator'],
  value: string | readonly string[],
): RawBuilder<SqlBool> {
  if (typeof value !== 'string') {
    const list = sql.join(value.map((v) => sql`${v}`));
    return comparator === 'NOT IN' ? sql`${subject} not in (${list})` : sql`${subject} in (${list})`;
  }
  if (comparator === 'IN' || comparator === 'NOT IN') throw new Error('list comparator without a list');
  return sql`${subject} ${sql.raw(TEXT_OPERATORS[comparator])} ${value}`;
}

/** Tags and metadata: `=` as containment (GIN-indexed); `!=` and patterns only where the key exists. */
function keyedSql(c: KeyedComparison, column: 'tags' | 'trace_metadata'): RawBuilder<SqlBool> {
  const value = sql`${trace(column)} ->> ${c.key}::text`;
  switch (c.comparator) {
    case 'IS NULL':
      return sql`${value} is null`;
    case 'IS NOT NULL':
      return sql`${value} is not null`;
    case '=':
      return sql`${trace(column)} @> ${JSON.stringify({ [wellFormed(c.key)]: wellFormed(c.value ?? '') })}::jsonb`;
    default:
      // `->>` of an absent key is null, and null never satisfies `<>` or a pattern.
      return sql`${value} ${sql.raw(TEXT_OPERATORS[c.comparator])} ${c.value ?? ''}`;
  }
}

/**
 * A lone UTF-16 surrogate as U+FFFD, which is what the driver sends for it in a text parameter;
 * JSON.stringify would write it as a `\ud800` escape, which jsonb refuses.
 */
function wellFormed(text: string): string {
  // Buffer reads and writes UTF-8.
  return Buffer.from(text).toString();
}

/**
 * Valid assessments only. Values compare as text (`value #>> '{}'`): a JSON string unquoted, true
 * as 'true', 5 as '5', so the filter's quoted values match what users see.
 */
function assessmentSql(c: KeyedComparison): RawBuilder<SqlBool> {
  const base = sql`${assessment('trace_id')} = ${trace('trace_id')} and ${samePartition(assessment)} and ${assessment('kind')} = ${c.entity}
    and ${assessment('name')} = ${c.key} and ${assessment('valid')}`;
  if (c.comparator === 'IS NULL') return sql`not exists (select 1 from assay.assessment where ${base})`;
  if (c.comparator === 'IS NOT NULL') return sql`exists (select 1 from assay.assessment where ${base})`;
  const text = sql`(${assessment('value')} #>> '{}')`;
  const op = sql.raw(TEXT_OPERATORS[c.comparator]);
  return sql`exists (select 1 from assay.assessment where ${base} and ${text} ${op} ${c.value ?? ''})`;
}

/**
 * What reads as a number: the same shape as a number in a filter (sign, digits, a decimal point,
 * an exponent of at most 4 digits, so the cast to numeric cannot overflow), nothing around it.
 * `NaN`, `Infinity`, hex and padded values are text.
 */
const NUMBER_PATTERN = '^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,4})?$';

/** A text as numeric when it reads as a number, else null; CASE keeps the cast from ever seeing other text. */
function textAsNumber(text: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(case when ${text} ~ ${sql.lit(NUMBER_PATTERN)} then (${text})::numeric end)`;
}

/**
 * Tags and metadata against a number, assessments against a number: values that do not read as a
 * number are null, and null satisfies no comparison, so they never match. The bound is numeric
 * (exact), written as JavaScript prints the number.
 */
function keyedNumberSql(c: KeyedNumberComparison): RawBuilder<SqlBool> {
  const op = sql.raw(NUMERIC_OPERATORS[c.comparator]);
  const bound = sql`${String(c.value)}::numeric`;
  if (c.entity === 'tags' || c.entity === 'metadata') {
    const column = c.entity === 'tags' ? 'tags' : 'trace_metadata';
    return sql`${textAsNumber(sql`(${trace(column)} ->> ${c.key}::text)`)} ${op} ${bound}`;
  }
  const value = assessment('value');
  // Booleans count as 1 and 0; a JSON string counts when it reads as a number ('0.9').
  const number = sql`(case jsonb_typeof(${value})
    when 'number' then (${value})::numeric
    when 'boolean' then (case when (${value})::boolean then 1 else 0 end)::numeric
    when 'string' then ${textAsNumber(sql`(${value} #>> '{}')`)}
    end)`;
  return sql`exists (select 1 from assay.assessment where ${assessment('trace_id')} = ${trace('trace_id')}
    and ${assessment('kind')} = ${c.entity} and ${assessment('name')} = ${c.key} and ${assessment('valid')}
    and ${samePartition(assessment)} and ${number} ${op} ${bound})`;
}

/**
 * The row's partition key equals the outer trace's: a correlated lookup then reads the one span
 * or assessment partition of that trace (run-time pruning) instead of probing every partition.
 */
export function samePartition(ref: (column: string) => RawBuilder<unknown>): RawBuilder<SqlBool> {
  return sql`${ref('retention_class')} = ${trace('retention_class')} and ${ref('trace_created_at')} = ${trace('created_at')}`;
}

/**
 * `timestamp_ms >= X` (or `>`, `=`) also bounds the partition key: a trace first arrives no more
 * than ARRIVAL_SKEW_MS before its request_time says (a client clock that far ahead is out of
 * bounds), so `created_at >= X - skew` holds for every match and Postgres skips older partitions.
 */
function arrivalBound(c: NumericAttributeComparison, bound: { op: string; value: number }): RawBuilder<SqlBool> | undefined {
  if (c.key !== 'timestamp_ms' || !['>', '>=', '='].includes(bound.op)) return undefined;
  const from = arrivalLowerBound(bound.value);
  return from && sql`${trace('created_at')} >= ${from.toISOString()}::timestamptz`;
}

function numericSql(c: NumericAttributeComparison): RawBuilder<SqlBool> {
  const subject =
    c.key === 'timestamp_ms'
      ? trace('request_time')
      : c.key === 'execution_time_ms'
        ? trace('execution_duration_ms')
        : sql`(${trace('request_time')} + coalesce(${trace('execution_duration_ms')}, 0))`;
  const bound = integerBound(c.comparator, c.value);
  if (bound === 'none') return sql<SqlBool>`false`;
  if (bound === 'all') return sql`${subject} is not null`;
  const condition = sql<SqlBool>`${subject} ${sql.raw(NUMERIC_OPERATORS[bound.op])} ${bound.value}`;
  const arrival = arrivalBound(c, bound);
  return arrival ? sql`(${condition} and ${arrival})` : condition;
}

type Bound = 'all' | 'none' | { op: NumericAttributeComparison['comparator']; value: number };

/**
 * The columns are bigint: a fractional or out-of-range bound is rewritten to an equivalent integer
 * one, so the parameter binds as bigint and the index stays usable (a numeric cast would not).
 */
export function integerBound(op: NumericAttributeComparison['comparator'], value: number): Bound {
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    const above = value > 0;
    if (op === '=') return 'none';
    if (op === '!=') return 'all';
    const wantsGreater = op === '>' || op === '>=';
    return wantsGreater === above ? 'none' : 'all';
  }
  if (Number.isInteger(value)) return { op, value };
  switch (op) {
    case '=':
      return 'none';
    case '!=':
      return 'all';
    case '>':
    case '>=':
      return { op: '>=', value: Math.ceil(value) };
    default:
      return { op: '<=', value: Math.floor(value) };
  }
}

function spanSql(c: SpanComparison): RawBuilder<SqlBool> {
  switch (c.key) {
    case 'name':
      return textSql(span('name'), c.comparator, c.value);
    case 'type':
      return textSql(span('span_type'), c.comparator, c.value);
    case 'status':
      return textSql(span('status_code'), c.comparator, c.value);
    case 'content':
      return contentSql(c);
    default:
      return textSql(sql`(${span('attributes')} ->> ${c.attribute ?? ''}::text)`, c.comparator, c.value);
  }
}

/**
 * A span's content is its inputs, outputs and attributes as JSON text; the pattern is tried on each.
 * Three plain LIKEs (rather than one over their concatenation) let the planner see a realistic
 * selectivity, so a first page walks the newest traces and probes their spans instead of scanning
 * every span; a pattern can therefore not straddle two of the three fields. The three expressions
 * are exactly those of migration 017's trigram indexes: change one and the index no longer serves it.
 */
function contentSql(c: SpanComparison): RawBuilder<SqlBool> {
  const op = sql.raw(TEXT_OPERATORS[c.comparator === 'ILIKE' ? 'ILIKE' : 'LIKE']);
  const value = typeof c.value === 'string' ? c.value : '';
  const fields = ['inputs', 'outputs', 'attributes'].map((f) => sql`${span(f)}::text ${op} ${value}`);
  return sql`(${sql.join(fields, sql` or `)})`;
}
