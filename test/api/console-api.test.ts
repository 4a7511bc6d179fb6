/** What the web console needs from the API: whoami, score trends with their bands, trace cost, route schemas. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { wilson } from '../../src/storage/monitor-trends.ts';
import { copyTraces, ensureResultsTable } from '../../src/storage/results-table.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment } from '../support/monitor.ts';
import { PACKAGE_VERSION } from '../support/spawn-assay.ts';

describe.each(['postgres', 'pglite'] as const)('console API (%s)', (db) => {
  let t: TestApp;
  let experimentId: string;
  let traceIds: string[];
  beforeAll(async () => {
    t = await startTestApp({ db });
    experimentId = await newExperiment(t.ctx);
    traceIds = await ingestSamples(t.ctx, experimentId, 6, { startMs: Date.parse('2026-01-01T10:10:00Z') });
  });
  afterAll(() => t?.close());

  async function judge(traceId: string, name: string, value: unknown, runId: string): Promise<void> {
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/traces/${traceId}/assessments`,
      payload: {
        assessment_name: name,
        feedback: { value },
        source: { source_type: 'LLM_JUDGE', source_id: 'judge-model' },
        metadata: { 'assay.monitor.run_id': runId },
      },
    });
    expect(response.statusCode, response.body).toBe(201);
  }

  it('whoami names the caller, its role, whether tokens are required and the version answering', async () => {
    const open = await t.app.inject({ method: 'GET', url: '/api/v1/whoami' });
    expect(open.json()).toEqual({ name: 'anonymous', role: 'admin', auth_required: false, version: PACKAGE_VERSION });
  });

  it('trends give each scorer its pass rate or mean per run, with a band that narrows with more traces', async () => {
    await judge(traceIds[0]!, 'safety', 'yes', 'run-a');
    await judge(traceIds[1]!, 'safety', 'yes', 'run-a');
    await judge(traceIds[2]!, 'safety', 'no', 'run-a');
    for (const id of traceIds) await judge(id, 'safety', 'yes', 'run-b');
    await judge(traceIds[0]!, 'score', 4, 'run-a');
    await judge(traceIds[1]!, 'score', 2, 'run-a');

    const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/trends?bucket=run` });
    expect(response.statusCode, response.body).toBe(200);
    const points = response.json().points as Array<Record<string, unknown>>;
    const safetyA = points.find((p) => p.bucket === 'run-a' && p.scorer === 'safety')!;
    expect(safetyA).toMatchObject({ kind: 'pass_rate', n: 3, errors: 0 });
    expect(safetyA.value).toBeCloseTo(2 / 3);
    const band = wilson(2 / 3, 3);
    expect(safetyA.low).toBeCloseTo(band.low);
    expect(safetyA.high).toBeCloseTo(band.high);
    const safetyB = points.find((p) => p.bucket === 'run-b' && p.scorer === 'safety')!;
    expect(safetyB).toMatchObject({ kind: 'pass_rate', n: 6, value: 1 });
    expect(points.find((p) => p.bucket === 'run-a' && p.scorer === 'score')).toMatchObject({ kind: 'mean', n: 2, value: 3 });

    const hourly = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/trends?bucket=hour` });
    const hourPoints = hourly.json().points as Array<Record<string, unknown>>;
    expect(hourPoints.find((p) => p.scorer === 'safety')).toMatchObject({ bucket: '2026-01-01T10:00:00Z', n: 9 });
  });

  it('the SQL beside the chart reads the same numbers from the results view, per run or per hour, within the range', async () => {
    // A person's verdict under the same name is not the monitor's, and stays out of both.
    const human = await t.app.inject({
      method: 'POST', url: `/api/v1/traces/${traceIds[3]}/assessments`,
      payload: { assessment_name: 'safety', feedback: { value: 'no' }, source: { source_type: 'HUMAN', source_id: 'ann' } },
    });
    expect(human.statusCode, human.body).toBe(201);
    await configureMonitor(t, experimentId, { results_schema: `trend_sql_${db}`, scorers: [{ name: 'safety' }] });
    await ensureResultsTable(t.ctx.db, `trend_sql_${db}`, Number(experimentId));
    await copyTraces(t.ctx.db, `trend_sql_${db}`, Number(experimentId), traceIds);

    const cases = [
      'bucket=run',
      'bucket=hour',
      'bucket=hour&start_time=2026-01-01T00:00:00Z&end_time=2026-01-02T00:00:00Z',
      'bucket=run&start_time=2026-01-02T00:00:00Z',
    ];
    for (const query of cases) {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/trends?${query}` });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as { points: Array<{ bucket: string; scorer: string; n: number; errors: number; value: number | null }>; sql: string };
      const { rows } = await sql.raw<{ run_id?: string; hour?: Date; scorer: string; n: string; errors: string; value: number | null }>(body.sql).execute(t.ctx.db);
      const fromSql = rows
        .map((r) => ({ bucket: r.run_id ?? new Date(r.hour!).toISOString().replace('.000Z', 'Z'), scorer: r.scorer, n: Number(r.n), errors: Number(r.errors), value: r.value === null ? null : Number(Number(r.value).toFixed(9)) }))
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.scorer.localeCompare(b.scorer));
      const fromChart = body.points
        .map((p) => ({ bucket: p.bucket, scorer: p.scorer, n: p.n, errors: p.errors, value: p.value === null ? null : Number(p.value.toFixed(9)) }))
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.scorer.localeCompare(b.scorer));
      expect(fromSql, `${query}\n${body.sql}`).toEqual(fromChart);
      expect(fromChart.length > 0, query).toBe(!query.includes('start_time=2026-01-02'));
    }
  });

  it('a wider sample gives a narrower Wilson band at the same pass rate', () => {
    const small = wilson(0.2, 30);
    const large = wilson(0.2, 3000);
    expect(small.high - small.low).toBeGreaterThan(5 * (large.high - large.low));
  });

  it('rejects a bad bucket naming the field', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/trends?bucket=day` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^bucket: /);
  });

  it('trace JSON carries the cost', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceIds[0]}` });
    expect(response.json().info).toHaveProperty('cost');
  });

  it('the OpenAPI document has request and response schemas from the zod validators', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const search = doc.paths['/api/v1/traces/search'].post;
    expect(search.requestBody.content['application/json'].schema.properties.filter_string).toBeDefined();
    expect(search.responses['200'].content['application/json'].schema.properties.traces.items.properties.trace_id).toBeDefined();
    expect(doc.paths['/api/v1/experiments/{id}/monitor/trends'].get.parameters.map((p: { name: string }) => p.name)).toContain('bucket');
    // Validation stays with zod: a bad body still gets the field-naming message, not a JSON Schema error.
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: { experiment_ids: [] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^experiment_ids: must name at least one experiment/);
  });
});
