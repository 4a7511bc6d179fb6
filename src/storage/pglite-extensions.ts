/**
 * The Postgres extensions the embedded database loads: pg_trgm, so span content `LIKE` can use a
 * trigram index there too. An extension whose module cannot be loaded is left out; migration 017
 * then skips its indexes and search scans instead (same results, slower).
 */
import type { Extensions } from '@electric-sql/pglite';

export async function pgliteExtensions(): Promise<Extensions> {
  try {
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    return { pg_trgm };
  } catch {
    return {};
  }
}
