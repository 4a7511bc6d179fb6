/** Helpers for evaluation tests: start a run through the API and wait for it to finish. */
import { expect } from 'vitest';
import type { TestApp } from './app.ts';
import { waitFor } from './wait-for.ts';

/** API answers as tests read them: loosely, by path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely, by path
export type Loose = any;

export type Call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => Promise<{ status: number; body: Record<string, Loose> }>;

/** Starts a run (expects 202) and returns its id. */
export async function startRun(call: Call, body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/api/v1/evaluations', body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.run.run_id as string;
}

/** Waits until the run has succeeded (fails fast when it failed) and returns its view. */
export async function waitForEvaluation(call: Call, runId: string, timeoutMs = 60_000): Promise<Record<string, Loose>> {
  // A failed run ends the wait at once, with its error (an error thrown inside waitFor would be retried).
  const run = await waitFor(
    async () => {
      const res = await call('GET', `/api/v1/evaluations/${runId}`);
      const status = res.body.run?.status;
      return status === 'succeeded' || status === 'failed' ? (res.body.run as Record<string, Loose>) : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `evaluation run ${runId}` },
  );
  if (run.status === 'failed') throw new Error(`evaluation run ${runId} failed: ${run.error}`);
  return run;
}

/** Every row of a run, through the paged rows API. */
export async function allRunRows(call: Call, runId: string, query = ''): Promise<Array<Record<string, Loose>>> {
  const rows: Array<Record<string, Loose>> = [];
  let token: string | undefined;
  do {
    const params = new URLSearchParams(query);
    params.set('max_results', '20');
    if (token) params.set('page_token', token);
    const res = await call('GET', `/api/v1/evaluations/${runId}/rows?${params}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    rows.push(...res.body.rows);
    token = res.body.next_page_token;
  } while (token);
  return rows;
}

export type { TestApp };
