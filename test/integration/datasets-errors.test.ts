/** Bad dataset input: each a 4xx naming the field, and nothing of the batch written. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client, ingest, traceWith } from '../support/dataset-fixtures.ts';

describe('dataset bad input', () => {
  let t: TestApp;
  let call: ReturnType<typeof client>;
  let reader: ReturnType<typeof client>;
  const name = 'errs.main';

  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_DATASET_MAX_RECORDS: '5', ASSAY_DATASET_MAX_EXPECTATIONS: '3' } });
    call = client(t, await t.tokenHeaders('writer'));
    reader = client(t, await t.tokenHeaders('reader'));
    expect((await call('POST', '/api/v1/datasets', { name })).status).toBe(201);
    expect((await call('POST', `/api/v1/datasets/${name}/merge`, { records: [{ inputs: { q: 'kept' } }] })).status).toBe(200);
  });
  afterAll(async () => t?.close());

  /** The dataset is exactly as the setup left it. */
  async function nothingWritten() {
    const { dataset } = (await call('GET', `/api/v1/datasets/${name}`)).body;
    expect(dataset).toMatchObject({ current_version: 1, record_count: 1 });
  }

  it.each([
    ['expected_response', { expected_response: 42 }, 'records[1].expectations.expected_response: must be a string'],
    ['expected_facts', { expected_facts: 'one fact' }, 'records[1].expectations.expected_facts: must be a list of strings'],
    ['expected_facts items', { expected_facts: ['ok', 3] }, 'records[1].expectations.expected_facts[1]'],
    ['guidelines', { guidelines: [{ text: 'x' }] }, 'records[1].expectations.guidelines[0]'],
    ['expected_retrieved_context', { expected_retrieved_context: [{ content: 'no uri' }] }, 'records[1].expectations.expected_retrieved_context[0].doc_uri'],
    ['expected_retrieved_context shape', { expected_retrieved_context: 'doc' }, 'records[1].expectations.expected_retrieved_context'],
  ])('refuses a wrongly typed %s', async (_key, expectations, message) => {
    const res = await call('POST', `/api/v1/datasets/${name}/merge`, {
      records: [{ inputs: { q: 'fine' } }, { inputs: { q: 'bad' }, expectations }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(res.body.message).toContain(message);
    await nothingWritten();
  });

  it.each([
    ['two sources', { inputs: { q: 'x' }, source: { human: { user_name: 'a' }, trace: { trace_id: 'tr-1' } } }, 'records[0].source: give exactly one'],
    ['no inputs', { expectations: { a: 1 } }, 'records[0].inputs'],
    ['inputs not an object', { inputs: 'hello' }, 'records[0].inputs'],
    ['unknown field', { inputs: { q: 'x' }, expectation: { a: 1 } }, 'records[0]'],
    ['tag not a string', { inputs: { q: 'x' }, tags: { n: 1 } }, 'records[0].tags.n'],
  ])('refuses a record with %s', async (_what, record, message) => {
    const res = await call('POST', `/api/v1/datasets/${name}/merge`, { records: [record] });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(message);
    await nothingWritten();
  });

  it('reports unknown trace ids and writes nothing', async () => {
    const known = traceWith({ q: 'from trace' }, 'answer');
    await ingest(t, await t.tokenHeaders('writer'), [known.payload]);
    const res = await call('POST', `/api/v1/datasets/${name}/merge`, {
      records: [{ inputs: { q: 'fine' } }],
      trace_ids: [known.trace_id, 'tr-missing1', 'tr-missing2'],
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('trace_ids: unknown trace ids: tr-missing1, tr-missing2');
    expect(res.body.details).toEqual({ unknown_trace_ids: ['tr-missing1', 'tr-missing2'] });
    await nothingWritten();
  });

  it.each(['nodot', 'a.b.c', '1abc.table', 'schema.ta-ble', 'sch ema.t', '"x".y', 'assay.trace', 'pg_catalog.x', `s.${'t'.repeat(64)}`])(
    'refuses the name %j',
    async (bad) => {
      const res = await call('POST', '/api/v1/datasets', { name: bad });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^name: /);
    },
  );

  it('refuses a name in the path that is not schema.table', async () => {
    const res = await call('POST', '/api/v1/datasets/nodot/merge', { records: [{ inputs: { q: 'x' } }] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^name: /);
  });

  it('refuses a batch past the record limit, naming it', async () => {
    const records = Array.from({ length: 6 }, (_, i) => ({ inputs: { q: `n${i}` } }));
    const tooMany = await call('POST', `/api/v1/datasets/${name}/merge`, { records });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('ASSAY_DATASET_MAX_RECORDS');
    // Five new records fit in one batch but not beside the one already there.
    const overflow = await call('POST', `/api/v1/datasets/${name}/merge`, { records: records.slice(0, 5) });
    expect(overflow.status).toBe(400);
    expect(overflow.body.message).toBe(
      'records: the dataset would hold 6 records; the limit is 5 (ASSAY_DATASET_MAX_RECORDS)',
    );
    await nothingWritten();
  });

  it('refuses a record past the expectation limit, also after merging', async () => {
    const four = { a: 1, b: 2, c: 3, d: 4 };
    const direct = await call('POST', `/api/v1/datasets/${name}/merge`, { records: [{ inputs: { q: 'x' }, expectations: four }] });
    expect(direct.status).toBe(400);
    expect(direct.body.message).toContain('records[0].expectations: 4 expectations; the limit is 3');
    const merged = await call('POST', `/api/v1/datasets/${name}/merge`, {
      records: [
        { inputs: { q: 'kept' }, expectations: { a: 1, b: 2 } },
        { inputs: { q: 'kept' }, expectations: { c: 3, d: 4 } },
      ],
    });
    expect(merged.status).toBe(400);
    expect(merged.body.message).toContain('ASSAY_DATASET_MAX_EXPECTATIONS');
    await nothingWritten();
  });

  it('409s on a taken name and on a user table of the same name', async () => {
    expect((await call('POST', '/api/v1/datasets', { name: 'ERRS.MAIN' })).status).toBe(409);
    const user = new pg.Client({ connectionString: t.database.url });
    await user.connect();
    await user.query('create schema if not exists mine; create table mine.golden (id int)');
    await user.end();
    const res = await call('POST', '/api/v1/datasets', { name: 'mine.golden' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('mine.golden');
    expect((await call('GET', '/api/v1/datasets/mine.golden')).status).toBe(404);
  });

  it('lets readers read and not write', async () => {
    expect((await reader('GET', `/api/v1/datasets/${name}/records`)).status).toBe(200);
    expect((await reader('POST', `/api/v1/datasets/${name}/merge`, { records: [{ inputs: { q: 'r' } }] })).status).toBe(403);
    expect((await reader('POST', '/api/v1/datasets', { name: 'r.x' })).status).toBe(403);
  });

  it('404s on unknown datasets, records and versions', async () => {
    expect((await call('POST', '/api/v1/datasets/errs.nope/merge', { records: [] })).status).toBe(404);
    expect((await call('PATCH', `/api/v1/datasets/${name}/records/dr-nope`, { tags: {} })).status).toBe(404);
    expect((await call('GET', `/api/v1/datasets/${name}/records?version=9`)).status).toBe(404);
  });
});
