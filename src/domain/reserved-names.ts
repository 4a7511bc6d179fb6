/**
 * Names users may not take, one list for datasets and monitors' results schemas: Postgres' own
 * schemas, Assay's internal one, and the table names monitors create in results schemas.
 */

/** Why a schema may not hold user tables (datasets, results), or undefined when it may. */
export function reservedSchemaReason(schema: string): string | undefined {
  if (schema === 'assay') return "schema 'assay' is Assay's own";
  if (schema === 'information_schema' || schema.startsWith('pg_')) return `schema '${schema}' belongs to Postgres`;
  return undefined;
}

/** Table names a monitor creates in its results schema: `trace_logs_<id>`, `assessment_logs_<id>`. */
export function reservedTableReason(table: string): string | undefined {
  return /^(trace_logs|assessment_logs)_\d+$/.test(table)
    ? `table '${table}' is the name a monitor gives its results; choose another`
    : undefined;
}
