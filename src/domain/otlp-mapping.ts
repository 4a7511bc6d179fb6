/**
 * Decoded OTLP spans → IncomingTrace per trace. Spans of one trace may arrive over several
 * requests, so each IncomingTrace holds only the spans of this request; the ingest service
 * summarizes the trace from everything stored for it.
 */
import { interpretSpan, type SpanEventJson } from './otlp-conventions.ts';
import { keyValuesToJson, type OtlpResourceSpans, type OtlpSpan } from './otlp-types.ts';
import { AssayError } from './errors.ts';
import { fieldError, joinPath } from './payload-errors.ts';
import { SESSION_SPAN_ATTRIBUTES } from './session.ts';
import { bytesToHex, SPAN_ID_BYTES, TRACE_ID_BYTES, traceIdFromHex } from './trace-ids.ts';
import type { IncomingTrace, JsonObject, Span } from './trace.ts';

// Resource attributes naming the experiment; Assay's own first.
const EXPERIMENT_KEYS = ['assay.experiment_id', 'mlflow.experimentId'] as const;
// Span (or resource) attributes → trace metadata: the session and user keys.
const METADATA_KEYS = SESSION_SPAN_ATTRIBUTES;
// Resource attributes kept as trace metadata under the same key (`metadata.`service.name`` in a filter).
const SERVICE_NAME = 'service.name';
const RESOURCE_METADATA_KEYS = [SERVICE_NAME] as const;

/** Spans an export could not take, and why (OTLP's partial success). */
export interface OtlpRejections {
  /** Spans not written: each bad span, and every span of a trace that had one. */
  spans: number;
  /** One message per bad span, naming its field. */
  messages: string[];
}

/**
 * Groups the spans of an OTLP export by trace (`tr-<32 hex>`) and maps each onto MLflow's span
 * model. `info` is null unless a span names a session or user or the resource a `service.name`,
 * then `{trace_metadata}` only. A span sent twice in one request keeps its last copy. Throws
 * `INVALID_PARAMETER_VALUE` naming the field of the first bad span
 * (`resourceSpans[0].scopeSpans[0].spans[2].traceId: must be 16 bytes`).
 */
export function mapOtlpSpans(resourceSpans: readonly OtlpResourceSpans[]): IncomingTrace[] {
  return collect(resourceSpans, true).traces;
}

/**
 * Like `mapOtlpSpans`, but a bad span rejects only its own trace (all of that trace's spans in the
 * request, so nothing partial of a trace is written); the other traces are returned.
 */
export function mapOtlpSpansPartially(resourceSpans: readonly OtlpResourceSpans[]): { traces: IncomingTrace[]; rejected: OtlpRejections } {
  return collect(resourceSpans, false);
}

function collect(resourceSpans: readonly OtlpResourceSpans[], strict: boolean): { traces: IncomingTrace[]; rejected: OtlpRejections } {
  const traces = new Map<string, { trace: IncomingTrace; spanIndex: Map<string, number> }>();
  const rejected: OtlpRejections = { spans: 0, messages: [] };
  const rejectedTraces = new Set<string>();
  resourceSpans.forEach((rs, r) => {
    const resource = keyValuesToJson(rs.resource?.attributes ?? []);
    const hint = experimentHint(resource);
    rs.scopeSpans.forEach((ss, s) => {
      ss.spans.forEach((otlpSpan, i) => {
        let mapped: ReturnType<typeof mapSpan>;
        try {
          mapped = mapSpan(otlpSpan, joinPath('resourceSpans', r, 'scopeSpans', s, 'spans', i), resource);
        } catch (error) {
          if (strict || !(error instanceof AssayError)) throw error;
          rejected.spans += 1;
          rejected.messages.push(error.message);
          const traceId = validTraceId(otlpSpan.traceId);
          if (traceId !== null) rejectedTraces.add(traceId);
          return;
        }
        const { span, metadata } = mapped;
        let entry = traces.get(span.trace_id);
        if (entry === undefined) {
          const trace: IncomingTrace = { trace_id: span.trace_id, info: null, experiment_hint: hint, spans: [], assessments: [] };
          entry = { trace, spanIndex: new Map() };
          traces.set(span.trace_id, entry);
        }
        const { trace, spanIndex } = entry;
        trace.experiment_hint ??= hint;
        const existing = spanIndex.get(span.span_id);
        if (existing === undefined) spanIndex.set(span.span_id, trace.spans.push(span) - 1);
        else trace.spans[existing] = span;
        if (Object.keys(metadata).length > 0) {
          trace.info ??= {};
          const current = trace.info.trace_metadata ?? {};
          const merged = { ...current, ...metadata };
          // A trace across services is named after its root span's service, else the first seen.
          const service = current[SERVICE_NAME];
          if (span.parent_span_id !== null && service !== undefined) merged[SERVICE_NAME] = service;
          trace.info.trace_metadata = merged;
        }
      });
    });
  });
  for (const traceId of rejectedTraces) {
    const entry = traces.get(traceId);
    if (entry === undefined) continue;
    rejected.spans += entry.trace.spans.length;
    traces.delete(traceId);
  }
  return { traces: [...traces.values()].map((entry) => entry.trace), rejected };
}

