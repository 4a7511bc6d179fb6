/**
 * docker-compose connects Assay as `assay`, a role docker/postgres-init.sh makes on first start:
 * owner of its database, not a superuser. This runs that script's SQL for a database and role of
 * its own (the name `assay` replaced), then migrates and works as that role: tokens, ingest, a
 * monitoring run (its results schema and tables) and a dataset (its schema and view).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/storage/connect.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { adminQuery, testDatabaseUrl } from '../support/database.ts';
import { client } from '../support/dataset-fixtures.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { ROOT } from '../support/spawn-assay.ts';

const name = `assay_lp_${randomBytes(5).toString('hex')}`;

describe('least-privilege database role (docker-compose)', () => {
  let t: TestApp;
  let dropAll: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const script = readFileSync(join(ROOT, 'docker/postgres-init.sh'), 'utf8');
    const statements = /<<'SQL'\n([\s\S]*?)\nSQL/.exec(script)?.[1];
    expect(statements, 'the SQL of docker/postgres-init.sh').toBeDefined();
    await adminQuery(`create database ${name}`);
    execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-v', 'app_password=lp-pw', '-d', testDatabaseUrl(name)], {
      input: statements!.replace(/\bassay\b/g, name),
    });
    const url = new URL(testDatabaseUrl(name));
    url.username = name;
    url.password = 'lp-pw';
    const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 4 });
    await migrateToLatest(handle.db);
    // An app given a database leaves it when it closes: the role and its database go here.
    dropAll = async () => {
      await handle.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
      await adminQuery(`drop role if exists ${name}`);
    };
    t = await startTestApp({ reuseDatabase: { ...handle, drop: dropAll } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
  });
  afterAll(async () => {
    await t?.close();
    await dropAll?.();
  });

  it('is what docker-compose connects as', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/DATABASE_URL: postgres:\/\/assay:[^@]+@postgres:5432\/assay/);
    expect(compose).toContain('./docker/postgres-init.sh:/docker-entrypoint-initdb.d/');
  });

  it('is no superuser and cannot make roles or databases', async () => {
    const { rows } = await sql<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; me: string }>`
      select rolsuper, rolcreaterole, rolcreatedb, current_user as me from pg_catalog.pg_roles where rolname = current_user`.execute(t.ctx.db);
    expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, me: name });
  });

  it('runs Assay: a monitoring run with its results tables, and a dataset with its view', async () => {
    const admin = await t.tokenHeaders('admin');
    const experimentId = await newExperiment(t.ctx);
    await configureMonitor(t, experimentId, { results_schema: 'monitoring', scorers: [{ name: 'safety' }] }, admin);
    await ingestSamples(t.ctx, experimentId, 5, { seed: 'least-privilege' });
    await startMonitorRun(t, admin, experimentId);
    const copied = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`monitoring.trace_logs_${experimentId}`)}`.execute(t.ctx.db);
    expect(copied.rows[0]!.n).toBe(5);

    const call = client(t, admin);
    expect((await call('POST', '/api/v1/datasets', { name: 'evals.golden' })).status).toBe(201);
    expect((await call('POST', '/api/v1/datasets/evals.golden/merge', { records: [{ inputs: { q: 'a' } }] })).status).toBe(200);
    const view = await sql<{ n: number }>`select count(*)::int as n from evals.golden`.execute(t.ctx.db);
    expect(view.rows[0]!.n).toBe(1);
  });
});
