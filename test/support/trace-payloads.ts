/**
 * Trace payloads as clients send them: MLflow trace JSON (`Trace.to_json()`, base64 ids,
 * JSON-encoded attribute values) and OTLP/JSON export requests. Ids are derived from a small seed
 * so each test can make as many distinct traces as it needs.
 */
import { randomBytes } from 'node:crypto';

/** A JSON body as tests read it: loosely typed, since the assertions do the checking. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = Record<string, any>;

/** 32 hex digits: a fresh OpenTelemetry trace id. */
export function newTraceHex(): string {
  return randomBytes(16).toString('hex');
}

/** 16 hex digits from a small number, so a test can name spans 1, 2, 3. */
export function spanHex(n: number): string {
  return n.toString(16).padStart(16, '0');
}

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

export interface MlflowSpanSpec {
  id: number;
  parent?: number | null;
  name?: string;
  type?: string;
  inputs?: unknown;
  outputs?: unknown;
  /** Offsets from the trace start, ms. */
  startMs?: number;
  endMs?: number | null;
  status?: 'STATUS_CODE_OK' | 'STATUS_CODE_ERROR' | 'STATUS_CODE_UNSET';
  usage?: { input_tokens: number; output_tokens: number; total_tokens?: number };
  attributes?: Record<string, unknown>;
}

export const T0_MS = Date.parse('2026-03-02T10:15:30.250Z');

/** One MLflow trace `{info, data: {spans}}` with base64 ids and JSON-encoded attribute values. */
export function mlflowTrace(
  traceHex: string,
  spans: MlflowSpanSpec[],
  info: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    info: {
      trace_id: `tr-${traceHex}`,
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '999999' } },
      request_time: new Date(T0_MS).toISOString(),
      state: 'OK',
      trace_metadata: { 'mlflow.trace_schema.version': '3' },
      tags: { 'mlflow.traceName': spans[0]?.name ?? 'trace' },
      assessments: [],
      ...info,
    },
    data: { spans: spans.map((s) => mlflowSpan(traceHex, s)) },
  };
}

function mlflowSpan(traceHex: string, s: MlflowSpanSpec): Record<string, unknown> {
  const attributes: Record<string, string> = {
    'mlflow.traceRequestId': JSON.stringify(`tr-${traceHex}`),
    'mlflow.spanType': JSON.stringify(s.type ?? 'CHAIN'),
  };
  if (s.inputs !== undefined) attributes['mlflow.spanInputs'] = JSON.stringify(s.inputs);
  if (s.outputs !== undefined) attributes['mlflow.spanOutputs'] = JSON.stringify(s.outputs);
  if (s.usage) attributes['mlflow.chat.tokenUsage'] = JSON.stringify(s.usage);
  for (const [key, value] of Object.entries(s.attributes ?? {})) attributes[key] = JSON.stringify(value);
  const startNs = BigInt(T0_MS + (s.startMs ?? 0)) * 1_000_000n;
  const endMs = s.endMs === undefined ? (s.startMs ?? 0) + 100 : s.endMs;
  return {
    trace_id: b64(traceHex),
    span_id: b64(spanHex(s.id)),
    parent_span_id: s.parent == null ? null : b64(spanHex(s.parent)),
    name: s.name ?? `span-${s.id}`,
    // As text: nanosecond times exceed 2^53 and would lose digits as JSON numbers.
    start_time_unix_nano: startNs.toString(),
    end_time_unix_nano: endMs === null ? null : (BigInt(T0_MS + endMs) * 1_000_000n).toString(),
    status: { code: s.status ?? 'STATUS_CODE_OK', message: '' },
    events: [],
    attributes,
  };
}

/** A chat agent trace: AGENT root, RETRIEVER and CHAT_MODEL children, usage on the chat span. */
export function chatTrace(traceHex: string, question = 'What is our refund window?', answer = 'Within 30 days.') {
  return mlflowTrace(traceHex, [
    {
      id: 1,
      name: 'answer_question',
      type: 'AGENT',
      inputs: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }] },
      outputs: { choices: [{ message: { role: 'assistant', content: answer } }] },
      endMs: 842,
    },
    {
      id: 2,
      parent: 1,
      name: 'retrieve',
      type: 'RETRIEVER',
      inputs: { query: question },
      outputs: [{ page_content: 'Refunds within 30 days.', metadata: { doc_uri: 'kb/refunds.md', chunk_id: '1' }, id: 'd1' }],
      startMs: 10,
      endMs: 60,
    },
    {
      id: 3,
      parent: 1,
      name: 'chat',
      type: 'CHAT_MODEL',
      inputs: { messages: [{ role: 'user', content: question }] },
      outputs: { choices: [{ message: { role: 'assistant', content: answer } }] },
      usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150 },
      startMs: 70,
      endMs: 800,
    },
  ]);
}

type OtlpValue = { stringValue: string } | { intValue: number } | { doubleValue: number } | { boolValue: boolean };

/** An OTLP attribute list from a plain object (strings, integers, doubles, booleans). */
export function otlpAttributes(values: Record<string, string | number | boolean>): Array<{ key: string; value: OtlpValue }> {
  return Object.entries(values).map(([key, v]) => ({
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: v }
            : { doubleValue: v },
  }));
}

export interface OtlpSpanSpec {
  id: number;
  parent?: number;
  name: string;
  startMs: number;
  endMs?: number;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
}

/** An OTLP/JSON ExportTraceServiceRequest (hex ids, nanosecond times as text). */
export function otlpJsonRequest(
  traceHex: string,
  spans: OtlpSpanSpec[],
  resource: Record<string, string> = { 'service.name': 'rag-app' },
): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: otlpAttributes(resource) },
        scopeSpans: [
          {
            scope: { name: 'test', version: '1' },
            spans: spans.map((s) => ({
              traceId: traceHex,
              spanId: spanHex(s.id),
              ...(s.parent ? { parentSpanId: spanHex(s.parent) } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: (BigInt(T0_MS + s.startMs) * 1_000_000n).toString(),
              ...(s.endMs !== undefined ? { endTimeUnixNano: (BigInt(T0_MS + s.endMs) * 1_000_000n).toString() } : {}),
              attributes: otlpAttributes(s.attributes ?? {}),
              status: { code: s.error ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}
