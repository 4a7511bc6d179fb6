/** Traces and spans as Assay keeps them (MLflow's TraceInfo and span model). */
import type { Assessment } from './assessment.ts';
import type { JsonObject, JsonValue } from './json.ts';

export type { JsonObject, JsonValue };

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS' | 'STATE_UNSPECIFIED';
export const TRACE_STATES: readonly TraceState[] = ['OK', 'ERROR', 'IN_PROGRESS', 'STATE_UNSPECIFIED'];

export type SpanStatusCode = 'OK' | 'ERROR' | 'UNSET';

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface Span {
  trace_id: string;
  span_id: string;
  /** null for a root span. */
  parent_span_id: string | null;
  name: string;
  /** `LLM`, `CHAT_MODEL`, `RETRIEVER`, `TOOL`, `AGENT`, `CHAIN`, … or any string. */
  span_type: string;
  status_code: SpanStatusCode;
  status_message: string;
  start_time_ns: bigint;
  /** null while the span has not ended. */
  end_time_ns: bigint | null;
  inputs: JsonValue | null;
  outputs: JsonValue | null;
  /** Every attribute, decoded from JSON where it parses. */
  attributes: JsonObject;
  events: JsonValue[];
}

/** A trace's header, as ingest produces it before it is stored. */
export interface TraceInfo {
  trace_id: string;
  experiment_id: string;
  client_request_id: string | null;
  /** Epoch milliseconds. */
  request_time: number;
  execution_duration_ms: number | null;
  state: TraceState;
  request_preview: string | null;
  response_preview: string | null;
  trace_metadata: Record<string, string>;
  tags: Record<string, string>;
}

/** A retrieved document, as a RETRIEVER span's outputs hold it. */
export interface RetrievedDocument {
  page_content: string;
  metadata: { doc_uri?: string; chunk_id?: string; [key: string]: JsonValue | undefined };
  id?: string;
}

export function isRoot(span: Pick<Span, 'parent_span_id'>): boolean {
  return span.parent_span_id === null || span.parent_span_id === '';
}

/** A trace as a payload brings it, before it is stored (MLflow JSON or a batch of OTLP spans). */
export interface IncomingTrace {
  trace_id: string;
  /**
   * The header the payload states (MLflow JSON). Fields it leaves out are derived from the spans.
   * null for OTLP, where everything comes from the spans.
   */
  info: Partial<Omit<TraceInfo, 'trace_id' | 'experiment_id'>> | null;
  /** Experiment named inside the payload (trace_location, resource attribute); the path/header wins. */
  experiment_hint: string | null;
  spans: Span[];
  /** `info.assessments` of an MLflow export, already validated. */
  assessments: IncomingAssessment[];
}

/** An assessment as a payload or the API brings it (ids and times optional). */
export interface IncomingAssessment {
  assessment_id?: string;
  name: string;
  kind: 'feedback' | 'expectation';
  span_id: string | null;
  value: JsonValue | null;
  rationale: string | null;
  error: { error_code: string; error_message: string } | null;
  source: { source_type: 'HUMAN' | 'LLM_JUDGE' | 'CODE'; source_id: string | null };
  metadata: Record<string, string>;
  overrides: string | null;
  valid: boolean;
  create_time?: Date;
  last_update_time?: Date;
}

/** Everything derived from a trace's spans that is kept on the trace row. */
export interface TraceSummary {
  request_time: number;
  execution_duration_ms: number | null;
  state: TraceState;
  request: JsonValue | null;
  response: JsonValue | null;
  request_preview: string | null;
  response_preview: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost: number | null;
}

/** A stored trace with its header, spans and assessments: what scorers, copies and reads see. */
export interface StoredTrace {
  info: TraceInfo & {
    request: JsonValue | null;
    response: JsonValue | null;
    input_tokens: number | null;
    output_tokens: number | null;
    total_tokens: number | null;
    cost: number | null;
  };
  spans: Span[];
  /** Every assessment, valid or not (filter on `valid` where only the current ones count). */
  assessments: Assessment[];
}
