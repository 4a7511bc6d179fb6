/**
 * MLflow trace JSON (what `Trace.to_json()` writes) → IncomingTrace. Pure: validation and mapping
 * only; storing is the ingest service's business. Format: shared/spec/trace-formats.md.
 */
import { z } from 'zod';
import { parseMlflowAssessment, stringMap, timestampMs } from './mlflow-assessment.ts';
import { fieldError, joinPath, parseOrThrow } from './payload-errors.ts';
import { sessionMetadataFromSpans } from './session.ts';
import { normalizeSpanId, normalizeTraceId } from './trace-ids.ts';
import { TRACE_STATES } from './trace.ts';
import type { IncomingTrace, JsonObject, JsonValue, Span, SpanStatusCode, TraceInfo } from './trace.ts';

const json = z.json() as z.ZodType<JsonValue>;
const jsonObject = z.record(z.string(), json, { error: 'must be an object' });

const NANOS_ERROR = 'must be a non-negative integer number of nanoseconds';
// The message sits on each member too: zod reports the member whose type matched.
const nanos = z
  .union([z.number().nonnegative(NANOS_ERROR), z.string().regex(/^\d+$/, NANOS_ERROR), z.bigint().nonnegative(NANOS_ERROR)], {
    error: NANOS_ERROR,
  })
  .transform((value) => (typeof value === 'number' ? numberToNanos(value) : BigInt(value)));

/**
 * Epoch nanoseconds as a JSON number are past 2^53 and lost their last digits (up to ±128 ns) in
 * JSON.parse. Rounding to the microsecond restores the exact value of any microsecond-aligned time,
 * which is what clocks behind most tracers give.
 */
function numberToNanos(value: number): bigint {
  if (Number.isSafeInteger(value)) return BigInt(value);
  return BigInt(Math.round(value / 1000)) * 1000n;
}

const statusCode = z.string().transform((value, ctx): SpanStatusCode => {
  const code = value.toUpperCase().replace(/^STATUS_CODE_/, '');
  if (code === 'OK' || code === 'ERROR' || code === 'UNSET') return code;
  ctx.addIssue({ code: 'custom', message: `must be STATUS_CODE_OK, STATUS_CODE_ERROR or STATUS_CODE_UNSET` });
  return z.NEVER;
});

const spanSchema = z.object(
  {
    trace_id: z.string().nullish(),
    span_id: z.string(),
    parent_span_id: z.string().nullish(),
    name: z.string(),
    start_time_unix_nano: nanos,
    end_time_unix_nano: nanos.nullish(),
    status: z.object({ code: statusCode.nullish(), message: z.string().nullish() }).nullish(),
    events: z
      .array(
        z.object({
          name: z.string(),
          time_unix_nano: nanos.nullish(),
          timestamp: nanos.nullish(),
          attributes: jsonObject.nullish(),
        }),
      )
      .nullish(),
    attributes: jsonObject.nullish(),
  },
  { error: 'must be a span object' },
);

const idText = z.union([z.string(), z.number()]).transform(String);

const infoSchema = z.object(
  {
    trace_id: z.string().nullish(),
    // MLflow 2.x name of the trace id.
    request_id: z.string().nullish(),
    trace_location: z
      .object({ mlflow_experiment: z.object({ experiment_id: idText.nullish() }).nullish() })
      .nullish(),
    experiment_id: idText.nullish(),
    request_time: timestampMs.nullish(),
    execution_duration_ms: z
      .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)], {
        error: 'must be a non-negative integer',
      })
      .transform(Number)
      .nullish(),
    state: z.enum(TRACE_STATES, { error: `must be one of ${TRACE_STATES.join(', ')}` }).nullish(),
    request_preview: z.string().nullish(),
    response_preview: z.string().nullish(),
    client_request_id: z.string().nullish(),
    trace_metadata: stringMap.nullish(),
    tags: stringMap.nullish(),
    assessments: z.array(z.unknown()).nullish(),
  },
  { error: 'must be an object' },
);