/** `tr-<hex>` when the bytes are a usable trace id, else null. */
function validTraceId(bytes: Uint8Array): string | null {
  if (bytes.length !== TRACE_ID_BYTES || bytes.every((b) => b === 0)) return null;
  return traceIdFromHex(bytesToHex(bytes));
}

function mapSpan(otlp: OtlpSpan, path: string, resource: JsonObject): { span: Span; metadata: Record<string, string> } {
  const traceHex = idHex(otlp.traceId, TRACE_ID_BYTES, joinPath(path, 'traceId'));
  const spanId = idHex(otlp.spanId, SPAN_ID_BYTES, joinPath(path, 'spanId'));
  const parentId =
    otlp.parentSpanId === null || otlp.parentSpanId.length === 0
      ? null
      : idHex(otlp.parentSpanId, SPAN_ID_BYTES, joinPath(path, 'parentSpanId'));
  if (otlp.endTimeUnixNano !== null && otlp.endTimeUnixNano < otlp.startTimeUnixNano) {
    throw fieldError(joinPath(path, 'endTimeUnixNano'), 'is before startTimeUnixNano');
  }
  const events: SpanEventJson[] = otlp.events.map((e) => ({
    name: e.name,
    time_unix_nano: Number(e.timeUnixNano),
    attributes: keyValuesToJson(e.attributes),
  }));
  const raw = keyValuesToJson(otlp.attributes);
  const { span_type, inputs, outputs, attributes } = interpretSpan(raw, events);
  const span: Span = {
    trace_id: traceIdFromHex(traceHex),
    span_id: spanId,
    parent_span_id: parentId,
    name: otlp.name,
    span_type,
    // OTLP leaves most successful spans UNSET; MLflow's model reads that as OK.
    status_code: otlp.status.code === 'ERROR' ? 'ERROR' : 'OK',
    status_message: otlp.status.message,
    start_time_ns: otlp.startTimeUnixNano,
    end_time_ns: otlp.endTimeUnixNano,
    inputs,
    outputs,
    attributes,
    events,
  };
  return { span, metadata: traceMetadata(raw, resource) };
}

function idHex(bytes: Uint8Array, byteLength: number, path: string): string {
  if (bytes.length !== byteLength) throw fieldError(path, `must be ${byteLength} bytes, got ${bytes.length}`);
  // The OpenTelemetry spec calls an all-zero id invalid.
  if (bytes.every((b) => b === 0)) throw fieldError(path, 'must not be all zeros');
  return bytesToHex(bytes);
}

function experimentHint(resource: JsonObject): string | null {
  for (const key of EXPERIMENT_KEYS) {
    const value = resource[key];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return null;
}

function traceMetadata(span: JsonObject, resource: JsonObject): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, target] of METADATA_KEYS) {
    if (metadata[target] !== undefined) continue;
    const value = span[key] ?? resource[key];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') metadata[target] = String(value);
  }
  for (const key of RESOURCE_METADATA_KEYS) {
    const value = resource[key];
    if (typeof value === 'string' && value !== '') metadata[key] = value;
  }
  return metadata;
}
