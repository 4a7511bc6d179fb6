/** Helpers for monitoring tests: sample traces in, runs started and awaited. */
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { AppContext } from '../../src/services/context.ts';
import type { Executor } from '../../src/storage/connect.ts';
import type { TestApp } from './app.ts';
import { sampleTraces, type SampleOptions } from '../../src/samples/sample-traces.ts';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';
import { ingestTraces } from '../../src/services/ingest.ts';
import { createExperiment } from '../../src/storage/experiment-repository.ts';
import { findRun } from '../../src/storage/monitor-repository.ts';
import { waitFor } from './wait-for.ts';

/**
 * The day turns for an experiment's daily judge budget: each day's use moves one day back. In two
 * steps: moved one day at once, a row can land on the day of another that has not moved yet (the
 * primary key is checked row by row, in the order the rows lie on disk) and the update fails.
 */
export async function turnBudgetDay(db: Executor, experimentId: string): Promise<void> {
  await sql`update assay.monitor_budget_usage set period_start = period_start - interval '100000 days' where experiment_id = ${experimentId}`.execute(db);
  await sql`update assay.monitor_budget_usage set period_start = period_start + interval '99999 days' where experiment_id = ${experimentId}`.execute(db);
}

export async function newExperiment(ctx: AppContext, name = `exp-${Math.random().toString(36).slice(2)}`): Promise<string> {
  return (await createExperiment(ctx.db, { name })).experiment_id;
}

/** Ingests `count` sample traces in batches of 500, as the REST API would. */
export async function ingestSamples(ctx: AppContext, experimentId: string, count: number, options: SampleOptions & { from?: number } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; offset < count; offset += 500) {
    const batch = sampleTraces(Math.min(500, count - offset), { ...options, from: (options.from ?? 0) + offset });
    const result = await ingestTraces(ctx.db, experimentId, parseMlflowPayload({ traces: batch }), 'rest');
    ids.push(...result.trace_ids);
  }
  return ids;
}

/**
 * Waits until the experiment's traces so far lie before any monitor created from now on. A new
 * monitor's cursor is the xmin of the cluster's snapshot, and a transaction left open anywhere
 * (other tests share this Postgres) holds it back; once every transaction in flight began after
 * these traces committed, they are older than any new monitor's start.
 */
export async function waitUntilBeforeNewMonitors(ctx: AppContext, experimentId: string): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await sql<{ past: boolean }>`
        select pg_snapshot_xmin(pg_current_snapshot()) > max(change_xid) as past
        from assay.trace where experiment_id = ${Number(experimentId)}`.execute(ctx.db);
      return rows[0]?.past === true;
    },
    { what: 'the traces so far to fall below every open transaction', timeoutMs: 60_000, intervalMs: 50 },
  );
}

/** Waits until the run succeeded; a failed run fails the test at once, with the run's error. */
export async function waitForRun(ctx: AppContext, runId: string, timeoutMs = 120_000) {
  const run = await waitFor(
    async () => {
      const found = await findRun(ctx.db, runId);
      return found?.status === 'succeeded' || found?.status === 'failed' ? found : undefined;
    },
    { what: `monitor run ${runId}`, timeoutMs, intervalMs: 50 },
  );
  if (run.status === 'failed') throw new Error(`monitor run ${runId} failed: ${run.error}`);
  return run;
}

/** `POST …/monitor/run` and wait until the run succeeded; returns the run id. */
export async function startMonitorRun(t: TestApp, headers: Record<string, string>, experimentId: string): Promise<string> {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/monitor/run`, headers });
  expect(response.statusCode, response.body).toBe(202);
  const runId = response.json().run.run_id as string;
  await waitForRun(t.ctx, runId);
  return runId;
}

/** `PUT …/monitor` with this document; returns the response, for tests that look at a refusal. */
export function putMonitor(t: TestApp, experimentId: string, document: object, headers?: Record<string, string>) {
  return t.app.inject({ method: 'PUT', url: `/api/v1/experiments/${experimentId}/monitor`, headers, payload: document });
}

/** `PUT …/monitor` as set-up: any answer but 200 or 201 throws with its status and body. Returns the body. */
export async function configureMonitor(t: TestApp, experimentId: string, document: object, headers?: Record<string, string>): Promise<unknown> {
  const response = await putMonitor(t, experimentId, document, headers);
  if (response.statusCode !== 200 && response.statusCode !== 201) {
    throw new Error(`PUT monitor of experiment ${experimentId} answered ${response.statusCode}: ${response.body}`);
  }
  return response.json();
}
