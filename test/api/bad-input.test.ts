/**
 * Bad input is answered with the right 4xx, a message naming the field, and nothing written.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { chatTrace, mlflowTrace, newTraceHex, otlpJsonRequest, type Json } from '../support/trace-payloads.ts';

// Small enough that a modest batch trips it, large enough for ordinary test payloads.
const BODY_LIMIT = 64 * 1024;

describe('bad input', () => {
  let t: TestApp;
  let experimentId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
    experimentId = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'bad' } })).json()
      .experiment_id;
  });
  afterAll(async () => t?.close());

  const post = (payload: unknown, url = `/api/v1/experiments/${experimentId}/traces`) =>
    t.app.inject({ method: 'POST', url, payload: payload as Json });

  async function rowCounts(): Promise<{ traces: number; spans: number; assessments: number }> {
    const { rows } = await sql<{ traces: number; spans: number; assessments: number }>`
      select (select count(*) from assay.trace)::int as traces,
             (select count(*) from assay.span)::int as spans,
             (select count(*) from assay.assessment)::int as assessments`.execute(t.ctx.db);
    return rows[0]!;
  }

  /** Asserts a 4xx with the error body shape, and returns the message. */
  function expectError(res: { statusCode: number; json(): Json }, status: number, code: string): string {
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error_code).toBe(code);
    expect(typeof body.message).toBe('string');
    return body.message as string;
  }

  it('rejects malformed JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${experimentId}/traces`,
      headers: { 'content-type': 'application/json' },
      payload: '{"info": {"trace_id": ',
    });
    expect(expectError(res, 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^body: /);

    // Prototype-polluting keys are refused on both ingest routes.
    for (const url of [`/api/v1/experiments/${experimentId}/traces`, '/v1/traces']) {
      const polluted = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'x-assay-experiment-id': experimentId },
        payload: '{"resourceSpans": [], "__proto__": {"polluted": true}}',
      });
      expectError(polluted, 400, 'INVALID_PARAMETER_VALUE');
    }
    const otlp = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json', 'x-assay-experiment-id': experimentId },
      payload: '{"resourceSpans": [',
    });
    expect(expectError(otlp, 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^body: /);
  });

  it('names the field of a wrong type', async () => {
    const trace = chatTrace(newTraceHex());
    (trace.info as Json).execution_duration_ms = 'soon';
    expect(expectError(await post(trace), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^info\.execution_duration_ms: /);

    const named = chatTrace(newTraceHex());
    (named.data as Json).spans[1].name = 42;
    expect(expectError(await post(named), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^data\.spans\[1\]\.name: /);

    const state = chatTrace(newTraceHex());
    (state.info as Json).state = 'FINISHED';
    expect(expectError(await post(state), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^info\.state: /);

    expect(expectError(await post([1, 2]), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^body: /);
    expect(expectError(await post({ traces: 'all of them' }), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^traces: /);
  });

  it("answers the datasets documents' search mistakes with the field and the form that works", async () => {
    const search = (body: Json) => post({ experiment_ids: [experimentId], ...body }, '/api/v1/traces/search');
    const attribute = expectError(await search({ filter_string: 'attributes.feedback_score > 0.8' }), 400, 'INVALID_PARAMETER_VALUE');
    expect(attribute).toMatch(/^filter_string: Invalid attribute key 'feedback_score' in 'attributes.feedback_score'/);
    expect(attribute).toContain("feedback is filtered by its name: did you mean 'feedback.feedback_score'?");
    const quoted = expectError(await search({ filter_string: "tag.quality_score < '0.7'" }), 400, 'INVALID_PARAMETER_VALUE');
    expect(quoted).toMatch(/^filter_string: Invalid comparator '<' for 'tag.quality_score' with the value '0.7': .* compare numbers/);
    const extract = expectError(
      await search({ extract_fields: ['span.end_time', 'span.inputs.messages', 'span.outputs.choices.', 'span.attributes'] }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expect(extract).toBe("extract_fields[2]: 'span.outputs.choices.' has an empty part (check for a leading, trailing or doubled dot)");
    expect(expectError(await search({ extract_fields: 'span.end_time' }), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^extract_fields: /);
    // The documents' own examples are accepted as written.
    const ok = await search({
      filter_string: 'tag.quality_score < 0.7 AND feedback.feedback_score > 0.8',
      extract_fields: ['span.end_time', 'span.inputs.messages', 'span.outputs.choices', 'span.attributes.usage.total_tokens'],
    });
    expect(ok.statusCode).toBe(200);
    // A page is held whole in memory: more than 5,000 traces come by page_token.
    expect(expectError(await search({ max_results: 5001 }), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^max_results: .*5000/);
    expect((await search({ max_results: 5000 })).statusCode).toBe(200);
  });

  it('names missing and malformed ids', async () => {
    const noSpanId = chatTrace(newTraceHex());
    delete (noSpanId.data as Json).spans[0].span_id;
    expect(expectError(await post(noSpanId), 400, 'INVALID_PARAMETER_VALUE')).toBe('data.spans[0].span_id: required');

    const noTraceId = { info: { request_time: '2026-03-02T10:15:30Z' }, data: { spans: [] } };
    expect(expectError(await post(noTraceId), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^info\.trace_id: required/);

    const badTraceId = chatTrace(newTraceHex());
    (badTraceId.info as Json).trace_id = 'not-an-id';
    expect(expectError(await post(badTraceId), 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^info\.trace_id: /);

    const otlp = otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'root', startMs: 0, endMs: 1 }]) as Json;
    otlp.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'abcd';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'x-assay-experiment-id': experimentId },
      payload: otlp,
    });
    expect(expectError(res, 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: /);
    expect(await rowCounts()).toEqual({ traces: 0, spans: 0, assessments: 0 });
  });

  it('answers 404 for an unknown experiment, on both ingest routes', async () => {
    const trace = chatTrace(newTraceHex());
    expect(expectError(await post(trace, '/api/v1/experiments/424242/traces'), 404, 'RESOURCE_DOES_NOT_EXIST')).toMatch(
      /^experiment_id: /,
    );
    expectError(await post(trace, '/api/v1/experiments/not-a-number/traces'), 404, 'RESOURCE_DOES_NOT_EXIST');
    const otlp = otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'root', startMs: 0, endMs: 1 }]);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'x-assay-experiment-id': '424242' },
      payload: otlp,
    });
    expectError(unknown, 404, 'RESOURCE_DOES_NOT_EXIST');
    const none = await t.app.inject({ method: 'POST', url: '/v1/traces', payload: otlp });
    expect(expectError(none, 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^x-assay-experiment-id: /);
    expect(await rowCounts()).toEqual({ traces: 0, spans: 0, assessments: 0 });
  });

  it('answers 413 for a body over the limit, JSON or protobuf', async () => {
    const big = { traces: Array.from({ length: 40 }, () => chatTrace(newTraceHex(), 'q'.repeat(2000))) };
    expect(JSON.stringify(big).length).toBeGreaterThan(BODY_LIMIT);
    expect(expectError(await post(big), 413, 'REQUEST_LIMIT_EXCEEDED')).toMatch(/^body: /);
    const protobuf = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf', 'x-assay-experiment-id': experimentId },
      payload: Buffer.alloc(BODY_LIMIT + 1),
    });
    expectError(protobuf, 413, 'REQUEST_LIMIT_EXCEEDED');
    expect(await rowCounts()).toEqual({ traces: 0, spans: 0, assessments: 0 });
  });

  it('rejects duplicate spans and duplicate traces in one payload', async () => {
    const hex = newTraceHex();
    const dup = mlflowTrace(hex, [{ id: 1 }, { id: 2, parent: 1 }, { id: 2, parent: 1 }]);
    expect(expectError(await post(dup), 400, 'INVALID_PARAMETER_VALUE')).toBe(
      'data.spans[2].span_id: duplicate of data.spans[1]',
    );
    const twice = { traces: [chatTrace(hex), chatTrace(hex)] };
    expect(expectError(await post(twice), 400, 'INVALID_PARAMETER_VALUE')).toBe('traces[1].info.trace_id: duplicate of traces[0]');
    expect(await rowCounts()).toEqual({ traces: 0, spans: 0, assessments: 0 });
  });

  it('writes nothing of a batch in which one trace is bad', async () => {
    const traces = [chatTrace(newTraceHex()), chatTrace(newTraceHex()), chatTrace(newTraceHex())];
    (traces[2]!.data as Json).spans[1].end_time_unix_nano = '1';
    const message = expectError(await post({ traces }), 400, 'INVALID_PARAMETER_VALUE');
    expect(message).toBe('traces[2].data.spans[1].end_time_unix_nano: is before start_time_unix_nano');

    const withAssessment = chatTrace(newTraceHex());
    (withAssessment.info as Json).assessments = [{ assessment_name: 'x', feedback: { value: 1 }, source: { source_type: 'ROBOT' } }];
    const bad = await post({ traces: [chatTrace(newTraceHex()), withAssessment] });
    expect(expectError(bad, 400, 'INVALID_PARAMETER_VALUE')).toMatch(/^traces\[1\]\.info\.assessments\[0\]\.source\.source_type: /);
    expect(await rowCounts()).toEqual({ traces: 0, spans: 0, assessments: 0 });
  });

  it('rolls back the whole batch when the database refuses one trace', async () => {
    const other = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'other' } })).json();
    const taken = newTraceHex();
    expect((await post(chatTrace(taken), `/api/v1/experiments/${other.experiment_id}/traces`)).statusCode).toBe(200);
    const before = await rowCounts();

    // The third trace already belongs to another experiment: a conflict, found inside the transaction.
    const res = await post({ traces: [chatTrace(newTraceHex()), chatTrace(newTraceHex()), chatTrace(taken)] });
    expect(expectError(res, 409, 'RESOURCE_CONFLICT')).toMatch(/^trace_id: /);
    expect(await rowCounts()).toEqual(before);
  });

  it('writes nothing of an OTLP request when one resource names an unknown experiment', async () => {
    const known = otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'a', startMs: 0, endMs: 1 }], {
      'assay.experiment_id': experimentId,
    }) as Json;
    const unknown = otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'b', startMs: 0, endMs: 1 }], {
      'assay.experiment_id': '424242',
    }) as Json;
    const before = await rowCounts();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: { resourceSpans: [...known.resourceSpans, ...unknown.resourceSpans] },
    });
    expect(expectError(res, 404, 'RESOURCE_DOES_NOT_EXIST')).toMatch(/424242/);
    expect(await rowCounts()).toEqual(before);
  });

  it('writes nothing of an OTLP request naming two experiments when one of its traces cannot be written', async () => {
    const other = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'bad-other' } })).json().experiment_id as string;
    const taken = newTraceHex();
    const first = otlpJsonRequest(taken, [{ id: 1, name: 'a', startMs: 0, endMs: 1 }], { 'assay.experiment_id': experimentId }) as Json;
    expect((await t.app.inject({ method: 'POST', url: '/v1/traces', payload: first })).statusCode).toBe(200);
    const third = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'bad-third' } })).json().experiment_id as string;
    // One export: a new trace for `other`, and the trace already stored in `experimentId` sent to `third`.
    const fresh = otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'b', startMs: 0, endMs: 1 }], { 'assay.experiment_id': other }) as Json;
    const moved = otlpJsonRequest(taken, [{ id: 2, name: 'c', startMs: 0, endMs: 1 }], { 'assay.experiment_id': third }) as Json;
    const before = await rowCounts();
    const res = await t.app.inject({ method: 'POST', url: '/v1/traces', payload: { resourceSpans: [...fresh.resourceSpans, ...moved.resourceSpans] } });
    expect(expectError(res, 409, 'RESOURCE_CONFLICT')).toMatch(/already belongs to experiment/);
    expect(await rowCounts()).toEqual(before);
  });

  it('rejects an unsupported content type on the OTLP route', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'text/plain', 'x-assay-experiment-id': experimentId },
      payload: 'spans, please',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });
});
