/**
 * A search that runs past ASSAY_SEARCH_TIMEOUT_MS is stopped by Postgres and answered with a 400;
 * a monitor's filter runs under the same limit, so a run fails with that message instead of holding
 * a connection and a core.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRun } from '../../src/storage/monitor-repository.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment, waitUntilBeforeNewMonitors } from '../support/monitor.ts';
import { waitFor } from '../support/wait-for.ts';

const NEVER = "span.content ILIKE '%never-present-anywhere%'";

describe('search timeout', () => {
  let t: TestApp;
  let id: string;
  let admin: Record<string, string>;

  beforeAll(async () => {
    // 1 ms: a scan of every span's content for a pattern that matches nothing cannot finish in it.
    t = await startTestApp({ env: { ASSAY_SEARCH_TIMEOUT_MS: '1' } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    admin = await t.tokenHeaders('admin');
    id = await newExperiment(t.ctx);
    await ingestSamples(t.ctx, id, 3000, { seed: 'search-timeout' });
  });
  afterAll(() => t?.close());

  it('refuses the search with a message that names the limit, and the API keeps answering', async () => {
    const slow = await t.app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      headers: admin,
      payload: { experiment_ids: [id], filter_string: NEVER, max_results: 10 },
    });
    expect(slow.statusCode, slow.body).toBe(400);
    expect(slow.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(slow.json().message).toContain('ASSAY_SEARCH_TIMEOUT_MS');
    const health = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(health.statusCode).toBe(200);
  });

  it('stops the filters of session lists, dataset merges and labeling sessions at the same limit, naming their field', async () => {
    const sessions = await t.app.inject({
      method: 'GET',
      url: `/api/v1/experiments/${id}/sessions?filter_string=${encodeURIComponent(NEVER)}`,
      headers: admin,
    });
    expect(sessions.statusCode, sessions.body).toBe(400);
    expect(sessions.json().message).toMatch(/^filter_string: the search was stopped after 1 ms \(ASSAY_SEARCH_TIMEOUT_MS\)/);
    const sessionCount = await t.app.inject({
      method: 'POST',
      url: `/api/v1/experiments/${id}/sessions/count`,
      headers: admin,
      payload: { filter_string: NEVER },
    });
    expect(sessionCount.statusCode, sessionCount.body).toBe(400);
    expect(sessionCount.json().message).toMatch(/^filter_string: the search was stopped after 1 ms/);

    expect((await t.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: admin, payload: { name: 'timeouts.cases' } })).statusCode).toBe(201);
    const merge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/datasets/timeouts.cases/merge',
      headers: admin,
      payload: { search: { experiment_ids: [id], filter_string: NEVER } },
    });
    expect(merge.statusCode, merge.body).toBe(400);
    expect(merge.json().message).toMatch(/^search\.filter_string: the search was stopped after 1 ms/);

    const session = await t.app.inject({
      method: 'POST',
      url: '/api/v1/labeling-sessions',
      headers: admin,
      payload: { name: 'timeouts', experiment_id: id, label_schemas: [{ name: 'helpful', kind: 'feedback', type: 'yes_no' }] },
    });
    expect(session.statusCode, session.body).toBe(201);
    const labeling = await t.app.inject({
      method: 'POST',
      url: `/api/v1/labeling-sessions/${session.json().labeling_session_id}/traces`,
      headers: admin,
      payload: { filter_string: NEVER },
    });
    expect(labeling.statusCode, labeling.body).toBe(400);
    expect(labeling.json().message).toMatch(/^filter_string: the search was stopped after 1 ms/);
  });

  it("stops a monitor run's filter at the same limit and fails the run with the message", async () => {
    const experiment = await newExperiment(t.ctx);
    await configureMonitor(t, experiment, { results_schema: 'monitoring', filter_string: NEVER, scorers: [{ name: 'safety' }] }, admin);
    await ingestSamples(t.ctx, experiment, 500, { seed: 'search-timeout-monitor' });
    await waitUntilBeforeNewMonitors(t.ctx, experiment);
    const started = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experiment}/monitor/run`, headers: admin });
    expect(started.statusCode, started.body).toBe(202);
    const runId = started.json().run.run_id as string;
    const run = await waitFor(
      async () => {
        const found = await findRun(t.ctx.db, runId);
        return found?.status === 'succeeded' || found?.status === 'failed' ? found : undefined;
      },
      { what: `monitor run ${runId}`, timeoutMs: 120_000, intervalMs: 50 },
    );
    expect(run.status).toBe('failed');
    expect(run.error).toContain('filter_string: the search was stopped after 1 ms (ASSAY_SEARCH_TIMEOUT_MS)');
    // Nothing was judged for traces the filter could not decide.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from assay.assessment a join assay.trace t using (trace_id)
      where t.experiment_id = ${Number(experiment)}`.execute(t.ctx.db);
    expect(rows[0]!.n).toBe(0);
  });
});
