/** A search that runs past ASSAY_SEARCH_TIMEOUT_MS is stopped by Postgres and answered with a 400. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ingestSamples, newExperiment } from '../support/monitor.ts';

describe('search timeout', () => {
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    // 1 ms: a scan of every span's content for a pattern that matches nothing cannot finish in it.
    t = await startTestApp({ env: { ASSAY_SEARCH_TIMEOUT_MS: '1' } });
    id = await newExperiment(t.ctx);
    await ingestSamples(t.ctx, id, 3000, { seed: 'search-timeout' });
  });
  afterAll(() => t?.close());

  it('refuses the search with a message that names the limit, and the API keeps answering', async () => {
    const slow = await t.app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      payload: { experiment_ids: [id], filter_string: "span.content ILIKE '%never-present-anywhere%'", max_results: 10 },
    });
    expect(slow.statusCode, slow.body).toBe(400);
    expect(slow.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(slow.json().message).toContain('ASSAY_SEARCH_TIMEOUT_MS');
    const health = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(health.statusCode).toBe(200);
  });
});
