/**
 * The API's JSON body parser. Like Fastify's, it refuses `__proto__` and `constructor.prototype`
 * keys (prototype poisoning), but says so, naming the key, instead of "Body is not valid JSON".
 */
import type { FastifyRequest } from 'fastify';
import { invalid } from '../domain/errors.ts';

const TRACE_INGEST = /^\/api\/v1\/experiments\/[^/]+\/traces(\?|$)/;
// A key can only be matched as a key: inside a JSON string every quote is escaped.
const NANOS_FIELD = /("(?:start_time_unix_nano|end_time_unix_nano|time_unix_nano)"\s*:\s*)(\d{16,})(?=\s*[,}\]])/g;

export function parseJsonBody(request: FastifyRequest, text: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  let raw = typeof text === 'string' ? text : text.toString('utf8');
  // Epoch nanoseconds (MLflow writes them as integers) are past 2^53: read them as digits, exactly.
  if (TRACE_INGEST.test(request.url)) raw = raw.replace(NANOS_FIELD, '$1"$2"');
  if (raw.trim() === '') return done(invalid("body: empty, but content-type is 'application/json'; send a JSON document"));
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return done(invalid(`body: not valid JSON (${(error as Error).message})`));
  }
  if (raw.includes('__proto__') || raw.includes('constructor')) {
    const path = poisonedPath(value, 'body');
    if (path) return done(invalid(`${path}: the key is not allowed (it would change object prototypes)`));
  }
  return done(null, value);
}

/** The path of the first `__proto__` key or `constructor` object with a `prototype` key, if any. */
function poisonedPath(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = poisonedPath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return `${path}.__proto__`;
    if (key === 'constructor' && inner !== null && typeof inner === 'object' && Object.hasOwn(inner, 'prototype')) return `${path}.constructor.prototype`;
    const found = poisonedPath(inner, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}
