/** Traces and spans as Assay keeps them (MLflow's TraceInfo and span model). */

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS' | 'STATE_UNSPECIFIED';
export const TRACE_STATES: readonly TraceState[] = ['OK', 'ERROR', 'IN_PROGRESS', 'STATE_UNSPECIFIED'];

export type SpanStatusCode = 'OK' | 'ERROR' | 'UNSET';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

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
