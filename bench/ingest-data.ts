/**
 * Synthetic RAG traces for the ingest benchmark: five spans each (agent, retriever, LLM, tool,
 * chain), written as MLflow trace JSON batches and as OTLP protobuf export requests.
 */
import { randomBytes } from 'node:crypto';
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';

export const SPANS_PER_TRACE = 5;

interface ProtoType {
  fromObject(value: unknown): object;
  encode(message: object): { finish(): Uint8Array };
}
const exportRequest = (
  otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } } }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** One span of a synthetic trace, in terms both encodings can express. */
interface SpanSpec {
  id: string;
  parent: string | null;
  name: string;
  type: string;
  inputs: unknown;
  outputs: unknown;
  startNs: bigint;
  endNs: bigint;
  usage?: { input_tokens: number; output_tokens: number; total_tokens: number };
}

/** Random id bytes as hex. */
function randomId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function traceSpans(i: number, startMs: number): SpanSpec[] {
  const ns = (offsetMs: number) => BigInt(startMs + offsetMs) * 1_000_000n;
  const span = () => randomId(8);
  const root = span();
  const question = `Question ${i}: what is the refund window for order ${i * 7}?`;
  const answer = `Refunds for order ${i * 7} are accepted within 30 days of delivery.`;
  const docs = [1, 2, 3].map((d) => ({
    page_content: `Policy chunk ${d} for question ${i}. `.repeat(6),
    metadata: { doc_uri: `kb/policy-${d}.md`, chunk_id: String(d) },
    id: `doc-${d}`,
  }));
  return [
    { id: root, parent: null, name: 'answer_question', type: 'AGENT', inputs: { messages: [{ role: 'user', content: question }] }, outputs: { choices: [{ message: { role: 'assistant', content: answer } }] }, startNs: ns(0), endNs: ns(900) },
    { id: span(), parent: root, name: 'retrieve', type: 'RETRIEVER', inputs: { query: question }, outputs: docs, startNs: ns(5), endNs: ns(80) },
    { id: span(), parent: root, name: 'chat', type: 'CHAT_MODEL', inputs: { messages: [{ role: 'system', content: 'Answer from the context.' }, { role: 'user', content: question }] }, outputs: { choices: [{ message: { role: 'assistant', content: answer } }] }, startNs: ns(90), endNs: ns(850), usage: { input_tokens: 512, output_tokens: 40, total_tokens: 552 } },
    { id: span(), parent: root, name: 'lookup_order', type: 'TOOL', inputs: { order_id: i * 7 }, outputs: { status: 'delivered', days_ago: i % 40 }, startNs: ns(82), endNs: ns(88) },
    { id: span(), parent: root, name: 'format', type: 'CHAIN', inputs: { text: answer }, outputs: answer, startNs: ns(851), endNs: ns(899) },
  ];
}

export interface BenchTrace {
  traceHex: string;
  spans: SpanSpec[];
  startMs: number;
}

/** `count` traces a second apart from `base` (ms), numbered from `from`. */
export function makeTraces(count: number, base = Date.parse('2026-03-02T10:00:00Z'), from = 0): BenchTrace[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    const startMs = base + n * 1000;
    return { traceHex: randomId(16), spans: traceSpans(i, startMs), startMs };
  });
}

/** MLflow `Trace.to_json()` form: base64 ids, JSON-encoded attribute values. */
export function mlflowJson(trace: BenchTrace): Record<string, unknown> {
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
  return {
    info: {
      trace_id: `tr-${trace.traceHex}`,
      request_time: new Date(trace.startMs).toISOString(),
      state: 'OK',
      trace_metadata: { 'mlflow.trace_schema.version': '3', 'mlflow.trace.user': 'bench' },
      tags: { 'mlflow.traceName': 'answer_question', environment: 'bench' },
    },
    data: {
      spans: trace.spans.map((s) => ({
        trace_id: b64(trace.traceHex),
        span_id: b64(s.id),
        parent_span_id: s.parent === null ? null : b64(s.parent),
        name: s.name,
        start_time_unix_nano: s.startNs.toString(),
        end_time_unix_nano: s.endNs.toString(),
        status: { code: 'STATUS_CODE_OK', message: '' },
        events: [],
        attributes: {
          'mlflow.traceRequestId': JSON.stringify(`tr-${trace.traceHex}`),
          'mlflow.spanType': JSON.stringify(s.type),
          'mlflow.spanInputs': JSON.stringify(s.inputs),
          'mlflow.spanOutputs': JSON.stringify(s.outputs),
          ...(s.usage ? { 'mlflow.chat.tokenUsage': JSON.stringify(s.usage) } : {}),
        },
      })),
    },
  };
}

/** The REST request body for a batch of traces, already serialised. */
export function restBody(traces: readonly BenchTrace[]): string {
  return JSON.stringify({ traces: traces.map(mlflowJson) });
}

const str = (value: string) => ({ stringValue: value });

/** An OTLP protobuf ExportTraceServiceRequest with OpenInference attributes. */
export function otlpProtobuf(traces: readonly BenchTrace[]): Uint8Array {
  const spans = traces.flatMap((t) =>
    t.spans.map((s) => ({
      traceId: Buffer.from(t.traceHex, 'hex'),
      spanId: Buffer.from(s.id, 'hex'),
      ...(s.parent ? { parentSpanId: Buffer.from(s.parent, 'hex') } : {}),
      name: s.name,
      kind: 1,
      startTimeUnixNano: s.startNs.toString(),
      endTimeUnixNano: s.endNs.toString(),
      attributes: [
        { key: 'openinference.span.kind', value: str(s.type === 'CHAT_MODEL' ? 'LLM' : s.type) },
        { key: 'input.value', value: str(JSON.stringify(s.inputs)) },
        { key: 'input.mime_type', value: str('application/json') },
        { key: 'output.value', value: str(JSON.stringify(s.outputs)) },
        { key: 'output.mime_type', value: str('application/json') },
        ...(s.usage
          ? [
              { key: 'llm.token_count.prompt', value: { intValue: s.usage.input_tokens } },
              { key: 'llm.token_count.completion', value: { intValue: s.usage.output_tokens } },
            ]
          : []),
      ],
      status: { code: 1 },
    })),
  );
  const message = exportRequest.fromObject({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: str('bench') }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }],
  });
  return exportRequest.encode(message).finish();
}

/** Splits `items` into consecutive groups of `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
