/** The monitor admin API: whole-document writes, etags, the fixed results schema, validation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newExperiment, putMonitor } from '../support/monitor.ts';

describe('monitor config API', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let reader: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.tokenHeaders('admin');
    reader = await t.tokenHeaders('reader');
  });
  afterAll(() => t?.close());

  const url = (id: string) => `/api/v1/experiments/${id}/monitor`;
  const put = (id: string, payload: unknown, headers: Record<string, string> = admin) => putMonitor(t, id, payload as object, headers);

  it('answers 404 with a clear message before a monitor exists', async () => {
    const id = await newExperiment(t.ctx);
    const response = await t.app.inject({ method: 'GET', url: url(id), headers: reader });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    expect(response.json().message).toContain('has no monitor');
  });

  it('replaces the whole document: a field left out is gone', async () => {
    const id = await newExperiment(t.ctx);
    const first = await put(id, {
      results_schema: 'mon_a',
      sample: 0.5,
      filter_string: "tags.environment = 'production'",
      scorers: [{ name: 'safety' }, { name: 'relevance_to_query', sample_rate: 0.4 }],
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers.etag).toBeTruthy();
    const second = await put(id, { results_schema: 'mon_a', scorers: [{ name: 'safety' }] }, { ...admin, 'if-match': String(first.headers.etag) });
    expect(second.statusCode, second.body).toBe(200);
    const got = await t.app.inject({ method: 'GET', url: url(id), headers: reader });
    expect(got.json().config).toEqual({ results_schema: 'mon_a', sample: 1, paused: false, interval_minutes: 15, session_idle_seconds: 900, scorers: [{ name: 'safety' }] });
    expect(got.json().version).toBe(2);
    expect(got.headers.etag).toBe(second.headers.etag);
  });

  it('refuses a stale If-Match with 412 and a changed results_schema with 409', async () => {
    const id = await newExperiment(t.ctx);
    const first = await put(id, { results_schema: 'mon_b', scorers: [{ name: 'safety' }] });
    const etag = String(first.headers.etag);
    expect((await put(id, { results_schema: 'mon_b', scorers: [] }, { ...admin, 'if-match': etag })).statusCode).toBe(200);
    const stale = await put(id, { results_schema: 'mon_b', scorers: [{ name: 'safety' }] }, { ...admin, 'if-match': etag });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error_code).toBe('PRECONDITION_FAILED');
    const moved = await put(id, { results_schema: 'elsewhere', scorers: [] });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().message).toContain('results_schema');
  });

  it('reports every validation problem at once, each naming its field', async () => {
    const id = await newExperiment(t.ctx);
    const response = await put(id, {
      results_schema: 'Bad Schema!',
      sample: 1.5,
      filter_string: "tags.env = production",
      scorers: [
        { name: 'safety', sample_rate: -0.1 },
        { name: 'safety' },
        { name: 'mystery', type: 'no_such_scorer' },
        { name: 'tone', type: 'custom_judge', instructions: 'Is it polite?' },
        { name: 'scoped', type: 'safety', filter_string: 'foo.bar = 1' },
      ],
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const problems: string[] = body.details.problems;
    const has = (prefix: string) => expect(problems.some((p) => p.startsWith(prefix)), `${prefix} in ${problems.join(' | ')}`).toBe(true);
    has('results_schema:');
    has('sample:');
    has('filter_string:');
    has('scorers[0].sample_rate:');
    has('scorers[1].name:');
    has('scorers[2].type:');
    has('scorers[3].instructions:');
    has('scorers[4].filter_string:');
    // Nothing was written.
    expect((await t.app.inject({ method: 'GET', url: url(id), headers: reader })).statusCode).toBe(404);
  });

  it('refuses an RLIKE filter whose regular expression Postgres cannot compile', async () => {
    const id = await newExperiment(t.ctx);
    const response = await put(id, { results_schema: 'mon_f', scorers: [{ name: 'safety', filter_string: "tags.env RLIKE '(unclosed'" }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('scorers[0].filter_string');
  });

  it('lets readers read but only admins write', async () => {
    const id = await newExperiment(t.ctx);
    const writer = await t.tokenHeaders('writer');
    expect((await put(id, { results_schema: 'mon_c', scorers: [] }, writer)).statusCode).toBe(403);
    expect((await put(id, { results_schema: 'mon_c', scorers: [] }, reader)).statusCode).toBe(403);
    expect((await put(id, { results_schema: 'mon_c', scorers: [] })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: url(id), headers: reader })).statusCode).toBe(200);
  });

  it('does not schedule a paused monitor, and schedules it right away when un-paused', async () => {
    const id = await newExperiment(t.ctx);
    const paused = await put(id, { results_schema: 'mon_d', paused: true, scorers: [{ name: 'safety' }] });
    expect(paused.json().next_run_time).toBeNull();
    const { schedulerTick } = await import('../../src/services/monitor-scheduler.ts');
    await schedulerTick(t.ctx);
    const ours = await t.ctx.db.selectFrom('assay.monitor_run').select('run_id').where('experiment_id', '=', Number(id)).execute();
    expect(ours).toEqual([]);
    const resumed = await put(id, { results_schema: 'mon_d', paused: false, scorers: [{ name: 'safety' }] });
    expect(Date.parse(resumed.json().next_run_time)).toBeLessThanOrEqual(Date.now());
    await schedulerTick(t.ctx);
    const runs = await t.ctx.db.selectFrom('assay.monitor_run').select('kind').where('experiment_id', '=', Number(id)).execute();
    expect(runs).toEqual([{ kind: 'scheduled' }]);
  });

  it('deletes the monitor and keeps the results table', async () => {
    const id = await newExperiment(t.ctx);
    await put(id, { results_schema: 'mon_e', scorers: [] });
    const { ensureResultsTable } = await import('../../src/storage/results-table.ts');
    await ensureResultsTable(t.ctx.db, 'mon_e', Number(id));
    const deleted = await t.app.inject({ method: 'DELETE', url: url(id), headers: admin });
    expect(deleted.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: url(id), headers: reader })).statusCode).toBe(404);
    const { sql } = await import('kysely');
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.id('mon_e', `trace_logs_${id}`)}`.execute(t.ctx.db);
    expect(rows[0]!.n).toBe(0);
  });
});
