/**
 * Ordering and keyset paging for trace search. A page token holds the last row's sort values, so
 * the next page starts strictly after that row whatever was inserted meanwhile: rows of a fixed
 * result are never skipped or repeated, which an offset cannot promise.
 */
import { createHash } from 'node:crypto';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { invalid } from '../domain/errors.ts';
import type { OrderKey } from '../domain/filter/order-by.ts';
import type { StoredTrace } from '../domain/trace.ts';

type SortValue = string | number | null;

/** One ORDER BY term: its SQL, its type and how to read its value off a result row. */
export interface SortColumn {
  sql: RawBuilder<unknown>;
  kind: 'number' | 'string';
  nullable: boolean;
  direction: 'ASC' | 'DESC';
  valueOf(info: StoredTrace['info']): SortValue;
}

const trace = (column: string) => sql.ref(`assay.trace.${column}`);

export function sortColumns(keys: readonly OrderKey[]): SortColumn[] {
  return keys.map((key) => {
    const { direction } = key;
    switch (key.field) {
      case 'timestamp_ms':
        return { sql: trace('request_time'), kind: 'number', nullable: false, direction, valueOf: (i) => i.request_time };
      case 'execution_time_ms':
        return {
          sql: trace('execution_duration_ms'),
          kind: 'number',
          nullable: true,
          direction,
          valueOf: (i) => i.execution_duration_ms,
        };
      case 'status':
        return { sql: trace('state'), kind: 'string', nullable: false, direction, valueOf: (i) => i.state };
      case 'request_id':
        return { sql: trace('trace_id'), kind: 'string', nullable: false, direction, valueOf: (i) => i.trace_id };
      case 'experiment_id':
        return {
          sql: trace('experiment_id'),
          kind: 'number',
          nullable: false,
          direction,
          valueOf: (i) => Number(i.experiment_id),
        };
      case 'name':
        return keyed('tags', 'mlflow.traceName', direction);
      case 'run_id':
        return keyed('trace_metadata', 'mlflow.sourceRun', direction);
      case 'tag':
        return keyed('tags', key.name ?? '', direction);
      case 'metadata':
        return keyed('trace_metadata', key.name ?? '', direction);
    }
  });
}

function keyed(column: 'tags' | 'trace_metadata', name: string, direction: 'ASC' | 'DESC'): SortColumn {
  return {
    sql: sql`(${trace(column)} ->> ${name}::text)`,
    kind: 'string',
    nullable: true,
    direction,
    valueOf: (i) => (column === 'tags' ? i.tags : i.trace_metadata)[name] ?? null,
  };
}

/**
 * ORDER BY modifiers: missing values last. Non-null columns keep Postgres' default null placement
 * so the planner can still walk an index such as (experiment_id, request_time desc, trace_id).
 */
export function orderModifier(column: SortColumn): 'asc' | 'desc' | 'desc nulls last' {
  if (column.direction === 'ASC') return 'asc';
  return column.nullable ? 'desc nulls last' : 'desc';
}

/** Rows strictly after `values` in the order of `columns` (nulls last in both directions). */
export function afterCondition(columns: readonly SortColumn[], values: readonly SortValue[]): RawBuilder<SqlBool> {
  const branches: RawBuilder<SqlBool>[] = [];
  for (let i = 0; i < columns.length; i += 1) {
    const column = columns[i]!;
    const value = values[i] ?? null;
    // Past a null nothing follows within this column but further nulls, which the next branch covers.
    if (value !== null) {
      const op = sql.raw(column.direction === 'ASC' ? '>' : '<');
      const beyond = column.nullable ? sql`(${column.sql} ${op} ${value} or ${column.sql} is null)` : sql`${column.sql} ${op} ${value}`;
      const equalBefore = columns.slice(0, i).map((c, j) => equals(c, values[j] ?? null));
      branches.push(sql`(${sql.join([...equalBefore, beyond], sql` and `)})`);
    }
  }
  if (branches.length === 0) return sql<SqlBool>`false`;
  const first = columns[0];
  const firstValue = values[0] ?? null;
  // A redundant bound on the leading column gives the planner an index range to start from.
  const lead =
    first && !first.nullable && firstValue !== null
      ? sql`${first.sql} ${sql.raw(first.direction === 'ASC' ? '>=' : '<=')} ${firstValue} and `
      : sql``;
  return sql<SqlBool>`(${lead}(${sql.join(branches, sql` or `)}))`;
}

function equals(column: SortColumn, value: SortValue): RawBuilder<SqlBool> {
  return value === null ? sql`${column.sql} is null` : sql`${column.sql} = ${value}`;
}

/** A fingerprint of the order, so a token is refused when replayed with another order_by. */
function orderSignature(keys: readonly OrderKey[]): string {
  return createHash('sha256').update(JSON.stringify(keys)).digest('base64url').slice(0, 12);
}

export function encodeCursor(keys: readonly OrderKey[], values: readonly SortValue[]): string {
  return Buffer.from(JSON.stringify({ o: orderSignature(keys), v: values })).toString('base64url');
}

/** The sort values a token carries, checked against the order's columns before they reach SQL. */
export function decodeCursor(token: string, keys: readonly OrderKey[], columns: readonly SortColumn[]): SortValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('page_token: invalid page token');
  }
  const { o, v } = (parsed ?? {}) as { o?: unknown; v?: unknown };
  if (typeof o !== 'string' || !Array.isArray(v) || v.length !== columns.length) {
    throw invalid('page_token: invalid page token');
  }
  if (o !== orderSignature(keys)) throw invalid('page_token: the token belongs to a search with another order_by');
  const fits = columns.every((c, i) => {
    const value: unknown = v[i];
    if (value === null) return c.nullable;
    return c.kind === 'number' ? Number.isSafeInteger(value) : typeof value === 'string' && !value.includes('\u0000');
  });
  if (!fits) throw invalid('page_token: invalid page token');
  return v as SortValue[];
}
