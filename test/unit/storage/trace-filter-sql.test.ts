/**
 * The SQL a filter compiles to, read without a database (kysely's Postgres compiler over a driver
 * that runs nothing): which column each field reads, which operator each comparator becomes, that
 * every value and key is a bind parameter, and how bounds are rewritten. What the SQL then matches
 * on Postgres is checked by the search tests (test/integration, test/api).
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import { parseFilter, type Filter } from '../../../src/domain/filter/index.ts';
import type { Database } from '../../../src/storage/schema.ts';
import { integerBound, traceFilterCondition } from '../../../src/storage/trace-filter-sql.ts';

const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** The WHERE clause of a filter, with `assay.trace.` written T., `assay.span.` S. and `assay.assessment.` A. */
function compile(filter: string | Filter): { sql: string; parameters: readonly unknown[] } {
  const parsed = typeof filter === 'string' ? parseFilter(filter) : filter;
  const query = db.selectFrom('assay.trace').select('trace_id').where(traceFilterCondition(parsed)).compile();
  const prefix = 'select "trace_id" from "assay"."trace" where ';
  expect(query.sql.startsWith(prefix)).toBe(true);
  const text = query.sql
    .slice(prefix.length)
    .replace(/\s+/g, ' ')
    .replaceAll('"assay"."trace".', 'T.')
    .replaceAll('"assay"."span".', 'S.')
    .replaceAll('"assay"."assessment".', 'A.');
  return { sql: text, parameters: query.parameters };
}

const NUMBER = `'^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,4})?$'`;
const SPAN = 'exists (select 1 as "one" from "assay"."span" where S."trace_id" = T."trace_id" and S."retention_class" = T."retention_class" and S."trace_created_at" = T."created_at" and ';
const ASSESSMENT = 'select 1 from assay.assessment where A."trace_id" = T."trace_id" and A."retention_class" = T."retention_class" and A."trace_created_at" = T."created_at" and A."kind" = $1 and A."name" = $2 and A."valid"';
const ASSESSMENT_NUMBER =
  'exists (select 1 from assay.assessment where A."trace_id" = T."trace_id" and A."kind" = $1 and A."name" = $2 and A."valid" and A."retention_class" = T."retention_class" and A."trace_created_at" = T."created_at" and ' +
  `(case jsonb_typeof(A."value") when 'number' then (A."value")::numeric when 'boolean' then (case when (A."value")::boolean then 1 else 0 end)::numeric when 'string' then (case when (A."value" #>> '{}') ~ ${NUMBER} then ((A."value" #>> '{}'))::numeric end) end)`;
const ARRIVAL = '2027-01-14T08:00:00.000Z'; // 1.8e12 ms less a day: the earliest first arrival of such a trace

