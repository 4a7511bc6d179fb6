/**
 * Reserved names, one list for monitors and datasets: a monitor's results schema may not be Assay's
 * or Postgres' own, and a dataset may not take a monitor's results table name. A monitor stored
 * with a reserved schema before the check existed can move to a schema of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newExperiment, putMonitor } from '../support/monitor.ts';

describe('reserved names', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.tokenHeaders('admin');
  });
  afterAll(() => t?.close());

  const put = (id: string, payload: object, headers: Record<string, string> = admin) => putMonitor(t, id, payload, headers);

  it('refuses Assay and Postgres schemas as results_schema', async () => {
    const id = await newExperiment(t.ctx);
    for (const schema of ['assay', 'information_schema', 'pg_catalog', 'pg_toast', 'pg_temp']) {
      const res = await put(id, { results_schema: schema, scorers: [{ name: 'safety' }] });
      expect(res.statusCode, schema).toBe(400);
      expect(res.json().message).toMatch(new RegExp(`^results_schema: schema '${schema}' .*reserved`));
    }
    expect((await put(id, { results_schema: 'monitoring', scorers: [{ name: 'safety' }] })).statusCode).toBe(201);
  });

  it("refuses datasets named like a monitor's results", async () => {
    for (const name of ['monitoring.trace_logs_1', 'monitoring.assessment_logs_42', 'assay.things', 'pg_temp.x']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: admin, payload: { name } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().message).toMatch(/^name: .*reserved/);
    }
    const fine = await t.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: admin, payload: { name: 'monitoring.trace_logs_archive' } });
    expect(fine.statusCode).toBe(201);
  });

  it('lets a monitor stored with a reserved schema move to its own', async () => {
    const id = await newExperiment(t.ctx);
    const created = await put(id, { results_schema: 'mine', scorers: [{ name: 'safety' }] });
    expect(created.statusCode).toBe(201);
    // As a monitor saved before the check would be.
    await t.ctx.db
      .updateTable('assay.monitor')
      .set({ results_schema: 'pg_catalog' } as never)
      .where('experiment_id', '=', Number(id) as never)
      .execute();
    const moved = await put(id, { results_schema: 'mine_again', scorers: [{ name: 'safety' }] });
    expect(moved.statusCode, moved.body).toBe(200);
  });
});
