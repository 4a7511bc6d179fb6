/**
 * Labeling sessions over HTTP: create with label schemas and assigned labelers, add traces by id and
 * by filter, label through the assessments API as two labelers (neither overwrites the other),
 * progress per trace and per labeler, sync into a dataset twice (the second adds nothing), and
 * every bad input answered with a 4xx naming the field, with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('labeling sessions API', () => {
  let t: TestApp;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let reader: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];

  const call = async (method: Method, url: string, headers: Record<string, string>, payload?: unknown) => {
    const r = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: r.statusCode, body: r.body ? r.json() : null };
  };

  const schemas = [
    { name: 'helpful', kind: 'feedback', type: 'yes_no', instruction: 'Would a customer be satisfied?' },
    { name: 'quality', kind: 'feedback', type: 'numeric', min: 1, max: 5 },
    { name: 'topic', kind: 'feedback', type: 'categorical', options: ['billing', 'shipping', 'other'] },
    { name: 'expected_response', kind: 'expectation', type: 'text' },
    { name: 'expected_facts', kind: 'expectation', type: 'text' },
  ];

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.tokenHeaders('writer', 'alice');
    bob = await t.tokenHeaders('writer', 'bob');
    reader = await t.tokenHeaders('reader', 'rita');
    experimentId = (await call('POST', '/api/v1/experiments', alice, { name: 'support' })).body.experiment_id;
    const ingested = await call('POST', `/api/v1/experiments/${experimentId}/traces`, alice, { traces: sampleTraces(12, { seed: 'labeling' }) });
    expect(ingested.status).toBe(200);
    traceIds = ingested.body.trace_ids;
  });
  afterAll(async () => t?.close());

  async function newSession(name: string) {
    const created = await call('POST', '/api/v1/labeling-sessions', alice, { name, experiment_id: experimentId, label_schemas: schemas, assigned_users: ['alice', 'bob'] });
    expect(created.status).toBe(201);
    return created.body.labeling_session_id as string;
  }

  it('creates a session, adds traces by id and by filter, and reads it back', async () => {
    const created = await call('POST', '/api/v1/labeling-sessions', alice, { name: 'week 12 review', experiment_id: Number(experimentId), label_schemas: schemas, assigned_users: ['alice', 'bob', 'alice'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'week 12 review', experiment_id: experimentId, assigned_users: ['alice', 'bob'], created_by: 'alice',
      progress: { total: 0, done: 0, by_user: {} },
    });
    expect(created.body.label_schemas.find((s: { name: string }) => s.name === 'expected_facts')).toMatchObject({ multiple: true });
    const id = created.body.labeling_session_id as string;

    const byIds = await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: [traceIds[3], traceIds[1], traceIds[3]] });
    expect(byIds.body).toEqual({ added: 2, trace_count: 2 });
    const again = await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: [traceIds[1]] });
    expect(again.body).toEqual({ added: 0, trace_count: 2 });

    const filter = "tags.sample_kind = 'unsafe'";
    const expected = await call('POST', '/api/v1/traces/search', reader, { experiment_ids: [experimentId], filter_string: filter });
    const byFilter = await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { filter_string: filter });
    expect(byFilter.status).toBe(200);
    const unsafe = expected.body.traces.map((x: { trace_id: string }) => x.trace_id) as string[];
    expect(unsafe.length).toBeGreaterThan(0);
    expect(byFilter.body.added).toBe(unsafe.filter((x) => x !== traceIds[1] && x !== traceIds[3]).length);

    const traces = await call('GET', `/api/v1/labeling-sessions/${id}/traces?max_results=2`, reader);
    expect(traces.body.traces.map((x: { trace_id: string }) => x.trace_id)).toEqual([traceIds[3], traceIds[1]]);
    expect(traces.body.next_page_token).toBeTruthy();
    const rest = await call('GET', `/api/v1/labeling-sessions/${id}/traces?page_token=${traces.body.next_page_token}`, reader);
    expect(rest.body.traces.length).toBe(byFilter.body.trace_count - 2);

    const read = await call('GET', `/api/v1/labeling-sessions/${id}`, reader);
    expect(read.body.progress.total).toBe(byFilter.body.trace_count);
    const list = await call('GET', `/api/v1/labeling-sessions?experiment_id=${experimentId}`, reader);
    expect(list.body.labeling_sessions.map((s: { labeling_session_id: string }) => s.labeling_session_id)).toContain(id);
    expect((await call('GET', '/api/v1/labeling-sessions?experiment_id=999999', reader)).body.labeling_sessions).toEqual([]);
  });

  it('counts labels written as assessments by two labelers, neither overwriting the other', async () => {
    const id = await newSession('two labelers');
    await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: traceIds.slice(0, 3) });
    const label = (who: Record<string, string>, traceId: string, name: string, value: unknown, kind = 'feedback') =>
      call('POST', `/api/v1/traces/${traceId}/assessments`, who, { assessment_name: name, [kind]: { value } });
    for (const [name, value] of [['helpful', 'yes'], ['quality', 4], ['topic', 'billing']] as const) {
      expect((await label(alice, traceIds[0]!, name, value)).status).toBe(201);
    }
    await label(alice, traceIds[0]!, 'expected_response', 'Within 30 days.', 'expectation');
    await label(alice, traceIds[0]!, 'expected_facts', ['30 days'], 'expectation');
    await label(bob, traceIds[0]!, 'helpful', 'no');
    await label(bob, traceIds[1]!, 'helpful', 'yes');

    const session = await call('GET', `/api/v1/labeling-sessions/${id}`, reader);
    expect(session.body.progress).toEqual({ total: 3, done: 1, by_user: { alice: 1 } });
    const traces = (await call('GET', `/api/v1/labeling-sessions/${id}/traces`, reader)).body.traces;
    expect(traces[0]).toMatchObject({ trace_id: traceIds[0], done: true });
    expect(traces[0].labels.helpful.map((l: { source_id: string; value: string }) => [l.source_id, l.value])).toEqual([['alice', 'yes'], ['bob', 'no']]);
    expect(traces[1]).toMatchObject({ labeled: ['helpful'], done: false });
    expect(traces[2]).toMatchObject({ labeled: [], done: false });
  });

  it('syncs labeled expectations into a dataset; a second sync adds nothing', async () => {
    const id = await newSession('to sync');
    await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: traceIds.slice(4, 8) });
    await call('POST', `/api/v1/traces/${traceIds[4]}/assessments`, alice, { assessment_name: 'expected_response', expectation: { value: 'Thirty days.' } });
    await call('POST', `/api/v1/traces/${traceIds[5]}/assessments`, bob, { assessment_name: 'expected_facts', expectation: { value: ['a', 'b'] } });

    const first = await call('POST', `/api/v1/labeling-sessions/${id}/sync`, alice, { dataset_name: 'Labels.Golden' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ dataset_name: 'labels.golden', records_added: 4, records_merged: 0, version: 1, dataset_created: true });
    const second = await call('POST', `/api/v1/labeling-sessions/${id}/sync`, alice, { dataset_name: 'labels.golden' });
    expect(second.body).toMatchObject({ records_added: 0, records_merged: 4, dataset_created: false });

    const records = (await call('GET', '/api/v1/datasets/labels.golden/records', reader)).body.records;
    expect(records).toHaveLength(4);
    expect(records[0]).toMatchObject({ expectations: { expected_response: 'Thirty days.' }, source: { trace: { trace_id: traceIds[4] } } });
    expect(records[1]).toMatchObject({ expectations: { expected_facts: ['a', 'b'] } });
    const dataset = (await call('GET', '/api/v1/datasets/labels.golden', reader)).body.dataset;
    expect(dataset).toMatchObject({ record_count: 4, experiment_ids: [experimentId] });
  });

  it('answers bad input with the field and the reason, writing nothing', async () => {
    const base = { name: 'x', experiment_id: experimentId, label_schemas: schemas };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, name: '' }, /^name: must not be empty/],
      [{ ...base, experiment_id: '424242' }, /^experiment_id: experiment '424242' does not exist/],
      [{ ...base, label_schemas: [] }, /^label_schemas: give at least one label schema/],
      [{ ...base, label_schemas: [{ name: 'q', kind: 'feedback', type: 'numeric', min: 5, max: 1 }] }, /^label_schemas\[0\]\.max: must be greater than min/],
      [{ ...base, label_schemas: [{ name: 'q', kind: 'feedback', type: 'numeric' }] }, /label_schemas\[0\]\.min: a numeric label needs min/],
      [{ ...base, label_schemas: [{ name: 'c', kind: 'feedback', type: 'categorical', options: ['a', 'a'] }] }, /label_schemas\[0\]\.options: options must be distinct/],
      [{ ...base, label_schemas: [{ name: 'c', kind: 'feedback', type: 'stars' }] }, /label_schemas\[0\]\.type: must be 'yes_no'/],
      [{ ...base, label_schemas: [{ name: 'expected_response', kind: 'expectation', type: 'yes_no' }] }, /label_schemas\[0\]\.type: expected_response is a single text/],
      [{ ...base, label_schemas: [schemas[0], schemas[0]] }, /label_schemas\[1\]\.name: 'helpful' is named twice/],
      [{ ...base, assigned_users: ['nobody'] }, /^assigned_users: no active token named 'nobody'/],
      [{ ...base, colour: 'red' }, /colour/],
    ];
    for (const [payload, message] of cases) {
      const r = await call('POST', '/api/v1/labeling-sessions', alice, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.body.message).toMatch(message);
    }
    expect((await call('GET', '/api/v1/labeling-sessions', reader)).body.labeling_sessions.map((s: { name: string }) => s.name)).not.toContain('x');
    expect((await call('POST', '/api/v1/labeling-sessions', reader, base)).status).toBe(403);

    const id = await newSession('bad traces');
    const other = (await call('POST', '/api/v1/experiments', alice, { name: 'other' })).body.experiment_id;
    const foreign = (await call('POST', `/api/v1/experiments/${other}/traces`, alice, { traces: sampleTraces(1, { seed: 'foreign' }) })).body.trace_ids[0];
    const mixed = await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: [traceIds[0], 'tr-missing', foreign] });
    expect(mixed.status).toBe(400);
    expect(mixed.body.message).toMatch(new RegExp(`^trace_ids: not traces of experiment ${experimentId}: tr-missing, ${foreign}`));
    expect((await call('GET', `/api/v1/labeling-sessions/${id}`, reader)).body.progress.total).toBe(0);
    expect((await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, {})).body.message).toMatch(/trace_ids|filter_string/);
    expect((await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: [] })).body.message).toMatch(/^trace_ids: give at least one/);
    const badFilter = await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { filter_string: "tags.a = 'x' OR tags.b = 'y'" });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toMatch(/^filter_string: /);

    expect((await call('POST', `/api/v1/labeling-sessions/${id}/sync`, alice, { dataset_name: 'labels.empty' })).body.message).toMatch(/no traces to sync/);
    await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: [traceIds[0]] });
    const badName = await call('POST', `/api/v1/labeling-sessions/${id}/sync`, alice, { dataset_name: 'no-dot' });
    expect(badName.status).toBe(400);
    expect(badName.body.message).toMatch(/^dataset_name: 'no-dot' is not '<schema>.<table>'/);
    expect((await call('POST', `/api/v1/labeling-sessions/${id}/sync`, alice, { dataset_name: 'assay.x' })).body.message).toMatch(/^dataset_name: .*reserved/);
    expect((await call('GET', '/api/v1/datasets', reader)).body.datasets.map((d: { name: string }) => d.name)).not.toContain('labels.empty');

    const patched = await call('PATCH', `/api/v1/labeling-sessions/${id}`, alice, { assigned_users: ['ghost'] });
    expect(patched.status).toBe(400);
    expect(patched.body.message).toMatch(/^assigned_users: no active token named 'ghost'/);
    const renamed = await call('PATCH', `/api/v1/labeling-sessions/${id}`, alice, { name: 'renamed', assigned_users: ['bob'] });
    expect(renamed.body).toMatchObject({ name: 'renamed', assigned_users: ['bob'] });
  });

  it('answers 404 for sessions and traces that do not exist, and deletes', async () => {
    for (const path of ['/api/v1/labeling-sessions/999999', '/api/v1/labeling-sessions/abc', '/api/v1/labeling-sessions/999999/traces']) {
      const r = await call('GET', path, reader);
      expect(r.status, path).toBe(404);
      expect(r.body.message).toMatch(/^labeling_session_id: labeling session '(999999|abc)' does not exist/);
    }
    const id = await newSession('to delete');
    await call('POST', `/api/v1/labeling-sessions/${id}/traces`, alice, { trace_ids: [traceIds[0], traceIds[1]] });
    expect((await call('DELETE', `/api/v1/labeling-sessions/${id}/traces/${traceIds[0]}`, alice)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/labeling-sessions/${id}/traces/${traceIds[0]}`, alice)).status).toBe(404);
    expect((await call('GET', `/api/v1/labeling-sessions/${id}`, reader)).body.progress.total).toBe(1);
    expect((await call('DELETE', `/api/v1/labeling-sessions/${id}`, reader)).status).toBe(403);
    expect((await call('DELETE', `/api/v1/labeling-sessions/${id}`, alice)).status).toBe(204);
    expect((await call('GET', `/api/v1/labeling-sessions/${id}`, reader)).status).toBe(404);
    // The traces themselves stay.
    expect((await call('GET', `/api/v1/traces/${traceIds[0]}`, reader)).status).toBe(200);
  });
});
