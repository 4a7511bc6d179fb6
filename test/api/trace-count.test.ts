/** `POST /api/v1/traces/count`: the total beside a trace list, capped, with the filter's own errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ingestSamples, newExperiment } from '../support/monitor.ts';

describe('trace count', () => {
  let t: TestApp;
  let experimentId: string;
  beforeAll(async () => {
    t = await startTestApp({ db: 'postgres' });
    experimentId = await newExperiment(t.ctx);
    await ingestSamples(t.ctx, experimentId, 25, { seed: 'count' });
  });
  afterAll(() => t?.close());

  const count = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/traces/count', payload });
  const search = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: { ...payload, max_results: 1000 } });

  it('counts every trace, or those the filter matches, as a search would find them', async () => {
    expect((await count({ experiment_ids: [experimentId] })).json()).toEqual({ count: 25, more: false });
    const filter = "tags.sample_kind = 'unsafe'";
    const found = (await search({ experiment_ids: [experimentId], filter_string: filter })).json().traces.length;
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThan(25);
    expect((await count({ experiment_ids: [experimentId], filter_string: filter })).json()).toEqual({ count: found, more: false });
  });

  it('stops at the limit and says more match', async () => {
    expect((await count({ experiment_ids: [experimentId], limit: 10 })).json()).toEqual({ count: 10, more: true });
    expect((await count({ experiment_ids: [experimentId], limit: 25 })).json()).toEqual({ count: 25, more: false });
  });

  it('refuses a bad filter, limit or experiment naming the field', async () => {
    const bad = await count({ experiment_ids: [experimentId], filter_string: "tags.a = 'x' OR tags.a = 'y'" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^filter_string: /);
    const limit = await count({ experiment_ids: [experimentId], limit: 0 });
    expect(limit.statusCode).toBe(400);
    expect(limit.json().message).toMatch(/limit/);
    expect((await count({ experiment_ids: ['999999'] })).statusCode).toBe(404);
  });
});