const cases: Array<[string, string, unknown[]]> = [
  // Tags and metadata: `=` is containment (the GIN index), the rest compare the key's text.
  ["tags.env = 'prod'", 'T."tags" @> $1::jsonb', ['{"env":"prod"}']],
  ["tags.env != 'prod'", 'T."tags" ->> $1::text <> $2', ['env', 'prod']],
  ["tags.env LIKE 'p%'", 'T."tags" ->> $1::text like $2', ['env', 'p%']],
  ["tags.env ILIKE 'P%'", 'T."tags" ->> $1::text ilike $2', ['env', 'P%']],
  ["tags.env RLIKE '^p'", 'T."tags" ->> $1::text ~ $2', ['env', '^p']],
  ['tags.env IS NULL', 'T."tags" ->> $1::text is null', ['env']],
  ['tags.env IS NOT NULL', 'T."tags" ->> $1::text is not null', ['env']],
  ["metadata.user = 'ann'", 'T."trace_metadata" @> $1::jsonb', ['{"user":"ann"}']],
  ["metadata.user != 'ann'", 'T."trace_metadata" ->> $1::text <> $2', ['user', 'ann']],
  // Against a number: only values that read as one take part.
  ['tags.q < 0.7', `(case when (T."tags" ->> $1::text) ~ ${NUMBER} then ((T."tags" ->> $2::text))::numeric end) < $3::numeric`, ['q', 'q', '0.7']],
  ['tags.q = 3', `(case when (T."tags" ->> $1::text) ~ ${NUMBER} then ((T."tags" ->> $2::text))::numeric end) = $3::numeric`, ['q', 'q', '3']],
  ['tags.q != 3', `(case when (T."tags" ->> $1::text) ~ ${NUMBER} then ((T."tags" ->> $2::text))::numeric end) <> $3::numeric`, ['q', 'q', '3']],
  ['metadata.n > 2', `(case when (T."trace_metadata" ->> $1::text) ~ ${NUMBER} then ((T."trace_metadata" ->> $2::text))::numeric end) > $3::numeric`, ['n', 'n', '2']],
  // Assessments: valid ones only, of the named kind, compared as the text users see.
  ["feedback.rel = 'yes'", `exists (${ASSESSMENT} and (A."value" #>> '{}') = $3)`, ['feedback', 'rel', 'yes']],
  ["expectation.answer != 'no'", `exists (${ASSESSMENT} and (A."value" #>> '{}') <> $3)`, ['expectation', 'answer', 'no']],
  ["feedback.rel LIKE 'y%'", `exists (${ASSESSMENT} and (A."value" #>> '{}') like $3)`, ['feedback', 'rel', 'y%']],
  ['feedback.rel IS NULL', `not exists (${ASSESSMENT})`, ['feedback', 'rel']],
  ['feedback.rel IS NOT NULL', `exists (${ASSESSMENT})`, ['feedback', 'rel']],
  ['feedback.score >= 0.5', `${ASSESSMENT_NUMBER} >= $3::numeric)`, ['feedback', 'score', '0.5']],
  ['expectation.n <= 2', `${ASSESSMENT_NUMBER} <= $3::numeric)`, ['expectation', 'n', '2']],
  ['feedback.score > 1e-7', `${ASSESSMENT_NUMBER} > $3::numeric)`, ['feedback', 'score', '1e-7']],
  // Trace attributes: each field reads its own column.
  ["attributes.status = 'OK'", 'T."state" = $1', ['OK']],
  ["attributes.status != 'OK'", 'T."state" <> $1', ['OK']],
  ["attributes.request_id IN ('a', 'b')", 'T."trace_id" in ($1, $2)', ['a', 'b']],
  ["attributes.client_request_id NOT IN ('a')", 'T."client_request_id" not in ($1)', ['a']],
  ["attributes.client_request_id LIKE 'c%'", 'T."client_request_id" like $1', ['c%']],
  ["attributes.client_request_id ILIKE 'c%'", 'T."client_request_id" ilike $1', ['c%']],
  ["attributes.request_id RLIKE '^tr-'", 'T."trace_id" ~ $1', ['^tr-']],
  // Times: a lower bound on request time also bounds the partition key (a day of clock skew).
  ['attributes.timestamp_ms >= 1800000000000', '(T."request_time" >= $1 and T."created_at" >= $2::timestamptz)', [1_800_000_000_000, ARRIVAL]],
  ['attributes.timestamp_ms > 1800000000000', '(T."request_time" > $1 and T."created_at" >= $2::timestamptz)', [1_800_000_000_000, ARRIVAL]],
  ['attributes.timestamp_ms = 1800000000000', '(T."request_time" = $1 and T."created_at" >= $2::timestamptz)', [1_800_000_000_000, ARRIVAL]],
  ['attributes.timestamp_ms < 1800000000000', 'T."request_time" < $1', [1_800_000_000_000]],
  ['attributes.timestamp_ms <= 1800000000000', 'T."request_time" <= $1', [1_800_000_000_000]],
  ['attributes.timestamp_ms != 1800000000000', 'T."request_time" <> $1', [1_800_000_000_000]],
  ['attributes.timestamp_ms >= 5', 'T."request_time" >= $1', [5]],
  ['attributes.timestamp_ms > 5.5', 'T."request_time" >= $1', [6]],
  ['attributes.execution_time_ms < 5.5', 'T."execution_duration_ms" <= $1', [5]],
  ['attributes.execution_time_ms != 7', 'T."execution_duration_ms" <> $1', [7]],
  ['attributes.execution_time_ms >= 1800000000000', 'T."execution_duration_ms" >= $1', [1_800_000_000_000]],
  ['attributes.end_time_ms = 5.5', 'false', []],
  ['attributes.end_time_ms != 5.5', '(T."request_time" + coalesce(T."execution_duration_ms", 0)) is not null', []],
  ['attributes.end_time_ms <= 9', '(T."request_time" + coalesce(T."execution_duration_ms", 0)) <= $1', [9]],
  ['attributes.end_time_ms >= 1800000000000', '(T."request_time" + coalesce(T."execution_duration_ms", 0)) >= $1', [1_800_000_000_000]],
  ['attributes.timestamp_ms < 1e300', 'T."request_time" is not null', []],
  ['attributes.timestamp_ms > 1e300', 'false', []],
  // Spans: every span condition must hold on one and the same span, in one EXISTS.
  ["span.name = 'x' AND span.type = 'LLM'", `${SPAN}S."name" = $1 and S."span_type" = $2)`, ['x', 'LLM']],
  ["span.status RLIKE 'E.*'", `${SPAN}S."status_code" ~ $1)`, ['E.*']],
  ["span.name IN ('a', 'b')", `${SPAN}S."name" in ($1, $2))`, ['a', 'b']],
  ["span.type NOT IN ('a')", `${SPAN}S."span_type" not in ($1))`, ['a']],
  ["span.content LIKE '%x%'", `${SPAN}(S."inputs"::text like $1 or S."outputs"::text like $2 or S."attributes"::text like $3))`, ['%x%', '%x%', '%x%']],
  ["span.content ILIKE '%x%'", `${SPAN}(S."inputs"::text ilike $1 or S."outputs"::text ilike $2 or S."attributes"::text ilike $3))`, ['%x%', '%x%', '%x%']],
  ["span.attributes.model = 'gpt'", `${SPAN}(S."attributes" ->> $1::text) = $2)`, ['model', 'gpt']],
  ["span.attributes.model LIKE 'g%'", `${SPAN}(S."attributes" ->> $1::text) like $2)`, ['model', 'g%']],
  // Conditions on the trace first, the one span EXISTS last, all joined by AND.
  [
    "tags.a = 'x' AND span.name = 'y' AND attributes.status = 'OK'",
    `(T."tags" @> $1::jsonb and T."state" = $2 and ${SPAN}S."name" = $3))`,
    ['{"a":"x"}', 'OK', 'y'],
  ],
];

