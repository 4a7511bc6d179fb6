/**
 * Dataset versions: every earlier version reads back exactly after merges and edits; concurrent
 * merges are both applied with consecutive versions; the SQL view is a plain relation a user reads.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';

const recs = (from: number, to: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: to - from }, (_, k) => ({ inputs: { q: `question ${from + k}` }, ...extra(from + k) }));

async function readAll(call: ReturnType<typeof client>, name: string, version?: number) {
  const records: unknown[] = [];
  let token: string | undefined;
  do {
    const params = new URLSearchParams({ max_results: '7' });
    if (version !== undefined) params.set('version', String(version));
    if (token) params.set('page_token', token);
    const res = await call('GET', `/api/v1/datasets/${name}/records?${params}`);
    expect(res.status).toBe(200);
    records.push(...res.body.records);
    token = res.body.next_page_token;
  } while (token);
  return records;
}

describe.each(['postgres', 'pglite'] as const)('dataset versions (%s)', (db) => {
  let t: TestApp;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp({ db });
    call = client(t, await t.tokenHeaders('writer', 'versioner'));
  });
  afterAll(async () => t?.close());

  it('reads every earlier version back exactly after five merges and two edits', async () => {
    const name = 'evals.golden';
    await call('POST', '/api/v1/datasets', { name: 'Evals.Golden', tags: { team: 'search' } });
    const snapshots: unknown[][] = [await readAll(call, name)];
    const digests: string[] = [];
    const change = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => {
      const res = await call(method, url, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.version).toBe(snapshots.length);
      snapshots.push(await readAll(call, name));
      digests.push((await call('GET', `/api/v1/datasets/${name}`)).body.dataset.digest);
    };
    const merge = (records: unknown[]) => change('POST', `/api/v1/datasets/${name}/merge`, { records });

    await merge(recs(0, 10, (i) => ({ expectations: { expected_response: `a${i}` } })));
    await merge(recs(5, 15, (i) => ({ expectations: { expected_facts: [`f${i}`] }, outputs: `o${i}` })));
    const first = snapshots[2]![0] as { dataset_record_id: string };
    await change('PATCH', `/api/v1/datasets/${name}/records/${first.dataset_record_id}`, {
      expectations: { guidelines: ['be brief'] },
      tags: { edited: 'yes' },
    });
    await merge(recs(12, 20, () => ({ tags: { batch: '3' } })));
    const [a, b] = (snapshots[4] as Array<{ dataset_record_id: string }>).slice(3, 5);
    await change('POST', `/api/v1/datasets/${name}/records/delete`, { dataset_record_ids: [a!.dataset_record_id, b!.dataset_record_id] });
    await merge(recs(0, 3, () => ({ outputs: { changed: true } })));
    await merge(recs(3, 5)); // the deleted inputs come back as new records

    expect(snapshots.map((s) => s.length)).toEqual([0, 10, 15, 15, 20, 18, 18, 20]);
    for (let k = 0; k < snapshots.length; k++) expect(await readAll(call, name, k), `version ${k}`).toEqual(snapshots[k]);

    const versions = (await call('GET', `/api/v1/datasets/${name}/versions`)).body.versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(versions.map((v: { operation: string }) => v.operation)).toEqual(['merge', 'merge', 'delete', 'merge', 'update', 'merge', 'merge']);
    expect(versions[6]).toMatchObject({ inserted: 10, updated: 0, deleted: 0, record_count: 10, created_by: 'versioner' });
    expect(versions[5]).toMatchObject({ inserted: 5, updated: 5, record_count: 15 });
    expect(versions.map((v: { digest: string }) => v.digest).reverse()).toEqual(digests);
    expect(new Set(digests).size).toBe(digests.length);

    const dataset = (await call('GET', `/api/v1/datasets/${name}`)).body.dataset;
    expect(dataset).toMatchObject({ name, current_version: 7, record_count: 20, tags: { team: 'search' }, created_by: 'versioner' });
    expect((await call('GET', `/api/v1/datasets/${name}/records?version=8`)).status).toBe(404);
  });

  it('applies two concurrent merges with consecutive versions and nothing lost', async () => {
    const name = 'evals.concurrent';
    await call('POST', '/api/v1/datasets', { name });
    const shared = { inputs: { q: 'shared' } };
    const [x, y] = await Promise.all([
      call('POST', `/api/v1/datasets/${name}/merge`, { records: [...recs(0, 300), { ...shared, expectations: { x: 1 } }] }),
      call('POST', `/api/v1/datasets/${name}/merge`, { records: [...recs(200, 500), { ...shared, expectations: { y: 2 } }] }),
    ]);
    expect([x.status, y.status]).toEqual([200, 200]);
    expect([x.body.version, y.body.version].sort()).toEqual([1, 2]);
    expect(x.body.inserted + y.body.inserted).toBe(501);
    const records = (await readAll(call, name)) as Array<{ inputs: { q: string }; expectations: object }>;
    expect(records).toHaveLength(501);
    expect(records.find((r) => r.inputs.q === 'shared')?.expectations).toEqual({ x: 1, y: 2 });
  });

  it.runIf(db === 'postgres')('is readable as <schema>.<table> through a plain pg client', async () => {
    const name = 'sql_readers.golden';
    await call('POST', '/api/v1/datasets', { name });
    await call('POST', `/api/v1/datasets/${name}/merge`, {
      records: [{ inputs: { q: 'x' }, expectations: { expected_facts: ['a', 'b'] }, tags: { k: 'v' } }, { inputs: { q: 'y' } }],
    });
    await call('POST', `/api/v1/datasets/${name}/merge`, { records: [{ inputs: { q: 'x' }, outputs: 'answer' }] });
    const user = new pg.Client({ connectionString: t.database.url });
    await user.connect();
    try {
      const rows = await user.query(
        `select dataset_record_id, inputs->>'q' as q, outputs, jsonb_array_length(expectations->'expected_facts') as facts,
                tags, source, created_by, pg_typeof(inputs)::text as type
         from sql_readers.golden order by q`,
      );
      expect(rows.rows).toEqual([
        expect.objectContaining({ q: 'x', outputs: 'answer', facts: 2, tags: { k: 'v' }, type: 'jsonb', created_by: 'versioner' }),
        expect.objectContaining({ q: 'y', outputs: null, facts: null, source: null }),
      ]);
      const joined = await user.query(`select count(*)::int as n from sql_readers.golden a join sql_readers.golden b using (inputs)`);
      expect(joined.rows[0].n).toBe(2);
    } finally {
      await user.end();
    }
    expect((await call('DELETE', `/api/v1/datasets/${name}`)).status).toBe(204);
    const gone = new pg.Client({ connectionString: t.database.url });
    await gone.connect();
    const exists = await gone.query(`select to_regclass('sql_readers.golden') as r`);
    await gone.end();
    expect(exists.rows[0].r).toBeNull();
  });
});
