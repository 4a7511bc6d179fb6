/**
 * Sessions through the HTTP API, on real Postgres and on embedded PGlite: traces from MLflow JSON
 * (metadata or a span attribute) and from OTLP (`session.id`) land in the same session; the list
 * pages, filters and shows session-level feedback; a session reads back as a conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { mlflowTrace, newTraceHex, otlpJsonRequest, T0_MS, type Json } from '../support/trace-payloads.ts';

const MINUTE = 60_000;

/** One chat turn as MLflow JSON, `minute` minutes after T0, lasting 500 ms. */
function turn(hex: string, minute: number, question: string, answer: string, metadata: Record<string, string>, spanAttributes: Record<string, unknown> = {}) {
  return mlflowTrace(
    hex,
    [
      {
        id: 1,
        name: 'chat',
        type: 'CHAT_MODEL',
        inputs: { messages: [{ role: 'user', content: question }] },
        outputs: { choices: [{ message: { role: 'assistant', content: answer } }] },
        startMs: minute * MINUTE,
        endMs: minute * MINUTE + 500,
        attributes: spanAttributes,
      },
    ],
    {
      request_time: new Date(T0_MS + minute * MINUTE).toISOString(),
      trace_metadata: { 'mlflow.trace_schema.version': '3', ...metadata },
    },
  );
}