describe('traceFilterCondition', () => {
  it.each(cases)('%s', (filter, sql, parameters) => {
    expect(compile(filter)).toEqual({ sql, parameters });
  });

  it('matches every trace for the empty filter', () => {
    expect(compile('')).toEqual({ sql: 'true', parameters: [] });
  });

  it('never writes a value or key into the SQL text: quotes and SQL in them stay parameters', () => {
    const { sql, parameters } = compile([
      { entity: 'tags', key: "a'b", comparator: '!=', value: "x' or 1=1 --" },
      { entity: 'span', key: 'attributes', attribute: "k'", comparator: '=', value: "v'" },
      { entity: 'feedback', key: "n'", comparator: '=', value: "'" },
    ]);
    expect(sql).not.toContain("'b");
    expect(sql).not.toContain('1=1');
    expect(parameters).toEqual(["a'b", "x' or 1=1 --", 'feedback', "n'", "'", "k'", "v'"]);
  });

  it('sends a lone surrogate in a containment value as U+FFFD, as the driver does for text', () => {
    const filter: Filter = [{ entity: 'tags', key: 'k\ud800', comparator: '=', value: 'v\udc00' }];
    expect(compile(filter).parameters).toEqual(['{"k\ufffd":"v\ufffd"}']);
  });

  it('refuses a list comparator without a list', () => {
    const filter: Filter = [{ entity: 'attributes', key: 'status', comparator: 'IN', value: 'OK' }];
    expect(() => compile(filter)).toThrow('list comparator without a list');
    const notIn: Filter = [{ entity: 'span', key: 'name', attribute: null, comparator: 'NOT IN', value: 'x' }];
    expect(() => compile(notIn)).toThrow('list comparator without a list');
  });

  it('reads a missing span attribute name or pattern value as empty text', () => {
    expect(compile([{ entity: 'span', key: 'attributes', attribute: null, comparator: '=', value: 'v' }]).parameters).toEqual(['', 'v']);
    expect(compile([{ entity: 'span', key: 'content', attribute: null, comparator: 'LIKE', value: ['x'] }]).parameters).toEqual(['', '', '']);
    expect(compile([{ entity: 'tags', key: 'k', comparator: '!=', value: null }]).parameters).toEqual(['k', '']);
    expect(compile([{ entity: 'tags', key: 'k', comparator: '=', value: null }]).parameters).toEqual(['{"k":""}']);
    expect(compile([{ entity: 'feedback', key: 'k', comparator: '=', value: null }]).parameters).toEqual(['feedback', 'k', '']);
  });
});

describe('integerBound', () => {
  it.each([
    ['>', 1.5, { op: '>=', value: 2 }],
    ['>=', 1.5, { op: '>=', value: 2 }],
    ['<', 1.5, { op: '<=', value: 1 }],
    ['<=', 1.5, { op: '<=', value: 1 }],
    ['>', -1.5, { op: '>=', value: -1 }],
    ['<', -1.5, { op: '<=', value: -2 }],
    ['=', 1.5, 'none'],
    ['!=', 1.5, 'all'],
    ['>=', 7, { op: '>=', value: 7 }],
    ['=', 7, { op: '=', value: 7 }],
    ['=', Number.MAX_SAFE_INTEGER, { op: '=', value: Number.MAX_SAFE_INTEGER }],
    ['=', -Number.MAX_SAFE_INTEGER, { op: '=', value: -Number.MAX_SAFE_INTEGER }],
    ['=', 2 ** 53, 'none'],
    ['!=', 2 ** 53, 'all'],
    ['<', 1e300, 'all'],
    ['<=', 1e300, 'all'],
    ['>', 1e300, 'none'],
    ['>=', 1e300, 'none'],
    ['<', -1e300, 'none'],
    ['<=', -1e300, 'none'],
    ['>', -1e300, 'all'],
    ['>=', -1e300, 'all'],
    ['=', -1e300, 'none'],
    ['!=', -1e300, 'all'],
  ] as const)('%s %d', (op, value, expected) => {
    expect(integerBound(op, value)).toEqual(expected);
  });
});
