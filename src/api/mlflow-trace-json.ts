/**
 * A stored trace as MLflow's `Trace.to_json()` writes it (shared/spec/trace-formats.md): `info` in
 * TraceInfo's JSON, spans with base64 ids, integer nanosecond times and every attribute value
 * JSON-encoded, the span type, inputs and outputs under MLflow's reserved attributes. What this
 * writes, `POST /api/v1/experiments/{id}/traces` reads back into the same trace, and exporting
 * that again gives the same document.
 */
import { randomBytes } from 'node:crypto';
import { assessmentToJson } from '../domain/assessment.ts';
import type { JsonValue, Span, StoredTrace } from '../domain/trace.ts';

/** The MLflow JSON text of a trace (text, because nanosecond times are integers past 2^53). */
export function traceToMlflowJson(trace: StoredTrace): string {
  // Big integers go out as digits: a marker no stored text can contain is replaced after stringify.
  const marker = `bigint-${randomBytes(8).toString('hex')}:`;
  const text = JSON.stringify(mlflowTrace(trace), (_key, value: unknown) => (typeof value === 'bigint' ? `${marker}${value}` : value));
  return text.replace(new RegExp(`"${marker}(\\d+)"`, 'g'), '$1');
}

function mlflowTrace(trace: StoredTrace): Record<string, unknown> {
  const { info } = trace;
  return {
    info: {
      trace_id: info.trace_id,
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: info.experiment_id } },
      request_time: new Date(info.request_time).toISOString(),
      ...(info.execution_duration_ms === null ? {} : { execution_duration_ms: info.execution_duration_ms }),
      state: info.state,
      ...(info.request_preview === null ? {} : { request_preview: info.request_preview }),
      ...(info.response_preview === null ? {} : { response_preview: info.response_preview }),
      ...(info.client_request_id === null ? {} : { client_request_id: info.client_request_id }),
      trace_metadata: info.trace_metadata,
      tags: info.tags,
      assessments: trace.assessments.map(assessmentToJson),
    },
    data: { spans: trace.spans.map((span) => mlflowSpan(span, info.trace_id)) },
  };
}

function mlflowSpan(span: Span, traceId: string): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) attributes[key] = JSON.stringify(value);
  // MLflow keeps these in attributes; Assay keeps them as fields too, and the fields are the truth.
  attributes['mlflow.traceRequestId'] = JSON.stringify(traceId);
  attributes['mlflow.spanType'] = JSON.stringify(span.span_type);
  if (span.inputs !== null) attributes['mlflow.spanInputs'] = JSON.stringify(span.inputs);
  if (span.outputs !== null) attributes['mlflow.spanOutputs'] = JSON.stringify(span.outputs);
  // Keys in a fixed order, so an export, re-imported and exported again, is the same text.
  const sorted = Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    trace_id: base64OfHex(traceId.replace(/^tr-/, '')),
    span_id: base64OfHex(span.span_id),
    parent_span_id: span.parent_span_id === null ? null : base64OfHex(span.parent_span_id),
    name: span.name,
    start_time_unix_nano: span.start_time_ns,
    end_time_unix_nano: span.end_time_ns,
    status: { code: `STATUS_CODE_${span.status_code}`, message: span.status_message },
    events: span.events.map(mlflowEvent),
    attributes: sorted,
  };
}

/** Events keep plain attribute values in MLflow's JSON (only span attributes are JSON-encoded). */
function mlflowEvent(event: JsonValue): JsonValue {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return event;
  const { name, time_unix_nano, timestamp, attributes } = event;
  return { name: name ?? '', time_unix_nano: time_unix_nano ?? timestamp ?? 0, attributes: attributes ?? {} };
}

function base64OfHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
