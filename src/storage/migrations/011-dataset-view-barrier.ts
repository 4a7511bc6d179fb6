import { sql, type Kysely } from 'kysely';

/** Dataset views created before they were security barriers become ones. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const views = await sql<{ schema_name: string; table_name: string }>`
    select d.schema_name, d.table_name from assay.dataset d
    join pg_catalog.pg_namespace n on n.nspname = d.schema_name
    join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = d.table_name and c.relkind = 'v'`.execute(db);
  for (const view of views.rows) {
    await sql`alter view ${sql.id(view.schema_name, view.table_name)} set (security_barrier = true)`.execute(db);
  }
}

export async function down(): Promise<void> {}