const traceSchema = z.object(
  {
    info: infoSchema.nullish(),
    data: z.object({ spans: z.array(spanSchema).nullish() }, { error: 'must be an object' }).nullish(),
  },
  { error: 'must be an MLflow trace object {info, data: {spans}}' },
);

/**
 * What `parseMlflowPayload` accepts, for the API's documentation: one trace or `{traces: [...]}`.
 * The parser checks each trace with `traceSchema` and adds what a schema cannot say (trace ids
 * resolved from spans, duplicates, request_time required without spans).
 */
export const mlflowPayloadSchema = z.union([traceSchema, z.object({ traces: z.array(traceSchema) })]);

type ParsedSpan = z.output<typeof spanSchema>;
type ParsedInfo = z.output<typeof infoSchema>;

/**
 * Validates and maps an MLflow trace payload: one trace `{info, data: {spans}}` or a batch
 * `{traces: [...]}`. Throws `INVALID_PARAMETER_VALUE` naming the first bad field.
 */
export function parseMlflowPayload(body: unknown): IncomingTrace[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fieldError('body', 'must be an MLflow trace {info, data: {spans}} or {traces: [...]}');
  }
  if (!('traces' in body)) return [parseTrace(body, '')];
  const { traces } = body;
  if (!Array.isArray(traces)) throw fieldError('traces', 'must be an array of MLflow traces');
  const seen = new Map<string, number>();
  return traces.map((trace: unknown, i) => {
    const path = `traces[${i}]`;
    const parsed = parseTrace(trace, path);
    const first = seen.get(parsed.trace_id);
    if (first !== undefined) throw fieldError(joinPath(path, 'info', 'trace_id'), `duplicate of traces[${first}]`);
    seen.set(parsed.trace_id, i);
    return parsed;
  });
}

function parseTrace(value: unknown, path: string): IncomingTrace {
  const { info, data } = parseOrThrow(traceSchema, value, path);
  const spansPath = joinPath(path, 'data', 'spans');
  const rawSpans = data?.spans ?? [];
  const traceId = resolveTraceId(info, rawSpans, path);
  const spanIndex = new Map<string, number>();
  const spans = rawSpans.map((raw, i) => {
    const span = mapSpan(raw, joinPath(spansPath, i), traceId);
    const first = spanIndex.get(span.span_id);
    if (first !== undefined) throw fieldError(joinPath(spansPath, i, 'span_id'), `duplicate of data.spans[${first}]`);
    spanIndex.set(span.span_id, i);
    return span;
  });
  if (spans.length === 0 && info?.request_time == null) {
    throw fieldError(joinPath(path, 'info', 'request_time'), 'required when the trace has no spans');
  }
  const assessmentsPath = joinPath(path, 'info', 'assessments');
  return {
    trace_id: traceId,
    info: withSpanSessionMetadata(statedInfo(info), spans),
    experiment_hint: info?.trace_location?.mlflow_experiment?.experiment_id ?? info?.experiment_id ?? null,
    spans,
    assessments: (info?.assessments ?? []).map((a, i) => parseMlflowAssessment(a, joinPath(assessmentsPath, i), traceId)),
  };
}

function resolveTraceId(info: ParsedInfo | null | undefined, spans: ParsedSpan[], path: string): string {
  const stated = info?.trace_id ?? info?.request_id;
  if (stated != null) {
    const id = normalizeTraceId(stated);
    if (id === null) throw fieldError(joinPath(path, 'info', 'trace_id'), 'not a valid tr-, hex or base64 trace id');
    return id;
  }
  // Spans alone may carry the id (a payload without info).
  const index = spans.findIndex((s) => s.trace_id != null);
  const fromSpan = spans[index]?.trace_id;
  if (fromSpan == null) throw fieldError(joinPath(path, 'info', 'trace_id'), 'required');
  const id = normalizeTraceId(fromSpan);
  if (id === null) throw invalidTraceId(joinPath(path, 'data', 'spans', index, 'trace_id'));
  return id;
}

