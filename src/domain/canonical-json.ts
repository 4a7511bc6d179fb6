/**
 * Canonical JSON: one text per JSON value, whatever the key order or whitespace it arrived with.
 * Dataset records are matched on the SHA-256 of their inputs in this form.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from './trace.ts';

/**
 * The canonical text of a JSON value:
 *
 * - objects: keys sorted by UTF-16 code units (JavaScript's default sort, which for ASCII keys is
 *   byte order), written `{"key":value,...}`; keys whose value is `undefined` are left out;
 * - arrays: elements in their order, `[a,b,...]`;
 * - strings, numbers, booleans, null: exactly as `JSON.stringify` writes them (so `1.0` is `1`,
 *   `1e3` is `1000`, `-0` is `0`, non-ASCII characters are kept as they are, not `\u` escaped);
 * - no whitespace anywhere.
 *
 * `{"b": 1, "a": [2, {"d": 1, "c": 0}]}` becomes `{"a":[2,{"c":0,"d":1}],"b":1}`.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const inner = value[key];
    if (inner === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(inner)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of a text. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The identity of a record's inputs: SHA-256 (hex) of their canonical JSON. */
export function inputsHash(inputs: JsonObject): string {
  return sha256Hex(canonicalJson(inputs));
}
