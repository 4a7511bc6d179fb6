/**
 * MLflow's JSON both ways: `GET /api/v1/traces/{id}?format=mlflow` writes a trace as MLflow's
 * `Trace.to_json()` does, and posting that document to another Assay gives back the same trace
 * (and the same document); MLflow's `{"assessment": {...}}` wrapper on assessment creation.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newTraceHex, otlpJsonRequest, type Json } from '../support/trace-payloads.ts';

const RAG = readFileSync(new URL('../fixtures/mlflow-rag-trace.json', import.meta.url), 'utf8');
const RESERVED = ['mlflow.traceRequestId', 'mlflow.spanType', 'mlflow.spanInputs', 'mlflow.spanOutputs'];
const SPAN_KEYS = ['attributes', 'end_time_unix_nano', 'events', 'name', 'parent_span_id', 'span_id', 'start_time_unix_nano', 'status', 'trace_id'];

describe('MLflow trace JSON out and back in', () => {
  let a: TestApp;
  let b: TestApp;
  let fromA: string;
  let intoB: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp(), startTestApp()]);
    const experiment = async (t: TestApp) =>
      (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'mlflow-json' } })).json().experiment_id as string;
    [fromA, intoB] = await Promise.all([experiment(a), experiment(b)]);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  const exportFrom = async (t: TestApp, id: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${id}?format=mlflow` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.body;
  };
  const assayJson = async (t: TestApp, id: string): Promise<Json> => (await t.app.inject({ method: 'GET', url: `/api/v1/traces/${id}` })).json();
  const importInto = async (t: TestApp, experimentId: string, text: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, headers: { 'content-type': 'application/json' }, payload: text });

  /** An Assay trace without what differs between two installs, and MLflow's reserved span attributes. */
  const comparable = (trace: Json) => ({
    info: { ...trace.info, experiment_id: undefined, trace_location: undefined },
    data: {
      spans: trace.data.spans.map((s: Json) => ({
        ...s,
        attributes: Object.fromEntries(Object.entries(s.attributes).filter(([k]) => !RESERVED.includes(k))),
      })),
    },
  });

  async function roundTrip(traceId: string): Promise<{ exported: Json; text: string }> {
    const text = await exportFrom(a, traceId);
    const imported = await importInto(b, intoB, text);
    expect(imported.statusCode, imported.body).toBe(200);
    // The same trace in the other install, and the same document when exported again.
    expect(comparable(await assayJson(b, traceId))).toEqual(comparable(await assayJson(a, traceId)));
    const again = await exportFrom(b, traceId);
    expect(again).toBe(text.replace(`"experiment_id":"${fromA}"`, `"experiment_id":"${intoB}"`));
    return { exported: JSON.parse(text) as Json, text };
  }

  it('writes an MLflow-imported trace as MLflow does, with its assessments, and reads it back unchanged', async () => {
    expect((await importInto(a, fromA, RAG)).statusCode).toBe(200);
    const traceId = 'tr-9a8b7c6d5e4f30211203f4e5d6c7b8a9';
    const created = await a.app.inject({
      method: 'POST',
      url: `/api/v1/traces/${traceId}/assessments`,
      payload: { assessment: { assessment_name: 'helpful', trace_id: traceId, source: { source_type: 'HUMAN', source_id: 'ana' }, feedback: { value: true } } },
    });
    expect(created.statusCode, created.body).toBe(201);

    const { exported, text } = await roundTrip(traceId);
    expect(Object.keys(exported)).toEqual(['info', 'data']);
    expect(exported.info).toMatchObject({
      trace_id: traceId,
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: fromA } },
      request_time: '2026-03-02T10:00:00.000Z',
      state: 'OK',
      trace_metadata: { 'mlflow.sourceRun': 'run-3' },
      tags: { 'mlflow.traceName': 'rag_pipeline' },
    });
    expect(exported.info.assessments.map((x: Json) => x.assessment_name).sort()).toEqual(['groundedness', 'helpful']);
    const [root, search] = exported.data.spans as Json[];
    expect(Object.keys(root!).sort()).toEqual(SPAN_KEYS);
    expect(root).toMatchObject({
      trace_id: Buffer.from('9a8b7c6d5e4f30211203f4e5d6c7b8a9', 'hex').toString('base64'),
      span_id: Buffer.from('aa00000000000001', 'hex').toString('base64'),
      parent_span_id: null,
      name: 'rag_pipeline',
      status: { code: 'STATUS_CODE_OK', message: '' },
      events: [],
    });
    expect(search!.parent_span_id).toBe(root!.span_id);
    // Every attribute value is JSON text; the reserved ones carry the span's type, inputs and outputs.
    for (const value of Object.values(root!.attributes)) expect(typeof value).toBe('string');
    expect(root!.attributes).toMatchObject({
      'mlflow.traceRequestId': JSON.stringify(traceId),
      'mlflow.spanType': '"CHAIN"',
      'mlflow.spanInputs': JSON.stringify({ query: 'How long do I have to return an item?' }),
      'mlflow.spanOutputs': JSON.stringify('You have 30 days to request a refund.'),
    });
    // Times are integers, written exactly.
    expect(text).toContain('"start_time_unix_nano":1772446530250000000,"end_time_unix_nano":1772446531750000000');
  });

  it('writes an OTLP trace (nanosecond times, events, token usage) that re-imports unchanged', async () => {
    const hex = newTraceHex();
    const otlp = otlpJsonRequest(hex, [
      { id: 1, name: 'agent', startMs: 0, endMs: 900, attributes: { 'openinference.span.kind': 'AGENT', 'input.value': 'plan a trip' } },
      { id: 2, parent: 1, name: 'chat', startMs: 10, endMs: 800, error: true, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 9 } },
    ]) as Json;
    const spans = otlp.resourceSpans[0].scopeSpans[0].spans as Json[];
    spans[0]!.startTimeUnixNano = '1772446530250000123';
    spans[1]!.events = [{ name: 'exception', timeUnixNano: '1772446530260000000', attributes: [{ key: 'exception.message', value: { stringValue: 'quota' } }] }];
    const sent = await a.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'x-assay-experiment-id': fromA }, payload: otlp });
    expect(sent.statusCode).toBe(200);

    const { exported, text } = await roundTrip(hex);
    expect(text).toContain('"start_time_unix_nano":1772446530250000123');
    const chat = (exported.data.spans as Json[]).find((s) => s.name === 'chat')!;
    expect(chat.status.code).toBe('STATUS_CODE_ERROR');
    expect(JSON.parse(chat.attributes['mlflow.chat.tokenUsage'])).toEqual({ input_tokens: 40, output_tokens: 9, total_tokens: 49 });
    expect(chat.events).toEqual([{ name: 'exception', time_unix_nano: 1772446530260000000, attributes: { 'exception.message': 'quota' } }]);
    expect(exported.info.trace_metadata).toEqual({ 'service.name': 'rag-app' });
    expect((await assayJson(b, hex)).info.token_usage).toEqual({ input_tokens: 40, output_tokens: 9, total_tokens: 49 });
  });

  it('refuses an unknown format, naming the parameter', async () => {
    const res = await a.app.inject({ method: 'GET', url: '/api/v1/traces/tr-9a8b7c6d5e4f30211203f4e5d6c7b8a9?format=otlp' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe("format: must be 'assay' or 'mlflow'");
  });

  it("names the wrapped field in errors of MLflow's assessment wrapper", async () => {
    const url = '/api/v1/traces/tr-9a8b7c6d5e4f30211203f4e5d6c7b8a9/assessments';
    const cases: Array<[unknown, string]> = [
      [{ assessment: { assessment_name: 'x' } }, 'assessment.feedback: give exactly one of feedback or expectation'],
      [{ assessment: { assessment_name: 'x', feedback: {} } }, 'assessment.feedback.value: a feedback needs a value or an error'],
      [{ assessment: 'yes' }, 'assessment: must be an assessment object'],
      [{ assessment: { assessment_name: 'x', feedback: { value: 1 } }, rationale: 'r' }, 'rationale: put it inside assessment, or send the assessment without the wrapper'],
    ];
    for (const [payload, message] of cases) {
      const res = await a.app.inject({ method: 'POST', url, payload: payload as Json });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe(message);
    }
    const badSource = await a.app.inject({
      method: 'POST',
      url,
      payload: { assessment: { assessment_name: 'x', feedback: { value: 1 }, source: { source_type: 'ROBOT' } } },
    });
    expect(badSource.json().message).toMatch(/^assessment\.source\.source_type: /);
  });
});
