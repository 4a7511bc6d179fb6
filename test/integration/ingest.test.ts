/**
 * Trace ingest through the HTTP API, on real Postgres and on embedded PGlite: MLflow JSON (one
 * trace or a batch) and OTLP/JSON spans spread over requests, read back as a user would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { chatTrace, mlflowTrace, newTraceHex, otlpJsonRequest, spanHex, T0_MS, type Json } from '../support/trace-payloads.ts';

describe.each(['postgres', 'pglite'] as const)('ingest on %s', (db) => {
  let t: TestApp;
  let experimentId: string;

  beforeAll(async () => {
    t = await startTestApp({ db });
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'ingest' } });
    expect(created.statusCode).toBe(201);
    experimentId = created.json().experiment_id;
  });
  afterAll(async () => t?.close());

  const post = (payload: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: payload as Json });
  const postOtlp = (payload: unknown) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json', 'x-assay-experiment-id': experimentId },
      payload: payload as Json,
    });
  const getTrace = async (traceId: string): Promise<Json> => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}` });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const spanRows = async (traceId: string) =>
    t.ctx.db.selectFrom('assay.span').select(['span_id', 'outputs']).where('trace_id', '=', traceId).execute();

  it('stores one MLflow trace and reads it back with its spans', async () => {
    const hex = newTraceHex();
    const res = await post(chatTrace(hex));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ traces: 1, spans: 3, trace_ids: [`tr-${hex}`] });

    const trace = await getTrace(`tr-${hex}`);
    // The experiment in the path wins over trace_location in the payload.
    expect(trace.info.experiment_id).toBe(experimentId);
    expect(trace.info).toMatchObject({
      trace_id: `tr-${hex}`,
      state: 'OK',
      request_time: new Date(T0_MS).toISOString(),
      execution_duration_ms: 842,
      tags: { 'mlflow.traceName': 'answer_question' },
      token_usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150 },
    });
    const spans: Json[] = trace.data.spans;
    expect(spans.map((s) => [s.span_id, s.parent_span_id, s.span_type])).toEqual([
      [spanHex(1), null, 'AGENT'],
      [spanHex(2), spanHex(1), 'RETRIEVER'],
      [spanHex(3), spanHex(1), 'CHAT_MODEL'],
    ]);
    expect(spans[1]?.outputs).toEqual([
      { page_content: 'Refunds within 30 days.', metadata: { doc_uri: 'kb/refunds.md', chunk_id: '1' }, id: 'd1' },
    ]);
    expect(spans[0]?.start_time_unix_nano).toBe((BigInt(T0_MS) * 1_000_000n).toString());
  });

  it('computes previews: last user message, assistant answer, JSON text cut at 1,000 characters', async () => {
    const chat = newTraceHex();
    await post(chatTrace(chat, 'How long do refunds take?', 'About a week.'));
    const info = (await getTrace(`tr-${chat}`)).info;
    expect(info.request_preview).toBe('How long do refunds take?');
    expect(info.response_preview).toBe('About a week.');

    const plain = newTraceHex();
    const long = 'x'.repeat(3000);
    await post(mlflowTrace(plain, [{ id: 1, inputs: { numbers: [1, 2] }, outputs: { blob: long } }]));
    const plainInfo = (await getTrace(`tr-${plain}`)).info;
    expect(plainInfo.request_preview).toBe('{"numbers":[1,2]}');
    expect(plainInfo.response_preview).toHaveLength(1000);
    expect(plainInfo.response_preview.endsWith('...')).toBe(true);

    const stated = newTraceHex();
    await post(mlflowTrace(stated, [{ id: 1, inputs: { q: 'a' } }], { request_preview: 'given by the client' }));
    expect((await getTrace(`tr-${stated}`)).info.request_preview).toBe('given by the client');
  });

  it('stores a batch {traces: [...]} and lists it', async () => {
    const experiment = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'batch' } });
    const id = experiment.json().experiment_id;
    const hexes = [newTraceHex(), newTraceHex(), newTraceHex()];
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${id}/traces`,
      payload: { traces: hexes.map((h) => chatTrace(h)) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ traces: 3, spans: 9 });
    for (const hex of hexes) expect((await getTrace(`tr-${hex}`)).data.spans).toHaveLength(3);

    const page1 = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${id}/traces?max_results=2` });
    expect(page1.json().traces).toHaveLength(2);
    const token = page1.json().next_page_token;
    const page2 = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${id}/traces?max_results=2&page_token=${token}` });
    const listed = [...page1.json().traces, ...page2.json().traces].map((i: Json) => i.trace_id).sort();
    expect(listed).toEqual(hexes.map((h) => `tr-${h}`).sort());
  });

  it('is idempotent: a re-sent span replaces the earlier copy; metadata stays, tags update', async () => {
    const hex = newTraceHex();
    const first = chatTrace(hex);
    (first.info as Json).trace_metadata = { 'mlflow.trace.user': 'u-1' };
    (first.info as Json).tags = { environment: 'staging' };
    expect((await post(first)).statusCode).toBe(200);

    const again = chatTrace(hex, 'What is our refund window?', 'Thirty days.');
    (again.info as Json).trace_metadata = { 'mlflow.trace.user': 'someone-else', 'mlflow.trace.session': 's-2' };
    (again.info as Json).tags = { environment: 'production' };
    expect((await post(again)).statusCode).toBe(200);

    const rows = await spanRows(`tr-${hex}`);
    expect(rows).toHaveLength(3);
    const trace = await getTrace(`tr-${hex}`);
    expect(trace.data.spans[2].outputs).toEqual({ choices: [{ message: { role: 'assistant', content: 'Thirty days.' } }] });
    expect(trace.info.response_preview).toBe('Thirty days.');
    expect(trace.info.trace_metadata).toEqual({ 'mlflow.trace.user': 'u-1', 'mlflow.trace.session': 's-2' });
    expect(trace.info.tags.environment).toBe('production');
  });

  it('imports info.assessments with the trace, once however often it is sent', async () => {
    const hex = newTraceHex();
    const trace = chatTrace(hex);
    (trace.info as Json).assessments = [
      {
        assessment_id: 'a-imported-1',
        assessment_name: 'relevance_to_query',
        source: { source_type: 'AI_JUDGE', source_id: 'gpt-4.1-mini' },
        create_time: '2026-03-02T10:31:00Z',
        feedback: { value: 'yes' },
        rationale: 'On topic.',
      },
      { assessment_id: 'a-imported-2', assessment_name: 'expected_response', expectation: { value: '30 days' } },
    ];
    expect((await post(trace)).statusCode).toBe(200);
    expect((await post(trace)).statusCode).toBe(200);
    const assessments: Json[] = (await getTrace(`tr-${hex}`)).info.assessments;
    expect(assessments.map((a) => a.assessment_id).sort()).toEqual(['a-imported-1', 'a-imported-2']);
    expect(assessments.find((a) => a.assessment_id === 'a-imported-1')).toMatchObject({
      source: { source_type: 'LLM_JUDGE', source_id: 'gpt-4.1-mini' },
      feedback: { value: 'yes' },
      create_time: '2026-03-02T10:31:00.000Z',
    });
  });

  it('keeps awkward text exactly: quotes, backslashes, braces, commas, NULL, newlines, emoji', async () => {
    const hex = newTraceHex();
    const nasty = 'He said "hi", {a,b} \\ back\\slash\nNULL \t 🚀 \u00e9 \'single\' ,';
    await post(
      mlflowTrace(hex, [
        { id: 1, name: 'NULL', inputs: { q: nasty, list: ['NULL', null, '', '{}'] }, outputs: 'NULL' },
        { id: 2, parent: 1, name: nasty, inputs: nasty, outputs: ['"', '\\', ','] },
      ]),
    );
    const spans: Json[] = (await getTrace(`tr-${hex}`)).data.spans;
    expect(spans[0]).toMatchObject({ name: 'NULL', inputs: { q: nasty, list: ['NULL', null, '', '{}'] }, outputs: 'NULL' });
    expect(spans[1]).toMatchObject({ name: nasty, inputs: nasty, outputs: ['"', '\\', ','] });
  });

  it('sums token usage without counting a child under a parent that reports it', async () => {
    const hex = newTraceHex();
    await post(
      mlflowTrace(hex, [
        { id: 1, type: 'AGENT', endMs: 500 },
        { id: 2, parent: 1, type: 'CHAIN', usage: { input_tokens: 100, output_tokens: 10 } },
        { id: 3, parent: 2, type: 'LLM', usage: { input_tokens: 100, output_tokens: 10 } },
        { id: 4, parent: 1, type: 'LLM', usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10 } },
      ]),
    );
    const info = (await getTrace(`tr-${hex}`)).info;
    expect(info.token_usage).toEqual({ input_tokens: 107, output_tokens: 13, total_tokens: 120 });
  });

  it('completes an OTLP trace whose spans arrive in two requests, in either order', async () => {
    for (const rootFirst of [false, true]) {
      const hex = newTraceHex();
      const child = {
        id: 2,
        parent: 1,
        name: 'llm',
        startMs: 5,
        endMs: 300,
        attributes: {
          'openinference.span.kind': 'LLM',
          'session.id': 'chat-9',
          'llm.token_count.prompt': 40,
          'llm.token_count.completion': 8,
          'output.value': 'Paris.',
        },
      };
      const root = {
        id: 1,
        name: 'agent',
        startMs: 0,
        endMs: 400,
        attributes: { 'openinference.span.kind': 'AGENT', 'input.value': 'Capital of France?', 'output.value': 'Paris.' },
      };
      const [a, b] = rootFirst ? [root, child] : [child, root];
      expect((await postOtlp(otlpJsonRequest(hex, [a]))).statusCode).toBe(200);
      const halfway = (await getTrace(`tr-${hex}`)).info;
      expect(halfway.state).toBe(rootFirst ? 'OK' : 'IN_PROGRESS');

      expect((await postOtlp(otlpJsonRequest(hex, [b]))).statusCode).toBe(200);
      const trace = await getTrace(`tr-${hex}`);
      expect(trace.info).toMatchObject({
        state: 'OK',
        execution_duration_ms: 400,
        request_preview: 'Capital of France?',
        response_preview: 'Paris.',
        trace_metadata: { 'mlflow.trace.session': 'chat-9' },
        token_usage: { input_tokens: 40, output_tokens: 8, total_tokens: 48 },
      });
      expect(trace.data.spans.map((s: Json) => s.span_type)).toEqual(['AGENT', 'LLM']);
    }
  });

  it('completes a trace whose spans arrive in concurrent requests', async () => {
    const hexes = Array.from({ length: 8 }, () => newTraceHex());
    await Promise.all(
      hexes.flatMap((hex) => [
        postOtlp(otlpJsonRequest(hex, [{ id: 1, name: 'root', startMs: 0, endMs: 100, attributes: { 'input.value': 'q' } }])),
        postOtlp(otlpJsonRequest(hex, [{ id: 2, parent: 1, name: 'llm', startMs: 1, endMs: 90, attributes: { 'llm.token_count.total': 9 } }])),
        postOtlp(otlpJsonRequest(hex, [{ id: 3, parent: 1, name: 'tool', startMs: 2, endMs: 80 }])),
      ]),
    );
    for (const hex of hexes) {
      const trace = await getTrace(`tr-${hex}`);
      expect(trace.data.spans).toHaveLength(3);
      // Each request saw the others' spans: none left the trace half-summarised.
      expect(trace.info).toMatchObject({ state: 'OK', request_preview: 'q', token_usage: { total_tokens: 9 } });
    }
  });

  it('takes concurrent batches re-sending the same traces in different orders', async () => {
    const traces = Array.from({ length: 40 }, () => chatTrace(newTraceHex()));
    const orders = [traces, [...traces].reverse(), [...traces.slice(20), ...traces.slice(0, 20)]];
    const responses = await Promise.all([...orders, ...orders].map((batch) => post({ traces: batch })));
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
    const ids = traces.map((tr) => (tr.info as Json).trace_id as string);
    const count = await t.ctx.db.selectFrom('assay.span').select((eb) => eb.fn.countAll<number>().as('n')).where('trace_id', 'in', ids).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(40 * 3);
  });

  it('replaces an OTLP span sent again and marks a failed root as ERROR', async () => {
    const hex = newTraceHex();
    const open = otlpJsonRequest(hex, [{ id: 1, name: 'root', startMs: 0, attributes: { 'input.value': 'q' } }]);
    await postOtlp(open);
    expect((await getTrace(`tr-${hex}`)).info.state).toBe('IN_PROGRESS');
    const ended = otlpJsonRequest(hex, [{ id: 1, name: 'root', startMs: 0, endMs: 50, error: true }]);
    await postOtlp(ended);
    await postOtlp(ended);
    expect(await spanRows(`tr-${hex}`)).toHaveLength(1);
    expect((await getTrace(`tr-${hex}`)).info).toMatchObject({ state: 'ERROR', execution_duration_ms: 50 });
  });
});