describe.each(['postgres', 'pglite'] as const)('sessions on %s', (db) => {
  let t: TestApp;
  let experimentId: string;
  const first = newTraceHex();
  const second = newTraceHex();
  const third = newTraceHex();
  const other = newTraceHex();
  const lone = newTraceHex();

  const get = async (url: string, status = 200): Promise<Json> => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  };

  beforeAll(async () => {
    t = await startTestApp({ db });
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'sessions' } });
    experimentId = created.json().experiment_id;
    const post = (payload: unknown) =>
      t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: payload as Json });
    // Session s-1: turn 1 names it in metadata, turn 2 only on a span, turn 3 arrives over OTLP.
    expect((await post(turn(first, 0, 'What is the refund window?', '30 days.', { 'mlflow.trace.session': 's-1', 'mlflow.trace.user': 'u-1' }))).statusCode).toBe(200);
    expect((await post(turn(second, 2, 'And for sale items?', 'Also 30 days.', {}, { 'session.id': 's-1' }))).statusCode).toBe(200);
    const otlp = otlpJsonRequest(third, [
      { id: 1, name: 'chat', startMs: 5 * MINUTE, endMs: 5 * MINUTE + 700, attributes: { 'session.id': 's-1', 'user.id': 'u-2', 'input.value': 'Thanks!', 'output.value': 'You are welcome.' } },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json', 'x-assay-experiment-id': experimentId },
      payload: otlp as Json,
    });
    expect(res.statusCode, res.body).toBe(200);
    // Session s-2, one turn, earlier than s-1's last; and a trace in no session.
    expect((await post(turn(other, 3, 'Hi', 'Hello', { 'mlflow.trace.session': 's-2', 'mlflow.trace.user': 'u-9' }))).statusCode).toBe(200);
    expect((await post(turn(lone, 4, 'Alone?', 'Yes.', {}))).statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  it('gathers MLflow JSON and OTLP traces of one session, newest activity first', async () => {
    const body = await get(`/api/v1/experiments/${experimentId}/sessions`);
    expect(body.next_page_token).toBeUndefined();
    expect(body.sessions).toEqual([
      {
        session_id: 's-1',
        user_id: 'u-2',
        turns: 3,
        first_time: new Date(T0_MS).toISOString(),
        last_time: new Date(T0_MS + 5 * MINUTE + 700).toISOString(),
        last_trace_id: `tr-${third}`,
        assessments: [],
      },
      {
        session_id: 's-2',
        user_id: 'u-9',
        turns: 1,
        first_time: new Date(T0_MS + 3 * MINUTE).toISOString(),
        last_time: new Date(T0_MS + 3 * MINUTE + 500).toISOString(),
        last_trace_id: `tr-${other}`,
        assessments: [],
      },
    ]);
  });

  it('finds a session’s traces with a metadata filter in trace search', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      payload: { experiment_ids: [experimentId], filter_string: "metadata.`mlflow.trace.session` = 's-1'", order_by: ['timestamp_ms ASC'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().traces.map((tr: Json) => tr.trace_id)).toEqual([`tr-${first}`, `tr-${second}`, `tr-${third}`]);
    expect(res.json().traces[1].trace_metadata['mlflow.trace.session']).toBe('s-1');
  });

  it('pages and filters the list', async () => {
    const page1 = await get(`/api/v1/experiments/${experimentId}/sessions?max_results=1`);
    expect(page1.sessions.map((s: Json) => s.session_id)).toEqual(['s-1']);
    const page2 = await get(`/api/v1/experiments/${experimentId}/sessions?max_results=1&page_token=${page1.next_page_token}`);
    expect(page2.sessions.map((s: Json) => s.session_id)).toEqual(['s-2']);
    const page3 = await get(`/api/v1/experiments/${experimentId}/sessions?max_results=1&page_token=${page2.next_page_token}`);
    expect(page3.sessions).toEqual([]);
    // A user who wrote one turn finds the whole session, with all its turns.
    const byUser = await get(`/api/v1/experiments/${experimentId}/sessions?user_id=u-1`);
    expect(byUser.sessions.map((s: Json) => [s.session_id, s.turns])).toEqual([['s-1', 3]]);
    const filter = encodeURIComponent("span.content LIKE '%Hi%'");
    const filtered = await get(`/api/v1/experiments/${experimentId}/sessions?filter_string=${filter}`);
    expect(filtered.sessions.map((s: Json) => s.session_id)).toEqual(['s-2']);
  });

  it('counts the sessions the list holds over all its pages, up to a limit', async () => {
    const count = async (payload: Json, status = 200) => {
      const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/sessions/count`, payload });
      expect(res.statusCode, res.body).toBe(status);
      return res.json();
    };
    expect(await count({})).toEqual({ count: 2, more: false });
    expect(await count({ limit: 1 })).toEqual({ count: 1, more: true });
    expect(await count({ user_id: 'u-1' })).toEqual({ count: 1, more: false });
    expect(await count({ filter_string: "span.content LIKE '%Hi%'" })).toEqual({ count: 1, more: false });
    expect(await count({ user_id: 'nobody' })).toEqual({ count: 0, more: false });
    expect((await count({ filter_string: 'foo.bar = 1' }, 400)).message).toMatch(/^filter_string: /);
    expect((await count({ limit: 0 }, 400)).message).toMatch(/^limit: /);
    // A session named "count" is still reachable: the count is a POST.
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/sessions/count` })).statusCode).toBe(404);
  });

  it('lists valid session-level feedback on the session, not per-turn feedback', async () => {
    const log = (traceHex: string, value: string, metadata: Record<string, string> = {}, overrides?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/traces/tr-${traceHex}/assessments`,
        payload: {
          assessment_name: 'user_frustration',
          source: { source_type: 'HUMAN', source_id: 'ana' },
          feedback: { value },
          metadata,
          ...(overrides ? { overrides } : {}),
        },
      });
    expect((await log(second, 'no')).statusCode).toBe(201);
    const old = await log(third, 'yes', { 'mlflow.trace.session': 's-1' });
    expect(old.statusCode, old.body).toBe(201);
    const replaced = await log(third, 'no', { 'mlflow.trace.session': 's-1' }, old.json().assessment.assessment_id);
    expect(replaced.statusCode, replaced.body).toBe(201);
    const body = await get(`/api/v1/experiments/${experimentId}/sessions`);
    const s1 = body.sessions.find((s: Json) => s.session_id === 's-1');
    expect(s1.assessments.map((a: Json) => [a.assessment_name, a.feedback.value, a.trace_id])).toEqual([['user_frustration', 'no', `tr-${third}`]]);
  });

  it('reads a session as a conversation in order, a page at a time', async () => {
    const body = await get(`/api/v1/experiments/${experimentId}/sessions/s-1`);
    expect(body).toMatchObject({ session_id: 's-1', user_id: 'u-2', turns: 3 });
    expect(body.traces.map((tr: Json) => tr.trace_id)).toEqual([`tr-${first}`, `tr-${second}`, `tr-${third}`]);
    expect(body.conversation).toEqual([
      { trace_id: `tr-${first}`, request_time: new Date(T0_MS).toISOString(), user: 'What is the refund window?', assistant: '30 days.' },
      { trace_id: `tr-${second}`, request_time: new Date(T0_MS + 2 * MINUTE).toISOString(), user: 'And for sale items?', assistant: 'Also 30 days.' },
      { trace_id: `tr-${third}`, request_time: new Date(T0_MS + 5 * MINUTE).toISOString(), user: 'Thanks!', assistant: 'You are welcome.' },
    ]);
    expect(body.traces[1].assessments.map((a: Json) => a.feedback.value)).toEqual(['no']);
    const page1 = await get(`/api/v1/experiments/${experimentId}/sessions/s-1?max_results=2`);
    expect(page1.traces).toHaveLength(2);
    const page2 = await get(`/api/v1/experiments/${experimentId}/sessions/s-1?max_results=2&page_token=${page1.next_page_token}`);
    expect(page2.traces.map((tr: Json) => tr.trace_id)).toEqual([`tr-${third}`]);
    expect(page2.next_page_token).toBeUndefined();
  });

  it('answers bad input with a 4xx naming the field', async () => {
    const missing = await get(`/api/v1/experiments/${experimentId}/sessions/nope`, 404);
    expect(missing.message).toContain('session_id');
    const badFilter = await get(`/api/v1/experiments/${experimentId}/sessions?filter_string=${encodeURIComponent('foo.bar = 1')}`, 400);
    expect(badFilter.message).toMatch(/^filter_string: /);
    const badMax = await get(`/api/v1/experiments/${experimentId}/sessions?max_results=0`, 400);
    expect(badMax.message).toContain('max_results');
    const badToken = await get(`/api/v1/experiments/${experimentId}/sessions?page_token=zzz`, 400);
    expect(badToken.message).toContain('page_token');
    await get(`/api/v1/experiments/999999/sessions`, 404);
  });
});
