/**
 * The trace of one evaluation row, recorded in the run's experiment: a root span with the row's
 * inputs and outputs (timing, tokens and cost from the target call) and a RETRIEVER span when the
 * row has retrieved context, plus the row's expectations as expectation assessments. Ids are
 * derived from (run, row), so recording the row again after a crash replaces the same trace.
 */
import { sha256Hex } from '../domain/canonical-json.ts';
import { parseMlflowPayload } from '../domain/mlflow-trace.ts';
import type { IncomingAssessment, IncomingTrace, JsonObject, JsonValue, Span, StoredTrace } from '../domain/trace.ts';
import { summarizeTrace } from '../domain/trace-summary.ts';
import type { EvaluationRowRow } from '../storage/evaluation-repository.ts';

export interface RowTiming {
  /** Epoch ms when the target was called (or the row was recorded). */
  start_ms: number;
  latency_ms: number;
}

export const rowTraceId = (runId: string, rowIndex: number) => `tr-${sha256Hex(`evaluation:${runId}:${rowIndex}`).slice(0, 32)}`;
const spanId = (traceId: string, name: string) => sha256Hex(`${traceId}:${name}`).slice(0, 16);

export function rowMetadata(runId: string, row: Pick<EvaluationRowRow, 'row_index'>): Record<string, string> {
  return { 'assay.evaluation.run_id': runId, 'assay.evaluation.row_index': String(row.row_index) };
}

/** The trace Assay records for a row it ran (or whose recorded output it scores). */
export function buildRowTrace(runId: string, runName: string, row: EvaluationRowRow, timing: RowTiming, error: string | null): IncomingTrace {
  const traceId = rowTraceId(runId, row.row_index);
  const rootId = spanId(traceId, 'root');
  const startNs = BigInt(Math.round(timing.start_ms)) * 1_000_000n;
  const endNs = startNs + BigInt(Math.round(timing.latency_ms * 1_000_000));
  const attributes: JsonObject = { 'mlflow.spanType': 'CHAIN' };
  if (row.input_tokens !== null || row.output_tokens !== null) {
    attributes['mlflow.chat.tokenUsage'] = {
      input_tokens: row.input_tokens ?? 0,
      output_tokens: row.output_tokens ?? 0,
      total_tokens: row.total_tokens ?? (row.input_tokens ?? 0) + (row.output_tokens ?? 0),
    };
  }
  if (row.cost !== null) attributes['mlflow.llm.cost'] = { total_cost: row.cost };
  const base = { trace_id: traceId, status_message: '', events: [] as JsonValue[] };
  const spans: Span[] = [
    {
      ...base,
      span_id: rootId,
      parent_span_id: null,
      name: 'evaluation_target',
      span_type: 'CHAIN',
      status_code: error ? 'ERROR' : 'OK',
      status_message: error ?? '',
      start_time_ns: startNs,
      end_time_ns: endNs,
      inputs: row.inputs,
      outputs: row.outputs,
      attributes,
    },
  ];
  if (row.retrieved_context && row.retrieved_context.length > 0) {
    spans.push({
      ...base,
      span_id: spanId(traceId, 'retriever'),
      parent_span_id: rootId,
      name: 'retrieved_context',
      span_type: 'RETRIEVER',
      status_code: 'OK',
      start_time_ns: startNs,
      end_time_ns: startNs,
      inputs: row.inputs,
      outputs: row.retrieved_context.map(toDocument),
      attributes: { 'mlflow.spanType': 'RETRIEVER' },
    });
  }
  return {
    trace_id: traceId,
    info: {
      request_time: Math.round(timing.start_ms),
      execution_duration_ms: Math.round(timing.latency_ms),
      client_request_id: row.request_id,
      trace_metadata: rowMetadata(runId, row),
      tags: { 'assay.evaluation.name': runName },
    },
    experiment_hint: null,
    spans,
    assessments: expectationAssessments(traceId, row.expectations),
  };
}

/**
 * A trace the caller recorded for the row (the client's `evaluate`), with the run's metadata and
 * the row's expectations added. Its own trace id is kept.
 */
export function givenRowTrace(runId: string, runName: string, row: EvaluationRowRow): IncomingTrace {
  const [trace] = parseMlflowPayload(row.given_trace);
  const info = trace!.info ?? {};
  return {
    ...trace!,
    info: {
      ...info,
      trace_metadata: { ...info.trace_metadata, ...rowMetadata(runId, row) },
      tags: { ...info.tags, 'assay.evaluation.name': runName },
    },
    assessments: [...trace!.assessments, ...expectationAssessments(trace!.trace_id, row.expectations)],
  };
}

function toDocument(doc: JsonValue): JsonValue {
  if (typeof doc === 'string') return { page_content: doc, metadata: {} };
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const content = doc.page_content ?? doc.content ?? '';
    const metadata = typeof doc.metadata === 'object' && doc.metadata !== null && !Array.isArray(doc.metadata) ? doc.metadata : {};
    return { page_content: content, metadata: { ...metadata, ...(typeof doc.doc_uri === 'string' ? { doc_uri: doc.doc_uri } : {}) } };
  }
  return { page_content: JSON.stringify(doc), metadata: {} };
}

/** Expectations as assessments with ids fixed per (trace, name), so recording again replaces them. */
function expectationAssessments(traceId: string, expectations: JsonObject): IncomingAssessment[] {
  return Object.entries(expectations).map(([name, value]) => ({
    assessment_id: `a-${sha256Hex(`${traceId}:expectation:${name}`).slice(0, 32)}`,
    name,
    kind: 'expectation',
    span_id: null,
    value,
    rationale: null,
    error: null,
    source: { source_type: 'HUMAN', source_id: 'evaluation-dataset' },
    metadata: {},
    overrides: null,
    valid: true,
  }));
}

/**
 * The trace as it will read back once stored, built in memory so the judges can start while it is
 * being written (the row's expectations become its expectation assessments).
 */
export function storedTraceOf(incoming: IncomingTrace, experimentId: string): StoredTrace {
  const summary = summarizeTrace(incoming.spans, incoming.info);
  const now = new Date();
  return {
    info: {
      trace_id: incoming.trace_id,
      experiment_id: experimentId,
      client_request_id: incoming.info?.client_request_id ?? null,
      trace_metadata: incoming.info?.trace_metadata ?? {},
      tags: incoming.info?.tags ?? {},
      ...summary,
    },
    spans: incoming.spans,
    assessments: incoming.assessments.map((a) => ({
      assessment_id: a.assessment_id ?? '',
      trace_id: incoming.trace_id,
      span_id: a.span_id,
      name: a.name,
      kind: a.kind,
      value: a.value,
      rationale: a.rationale,
      error: a.error,
      source: a.source,
      metadata: a.metadata,
      overrides: a.overrides,
      valid: a.valid,
      create_time: now,
      last_update_time: now,
    })),
  };
}