function mapSpan(raw: ParsedSpan, path: string, traceId: string): Span {
  if (raw.trace_id != null) {
    const id = normalizeTraceId(raw.trace_id);
    if (id === null) throw invalidTraceId(joinPath(path, 'trace_id'));
    if (id !== traceId) throw fieldError(joinPath(path, 'trace_id'), `${id} does not match the trace's id ${traceId}`);
  }
  const spanId = normalizeSpanId(raw.span_id);
  if (spanId === null) throw fieldError(joinPath(path, 'span_id'), 'not a valid base64 or hex span id');
  let parentId: string | null = null;
  if (raw.parent_span_id != null && raw.parent_span_id !== '') {
    parentId = normalizeSpanId(raw.parent_span_id);
    if (parentId === null) throw fieldError(joinPath(path, 'parent_span_id'), 'not a valid base64 or hex span id');
  }
  const end = raw.end_time_unix_nano ?? null;
  if (end !== null && end < raw.start_time_unix_nano) {
    throw fieldError(joinPath(path, 'end_time_unix_nano'), 'is before start_time_unix_nano');
  }
  const attributes = decodeAttributes(raw.attributes ?? {});
  const spanType = attributes['mlflow.spanType'];
  return {
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: parentId,
    name: raw.name,
    span_type: typeof spanType === 'string' && spanType !== '' ? spanType : 'UNKNOWN',
    status_code: raw.status?.code ?? 'UNSET',
    status_message: raw.status?.message ?? '',
    start_time_ns: raw.start_time_unix_nano,
    end_time_ns: end,
    inputs: attributes['mlflow.spanInputs'] ?? null,
    outputs: attributes['mlflow.spanOutputs'] ?? null,
    attributes,
    // Event attributes are plain values in MLflow's JSON, not JSON-encoded like span attributes.
    events: (raw.events ?? []).map((e) => ({
      name: e.name,
      time_unix_nano: Number(e.time_unix_nano ?? e.timestamp ?? 0n),
      attributes: e.attributes ?? {},
    })),
  };
}

/** MLflow JSON-encodes every span attribute value; a value that does not parse is kept as written. */
export function decodeAttributes(attributes: JsonObject): JsonObject {
  const decoded: JsonObject = {};
  for (const [key, value] of Object.entries(attributes)) decoded[key] = decodeJsonString(value);
  return decoded;
}

function decodeJsonString(value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

/** Only the fields the payload states, so derived values can fill the rest. */
function statedInfo(info: ParsedInfo | null | undefined): IncomingTrace['info'] {
  const out: NonNullable<IncomingTrace['info']> = {};
  if (info == null) return out;
  const keys = [
    'request_time',
    'execution_duration_ms',
    'state',
    'request_preview',
    'response_preview',
    'client_request_id',
    'trace_metadata',
    'tags',
  ] as const satisfies readonly (keyof Omit<TraceInfo, 'trace_id' | 'experiment_id'>)[];
  for (const key of keys) {
    const value = info[key];
    if (value != null) Object.assign(out, { [key]: value });
  }
  return out;
}

/** Session and user named only on a span (`session.id`, `user.id`) become trace metadata; stated metadata wins. */
function withSpanSessionMetadata(info: IncomingTrace['info'], spans: readonly Span[]): IncomingTrace['info'] {
  const fromSpans = sessionMetadataFromSpans(spans);
  if (Object.keys(fromSpans).length === 0) return info;
  return { ...info, trace_metadata: { ...fromSpans, ...info?.trace_metadata } };
}

function invalidTraceId(path: string) {
  return fieldError(path, 'not a valid base64, hex or tr- trace id');
}
