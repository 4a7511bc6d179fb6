/**
 * A merge holds what it reads from traces until it writes them, so it reads no more than a request
 * body may bring (ASSAY_BODY_LIMIT_BYTES), `trace_ids` and `search` together: past that it is
 * refused with a 400 naming the field, writing nothing, however large max_results is. A labeling
 * session's sync merges its traces under the same limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client, traceWith } from '../support/dataset-fixtures.ts';

const LIMIT = 64 * 1024;
/** Each trace's record is a little over 10 KiB: six fit in the limit, seven do not. */
const TRACES = 10;

describe('merge from traces, within the body limit', () => {
  let t: TestApp;
  let call: ReturnType<typeof client>;
  let experimentId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_BODY_LIMIT_BYTES: String(LIMIT) } });
    call = client(t, await t.tokenHeaders('writer'));
    experimentId = (await call('POST', '/api/v1/experiments', { name: 'merge-limit' })).body.experiment_id as string;
    // One trace a request: each is well under the limit.
    for (let i = 0; i < TRACES; i += 1) {
      const trace = traceWith({ question: `q${i} ${'x'.repeat(10 * 1024)}` }, `answer ${i}`);
      expect((await call('POST', `/api/v1/experiments/${experimentId}/traces`, { traces: [trace.payload] })).status).toBe(200);
      ids.push(trace.trace_id);
    }
    expect((await call('POST', '/api/v1/datasets', { name: 'limits.merged' })).status).toBe(201);
  });
  afterAll(async () => t?.close());

  const merge = (body: object) => call('POST', '/api/v1/datasets/limits.merged/merge', body);
  const recordCount = async () => (await call('GET', '/api/v1/datasets/limits.merged')).body.dataset.record_count as number;
  const refusal = (field: string) => `${field}: the traces hold more than ${LIMIT} bytes of records (ASSAY_BODY_LIMIT_BYTES); merge them in smaller batches`;

  it('refuses a search whose traces hold more than the limit, writing nothing', async () => {
    const res = await merge({ search: { experiment_ids: [experimentId], max_results: 1_000_000 } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(refusal('search'));
    expect(await recordCount()).toBe(0);
  });

  it('refuses trace_ids past the limit, and counts trace_ids and search together', async () => {
    const byId = await merge({ trace_ids: ids });
    expect(byId.status).toBe(400);
    expect(byId.body.message).toBe(refusal('trace_ids'));
    const both = await merge({ trace_ids: ids.slice(0, 4), search: { experiment_ids: [experimentId], max_results: 4, order_by: ['timestamp_ms ASC'] } });
    expect(both.status).toBe(400);
    expect(both.body.message).toBe(refusal('search'));
    expect(await recordCount()).toBe(0);
  });

  it('holds a labeling session sync to the same limit', async () => {
    const session = await call('POST', '/api/v1/labeling-sessions', {
      name: 'big review',
      experiment_id: experimentId,
      label_schemas: [{ name: 'expected_response', kind: 'expectation', type: 'text' }],
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const id = session.body.labeling_session_id as string;
    expect((await call('POST', `/api/v1/labeling-sessions/${id}/traces`, { trace_ids: ids })).status).toBeLessThan(300);
    const sync = await call('POST', `/api/v1/labeling-sessions/${id}/sync`, { dataset_name: 'limits.synced' });
    expect(sync.status).toBe(400);
    expect(sync.body.message).toBe(refusal('labeling_session_id'));
    // Nothing half-saved: the dataset the sync would have created does not exist.
    expect((await call('GET', '/api/v1/datasets/limits.synced')).status).toBe(404);
  });

  it('merges what fits', async () => {
    const res = await merge({ search: { experiment_ids: [experimentId], max_results: 6 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ inserted: 6, traces_read: 6 });
    expect(await recordCount()).toBe(6);
  });
});
