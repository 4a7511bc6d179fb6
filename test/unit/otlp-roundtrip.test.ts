/**
 * The real OpenTelemetry SDK and OTLP serializers produce the request; Assay's decoder and mapping
 * read it back, for both OTLP/HTTP encodings.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace as otelTrace, type Span as OtelSpan } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeOtlpRequest } from '../../src/api/otlp-decode.ts';
import { mapOtlpSpans } from '../../src/domain/otlp-mapping.ts';
import { summarizeTrace } from '../../src/domain/trace-summary.ts';
import type { IncomingTrace, Span } from '../../src/domain/trace.ts';

const T0 = 1772446530250;

function recordSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot', 'assay.experiment_id': '7' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('openinference-test');
  const child = (parent: OtelSpan, name: string, attributes: Record<string, string | number | boolean | string[]>, at: number) =>
    tracer.startSpan(name, { attributes, startTime: at }, otelTrace.setSpan(ROOT_CONTEXT, parent));

  // An OpenInference RAG tree: CHAIN → RETRIEVER, LLM.
  const root = tracer.startSpan('rag', {
    startTime: T0,
    attributes: {
      'openinference.span.kind': 'CHAIN',
      'input.value': JSON.stringify({ query: 'How long do I have to return an item?' }),
      'input.mime_type': 'application/json',
      'output.value': 'You have 30 days.',
      'output.mime_type': 'text/plain',
      'session.id': 'sess-42',
      'user.id': 'user-7',
    },
  });
  const retriever = child(root, 'retrieve', {
    'openinference.span.kind': 'RETRIEVER',
    'input.value': 'return window',
    'retrieval.documents.0.document.id': 'doc-1',
    'retrieval.documents.0.document.content': 'Refunds are accepted within 30 days.',
    'retrieval.documents.0.document.score': 0.92,
    'retrieval.documents.0.document.metadata': JSON.stringify({ doc_uri: 'https://docs.example.com/refunds', chunk_id: 'c1' }),
    'retrieval.documents.1.document.id': 'doc-2',
    'retrieval.documents.1.document.content': 'Store credit after 30 days.',
    'retrieval.documents.1.document.metadata': JSON.stringify({ uri: 'https://docs.example.com/credit' }),
  }, T0 + 10);
  retriever.end(T0 + 200);
  const llm = child(root, 'llm', {
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o-mini',
    'llm.token_count.prompt': 812,
    'llm.token_count.completion': 15,
    'llm.token_count.total': 827,
    'input.value': JSON.stringify({ messages: [{ role: 'user', content: 'Context…\nHow long do I have to return an item?' }] }),
    'input.mime_type': 'application/json',
    'output.value': JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'You have 30 days.' } }] }),
    'output.mime_type': 'application/json',
    tags: ['rag', 'prod'],
    streaming: false,
  }, T0 + 210);
  llm.end(T0 + 1400);
  root.end(T0 + 1500);

  // A GenAI chat span of another trace, failed.
  const chat = tracer.startSpan('chat gpt-4o', {
    startTime: T0 + 5000,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Say hi' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Hi!' }], finish_reason: 'stop' }]),
    },
  });
  chat.recordException(new TypeError('upstream closed'), T0 + 5100);
  chat.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream closed' });
  chat.end(T0 + 5200);
  return exporter.getFinishedSpans();
}

const spans = recordSpans();
const encodings = [
  ['protobuf', 'application/x-protobuf', () => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? [])],
  ['json', 'application/json; charset=utf-8', () => Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? [])],
] as const;

describe.each(encodings)('OTLP round trip (%s)', (_name, contentType, encode) => {
  const traces = mapOtlpSpans(decodeOtlpRequest(encode(), contentType));
  const rag = traces.find((t) => t.spans.length === 3) as IncomingTrace;
  const chat = traces.find((t) => t.spans.length === 1) as IncomingTrace;
  const byName = (name: string) => rag.spans.find((s) => s.name === name) as Span;

  it('groups spans by trace with tr- ids and keeps the SDK ids', () => {
    expect(traces).toHaveLength(2);
    const sdkRoot = spans.find((s) => s.name === 'rag') as ReadableSpan;
    expect(rag.trace_id).toBe(`tr-${sdkRoot.spanContext().traceId}`);
    expect(byName('rag').span_id).toBe(sdkRoot.spanContext().spanId);
    expect(byName('rag').parent_span_id).toBeNull();
    expect(byName('llm').parent_span_id).toBe(sdkRoot.spanContext().spanId);
    expect(byName('rag').start_time_ns).toBe(BigInt(T0) * 1_000_000n);
    expect(byName('rag').end_time_ns).toBe(BigInt(T0 + 1500) * 1_000_000n);
  });

  it('reads the experiment and session/user from the resource and spans', () => {
    expect(rag.experiment_hint).toBe('7');
    expect(rag.info).toEqual({
      trace_metadata: { 'mlflow.trace.session': 'sess-42', 'mlflow.trace.user': 'user-7', 'service.name': 'support-bot' },
    });
    expect(chat.info).toEqual({ trace_metadata: { 'service.name': 'support-bot' } });
  });

  it('maps OpenInference span kinds, inputs and outputs', () => {
    expect(rag.spans.map((s) => s.span_type)).toEqual(['RETRIEVER', 'LLM', 'CHAIN']);
    expect(byName('rag').inputs).toEqual({ query: 'How long do I have to return an item?' });
    expect(byName('rag').outputs).toBe('You have 30 days.');
    expect(byName('llm').outputs).toEqual({ choices: [{ message: { role: 'assistant', content: 'You have 30 days.' } }] });
    expect(byName('llm').attributes).toMatchObject({ tags: ['rag', 'prod'], streaming: false, 'mlflow.llm.model': 'gpt-4o-mini' });
  });

  it('turns retrieval.documents into MLflow retriever outputs', () => {
    expect(byName('retrieve').outputs).toEqual([
      { page_content: 'Refunds are accepted within 30 days.', metadata: { doc_uri: 'https://docs.example.com/refunds', chunk_id: 'c1', score: 0.92 }, id: 'doc-1' },
      { page_content: 'Store credit after 30 days.', metadata: { uri: 'https://docs.example.com/credit', doc_uri: 'https://docs.example.com/credit' }, id: 'doc-2' },
    ]);
  });

  it('normalizes token usage and summarizes the trace', () => {
    expect(byName('llm').attributes['mlflow.chat.tokenUsage']).toEqual({ input_tokens: 812, output_tokens: 15, total_tokens: 827 });
    expect(summarizeTrace(rag.spans, rag.info)).toMatchObject({
      state: 'OK',
      execution_duration_ms: 1500,
      request_preview: 'How long do I have to return an item?',
      response_preview: 'You have 30 days.',
      total_tokens: 827,
    });
  });

  it('maps a GenAI chat span: type, messages, usage, model, error status and exception', () => {
    const [span] = chat.spans;
    expect(span).toMatchObject({ span_type: 'CHAT_MODEL', status_code: 'ERROR', status_message: 'upstream closed' });
    expect(span?.inputs).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Say hi' }] }]);
    expect(span?.attributes['mlflow.chat.tokenUsage']).toEqual({ input_tokens: 11, output_tokens: 7, total_tokens: 18 });
    expect(span?.attributes['mlflow.llm.model']).toBe('gpt-4o-2024-08-06');
    expect(span?.events).toEqual([
      {
        name: 'exception',
        time_unix_nano: (T0 + 5100) * 1e6,
        attributes: expect.objectContaining({ 'exception.type': 'TypeError', 'exception.message': 'upstream closed' }),
      },
    ]);
    expect(summarizeTrace(chat.spans, chat.info)).toMatchObject({ state: 'ERROR', request_preview: 'Say hi', response_preview: 'Hi!' });
  });
});
