/**
 * OTLP/gRPC `TraceService/Export` as the real OpenTelemetry JS gRPC exporter sends it (gzip,
 * metadata), and as a raw gRPC client sees it: auth by metadata, experiment selection, partial
 * success, corrupt and oversized messages. The last test runs `assay api` as a process: the
 * receiver starts with the API role and stops in the shutdown sequence.
 */
import { context, trace } from '@opentelemetry/api';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpGrpcServer, type OtlpGrpcServer } from '../../src/api/otlp-grpc.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import pg from 'pg';
import { ADMIN_URL } from '../support/database.ts';
import { freePort, spawnAssay } from '../support/spawn-assay.ts';
import { newTraceHex, spanHex, type Json } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

const BODY_LIMIT = 64 * 1024;
/** `ExportResultCode` of @opentelemetry/core. */
const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;
interface ExportResult {
  code: number;
  error?: Error;
}
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

type PbType = {
  fromObject(o: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: unknown, o?: unknown): Json;
};
const v1 = (otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: Record<string, PbType> } } } } }).opentelemetry.proto
  .collector.trace.v1;

function encodeRequest(spans: Json[], resource: Record<string, string> = {}): Buffer {
  const type = v1.ExportTraceServiceRequest!;
  const attributes = Object.entries(resource).map(([key, value]) => ({ key, value: { stringValue: value } }));
  return Buffer.from(type.encode(type.fromObject({ resourceSpans: [{ resource: { attributes }, scopeSpans: [{ spans }] }] })).finish());
}

const span = (traceHex: string, id: number, extra: Json = {}) => ({
  traceId: Buffer.from(traceHex, 'hex'),
  spanId: Buffer.from(spanHex(id), 'hex'),
  name: `span-${id}`,
  startTimeUnixNano: 1_000,
  endTimeUnixNano: 2_000,
  ...extra,
});

