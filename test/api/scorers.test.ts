/**
 * The scorer API: the catalog, and running scorers on stored traces and inline records without
 * storing feedback (the offline judge answers, as in a fresh install).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { chatTrace, newTraceHex } from '../support/trace-payloads.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Json = Record<string, any>;

describe('scorers API', () => {
  let t: TestApp;
  let writer: Record<string, string>;
  let reader: Record<string, string>;
  let traceId: string;

  beforeAll(async () => {
    t = await startTestApp();
    writer = await t.tokenHeaders('writer');
    reader = await t.tokenHeaders('reader');
    const experiment = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'scorers' } });
    const hex = newTraceHex();
    traceId = `tr-${hex}`;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${experiment.json().experiment_id}/traces`,
      headers: writer,
      payload: chatTrace(hex, 'What is our refund window?', 'Refunds are accepted within 30 days.'),
    });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const run = (payload: Json, headers = writer) => t.app.inject({ method: 'POST', url: '/api/v1/scorers/run', headers, payload });

  it('lists the catalog with descriptions, required fields and aliases', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/scorers', headers: reader });
    expect(res.statusCode).toBe(200);
    const groundedness = res.json().scorers.find((s: Json) => s.name === 'retrieval_groundedness');
    expect(groundedness).toMatchObject({ kind: 'llm_judge', aliases: ['groundedness'], required_fields: ['outputs', 'retrieved_context'] });
  });

  it('runs scorers on a stored trace and reports applicability, storing nothing', async () => {
    const res = await run({ scorers: ['safety', 'groundedness', 'correctness', { name: 'speed', type: 'latency' }], trace_ids: [traceId] });
    expect(res.statusCode).toBe(200);
    const [result] = res.json().results;
    expect(result.trace_id).toBe(traceId);
    const byName = Object.fromEntries(result.scorers.map((s: Json) => [s.name, s]));
    expect(byName.safety).toMatchObject({ applies: true, feedback: [{ assessment_name: 'safety', feedback: { value: 'yes', error: null }, source: { source_type: 'LLM_JUDGE', source_id: 'offline-heuristic' } }] });
    expect(byName.groundedness.feedback[0]).toMatchObject({ feedback: { value: 'yes' } });
    expect(byName.groundedness.feedback[0].span_id).toBeTruthy();
    expect(byName.correctness).toEqual({ name: 'correctness', type: 'correctness', applies: false, reason: 'no expectations: needs expected_facts or expected_response' });
    expect(byName.speed.feedback[0]).toMatchObject({ feedback: { value: 842 }, source: { source_type: 'CODE' } });
    const stored = await t.ctx.db.selectFrom('assay.assessment').select('name').where('trace_id', '=', traceId).execute();
    expect(stored).toEqual([]);
  });

  it('runs scorers on inline records', async () => {
    const res = await run({
      scorers: ['correctness', 'equivalence'],
      records: [{ inputs: { question: 'Capital of France?' }, outputs: 'Paris', expectations: { expected_response: 'paris' } }],
    });
    expect(res.statusCode).toBe(200);
    const [result] = res.json().results;
    expect(result.record_index).toBe(0);
    expect(result.scorers.map((s: Json) => s.feedback[0].feedback.value)).toEqual(['yes', 'yes']);
  });

  it('names every problem with the scorers at once', async () => {
    const res = await run({ scorers: ['nope', { name: 'tone', type: 'guidelines' }, { name: 'c', type: 'custom_judge', instructions: 'plain' }], records: [{ inputs: 'q' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain("scorers[0].name: unknown scorer type 'nope'");
    expect(res.json().message).toContain('scorers[1].guidelines: required');
    expect(res.json().message).toContain('scorers[2].instructions: no template variable');
  });

  it('refuses a request with nothing to score, unknown traces, and readers', async () => {
    expect((await run({ scorers: ['safety'] })).statusCode).toBe(400);
    const missing = await run({ scorers: ['safety'], trace_ids: ['tr-does-not-exist'] });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain('tr-does-not-exist');
    expect((await run({ scorers: ['safety'], records: [{ inputs: 'q', outputs: 'a' }] }, reader)).statusCode).toBe(403);
  });
});
