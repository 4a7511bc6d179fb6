/** Dataset names: `<schema>.<table>`, both valid unquoted Postgres identifiers. */
import { invalid } from './errors.ts';
import { reservedSchemaReason, reservedTableReason } from './reserved-names.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface DatasetName {
  /** `schema.table`, lower-cased: the name Postgres resolves unquoted. */
  full: string;
  schema: string;
  table: string;
}

/**
 * Parses `schema.table` (case-insensitive; stored lower-cased so that an unquoted SQL reference
 * finds it). Anything else is a 400 naming `field`.
 */
export function parseDatasetName(name: unknown, field = 'name'): DatasetName {
  if (typeof name !== 'string') throw invalid(`${field}: must be a string '<schema>.<table>'`);
  const lower = name.trim().toLowerCase();
  const parts = lower.split('.');
  const [schema, table] = parts;
  if (parts.length !== 2 || !schema || !table || !IDENTIFIER.test(schema) || !IDENTIFIER.test(table)) {
    throw invalid(
      `${field}: '${name}' is not '<schema>.<table>' (each a letter or underscore, then letters, digits or underscores, at most 63)`,
    );
  }
  const reserved = reservedSchemaReason(schema) ?? reservedTableReason(table);
  if (reserved) throw invalid(`${field}: ${reserved} (reserved)`);
  return { full: `${schema}.${table}`, schema, table };
}
