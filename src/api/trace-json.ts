/** MLflow's JSON forms of traces and spans, as the API answers them. */
import { assessmentToJson, type Assessment } from '../domain/assessment.ts';
import type { Span, StoredTrace } from '../domain/trace.ts';

export function traceInfoToJson(info: StoredTrace['info'], assessments?: readonly Assessment[]): Record<string, unknown> {
  return {
    trace_id: info.trace_id,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: info.experiment_id } },
    experiment_id: info.experiment_id,
    request_time: new Date(info.request_time).toISOString(),
    execution_duration_ms: info.execution_duration_ms,
    state: info.state,
    request_preview: info.request_preview,
    response_preview: info.response_preview,
    client_request_id: info.client_request_id,
    trace_metadata: info.trace_metadata,
    tags: info.tags,
    token_usage:
      info.total_tokens === null
        ? null
        : { input_tokens: info.input_tokens, output_tokens: info.output_tokens, total_tokens: info.total_tokens },
    cost: info.cost,
    ...(assessments ? { assessments: assessments.map(assessmentToJson) } : {}),
  };
}

export function spanToJson(span: Span): Record<string, unknown> {
  return {
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id,
    name: span.name,
    span_type: span.span_type,
    start_time_unix_nano: span.start_time_ns.toString(),
    end_time_unix_nano: span.end_time_ns === null ? null : span.end_time_ns.toString(),
    status: { code: `STATUS_CODE_${span.status_code}`, message: span.status_message },
    inputs: span.inputs,
    outputs: span.outputs,
    attributes: span.attributes,
    events: span.events,
  };
}

export function traceToJson(trace: StoredTrace): Record<string, unknown> {
  return { info: traceInfoToJson(trace.info, trace.assessments), data: { spans: trace.spans.map(spanToJson) } };
}
