/**
 * The trace search use case: check the experiments, parse the filter, run the search. Filter errors
 * come back prefixed with the field that carried the filter, so the message names it.
 */
import { AssayError, invalid } from '../domain/errors.ts';
import { parseExtractFields } from '../domain/extract-fields.ts';
import { parseFilter } from '../domain/filter/parse-filter.ts';
import type { Filter } from '../domain/filter/filter.ts';
import type { Db, Executor } from '../storage/connect.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { countTraces, searchTraces, withStatementTimeout, type SearchTracesResult } from '../storage/trace-search.ts';

export interface SearchTracesRequest {
  experiment_ids: readonly string[];
  filter_string?: string | undefined;
  order_by?: readonly string[] | undefined;
  max_results?: number | undefined;
  page_token?: string | undefined;
  /** Span values to return as columns: `<span name>.inputs[.<field>]`, `span.attributes.<name>`, … */
  extract_fields?: readonly string[] | undefined;
}

/** Searches; a search running longer than `timeoutMs` is stopped by Postgres and refused with a 400. */
export async function searchTracesRequest(
  db: Db,
  request: SearchTracesRequest,
  options: { timeoutMs?: number } = {},
): Promise<SearchTracesResult> {
  const filter = parseFilterField(request.filter_string ?? '', 'filter_string');
  const extractFields = parseExtractFields(request.extract_fields ?? []);
  const ids: number[] = [];
  for (const id of new Set(request.experiment_ids)) ids.push(Number((await getExperiment(db, id)).experiment_id));
  return underSearchTimeout(db, options.timeoutMs, 'filter_string', (trx) =>
    searchTraces(trx, {
      experiment_ids: ids,
      filter,
      order_by: request.order_by,
      max_results: request.max_results,
      page_token: request.page_token,
      extract_fields: extractFields,
    }),
  );
}

/**
 * Runs filter work in a transaction Postgres cancels after `timeoutMs` (ASSAY_SEARCH_TIMEOUT_MS);
 * a cancelled statement is refused as a 400 naming `field`, the field that carried the filter.
 */
export async function underSearchTimeout<T>(
  db: Db,
  timeoutMs: number | undefined,
  field: string,
  work: (trx: Executor) => Promise<T>,
): Promise<T> {
  const limit = timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
  try {
    return await withStatementTimeout(db, limit, work);
  } catch (error) {
    if ((error as { code?: unknown }).code === QUERY_CANCELED) {
      throw invalid(`${field}: the search was stopped after ${limit} ms (ASSAY_SEARCH_TIMEOUT_MS); narrow the filter, the experiments or the time range`);
    }
    throw error;
  }
}

/**
 * How many traces of the experiments match the filter, up to `limit` (`more` when others match
 * too): the total a trace list shows beside its first page. Same checks and timeout as a search.
 */
export async function countTracesRequest(
  db: Db,
  request: { experiment_ids: readonly string[]; filter_string?: string | undefined; limit: number },
  options: { timeoutMs?: number } = {},
): Promise<{ count: number; more: boolean }> {
  const filter = parseFilterField(request.filter_string ?? '', 'filter_string');
  const ids: number[] = [];
  for (const id of new Set(request.experiment_ids)) ids.push(Number((await getExperiment(db, id)).experiment_id));
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
  try {
    return await withStatementTimeout(db, timeoutMs, (trx) => countTraces(trx, { experiment_ids: ids, filter, limit: request.limit }));
  } catch (error) {
    if ((error as { code?: unknown }).code === QUERY_CANCELED) {
      throw invalid(`filter_string: the count was stopped after ${timeoutMs} ms (ASSAY_SEARCH_TIMEOUT_MS); narrow the filter or the time range`);
    }
    throw error;
  }
}

const DEFAULT_SEARCH_TIMEOUT_MS = 30_000;
/** Postgres' SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/** Parses a filter carried by a named field; errors read `<field>: Invalid …`. */
export function parseFilterField(text: string, field: string): Filter {
  try {
    return parseFilter(text);
  } catch (error) {
    if (error instanceof AssayError && error.code === 'INVALID_PARAMETER_VALUE') throw invalid(`${field}: ${error.message}`);
    throw error;
  }
}
