/** Monitor and scorer filters: validated with the search parser, applied in SQL. */
import { parseFilter } from '../domain/filter/index.ts';
import type { Db } from '../storage/connect.ts';
import { traceIdsMatching } from '../storage/trace-search.ts';

/** The parser's message for a bad filter string, or null when it parses. */
export function filterError(text: string): string | null {
  try {
    parseFilter(text);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The ids among `traceIds` that match every filter string. */
export async function tracesMatching(db: Db, traceIds: readonly string[], filters: readonly string[]): Promise<Set<string>> {
  return traceIdsMatching(db, traceIds, filters.map((text) => parseFilter(text)));
}
