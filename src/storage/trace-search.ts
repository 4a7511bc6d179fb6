/**
 * Trace search: a parsed filter, an order and a page over one or more experiments, in one query
 * that also brings each trace's valid assessments.
 */
import { sql } from 'kysely';
import type { Assessment } from '../domain/assessment.ts';
import type { ExtractField } from '../domain/extract-fields.ts';
import { invalid } from '../domain/errors.ts';
import type { Filter } from '../domain/filter/filter.ts';
import { regexPatterns } from '../domain/filter/filter.ts';
import { parseOrderBy } from '../domain/filter/order-by.ts';
import type { JsonValue, StoredTrace } from '../domain/trace.ts';
import { rowToAssessment } from './assessment-repository.ts';
import type { AssessmentTable } from './schema.ts';
import { extractedValues, extractSelections } from './trace-extract-sql.ts';
import { checkFilterRegexes, isRegexError } from './filter-regex-check.ts';
import { traceFilterCondition } from './trace-filter-sql.ts';
import { afterCondition, decodeCursor, encodeCursor, orderModifier, sortColumns, type SortColumn } from './trace-search-order.ts';
import type { Db, Executor } from './connect.ts';
import { INFO_COLUMNS, rowToInfo } from './trace-repository.ts';
import type { CompiledQuery, Selectable } from 'kysely';

export { traceFilterCondition, type TraceCondition } from './trace-filter-sql.ts';

/**
 * Largest page, and the page size when none is asked for. A page is built whole in the API's memory
 * with every trace's assessments, so more traces come by page_token, not by one huge page.
 */
export const MAX_RESULTS_LIMIT = 5_000;
export const DEFAULT_MAX_RESULTS = 100;

export interface SearchTracesInput {
  /** Numeric ids of experiments known to exist. */
  experiment_ids: readonly number[];
  filter: Filter;
  /** `key [ASC|DESC]` items, as the spec's `order_by`. */
  order_by?: readonly string[] | undefined;
  /** 1 to 50,000; default 100. */
  max_results?: number | undefined;
  page_token?: string | undefined;
  /** Span values to return beside each trace (`extract_fields`), already parsed. */
  extract_fields?: readonly ExtractField[] | undefined;
}

/**
 * A trace header with its valid assessments (oldest first), and, when fields were asked for, their
 * values keyed by the field as written (null where the span or the value is missing).
 */
export type SearchedTrace = StoredTrace['info'] & { assessments: Assessment[]; extracted?: Record<string, JsonValue | null> };

export interface SearchTracesResult {
  traces: SearchedTrace[];
  /** Present when more traces follow. */
  next_page_token: string | undefined;
}

/** One page of matching traces; see the spec for order, ties and missing values. */
export async function searchTraces(db: Executor, input: SearchTracesInput): Promise<SearchTracesResult> {
  const maxResults = input.max_results ?? DEFAULT_MAX_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS_LIMIT) {
    throw invalid(`max_results: must be an integer from 1 to ${MAX_RESULTS_LIMIT}, got ${maxResults}`);
  }
  const keys = parseOrderBy(input.order_by ?? []);
  const columns = sortColumns(keys);
  const after = input.page_token ? decodeCursor(input.page_token, keys, columns) : undefined;
  if (input.experiment_ids.length === 0) return { traces: [], next_page_token: undefined };
  if (regexPatterns(input.filter).length > 0) await checkFilterRegexes(db, input.filter);

  const extract = input.extract_fields ?? [];
  const { query, groups } = pageQuery(db, input, columns, after, maxResults);

  let rows;
  try {
    rows = await query.execute();
  } catch (error) {
    // A pattern that compiles may still fail while matching (too complex for this input).
    if (isRegexError(error)) throw invalid(`filter_string: RLIKE failed: ${(error as Error).message}`);
    throw error;
  }
  const page: SearchedTrace[] = rows.slice(0, maxResults).map(({ assessments, ...row }) => {
    const values = row as Record<string, unknown>;
    const extracted = extract.length > 0 ? extractedValues(extract, groups, values) : undefined;
    for (const group of groups) delete values[group.alias];
    return { ...rowToInfo(row), assessments: assessments.map(jsonToAssessment), ...(extracted ? { extracted } : {}) };
  });
  const last = page.at(-1);
  const more = rows.length > maxResults && last !== undefined;
  return {
    traces: page,
    next_page_token: more ? encodeCursor(keys, columns.map((c) => c.valueOf(last))) : undefined,
  };
}

/**
 * The page's SQL as `searchTraces` runs it, without running it: for `EXPLAIN` (the benchmark prints
 * each filter's plan shape). RLIKE patterns are not checked here.
 */
