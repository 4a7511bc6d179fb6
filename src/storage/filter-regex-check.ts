/** RLIKE patterns of a filter, checked by the database that will run them. */
import { sql } from 'kysely';
import { invalid } from '../domain/errors.ts';
import { regexPatterns, type Filter } from '../domain/filter/filter.ts';
import type { Executor } from './connect.ts';

/**
 * Compiles every RLIKE pattern of the filter in the database (Postgres' regex dialect is its own),
 * turning a pattern Postgres rejects into a 400 that quotes it; `field` prefixes the message.
 * Call it outside a transaction: a failed probe would abort the surrounding one.
 */
export async function checkFilterRegexes(db: Executor, filter: Filter, field = 'filter_string'): Promise<void> {
  for (const pattern of regexPatterns(filter)) {
    try {
      await sql`select '' ~ ${pattern} as ok`.execute(db);
    } catch (error) {
      if (!isRegexError(error)) throw error;
      throw invalid(`${field}: Invalid regular expression '${pattern.slice(0, 200)}' for RLIKE: ${(error as Error).message}`);
    }
  }
}

/** Postgres' SQLSTATE for a regular expression it cannot compile or run. */
export function isRegexError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '2201B';
}
