/**
 * What a scorer sees: one shape whether the data comes from a stored trace (monitors, `scorers/run`)
 * or from a plain record (evaluation datasets), so each scorer is written once.
 */
import { conversationText, turnsFromMessages } from '../domain/conversation.ts';
import type { JsonValue, Span, StoredTrace } from '../domain/trace.ts';
import { isObject, textOf } from './text-of.ts';

export interface RetrievedChunk {
  content: string;
  doc_uri: string | null;
}

/** The documents one top-level RETRIEVER span returned (span_id null for record input). */
export interface RetrievedGroup {
  span_id: string | null;
  documents: RetrievedChunk[];
}

export interface ScorerInput {
  inputs: JsonValue;
  outputs: JsonValue;
  /** Readable request: for chat payloads the last user message. */
  request: string;
  /** Readable response: for chat payloads the final assistant answer. */
  response: string;
  retrieved: RetrievedGroup[];
  /** Expectation name → value (valid expectation assessments, or a record's expectations). */
  expectations: Record<string, JsonValue>;
  trace: StoredTrace | null;
  latency_ms: number | null;
  tokens: { input: number | null; output: number | null; total: number | null } | null;
  /** USD. */
  cost: number | null;
  /** A session's turns as text, for session judges; absent for a single trace or record. */
  conversation?: { session_id: string; turns: number; text: string };
}

/** A scorer's view of a stored trace. */
export function scorerInputFromTrace(trace: StoredTrace): ScorerInput {
  const root = trace.spans.find((s) => s.parent_span_id === null || s.parent_span_id === '');
  const inputs = root?.inputs ?? trace.info.request ?? null;
  const outputs = root?.outputs ?? trace.info.response ?? null;
  const { input_tokens, output_tokens, total_tokens } = trace.info;
  const hasTokens = input_tokens !== null || output_tokens !== null || total_tokens !== null;
  return {
    inputs,
    outputs,
    request: textOf(inputs, 'request'),
    response: textOf(outputs, 'response'),
    retrieved: topLevelRetrievers(trace.spans).map((span) => ({
      span_id: span.span_id,
      documents: documentsOf(span.outputs),
    })),
    expectations: expectationsOf(trace),
    trace,
    latency_ms: trace.info.execution_duration_ms,
    tokens: hasTokens ? { input: input_tokens, output: output_tokens, total: total_tokens } : null,
    cost: trace.info.cost,
  };
}

/** A dataset or inline record as evaluations and `scorers/run` pass it. */
export interface ScorerRecord {
  inputs: JsonValue;
  outputs?: JsonValue;
  expectations?: Record<string, JsonValue> | null;
  /** Documents the application retrieved: strings or `{content | page_content, doc_uri}`. */
  retrieved_context?: JsonValue[] | null;
}

/**
 * A multi-turn record's view for session judges: when its inputs are a list of chat messages (or
 * `{messages: [...]}`), the conversation they hold, the output answering the last user message.
 * Anything else is returned unchanged.
 */
export function withRecordConversation(input: ScorerInput, recordId: string): ScorerInput {
  if (input.conversation) return input;
  const turns = turnsFromMessages(input.inputs, input.response || null);
  return turns ? { ...input, conversation: { session_id: recordId, turns: turns.length, text: conversationText(turns) } } : input;
}

/** A scorer's view of a plain record (no trace: no latency, tokens or cost). */
export function scorerInputFromRecord(record: ScorerRecord, recordId = 'record'): ScorerInput {
  return withRecordConversation(plainRecordInput(record), recordId);
}

function plainRecordInput(record: ScorerRecord): ScorerInput {
  const outputs = record.outputs ?? null;
  const context = record.retrieved_context ?? null;
  return {
    inputs: record.inputs,
    outputs,
    request: textOf(record.inputs, 'request'),
    response: textOf(outputs, 'response'),
    retrieved: context === null ? [] : [{ span_id: null, documents: documentsOf(context) }],
    expectations: { ...(record.expectations ?? {}) },
    trace: null,
    latency_ms: null,
    tokens: null,
    cost: null,
  };
}

/** RETRIEVER spans with no RETRIEVER ancestor: a retriever wrapping another would count twice. */
export function topLevelRetrievers(spans: Span[]): Span[] {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const isRetriever = (s: Span) => s.span_type.toUpperCase() === 'RETRIEVER';
  const hasRetrieverAncestor = (span: Span): boolean => {
    const seen = new Set<string>();
    let parent = span.parent_span_id ? byId.get(span.parent_span_id) : undefined;
    while (parent && !seen.has(parent.span_id)) {
      if (isRetriever(parent)) return true;
      seen.add(parent.span_id);
      parent = parent.parent_span_id ? byId.get(parent.parent_span_id) : undefined;
    }
    return false;
  };
  return spans
    .filter((s) => isRetriever(s) && !hasRetrieverAncestor(s))
    .sort((a, b) => (a.start_time_ns < b.start_time_ns ? -1 : a.start_time_ns > b.start_time_ns ? 1 : 0));
}

/** Documents out of a retriever's outputs: a list, or an object holding `documents`. */
function documentsOf(outputs: JsonValue | null): RetrievedChunk[] {
  const list = Array.isArray(outputs) ? outputs : isObject(outputs ?? undefined) ? (outputs as { documents?: JsonValue }).documents : null;
  if (!Array.isArray(list)) return [];
  const chunks: RetrievedChunk[] = [];
  for (const doc of list) {
    if (typeof doc === 'string') {
      chunks.push({ content: doc, doc_uri: null });
      continue;
    }
    if (!isObject(doc)) continue;
    const content = doc.page_content ?? doc.content ?? doc.text;
    const metadata = isObject(doc.metadata) ? doc.metadata : {};
    const uri = metadata.doc_uri ?? doc.doc_uri ?? metadata.source ?? null;
    chunks.push({
      content: typeof content === 'string' ? content : JSON.stringify(content ?? null),
      doc_uri: typeof uri === 'string' ? uri : null,
    });
  }
  return chunks;
}

/** The latest valid expectation per name. */
function expectationsOf(trace: StoredTrace): Record<string, JsonValue> {
  const valid = trace.assessments
    .filter((a) => a.kind === 'expectation' && a.valid)
    .sort((a, b) => a.last_update_time.getTime() - b.last_update_time.getTime());
  const out: Record<string, JsonValue> = {};
  for (const a of valid) out[a.name] = a.value;
  return out;
}
