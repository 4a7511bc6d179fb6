/**
 * `order_by` of a trace search: a list of `key [ASC|DESC]`. Missing values sort last; ties break
 * by `timestamp_ms DESC`, then `request_id ASC`, which also make the order total for paging.
 */
import { invalid } from '../errors.ts';

export type OrderField =
  | 'timestamp_ms'
  | 'execution_time_ms'
  | 'status'
  | 'request_id'
  | 'name'
  | 'run_id'
  | 'experiment_id'
  | 'tag'
  | 'metadata';

export interface OrderKey {
  field: OrderField;
  /** The tag or metadata key for `tag` / `metadata`, else null. */
  name: string | null;
  direction: 'ASC' | 'DESC';
}

const FIELDS: Record<string, OrderField> = {
  timestamp_ms: 'timestamp_ms',
  timestamp: 'timestamp_ms',
  execution_time_ms: 'execution_time_ms',
  execution_time: 'execution_time_ms',
  status: 'status',
  request_id: 'request_id',
  name: 'name',
  run_id: 'run_id',
  experiment_id: 'experiment_id',
};
const KEYED: Record<string, 'tag' | 'metadata'> = {
  tag: 'tag',
  tags: 'tag',
  metadata: 'metadata',
  request_metadata: 'metadata',
};
const ATTRIBUTE_PREFIX = /^(?:attributes|attribute|trace)\./;
const VALID = 'timestamp_ms, execution_time_ms, status, request_id, name, run_id, experiment_id, tag.<key>, metadata.<key>';

/** The default order and the tie-breakers every order ends with. */
export const TIE_BREAKERS: readonly OrderKey[] = [
  { field: 'timestamp_ms', name: null, direction: 'DESC' },
  { field: 'request_id', name: null, direction: 'ASC' },
];

/**
 * Parses `order_by` and appends the tie-breakers it does not already name, so the result is a
 * total order ending in `request_id`. A key given twice is an error.
 */
export function parseOrderBy(items: readonly string[]): OrderKey[] {
  const keys: OrderKey[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = parseItem(item);
    const identity = `${key.field}\u0000${key.name ?? ''}`;
    if (seen.has(identity)) throw invalid(`order_by: the key in '${item.trim()}' is given twice`);
    seen.add(identity);
    keys.push(key);
  }
  for (const tie of TIE_BREAKERS) {
    if (!keys.some((k) => k.field === tie.field)) keys.push(tie);
  }
  return keys;
}

function parseItem(item: string): OrderKey {
  const match = /^\s*(\S(?:.*\S)?)\s+(asc|desc)\s*$/i.exec(item);
  const text = (match ? match[1]! : item).trim();
  const direction = match ? (match[2]!.toUpperCase() as 'ASC' | 'DESC') : 'ASC';
  if (text === '') throw invalid(`order_by: empty clause '${item}'`);
  // Keys reach Postgres as text parameters, which cannot hold NUL.
  if (text.includes('\u0000')) throw invalid(`order_by: invalid character '\\u0000' in '${text.slice(0, 200).replaceAll('\u0000', '\\u0000')}'`);
  const dot = text.indexOf('.');
  const prefix = dot > 0 ? text.slice(0, dot) : '';
  const keyed = Object.hasOwn(KEYED, prefix) ? KEYED[prefix] : undefined;
  if (keyed) {
    const name = stripBackticks(text.slice(dot + 1));
    if (name === '') throw invalid(`order_by: missing key in '${item.trim()}'`);
    return { field: keyed, name, direction };
  }
  const bare = stripBackticks(text.replace(ATTRIBUTE_PREFIX, ''));
  const field = Object.hasOwn(FIELDS, bare) ? FIELDS[bare] : undefined;
  if (!field) throw invalid(`order_by: Invalid order_by key '${text.slice(0, 200)}'; valid: ${VALID}, each optionally ASC or DESC`);
  return { field, name: null, direction };
}

function stripBackticks(text: string): string {
  return text.length >= 2 && text.startsWith('`') && text.endsWith('`') ? text.slice(1, -1) : text;
}
