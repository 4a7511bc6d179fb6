/** Time partitions on Postgres (time-partitions-suite.ts), the scheduler's days ahead, and unique indexes. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { maintainPartitions } from '../../src/services/partition-maintenance.ts';
import { schedulerTick } from '../../src/services/monitor-scheduler.ts';
import { withPartitionKey } from '../../src/storage/migrations/018-time-partitions.ts';
import { dayStart, DAYS_AHEAD, listPartitions, partitionName } from '../../src/storage/partitions.ts';
import { upsertTraces } from '../../src/storage/trace-repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { timePartitions, write } from './time-partitions-suite.ts';

const DAY = 86_400_000;

timePartitions('postgres');

describe('partitions ahead from the scheduler', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_RETENTION_DAYS: '400' } });
  });
  afterAll(async () => t?.close());

  it('creates the days ahead on its tick, and the next ones as time passes', async () => {
    const last = dayStart(Date.now() + DAYS_AHEAD * DAY);
    const next = new Date(last.getTime() + DAY);
    for (const table of ['assessment', 'span', 'trace'] as const) {
      await sql`drop table ${sql.id('assay', partitionName(table, 0, last, next))}`.execute(t.ctx.db);
    }
    expect((await listPartitions(t.ctx.db)).map((p) => p.name)).not.toContain(partitionName('trace', 0, last, next));
    await schedulerTick(t.ctx);
    const names = (await listPartitions(t.ctx.db)).map((p) => p.name);
    for (const table of ['trace', 'span', 'assessment'] as const) expect(names).toContain(partitionName(table, 0, last, next));

    const monthLater = new Date(Date.now() + 30 * DAY);
    const ctx = { db: t.ctx.db, log: silentLogger, config: loadConfig({ ASSAY_RETENTION_DAYS: '400' }) };
    const { created, dropped } = await maintainPartitions(ctx, monthLater);
    expect(dropped).toEqual([]);
    const farthest = dayStart(monthLater.getTime() + DAYS_AHEAD * DAY);
    expect(created).toContain(partitionName('trace', 0, farthest, new Date(farthest.getTime() + DAY)));
    expect((await maintainPartitions(ctx, monthLater)).created).toEqual([]);
  });

  it('refuses a bad retention_days naming the field, and takes traces in the new class at once', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'kept-short' } });
    const id = created.json().experiment_id as string;
    for (const bad of [0, 1.5, 'x', 40_000]) {
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/experiments/${id}`, payload: { retention_days: bad } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('retention_days');
    }
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/experiments/${id}`, payload: { retention_days: 14 } });
    expect(res.statusCode).toBe(200);
    expect(res.json().retention_days).toBe(14);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${id}` })).json().retention_days).toBe(14);
    await upsertTraces(t.ctx.db, [write('tr-fourteen', Number(id), {})]);
    const row = await t.ctx.db.selectFrom('assay.trace').select('retention_class').where('trace_id', '=', 'tr-fourteen').executeTakeFirstOrThrow();
    expect(row.retention_class).toBe(14);
    const unknown = await t.app.inject({ method: 'PATCH', url: '/api/v1/experiments/999999', payload: { retention_days: null } });
    expect(unknown.statusCode).toBe(404);
    const badCreate = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'bad-retention', retention_days: -1 } });
    expect(badCreate.statusCode).toBe(400);
    expect(badCreate.json().message).toContain('retention_days');
    const kept = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'kept-long', retention_days: 400 } });
    expect(kept.statusCode).toBe(201);
    expect(kept.json().retention_days).toBe(400);
    expect((await listPartitions(t.ctx.db)).some((p) => p.name.startsWith('trace_r400_'))).toBe(true);
  });
});

describe('unique indexes on partitioned tables', () => {
  it('get the partition key appended to their key columns', () => {
    expect(withPartitionKey('CREATE UNIQUE INDEX k ON assay.assessment USING btree (idempotency_key)', 'retention_class, trace_created_at')).toBe(
      'CREATE UNIQUE INDEX k ON assay.assessment USING btree (idempotency_key, retention_class, trace_created_at)',
    );
    expect(withPartitionKey("CREATE UNIQUE INDEX k ON assay.trace USING btree (lower((name)::text)) INCLUDE (x) WHERE (a > 1)", 'retention_class, created_at')).toBe(
      "CREATE UNIQUE INDEX k ON assay.trace USING btree (lower((name)::text), retention_class, created_at) INCLUDE (x) WHERE (a > 1)",
    );
  });
});
