/**
 * Plain text from the JSON payloads applications send, for judges: the shared `extractText` (the same
 * reading the trace previews use), falling back to the JSON text when no known shape matches.
 */
import { extractText, type TextSide } from '../domain/trace-summary.ts';
import type { JsonValue } from '../domain/trace.ts';

/** The readable text of a request or response payload; JSON text when no known shape matches. */
export function textOf(value: JsonValue | null | undefined, side: TextSide): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return extractText(value, side) ?? JSON.stringify(value);
}

export function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
