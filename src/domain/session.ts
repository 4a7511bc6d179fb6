/**
 * Sessions (conversations) and users. A trace belongs to a session through its metadata
 * `mlflow.trace.session`, which ingest fills from a span attribute `session.id` (OpenInference) or
 * `gen_ai.conversation.id` (OpenTelemetry GenAI) when the payload does not state it; likewise the
 * user from `mlflow.trace.user` / `user.id`.
 */
import type { JsonValue } from './json.ts';

/** Session-level assessments carry the session id in their metadata under this key too (as MLflow's do). */
export const SESSION_METADATA_KEY = 'mlflow.trace.session';
export const USER_METADATA_KEY = 'mlflow.trace.user';

/** Span attributes naming the session or the user, the first one present wins. */
export const SESSION_SPAN_ATTRIBUTES: readonly (readonly [attribute: string, metadataKey: string])[] = [
  ['session.id', SESSION_METADATA_KEY],
  ['gen_ai.conversation.id', SESSION_METADATA_KEY],
  ['user.id', USER_METADATA_KEY],
];

/**
 * The session and user metadata a trace's spans name (`{}` when none does). A number is kept as its
 * decimal text; anything else that is not a non-empty string is ignored.
 */
export function sessionMetadataFromSpans(spans: readonly { attributes: Record<string, JsonValue> }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [attribute, key] of SESSION_SPAN_ATTRIBUTES) {
    if (key in out) continue;
    for (const span of spans) {
      const value = metadataText(span.attributes[attribute]);
      if (value !== null) {
        out[key] = value;
        break;
      }
    }
  }
  return out;
}

function metadataText(value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
