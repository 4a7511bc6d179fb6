/**
 * The real OpenTelemetry JS SDK, exporting a small RAG span tree to a listening Assay over
 * OTLP/HTTP in protobuf and in JSON. What lands must read as the trace the application produced.
 */
import { context, trace, type Span as OtelSpan, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { Json } from '../support/trace-payloads.ts';

const DOCS = [
  { id: 'kb-7', content: 'Refunds are accepted within 30 days.', score: 0.92, uri: 'kb/refunds.md' },
  { id: 'kb-9', content: 'Shipping takes 3 to 5 days.', score: 0.41, uri: 'kb/shipping.md' },
];

/** A RAG request as an instrumented app would trace it: OpenInference and GenAI attributes mixed. */
function traceRagRequest(provider: BasicTracerProvider): string {
  const tracer = provider.getTracer('rag-app', '1.0.0');
  const root = tracer.startSpan('rag-pipeline', {
    attributes: {
      'openinference.span.kind': 'CHAIN',
      'input.value': JSON.stringify({ question: 'What is the refund window?' }),
      'input.mime_type': 'application/json',
      'session.id': 'session-42',
      'user.id': 'user-7',
    },
  });
  const inRoot = trace.setSpan(context.active(), root);
  const child = (name: string, attributes: Record<string, string | number>, work?: (span: OtelSpan) => void) => {
    const span = tracer.startSpan(name, { attributes }, inRoot);
    work?.(span);
    span.end();
  };
  child('retrieve', {
    'openinference.span.kind': 'RETRIEVER',
    'input.value': 'refund window',
    ...Object.fromEntries(
      DOCS.flatMap((d, i) => [
        [`retrieval.documents.${i}.document.id`, d.id],
        [`retrieval.documents.${i}.document.content`, d.content],
        [`retrieval.documents.${i}.document.score`, d.score],
        [`retrieval.documents.${i}.document.metadata`, JSON.stringify({ uri: d.uri })],
      ]),
    ),
  });
  child('rewrite-query', {
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4.1-nano',
    'input.value': 'refund window?',
    'output.value': 'refund window',
    'llm.token_count.prompt': 20,
    'llm.token_count.completion': 5,
    'llm.token_count.total': 25,
  });
  child('chat gpt-4.1-mini', {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4.1-mini',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is the refund window?' }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: '30 days.' }] }]),
    'gen_ai.usage.input_tokens': 300,
    'gen_ai.usage.output_tokens': 12,
  });
  child('lookup-order', { 'gen_ai.operation.name': 'execute_tool' }, (span) => {
    span.recordException(new Error('order service down'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'order service down' });
  });
  root.setAttribute('output.value', 'Refunds are accepted within 30 days.');
  root.end();
  return `tr-${root.spanContext().traceId}`;
}

describe('OpenTelemetry SDK → Assay over OTLP/HTTP', () => {
  let t: TestApp;
  let baseUrl: string;
  let experimentId: string;
  let writer: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    writer = await t.tokenHeaders('writer', 'otel-app');
    baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'otel' } });
    experimentId = res.json().experiment_id;
  });
  afterAll(async () => t?.close());

  async function exportWith(exporter: SpanExporter, batch: boolean, resource: Record<string, string> = {}): Promise<string> {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'rag-app', ...resource }),
      spanProcessors: [batch ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter)],
    });
    const traceId = traceRagRequest(provider);
    await provider.forceFlush();
    await provider.shutdown();
    return traceId;
  }

  async function readTrace(traceId: string): Promise<Json> {
    const res = await fetch(`${baseUrl}/api/v1/traces/${traceId}`, { headers: writer });
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  }

  function expectRagTrace(stored: Json, experiment: string) {
    expect(stored.info).toMatchObject({
      experiment_id: experiment,
      state: 'OK',
      request_preview: 'What is the refund window?',
      response_preview: 'Refunds are accepted within 30 days.',
      trace_metadata: { 'mlflow.trace.session': 'session-42', 'mlflow.trace.user': 'user-7' },
      token_usage: { input_tokens: 320, output_tokens: 17, total_tokens: 337 },
    });
    const spans: Json[] = stored.data.spans;
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect(spans).toHaveLength(5);
    const root = byName.get('rag-pipeline')!;
    expect(root).toMatchObject({ parent_span_id: null, span_type: 'CHAIN', inputs: { question: 'What is the refund window?' } });
    expect(root.outputs).toBe('Refunds are accepted within 30 days.');
    for (const s of spans) if (s !== root) expect(s.parent_span_id).toBe(root.span_id);

    const retriever = byName.get('retrieve')!;
    expect(retriever.span_type).toBe('RETRIEVER');
    expect(retriever.inputs).toBe('refund window');
    expect(retriever.outputs).toEqual(
      DOCS.map((d) => ({ page_content: d.content, metadata: expect.objectContaining({ doc_uri: d.uri, score: d.score }), id: d.id })),
    );
    expect(byName.get('rewrite-query')).toMatchObject({ span_type: 'LLM', outputs: 'refund window' });
    const chat = byName.get('chat gpt-4.1-mini')!;
    expect(chat.span_type).toBe('CHAT_MODEL');
    expect(chat.attributes['mlflow.chat.tokenUsage']).toEqual({ input_tokens: 300, output_tokens: 12, total_tokens: 312 });
    expect(chat.attributes['mlflow.llm.model']).toBe('gpt-4.1-mini');
    expect(chat.outputs).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: '30 days.' }] }]);
    const tool = byName.get('lookup-order')!;
    expect(tool).toMatchObject({ span_type: 'TOOL', status: { code: 'STATUS_CODE_ERROR', message: 'order service down' } });
    expect(tool.events).toEqual([
      expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.message': 'order service down' }) }),
    ]);
  }

  const headers = () => ({ ...writer, 'x-assay-experiment-id': experimentId });

  it('protobuf, one span per request (SimpleSpanProcessor): the trace completes when its root arrives', async () => {
    const exporter = new ProtoExporter({ url: `${baseUrl}/v1/traces`, headers: headers() });
    expectRagTrace(await readTrace(await exportWith(exporter, false)), experimentId);
  });

  it('protobuf, batched (BatchSpanProcessor)', async () => {
    const exporter = new ProtoExporter({ url: `${baseUrl}/v1/traces`, headers: headers() });
    expectRagTrace(await readTrace(await exportWith(exporter, true)), experimentId);
  });

  it('JSON, one span per request and batched', async () => {
    for (const batch of [false, true]) {
      const exporter = new JsonExporter({ url: `${baseUrl}/v1/traces`, headers: headers() });
      expectRagTrace(await readTrace(await exportWith(exporter, batch)), experimentId);
    }
  });

  it('takes the experiment from the resource attribute, and x-mlflow-experiment-id', async () => {
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'otel-2' } });
    const otherId: string = other.json().experiment_id;
    const viaResource = new ProtoExporter({ url: `${baseUrl}/v1/traces`, headers: writer });
    expectRagTrace(await readTrace(await exportWith(viaResource, true, { 'assay.experiment_id': otherId })), otherId);

    const viaMlflowHeader = new JsonExporter({ url: `${baseUrl}/v1/traces`, headers: { ...writer, 'x-mlflow-experiment-id': otherId } });
    expectRagTrace(await readTrace(await exportWith(viaMlflowHeader, true)), otherId);
  });
});
