/**
 * Assessments on a trace: log feedback and expectations, read, update, delete, override.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { waitFor } from '../support/wait-for.ts';
import { chatTrace, newTraceHex, type Json } from '../support/trace-payloads.ts';

describe('assessments', () => {
  let t: TestApp;
  let traceId: string;
  let writer: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    writer = await t.tokenHeaders('writer', 'labeler');
    const experiment = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: writer, payload: { name: 'a' } });
    const hex = newTraceHex();
    traceId = `tr-${hex}`;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${experiment.json().experiment_id}/traces`,
      headers: writer,
      payload: chatTrace(hex),
    });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  const url = (id = '') => `/api/v1/traces/${traceId}/assessments${id ? `/${id}` : ''}`;
  const log = (payload: Json) => t.app.inject({ method: 'POST', url: url(), headers: writer, payload });
  const get = (id: string) => t.app.inject({ method: 'GET', url: url(id), headers: writer });
  const traceSeq = async () =>
    (await t.ctx.db.selectFrom('assay.trace').select('seq').where('trace_id', '=', traceId).executeTakeFirstOrThrow()).seq;

  it('logs a judge feedback and reads it back, also on the trace', async () => {
    const seqBefore = await traceSeq();
    const res = await log({
      assessment_name: 'relevance_to_query',
      source: { source_type: 'llm_judge', source_id: 'gpt-4.1-mini' },
      feedback: { value: 'yes' },
      rationale: 'It answers the question.',
      metadata: { 'assay.judge.input_tokens': '412' },
    });
    expect(res.statusCode).toBe(201);
    const created: Json = res.json().assessment;
    expect(created).toMatchObject({
      assessment_name: 'relevance_to_query',
      trace_id: traceId,
      span_id: null,
      source: { source_type: 'LLM_JUDGE', source_id: 'gpt-4.1-mini' },
      feedback: { value: 'yes', error: null },
      rationale: 'It answers the question.',
      metadata: { 'assay.judge.input_tokens': '412' },
      overrides: null,
      valid: true,
    });
    expect(created.assessment_id).toMatch(/^a-/);
    expect((await get(created.assessment_id)).json().assessment).toEqual(created);

    const trace = (await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}`, headers: writer })).json();
    expect(trace.info.assessments.map((a: Json) => a.assessment_id)).toContain(created.assessment_id);
    // A new label makes monitors copy the trace again.
    expect(await traceSeq()).toBeGreaterThan(seqBefore);
  });

  it('logs an expectation from a human by default, named after the token', async () => {
    const res = await log({ assessment_name: 'expected_response', expectation: { value: { facts: ['30 days'] } } });
    expect(res.statusCode).toBe(201);
    expect(res.json().assessment).toMatchObject({
      source: { source_type: 'HUMAN', source_id: 'labeler' },
      expectation: { value: { facts: ['30 days'] } },
      valid: true,
    });
    expect(res.json().assessment.feedback).toBeUndefined();
  });

  it('logs a feedback carrying an error instead of a value', async () => {
    const res = await log({
      assessment_name: 'safety',
      source: { source_type: 'LLM_JUDGE', source_id: 'judge' },
      feedback: { error: { error_code: 'JUDGE_TIMEOUT', error_message: 'no answer in 60 s' } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().assessment.feedback).toEqual({ value: null, error: { error_code: 'JUDGE_TIMEOUT', error_message: 'no answer in 60 s' } });
  });

  it('patches in place: metadata merged, source unchanged', async () => {
    const created = (
      await log({ assessment_name: 'tone', source: { source_type: 'CODE', source_id: 'tone.py' }, feedback: { value: 0.4 }, metadata: { a: '1' } })
    ).json().assessment;
    // The clock moves past the creation (times are in ms), so the update time must move too.
    await waitFor(() => Date.now() > Date.parse(created.last_update_time) + 1, { what: 'the clock to pass the creation time' });
    const res = await t.app.inject({
      method: 'PATCH',
      url: url(created.assessment_id),
      headers: writer,
      payload: { feedback: { value: 0.9 }, rationale: 'relabelled', metadata: { b: '2' }, source: { source_type: 'HUMAN' } },
    });
    expect(res.statusCode).toBe(200);
    const patched = res.json().assessment;
    expect(patched).toMatchObject({
      feedback: { value: 0.9 },
      rationale: 'relabelled',
      metadata: { a: '1', b: '2' },
      source: { source_type: 'CODE', source_id: 'tone.py' },
      create_time: created.create_time,
    });
    expect(Date.parse(patched.last_update_time)).toBeGreaterThan(Date.parse(created.last_update_time));
    // What a reader gets afterwards is the patched assessment.
    expect((await get(created.assessment_id)).json().assessment).toMatchObject({ feedback: { value: 0.9 }, rationale: 'relabelled', last_update_time: patched.last_update_time });

    const wrongKind = await t.app.inject({ method: 'PATCH', url: url(created.assessment_id), headers: writer, payload: { expectation: { value: 1 } } });
    expect(wrongKind.statusCode).toBe(400);
    expect(wrongKind.json().message).toMatch(/^expectation: /);
  });

  it('deletes, then answers 404', async () => {
    const created = (await log({ assessment_name: 'tmp', feedback: { value: true } })).json().assessment;
    const del = await t.app.inject({ method: 'DELETE', url: url(created.assessment_id), headers: writer });
    expect(del.statusCode).toBe(204);
    expect((await get(created.assessment_id)).statusCode).toBe(404);
    const again = await t.app.inject({ method: 'DELETE', url: url(created.assessment_id), headers: writer });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('overrides a feedback: the new one is valid, the old one is not', async () => {
    const old = (
      await log({ assessment_name: 'correctness', source: { source_type: 'LLM_JUDGE', source_id: 'judge' }, feedback: { value: 'no' } })
    ).json().assessment;
    const res = await log({ assessment_name: 'correctness', feedback: { value: 'yes' }, rationale: 'judge was wrong', overrides: old.assessment_id });
    expect(res.statusCode).toBe(201);
    expect(res.json().assessment).toMatchObject({ overrides: old.assessment_id, valid: true, source: { source_type: 'HUMAN' } });
    expect((await get(old.assessment_id)).json().assessment).toMatchObject({ valid: false, feedback: { value: 'no' } });

    const expectation = (await log({ assessment_name: 'expected', expectation: { value: 'x' } })).json().assessment;
    const bad = await log({ assessment_name: 'x', feedback: { value: 1 }, overrides: expectation.assessment_id });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^overrides: /);
    const missing = await log({ assessment_name: 'x', feedback: { value: 1 }, overrides: 'a-does-not-exist' });
    expect(missing.statusCode).toBe(400);
  });

  it('rejects bad bodies naming the field, and unknown traces with 404', async () => {
    const both = await log({ assessment_name: 'x', feedback: { value: 1 }, expectation: { value: 1 } });
    expect(both.statusCode).toBe(400);
    expect(both.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^feedback: /) });
    const unnamed = await log({ feedback: { value: 1 } });
    expect(unnamed.json().message).toMatch(/^assessment_name: /);
    const source = await log({ assessment_name: 'x', feedback: { value: 1 }, source: { source_type: 'ROBOT' } });
    expect(source.json().message).toMatch(/^source\.source_type: /);

    const unknown = await t.app.inject({
      method: 'POST',
      url: `/api/v1/traces/tr-${newTraceHex()}/assessments`,
      headers: writer,
      payload: { assessment_name: 'x', feedback: { value: 1 } },
    });
    expect(unknown.statusCode).toBe(404);
    expect((await get('a-nope')).statusCode).toBe(404);
  });
});
