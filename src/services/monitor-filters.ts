/** Monitor and scorer filters: validated with the search parser, applied in SQL. */
import { parseFilter } from '../domain/filter/index.ts';
import type { Db } from '../storage/connect.ts';
import { traceIdsMatching } from '../storage/trace-search.ts';
import { underSearchTimeout } from './search-traces.ts';

/** The parser's message for a bad filter string, or null when it parses. */
export function filterError(text: string): string | null {
  try {
    parseFilter(text);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The ids among `traceIds` that match every filter string, under the search's statement timeout:
 * a filter no index serves cannot hold a connection and a core for minutes inside a run either.
 */
export async function tracesMatching(
  db: Db,
  traceIds: readonly string[],
  filters: readonly string[],
  timeoutMs?: number,
): Promise<Set<string>> {
  const parsed = filters.map((text) => parseFilter(text));
  return underSearchTimeout(db, timeoutMs, 'filter_string', (trx) => traceIdsMatching(trx, traceIds, parsed));
}
