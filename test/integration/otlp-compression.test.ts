/**
 * OTLP/HTTP as real senders send it: gzip-compressed by the OpenTelemetry JS exporters, deflate and
 * x-gzip by hand; corrupt, oversized (a zip bomb) and unsupported encodings refused with nothing
 * written; the resource's service.name kept and searchable; a trace found by its raw OTel id; and
 * OTLP's partial success when some spans of an export are bad.
 */
import { gzipSync, deflateSync, deflateRawSync } from 'node:zlib';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newTraceHex, otlpJsonRequest, spanHex, type Json } from '../support/trace-payloads.ts';

const BODY_LIMIT = 256 * 1024;

type PbType = {
  fromObject(o: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: unknown, o?: unknown): Json;
};
const v1 = (otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: Record<string, PbType> } } } } }).opentelemetry.proto
  .collector.trace.v1;

describe('OTLP/HTTP compression, ids and partial success', () => {
  let t: TestApp;
  let baseUrl: string;
  let experimentId: string;
  let writer: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
    writer = await t.tokenHeaders('writer', 'otel-app');
    baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'otlp-gzip' } });
    experimentId = res.json().experiment_id;
  });
  afterAll(async () => t?.close());

  const traceCount = async () => Number((await t.ctx.db.selectFrom('assay.trace').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  async function exportOne(exporter: SpanExporter, service: string): Promise<string> {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const root = provider.getTracer('app').startSpan('answer', { attributes: { 'input.value': 'hi', 'output.value': 'hello' } });
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    return root.spanContext().traceId;
  }

  const get = (path: string) => fetch(`${baseUrl}${path}`, { headers: writer });
  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${baseUrl}/v1/traces`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { ...writer, 'x-assay-experiment-id': experimentId, ...headers } });

  it('takes gzip from the real exporters (protobuf and JSON) and keeps service.name', async () => {
    const headers = { ...writer, 'x-assay-experiment-id': experimentId };
    const proto = await exportOne(new ProtoExporter({ url: `${baseUrl}/v1/traces`, headers, compression: 'gzip' as never }), 'checkout-api');
    const json = await exportOne(new JsonExporter({ url: `${baseUrl}/v1/traces`, headers, compression: 'gzip' as never }), 'search-api');
    for (const [hex, service] of [[proto, 'checkout-api'], [json, 'search-api']] as const) {
      const res = await get(`/api/v1/traces/tr-${hex}`);
      expect(res.status).toBe(200);
      const stored = (await res.json()) as Json;
      expect(stored.info).toMatchObject({ state: 'OK', request_preview: 'hi', trace_metadata: { 'service.name': service } });
      expect(stored.data.spans).toHaveLength(1);
    }
    const search = await fetch(`${baseUrl}/api/v1/traces/search`, {
      method: 'POST',
      headers: { ...writer, 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [experimentId], filter_string: "metadata.`service.name` = 'checkout-api'" }),
    });
    expect(search.status).toBe(200);
    expect(((await search.json()) as Json).traces.map((tr: Json) => tr.trace_id)).toEqual([`tr-${proto}`]);
  });

  it('takes deflate (zlib and raw) and x-gzip', async () => {
    const encodings: Array<[string, (b: Buffer) => Buffer]> = [
      ['deflate', deflateSync],
      ['deflate', deflateRawSync],
      ['x-gzip', gzipSync],
      ['GZIP', gzipSync],
    ];
    for (const [encoding, compress] of encodings) {
      const hex = newTraceHex();
      const body = Buffer.from(JSON.stringify(otlpJsonRequest(hex, [{ id: 1, name: 'root', startMs: 0, endMs: 5 }])));
      const res = await post(compress(body), { 'content-type': 'application/json', 'content-encoding': encoding });
      expect(res.status, encoding).toBe(200);
      expect((await get(`/api/v1/traces/tr-${hex}`)).status).toBe(200);
    }
  });

  it('refuses corrupt, truncated, oversized and unsupported bodies, writing nothing', async () => {
    const before = await traceCount();
    const body = Buffer.from(JSON.stringify(otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'root', startMs: 0, endMs: 5 }])));

    const corrupt = await post(Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(((await corrupt.json()) as Json).message).toMatch(/^body: not a valid gzip stream/);

    const truncated = await post(gzipSync(body).subarray(0, 40), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as Json).message).toMatch(/^body: not a valid gzip stream/);

    // 64 MiB of zeros is about 64 KB gzipped: under the limit on the wire, 256 times over it inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(BODY_LIMIT);
    const tooBig = await post(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: `body: larger than the body limit of ${BODY_LIMIT} bytes once decompressed (ASSAY_BODY_LIMIT_BYTES)`,
    });

    // Over the limit on the wire already: the same message.
    const plain = await post(Buffer.alloc(BODY_LIMIT + 1), { 'content-type': 'application/x-protobuf' });
    expect(plain.status).toBe(413);
    expect(((await plain.json()) as Json).message).toBe(`body: larger than the body limit of ${BODY_LIMIT} bytes (ASSAY_BODY_LIMIT_BYTES)`);

    const brotli = await post(body, { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(brotli.status).toBe(415);
    expect(((await brotli.json()) as Json).message).toMatch(/^content-encoding: "br" is not supported/);
    expect(await traceCount()).toBe(before);
  });

  it('finds a trace by its raw OTel id, hex or base64, on the per-trace routes', async () => {
    const hex = newTraceHex();
    expect((await post(JSON.stringify(otlpJsonRequest(hex, [{ id: 1, name: 'root', startMs: 0, endMs: 5 }])), { 'content-type': 'application/json' })).status).toBe(200);
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    for (const id of [hex, hex.toUpperCase(), encodeURIComponent(base64), base64.replaceAll('+', '-').replaceAll('/', '_')]) {
      const res = await get(`/api/v1/traces/${id}`);
      expect(res.status, id).toBe(200);
      expect(((await res.json()) as Json).info.trace_id).toBe(`tr-${hex}`);
    }
    const created = await fetch(`${baseUrl}/api/v1/traces/${hex}/assessments`, {
      method: 'POST',
      headers: { ...writer, 'content-type': 'application/json' },
      body: JSON.stringify({ assessment_name: 'helpful', feedback: { value: 'yes' } }),
    });
    expect(created.status).toBe(201);
    const assessment = ((await created.json()) as Json).assessment;
    expect(assessment.trace_id).toBe(`tr-${hex}`);
    expect((await get(`/api/v1/traces/${hex}/assessments/${assessment.assessment_id}`)).status).toBe(200);
    // Body fields that name traces take the raw id too.
    const scored = await fetch(`${baseUrl}/api/v1/scorers/run`, {
      method: 'POST',
      headers: { ...writer, 'content-type': 'application/json' },
      body: JSON.stringify({ scorers: ['latency'], trace_ids: [hex] }),
    });
    expect(scored.status).toBe(200);
    expect(((await scored.json()) as Json).results[0].trace_id).toBe(`tr-${hex}`);
    const missing = await get(`/api/v1/traces/${newTraceHex()}`);
    expect(missing.status).toBe(404);
  });

  it('answers partial success when some spans are bad: the bad trace is left out whole', async () => {
    const good = newTraceHex();
    const bad = newTraceHex();
    const request = otlpJsonRequest(good, [{ id: 1, name: 'root', startMs: 0, endMs: 5 }]) as Json;
    const badRequest = otlpJsonRequest(bad, [
      { id: 1, name: 'root', startMs: 0, endMs: 5 },
      { id: 2, parent: 1, name: 'child', startMs: 4, endMs: 2 },
    ]) as Json;
    request.resourceSpans.push(...badRequest.resourceSpans);
    const res = await post(gzipSync(JSON.stringify(request)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      partialSuccess: { rejectedSpans: 2, errorMessage: 'resourceSpans[1].scopeSpans[0].spans[1].endTimeUnixNano: is before startTimeUnixNano' },
    });
    expect((await get(`/api/v1/traces/tr-${good}`)).status).toBe(200);
    expect((await get(`/api/v1/traces/tr-${bad}`)).status).toBe(404);

    // The same in protobuf: the answer is an ExportTraceServiceResponse with partial_success.
    const other = newTraceHex();
    const pb = v1.ExportTraceServiceRequest!;
    const message = pb.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: Buffer.from(other, 'hex'), spanId: Buffer.from(spanHex(1), 'hex'), name: 'ok', startTimeUnixNano: 1, endTimeUnixNano: 2 },
                { traceId: Buffer.from(newTraceHex(), 'hex'), spanId: Buffer.alloc(8), name: 'zero id', startTimeUnixNano: 1, endTimeUnixNano: 2 },
              ],
            },
          ],
        },
      ],
    });
    const answer = await post(Buffer.from(pb.encode(message).finish()), { 'content-type': 'application/x-protobuf' });
    expect(answer.status).toBe(200);
    const response = v1.ExportTraceServiceResponse!;
    const decoded = response.toObject(response.decode(new Uint8Array(await answer.arrayBuffer())), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: { rejectedSpans: 1, errorMessage: 'resourceSpans[0].scopeSpans[0].spans[1].spanId: must not be all zeros' } });
    expect((await get(`/api/v1/traces/tr-${other}`)).status).toBe(200);
  });
});