describe('OTLP/gRPC receiver', () => {
  let t: TestApp;
  let grpc: OtlpGrpcServer;
  let address: string;
  let experimentId: string;
  let writer: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
    writer = await t.tokenHeaders('writer', 'grpc-app');
    grpc = await startOtlpGrpcServer(t.ctx, '127.0.0.1', 0);
    address = `127.0.0.1:${grpc.port}`;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'grpc' } });
    experimentId = res.json().experiment_id;
  });
  afterAll(async () => {
    await grpc?.close();
    await t?.close();
  });

  const metadataOf = (entries: Record<string, string>) => {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
    return metadata;
  };

  const readTrace = async (traceId: string) => t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}`, headers: writer });

  /** Spans of one small agent trace, made by the real SDK. */
  function makeSpans(service: string, resource: Record<string, string> = {}): { spans: ReadableSpan[]; traceId: string } {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, ...resource }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('agent');
    const root = tracer.startSpan('plan', { attributes: { 'openinference.span.kind': 'AGENT', 'input.value': 'book a table', 'output.value': 'booked' } });
    const child = tracer.startSpan(
      'call-llm',
      { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 12 } },
      trace.setSpan(context.active(), root),
    );
    child.end();
    root.end();
    const spans = memory.getFinishedSpans();
    expect(spans).toHaveLength(2);
    return { spans, traceId: `tr-${root.spanContext().traceId}` };
  }

  const exportWith = (exporter: SpanExporter, spans: ReadableSpan[]) =>
    new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

  it('takes gzip-compressed exports from the real gRPC exporter, with the experiment and token in metadata', async () => {
    const exporter = new GrpcExporter({
      url: `http://${address}`,
      compression: 'gzip' as never,
      metadata: metadataOf({ ...writer, 'x-assay-experiment-id': experimentId }),
    });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'booking-agent' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('agent');
    const root = tracer.startSpan('plan', { attributes: { 'openinference.span.kind': 'AGENT', 'input.value': 'book a table', 'output.value': 'booked' } });
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    const res = await readTrace(`tr-${root.spanContext().traceId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().info).toMatchObject({
      experiment_id: experimentId,
      state: 'OK',
      request_preview: 'book a table',
      response_preview: 'booked',
      trace_metadata: { 'service.name': 'booking-agent' },
    });
    expect(res.json().data.spans[0]).toMatchObject({ name: 'plan', span_type: 'AGENT' });
  });

  it('takes the experiment from x-mlflow-experiment-id or the resource attribute assay.experiment_id', async () => {
    const other = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'grpc-2' } })).json();
    const viaMlflow = makeSpans('a');
    const mlflowExporter = new GrpcExporter({ url: `http://${address}`, metadata: metadataOf({ ...writer, 'x-mlflow-experiment-id': other.experiment_id }) });
    expect((await exportWith(mlflowExporter, viaMlflow.spans)).code).toBe(ExportResultCode.SUCCESS);
    expect((await readTrace(viaMlflow.traceId)).json().info.experiment_id).toBe(other.experiment_id);

    const viaResource = makeSpans('b', { 'assay.experiment_id': other.experiment_id });
    const plain = new GrpcExporter({ url: `http://${address}`, metadata: metadataOf(writer) });
    expect((await exportWith(plain, viaResource.spans)).code).toBe(ExportResultCode.SUCCESS);
    expect((await readTrace(viaResource.traceId)).json().info.experiment_id).toBe(other.experiment_id);

    const nowhere = makeSpans('c');
    const failed = await exportWith(plain, nowhere.spans);
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect(String(failed.error?.message)).toMatch(/x-assay-experiment-id: no experiment given/);
    await Promise.all([mlflowExporter.shutdown(), plain.shutdown()]);
  });

  it('needs a writer token in the authorization metadata once tokens exist', async () => {
    const reader = await t.tokenHeaders('reader', 'grpc-reader');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /UNAUTHENTICATED: authorization: missing bearer token/],
      [{ authorization: 'Bearer not-a-token' }, /UNAUTHENTICATED: authorization: unknown or revoked token/],
      [reader, /PERMISSION_DENIED: token 'grpc-reader' has role 'reader'; this needs 'writer'/],
    ];
    for (const [metadata, message] of cases) {
      const { spans, traceId } = makeSpans('auth');
      const exporter = new GrpcExporter({ url: `http://${address}`, metadata: metadataOf({ ...metadata, 'x-assay-experiment-id': experimentId }) });
      const result = await exportWith(exporter, spans);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(String(result.error?.message)).toMatch(message);
      expect((await readTrace(traceId)).statusCode).toBe(404);
      await exporter.shutdown();
    }
  });

  describe('through a raw gRPC client', () => {
    let client: Client;
    beforeAll(() => {
      client = new Client(address, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 /* gzip */ });
    });
    afterAll(() => client?.close());

    const call = (bytes: Buffer, metadata: Record<string, string> = { ...writer, 'x-assay-experiment-id': experimentId }) =>
      new Promise<{ error: ServiceError | null; response?: Json }>((resolve) => {
        client.makeUnaryRequest(
          EXPORT_PATH,
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          metadataOf(metadata),
          (error, response) => {
            const type = v1.ExportTraceServiceResponse!;
            resolve({ error, ...(response ? { response: type.toObject(type.decode(response), { longs: Number }) } : {}) });
          },
        );
      });

    it('answers partial success when some spans are rejected, writing the good traces whole', async () => {
      const good = newTraceHex();
      const bad = newTraceHex();
      const { error, response } = await call(
        encodeRequest([span(good, 1), span(bad, 1), span(bad, 2, { parentSpanId: Buffer.from(spanHex(1), 'hex'), endTimeUnixNano: 500 })]),
      );
      expect(error).toBeNull();
      expect(response).toEqual({
        partialSuccess: { rejectedSpans: 2, errorMessage: 'resourceSpans[0].scopeSpans[0].spans[2].endTimeUnixNano: is before startTimeUnixNano' },
      });
      expect((await readTrace(`tr-${good}`)).statusCode).toBe(200);
      expect((await readTrace(`tr-${bad}`)).statusCode).toBe(404);

      const fine = await call(encodeRequest([span(newTraceHex(), 1)]));
      expect(fine).toEqual({ error: null, response: {} });
    });

    it('takes deflate-compressed messages too', async () => {
      const deflating = new Client(address, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 1 /* deflate */ });
      const hex = newTraceHex();
      const metadata = metadataOf({ ...writer, 'x-assay-experiment-id': experimentId });
      const error = await new Promise<ServiceError | null>((resolve) =>
        deflating.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, encodeRequest([span(hex, 1)]), metadata, (e) => resolve(e)),
      );
      deflating.close();
      expect(error).toBeNull();
      expect((await readTrace(`tr-${hex}`)).statusCode).toBe(200);
    });

    it('refuses a message that is all bad, corrupt, oversized once decompressed, or names an unknown experiment', async () => {
      const allBad = await call(encodeRequest([span(newTraceHex(), 1, { spanId: Buffer.alloc(8) })]));
      expect(allBad.error).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'resourceSpans[0].scopeSpans[0].spans[0].spanId: must not be all zeros' });

      const corrupt = await call(Buffer.from([0x0a, 0xff, 0xff, 0xff]));
      expect(corrupt.error?.code).toBe(status.INVALID_ARGUMENT);
      expect(corrupt.error?.details).toMatch(/^body: not a valid protobuf ExportTraceServiceRequest/);

      // Compresses to a few hundred bytes, inflates past the 64 KiB limit.
      const big = encodeRequest([span(newTraceHex(), 1, { attributes: [{ key: 'input.value', value: { stringValue: 'x'.repeat(4 * BODY_LIMIT) } }] })]);
      const tooBig = await call(big);
      expect(tooBig.error?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(tooBig.error?.details).toMatch(new RegExp(`larger than ${BODY_LIMIT}`));

      const unknown = await call(encodeRequest([span(newTraceHex(), 1)]), { ...writer, 'x-assay-experiment-id': '424242' });
      expect(unknown.error?.code).toBe(status.NOT_FOUND);
      expect(unknown.error?.details).toMatch(/^experiment_id: /);
    });
  });
});