export function compileSearchTraces(db: Executor, input: SearchTracesInput): CompiledQuery {
  const keys = parseOrderBy(input.order_by ?? []);
  const columns = sortColumns(keys);
  const after = input.page_token ? decodeCursor(input.page_token, keys, columns) : undefined;
  return pageQuery(db, input, columns, after, input.max_results ?? DEFAULT_MAX_RESULTS).query.compile();
}

function pageQuery(
  db: Executor,
  input: SearchTracesInput,
  columns: readonly SortColumn[],
  after: ReturnType<typeof decodeCursor> | undefined,
  maxResults: number,
) {
  let query = db
    .selectFrom('assay.trace')
    .select(INFO_COLUMNS.map((c) => `assay.trace.${c}` as const))
    .select(
      sql<AssessmentJson[]>`coalesce((select json_agg(a order by a.create_time, a.assessment_id)
        from assay.assessment a where a.trace_id = assay.trace.trace_id
          and a.retention_class = assay.trace.retention_class and a.trace_created_at = assay.trace.created_at and a.valid), '[]'::json)`.as('assessments'),
    )
    .where('assay.trace.experiment_id', 'in', [...input.experiment_ids])
    .where(traceFilterCondition(input.filter));
  const extractions = extractSelections(input.extract_fields ?? []);
  if (extractions.length > 0) query = query.select(extractions.map((e) => e.selection));
  const groups = extractions.map((e) => e.group);
  if (after) query = query.where(() => afterCondition(columns, after));
  for (const column of columns) query = query.orderBy(sql`${column.sql} ${sql.raw(orderModifier(column))}`);
  return { query: query.limit(maxResults + 1), groups };
}

/** An assessment row as `json_agg` renders it: times as text. */
type AssessmentJson = Omit<Selectable<AssessmentTable>, 'create_time' | 'last_update_time'> & {
  create_time: string;
  last_update_time: string;
};

function jsonToAssessment(row: AssessmentJson): Assessment {
  return rowToAssessment({ ...row, create_time: new Date(row.create_time), last_update_time: new Date(row.last_update_time) });
}

/**
 * How many traces match, counted up to `limit`: `{ count: limit, more: true }` when more match. The
 * cap keeps a count over millions of traces as quick as a page (it stops after `limit + 1` rows).
 */
export async function countTraces(
  db: Executor,
  input: { experiment_ids: readonly number[]; filter: Filter; limit: number },
): Promise<{ count: number; more: boolean }> {
  if (input.experiment_ids.length === 0) return { count: 0, more: false };
  if (regexPatterns(input.filter).length > 0) await checkFilterRegexes(db, input.filter);
  const matching = db
    .selectFrom('assay.trace')
    .select(sql<number>`1`.as('one'))
    .where('assay.trace.experiment_id', 'in', [...input.experiment_ids])
    .where(traceFilterCondition(input.filter))
    .limit(input.limit + 1)
    .as('matching');
  const row = await db.selectFrom(matching).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > input.limit ? { count: input.limit, more: true } : { count: n, more: false };
}

/** The ids among `traceIds` that match every filter. */
export async function traceIdsMatching(db: Executor, traceIds: readonly string[], filters: readonly Filter[]): Promise<Set<string>> {
  if (traceIds.length === 0) return new Set();
  let query = db.selectFrom('assay.trace').select('assay.trace.trace_id').where('assay.trace.trace_id', 'in', [...traceIds]);
  for (const filter of filters) query = query.where(traceFilterCondition(filter));
  const rows = await query.execute();
  return new Set(rows.map((r) => r.trace_id));
}

/**
 * Runs `work` in a transaction whose statements Postgres cancels after `timeoutMs` (error code
 * 57014), so a hostile or careless RLIKE/LIKE cannot hold a connection and a core for minutes.
 *
 * Without parallel workers, too: a page walks an index and stops after its rows, and starting
 * workers for a Gather Merge cost more than the walk (at 1,000,000 traces on a busy two-core host,
 * 110–190 ms of a 180 ms feedback filter whose serial plan takes 16 ms). A filter no index serves
 * then scans on one core, within the timeout, and leaves the other to the rest of the service.
 *
 * And without JIT compilation: a page's estimated cost grows with the table (the walk is costed as
 * if it might read every trace) while the rows it reads do not, and past `jit_above_cost` Postgres
 * compiles the plan's expressions before running it. At 10,000,000 traces that took 550 ms of a
 * 680 ms `span.content LIKE` page whose walk takes 90 ms. A page that walks an index never repays
 * it; a filter no index serves might gain a little on its scan, which the timeout bounds anyway.
 */
export async function withStatementTimeout<T>(db: Db, timeoutMs: number, work: (trx: Executor) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true),
      set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)`.execute(trx);
    return work(trx);
  });
}
