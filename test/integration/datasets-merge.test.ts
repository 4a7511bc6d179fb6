/** merge_records semantics through the API, one dataset per case, on Postgres and PGlite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client, ingest, traceWith } from '../support/dataset-fixtures.ts';

type Call = ReturnType<typeof client>;
interface Ctx {
  alice: Call;
  bob: Call;
  traces: Record<string, string>;
}
interface Case {
  name: string;
  steps: (c: Ctx) => Array<{ as: 'alice' | 'bob'; body: Record<string, unknown>; expect?: Record<string, number> }>;
  records: (c: Ctx) => Array<Record<string, unknown>>;
}

const q = (text: string) => ({ question: text });

const CASES: Case[] = [
  {
    name: 'expectations and tags merge key by key',
    steps: () => [
      { as: 'alice', body: { records: [{ inputs: q('a'), expectations: { x: 1, y: 1 }, tags: { t1: 'a' } }] } },
      {
        as: 'bob',
        body: { records: [{ inputs: q('a'), expectations: { y: 2, z: 3 }, tags: { t2: 'b' } }] },
        expect: { inserted: 0, updated: 1, version: 2 },
      },
    ],
    records: () => [{ inputs: q('a'), expectations: { x: 1, y: 2, z: 3 }, tags: { t1: 'a', t2: 'b' } }],
  },
  {
    name: 'outputs replaced when given, kept when not',
    steps: () => [
      { as: 'alice', body: { records: [{ inputs: q('o'), outputs: 'first' }] } },
      { as: 'alice', body: { records: [{ inputs: q('o'), outputs: { text: 'second' } }] } },
      { as: 'alice', body: { records: [{ inputs: q('o'), tags: { k: 'v' } }] } },
    ],
    records: () => [{ inputs: q('o'), outputs: { text: 'second' }, tags: { k: 'v' } }],
  },
  {
    name: 'source and creation kept on a match',
    steps: () => [
      { as: 'alice', body: { records: [{ inputs: q('s'), source: { document: { doc_uri: 'doc://1' } } }] } },
      { as: 'bob', body: { records: [{ inputs: q('s'), expectations: { expected_response: 'r' } }] } },
    ],
    records: () => [
      {
        source: { document: { doc_uri: 'doc://1' } },
        created_by: 'alice',
        last_updated_by: 'bob',
        expectations: { expected_response: 'r' },
      },
    ],
  },
  {
    name: 'duplicates inside one batch merge in order',
    steps: () => [
      {
        as: 'alice',
        body: {
          records: [
            { inputs: q('d'), outputs: 'x', expectations: { a: 1 } },
            { inputs: q('d'), expectations: { a: 2, b: 1 }, tags: { n: '2' } },
            { inputs: q('e') },
          ],
        },
        expect: { inserted: 2, updated: 0, version: 1 },
      },
    ],
    records: () => [
      { inputs: q('d'), outputs: 'x', expectations: { a: 2, b: 1 }, tags: { n: '2' }, source: { human: { user_name: 'alice' } } },
      { inputs: q('e'), outputs: null, expectations: {}, source: null },
    ],
  },
  {
    name: 'empty inputs are one record',
    steps: () => [
      { as: 'alice', body: { records: [{ inputs: {}, tags: { a: '1' } }] } },
      { as: 'alice', body: { records: [{ inputs: {}, tags: { b: '2' } }] }, expect: { inserted: 0, updated: 1, version: 2 } },
    ],
    records: () => [{ inputs: {}, tags: { a: '1', b: '2' } }],
  },
  {
    name: 'empty expectations change nothing and give no source',
    steps: () => [
      { as: 'alice', body: { records: [{ inputs: q('n'), expectations: {} }] } },
      { as: 'alice', body: { records: [{ inputs: q('m'), expectations: { k: true } }] } },
      { as: 'bob', body: { records: [{ inputs: q('m'), expectations: {} }] } },
    ],
    records: () => [
      { inputs: q('n'), expectations: {}, source: null },
      { inputs: q('m'), expectations: { k: true }, source: { human: { user_name: 'alice' } }, last_updated_by: 'bob' },
    ],
  },
  {
    name: 'traces with and without expectation assessments',
    steps: (c) => [{ as: 'alice', body: { trace_ids: [c.traces.labelled, c.traces.bare] }, expect: { inserted: 2 } }],
    records: (c) => [
      {
        inputs: q('labelled'),
        outputs: 'answer',
        expectations: { expected_response: 'gold', expected_facts: ['f1'], quality: 'x' },
        source: { trace: { trace_id: c.traces.labelled } },
      },
      { inputs: q('bare'), expectations: {}, source: { trace: { trace_id: c.traces.bare } } },
    ],
  },
  {
    name: 'records and traces mixed in one merge',
    steps: (c) => [
      {
        as: 'alice',
        body: { records: [{ inputs: q('labelled'), tags: { from: 'record' } }, { inputs: q('other') }], trace_ids: [c.traces.labelled] },
        expect: { inserted: 2, updated: 0 },
      },
    ],
    records: (c) => [
      {
        inputs: q('labelled'),
        tags: { from: 'record' },
        expectations: { expected_response: 'gold', expected_facts: ['f1'], quality: 'x' },
        source: { trace: { trace_id: c.traces.labelled } },
      },
      { inputs: q('other') },
    ],
  },
  {
    name: 'matching ignores key order',
    steps: () => [
      { as: 'alice', body: { records: [{ inputs: { a: 1, b: { c: [1, { e: 1, d: 2 }], f: 'x' } }, tags: { one: '1' } }] } },
      { as: 'bob', body: { records: [{ inputs: { b: { f: 'x', c: [1, { d: 2, e: 1 }] }, a: 1 }, tags: { two: '2' } }] }, expect: { updated: 1 } },
    ],
    records: () => [{ inputs: { a: 1, b: { c: [1, { e: 1, d: 2 }], f: 'x' } }, tags: { one: '1', two: '2' } }],
  },
];

describe.each(['postgres', 'pglite'] as const)('merge_records semantics (%s)', (db) => {
  let t: TestApp;
  let c: Ctx;

  beforeAll(async () => {
    t = await startTestApp({ db });
    const alice = client(t, await t.tokenHeaders('writer', 'alice'));
    const bob = client(t, await t.tokenHeaders('writer', 'bob'));
    const labelled = traceWith(q('labelled'), 'answer', { expected_response: 'gold', expected_facts: ['f1'], quality: 'x' });
    const bare = traceWith(q('bare'), 'plain');
    await ingest(t, await t.tokenHeaders('writer'), [labelled.payload, bare.payload]);
    // A feedback and an invalidated expectation must not become expectations.
    await alice('POST', `/api/v1/traces/${labelled.trace_id}/assessments`, { assessment_name: 'rating', feedback: { value: 'yes' } });
    const stale = await alice('POST', `/api/v1/traces/${labelled.trace_id}/assessments`, {
      assessment_name: 'stale',
      expectation: { value: 'old' },
    });
    const staleId = stale.body.assessment.assessment_id as string;
    await alice('PATCH', `/api/v1/traces/${labelled.trace_id}/assessments/${staleId}`, { valid: false });
    c = { alice, bob, traces: { labelled: labelled.trace_id, bare: bare.trace_id } };
  });
  afterAll(async () => t?.close());

  it.each(CASES.map((k, i) => [k.name, i] as const))('%s', async (_name, i) => {
    const k = CASES[i]!;
    const name = `cases_${db}.case_${i}`;
    expect((await c.alice('POST', '/api/v1/datasets', { name })).status).toBe(201);
    const created: Array<Record<string, unknown>> = [];
    for (const step of k.steps(c)) {
      const res = await c[step.as]('POST', `/api/v1/datasets/${name}/merge`, step.body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (step.expect) expect(res.body).toMatchObject(step.expect);
      if (created.length === 0) created.push(...((await c.alice('GET', `/api/v1/datasets/${name}/records`)).body.records as []));
    }
    const { records } = (await c.alice('GET', `/api/v1/datasets/${name}/records`)).body;
    const wanted = k.records(c);
    expect(records).toHaveLength(wanted.length);
    wanted.forEach((w, j) => expect(records[j]).toMatchObject(w));
    // Creation fields never move once a record exists.
    for (const r of records) {
      const first = created.find((f) => f.dataset_record_id === r.dataset_record_id);
      if (first) expect([r.create_time, r.created_by]).toEqual([first.create_time, first.created_by]);
    }
    const dataset = (await c.alice('GET', `/api/v1/datasets/${name}`)).body.dataset;
    expect(dataset).toMatchObject({ name, record_count: wanted.length, current_version: k.steps(c).length });
  });

  it('merges the traces a search finds, and names search fields in errors', async () => {
    const prod = [1, 2, 3].map((i) => traceWith(q(`prod ${i}`), `p${i}`, { expected_response: `r${i}` }, { env: 'prod' }));
    const dev = traceWith(q('dev'), 'd', {}, { env: 'dev' });
    const experimentId = await ingest(t, await t.tokenHeaders('writer'), [...prod, dev].map((x) => x.payload));
    const name = `cases_${db}.searched`;
    await c.alice('POST', '/api/v1/datasets', { name });
    const search = { experiment_ids: [experimentId], filter_string: "tags.env = 'prod'", max_results: 2 };
    const first = await c.alice('POST', `/api/v1/datasets/${name}/merge`, { search });
    expect(first.body).toMatchObject({ inserted: 2, updated: 0, version: 1, traces_read: 2 });
    const all = await c.alice('POST', `/api/v1/datasets/${name}/merge`, { search: { ...search, max_results: 100 } });
    expect(all.body).toMatchObject({ inserted: 1, updated: 2, version: 2, traces_read: 3 });
    const { records } = (await c.alice('GET', `/api/v1/datasets/${name}/records`)).body;
    expect(records.map((r: { inputs: { question: string } }) => r.inputs.question).sort()).toEqual(['prod 1', 'prod 2', 'prod 3']);
    expect(records[0].source).toHaveProperty('trace.trace_id');

    const bad = await c.alice('POST', `/api/v1/datasets/${name}/merge`, { search: { ...search, filter_string: 'tags.env ==' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^search\.filter_string: /);
  });

  it('merges hundreds of traces by id and by search, read in pages, in their order, and names every unknown id', async () => {
    const traces = Array.from({ length: 450 }, (_, i) => traceWith(q(`paged ${i}`), `answer ${i}`));
    const experimentId = await ingest(t, await t.tokenHeaders('writer'), traces.map((x) => x.payload));
    const ids = traces.map((x) => x.trace_id);
    const name = `cases_${db}.paged`;
    await c.alice('POST', '/api/v1/datasets', { name });
    // Unknown ids on both sides of a page boundary are all named, and nothing is written.
    const wrong = await c.alice('POST', `/api/v1/datasets/${name}/merge`, { trace_ids: [...ids.slice(0, 250), 'tr-missing-a', ...ids.slice(250, 300), 'tr-missing-b'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details.unknown_trace_ids).toEqual(['tr-missing-a', 'tr-missing-b']);
    expect((await c.alice('GET', `/api/v1/datasets/${name}`)).body.dataset.record_count).toBe(0);
    const byId = await c.alice('POST', `/api/v1/datasets/${name}/merge`, { trace_ids: ids.slice(0, 250) });
    expect(byId.body).toMatchObject({ inserted: 250, updated: 0, version: 1 });
    const bySearch = await c.alice('POST', `/api/v1/datasets/${name}/merge`, { search: { experiment_ids: [experimentId], max_results: 450 } });
    expect(bySearch.body).toMatchObject({ inserted: 200, updated: 250, version: 2 });
    // The records keep the order of the ids given first, then the search's new ones.
    const { records } = (await c.alice('GET', `/api/v1/datasets/${name}/records?max_results=1000`)).body;
    expect(records).toHaveLength(450);
    const questions = records.map((r: { inputs: { question: string } }) => r.inputs.question);
    expect(questions.slice(0, 250)).toEqual(ids.slice(0, 250).map((_, i) => `paged ${i}`));
    expect(new Set(questions.slice(250))).toEqual(new Set(ids.slice(250).map((_, i) => `paged ${250 + i}`)));
  });
});