describe('a taken gRPC port', () => {
  it('fails the start with a message naming ASSAY_OTLP_GRPC_PORT', async () => {
    const t = await startTestApp();
    const first = await startOtlpGrpcServer(t.ctx, '127.0.0.1', 0);
    try {
      await expect(startOtlpGrpcServer(t.ctx, '127.0.0.1', first.port)).rejects.toThrow(
        new RegExp(`^OTLP/gRPC cannot listen on 127\\.0\\.0\\.1:${first.port} .*set ASSAY_OTLP_GRPC_PORT to a free port or 'off'$`),
      );
    } finally {
      await first.close();
      await t.close();
    }
  });
});

describe('assay api serves OTLP/gRPC', () => {
  it('on ASSAY_OTLP_GRPC_PORT, stopping it in the shutdown sequence', { timeout: 180_000 }, async () => {
    const name = `assay_test_grpc_${process.pid}_${Date.now()}`;
    const admin = async (text: string) => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(text).finally(() => client.end());
    };
    await admin(`create database ${name}`);
    const databaseUrl = new URL(ADMIN_URL);
    databaseUrl.pathname = `/${name}`;
    const [port, grpcPort] = [await freePort(), await freePort()];
    const p = spawnAssay(['api'], {
      DATABASE_URL: databaseUrl.toString(),
      ASSAY_PORT: String(port),
      ASSAY_OTLP_GRPC_PORT: String(grpcPort),
      ASSAY_LOG_LEVEL: 'info',
      ASSAY_UI: 'false',
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(() => p.logs().some((l) => l.msg === 'otlp grpc listening'), { timeoutMs: 90_000, what: 'the gRPC receiver' });
      const created = await fetch(`${url}/api/v1/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'grpc-process' }) });
      const { experiment_id } = (await created.json()) as { experiment_id: string };
      const exporter = new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}`, compression: 'gzip' as never, metadata: (() => { const m = new Metadata(); m.set('x-assay-experiment-id', experiment_id); return m; })() });
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const root = provider.getTracer('x').startSpan('hello');
      root.end();
      await provider.forceFlush();
      await provider.shutdown();
      expect((await fetch(`${url}/api/v1/traces/${root.spanContext().traceId}`)).status).toBe(200);

      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      const messages = p.logs().map((l) => l.msg);
      const order = ['shutting down', 'otlp grpc closed', 'api closed', 'database closed', 'stopped'].map((m) => messages.indexOf(m));
      expect(order.every((i) => i >= 0), messages.join(' | ')).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await admin(`drop database if exists ${name} with (force)`);
    }
  });
});
