/** jsonb values travel to pg as JSON text (pg would otherwise send JS arrays as Postgres arrays). */
export function toJsonb(value: unknown): string;
export function toJsonb(value: unknown | null | undefined): string | null;
export function toJsonb(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Splits rows into batches that stay under Postgres' 65,535 bind parameters. */
export function batches<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(60_000 / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
