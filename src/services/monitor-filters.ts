/** Monitor and scorer filters: validated with the search parser, applied in SQL. */
import { parseFilter } from '../domain/filter/index.ts';
import type { Db } from '../storage/connect.ts';
import { traceFilterCondition } from '../storage/trace-search.ts';

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
  if (traceIds.length === 0) return new Set();
  let query = db.selectFrom('assay.trace').select('assay.trace.trace_id').where('assay.trace.trace_id', 'in', [...traceIds]);
  for (const text of filters) query = query.where(traceFilterCondition(parseFilter(text)));
  const rows = await query.execute();
  return new Set(rows.map((r) => r.trace_id));
}
