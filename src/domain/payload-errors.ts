/**
 * Errors for rejected payloads. Every message starts with the exact field path
 * (`traces[3].data.spans[1].span_id: …`) so a user can find the culprit in a large batch.
 */
import type { z } from 'zod';
import { AssayError } from './errors.ts';

/** An `INVALID_PARAMETER_VALUE` error naming `path`. */
export function fieldError(path: string, message: string): AssayError {
  return new AssayError('INVALID_PARAMETER_VALUE', `${path || 'body'}: ${message}`, { details: { field: path } });
}

/** Appends segments to a path: numbers as `[n]`, names as `.name`. */
export function joinPath(base: string, ...segments: readonly PropertyKey[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

/**
 * Parses `value` with `schema`; on failure throws the first issue as a field error under `base`.
 * One issue is enough: the user fixes it and resends, and a thousand-span batch does not produce a
 * megabyte of messages.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, base: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw fieldError(base, 'invalid value');
  throw fieldError(joinPath(base, ...issue.path), describeIssue(issue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // A missing field fails its type check with zod's wording ("expected string, received undefined").
  const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined;
  if (missing) return 'required';
  return issue.message;
}
