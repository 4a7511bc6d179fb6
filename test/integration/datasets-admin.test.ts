/** Datasets as a whole: list with filters, order and pages; tags and experiment links; delete. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';

describe.each(['postgres', 'pglite'] as const)('dataset administration (%s)', (db) => {
  let t: TestApp;
  let ann: ReturnType<typeof client>;
  let ben: ReturnType<typeof client>;
  let experimentId: string;

  const names = (body: Record<string, unknown>) => (body.datasets as Array<{ name: string }>).map((d) => d.name);

  beforeAll(async () => {
    t = await startTestApp({ db });
    ann = client(t, await t.tokenHeaders('writer', 'ann'));
    ben = client(t, await t.tokenHeaders('writer', 'ben'));
    experimentId = (await ann('POST', '/api/v1/experiments', { name: 'support-bot' })).body.experiment_id;
    await ann('POST', '/api/v1/datasets', { name: 'qa.golden', tags: { team: 'search', tier: 'gold' }, experiment_ids: [experimentId] });
    await ben('POST', '/api/v1/datasets', { name: 'qa.safety', tags: { team: 'trust' } });
    await ann('POST', '/api/v1/datasets', { name: 'edge.cases', tags: { team: 'search' } });
  });
  afterAll(async () => t?.close());

  it('creates with the caller as creator and reports counts, version and digest', async () => {
    const { dataset } = (await ann('GET', '/api/v1/datasets/QA.Golden')).body;
    expect(dataset).toMatchObject({
      name: 'qa.golden',
      experiment_ids: [experimentId],
      tags: { team: 'search', tier: 'gold' },
      record_count: 0,
      current_version: 0,
      digest: '0'.repeat(64),
      created_by: 'ann',
      last_updated_by: 'ann',
    });
    expect(Date.parse(dataset.created_time)).not.toBeNaN();
    const unknownExperiment = await ann('POST', '/api/v1/datasets', { name: 'qa.other', experiment_ids: ['999'] });
    expect(unknownExperiment.status).toBe(400);
    expect(unknownExperiment.body.message).toContain('experiment_ids');
  });

  it('lists by name pattern, tag, creator and experiment, ordered and paged', async () => {
    expect(names((await ann('GET', '/api/v1/datasets')).body)).toEqual(['edge.cases', 'qa.golden', 'qa.safety']);
    expect(names((await ann('GET', '/api/v1/datasets?name=qa.%25')).body)).toEqual(['qa.golden', 'qa.safety']);
    expect(names((await ann('GET', '/api/v1/datasets?tag.team=search')).body)).toEqual(['edge.cases', 'qa.golden']);
    expect(names((await ann('GET', '/api/v1/datasets?tag.team=search&tag.tier=gold')).body)).toEqual(['qa.golden']);
    expect(names((await ann('GET', '/api/v1/datasets?created_by=ben')).body)).toEqual(['qa.safety']);
    expect(names((await ann('GET', `/api/v1/datasets?experiment_id=${experimentId}`)).body)).toEqual(['qa.golden']);
    expect(names((await ann('GET', '/api/v1/datasets?order_by=created_time%20DESC')).body)).toEqual(['edge.cases', 'qa.safety', 'qa.golden']);
    const first = (await ann('GET', '/api/v1/datasets?max_results=2&order_by=name%20desc')).body;
    expect(names(first)).toEqual(['qa.safety', 'qa.golden']);
    const second = (await ann('GET', `/api/v1/datasets?max_results=2&order_by=name%20desc&page_token=${first.next_page_token}`)).body;
    expect(names(second)).toEqual(['edge.cases']);
    expect(second.next_page_token).toBeUndefined();
    expect((await ann('GET', '/api/v1/datasets?order_by=size')).status).toBe(400);
  });

  it('updates tags key by key and experiment links, recording who', async () => {
    const other = (await ann('POST', '/api/v1/experiments', { name: 'other-bot' })).body.experiment_id;
    const res = await ben('PATCH', '/api/v1/datasets/qa.golden', {
      tags: { tier: null, owner: 'ben' },
      experiment_ids: [experimentId, other],
    });
    expect(res.status).toBe(200);
    expect(res.body.dataset).toMatchObject({
      tags: { team: 'search', owner: 'ben' },
      experiment_ids: [experimentId, other],
      last_updated_by: 'ben',
      created_by: 'ann',
      current_version: 0,
    });
    expect(res.body.dataset.tags).not.toHaveProperty('tier');
  });

  it('deletes a dataset with its records, versions and view; the name is free again', async () => {
    await ann('POST', '/api/v1/datasets/edge.cases/merge', { records: [{ inputs: { q: 1 } }] });
    expect((await ann('DELETE', '/api/v1/datasets/edge.cases')).status).toBe(204);
    expect((await ann('GET', '/api/v1/datasets/edge.cases')).status).toBe(404);
    expect((await ann('DELETE', '/api/v1/datasets/edge.cases')).status).toBe(404);
    const again = await ann('POST', '/api/v1/datasets', { name: 'edge.cases' });
    expect(again.status).toBe(201);
    expect(again.body.dataset).toMatchObject({ record_count: 0, current_version: 0 });
    expect((await ann('GET', '/api/v1/datasets/edge.cases/records')).body.records).toEqual([]);
  });

  it('creates a dataset with its first records in one request, or not at all when they are refused', async () => {
    const made = await ann('POST', '/api/v1/datasets', { name: 'New.Seeded', experiment_ids: [experimentId], records: [{ inputs: { q: 1 } }, { inputs: { q: 2 } }] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.dataset).toMatchObject({ name: 'new.seeded', experiment_ids: [experimentId], record_count: 2, current_version: 1, created_by: 'ann' });
    expect(made.body.merge).toEqual({ inserted: 2, updated: 0, version: 1, traces_read: 0 });

    // Refused before anything is written (an unknown trace), and inside the transaction that created
    // the dataset (one record merged from two would hold more expectations than the limit): no dataset.
    const unknown = await ann('POST', '/api/v1/datasets', { name: 'new.refused', trace_ids: ['tr-missing'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^trace_ids: unknown trace ids: tr-missing/);
    const many = (prefix: string) => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${prefix}${i}`, i]));
    const overfull = await ann('POST', '/api/v1/datasets', { name: 'new.refused', records: [{ inputs: { q: 'd' }, expectations: many('a') }, { inputs: { q: 'd' }, expectations: many('b') }] });
    expect(overfull.status).toBe(400);
    expect(overfull.body.message).toMatch(/^records: .*120 expectations; the limit is 100/);
    expect((await ann('GET', '/api/v1/datasets/new.refused')).status).toBe(404);
    expect(names((await ann('GET', '/api/v1/datasets?name=new.%25')).body)).toEqual(['new.seeded']);

    // A taken name is a 409 on the name, and the dataset that has it is left as it was.
    const taken = await ben('POST', '/api/v1/datasets', { name: 'new.seeded', records: [{ inputs: { q: 3 } }] });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toMatch(/^name: a dataset named 'new.seeded' already exists/);
    expect((await ann('GET', '/api/v1/datasets/new.seeded')).body.dataset).toMatchObject({ record_count: 2, current_version: 1 });

    // The refused name is free.
    expect((await ann('POST', '/api/v1/datasets', { name: 'new.refused', records: [{ inputs: { q: 1 } }] })).status).toBe(201);
  });
});
