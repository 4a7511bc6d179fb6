/** Which parts of a dataset record changed between two versions, as paths a person reads. */
import { canonicalJson } from './canonical-json.ts';
import type { DatasetRecord } from './dataset-record.ts';
import type { JsonValue } from './trace.ts';

const same = (a: unknown, b: unknown) => canonicalJson((a ?? null) as JsonValue) === canonicalJson((b ?? null) as JsonValue);

/**
 * `outputs`, `source`, and per key `expectations.<key>` and `tags.<key>`: the keys a diff view
 * highlights. Inputs never differ for one record (a record is matched by its inputs).
 */
export function changedKeys(before: DatasetRecord, after: DatasetRecord): string[] {
  const keys: string[] = [];
  if (!same(before.inputs, after.inputs)) keys.push('inputs');
  if (!same(before.outputs, after.outputs)) keys.push('outputs');
  for (const field of ['expectations', 'tags'] as const) {
    const a = (before[field] ?? {}) as Record<string, unknown>;
    const b = (after[field] ?? {}) as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!same(a[key], b[key])) keys.push(`${field}.${key}`);
    }
  }
  if (!same(before.source, after.source)) keys.push('source');
  return keys;
}
