/**
 * The per-token limit on concurrent evaluations (ASSAY_EVALUATIONS_PER_TOKEN): one token may have
 * that many runs queued or running; more are refused with a 429 naming the setting, also when the
 * requests arrive all at once; other tokens are not held back, and a finished (here: deleted) run
 * frees its place. No worker runs here, so every accepted run stays queued. On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import type { Call } from '../support/evaluation.ts';

const LIMIT = 2;

describe.each(['postgres', 'pglite'] as const)('evaluations per token (%s)', (db) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ db, env: { ASSAY_EVALUATIONS_PER_TOKEN: String(LIMIT) } });
  });
  afterAll(async () => t?.close());

  const body = { data: { records: [{ inputs: { q: 'a' }, outputs: 'b' }] }, scorers: ['safety'] };
  const start = (call: Call) => call('POST', '/api/v1/evaluations', body);

  it('refuses a token its next run past the limit, not another token', async () => {
    const alice = client(t, await t.tokenHeaders('writer', 'alice'));
    const bob = client(t, await t.tokenHeaders('writer', 'bob'));
    const accepted: string[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const res = await start(alice);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      accepted.push(res.body.run.run_id as string);
    }
    const over = await start(alice);
    expect(over.status).toBe(429);
    expect(over.body.message).toBe(`'alice' already has ${LIMIT} evaluation runs queued or running (ASSAY_EVALUATIONS_PER_TOKEN=${LIMIT}); wait for one to finish`);
    expect((await start(bob)).status).toBe(202);

    expect((await alice('DELETE', `/api/v1/evaluations/${accepted[0]}`)).status).toBe(204);
    expect((await start(alice)).status).toBe(202);
    expect((await start(alice)).status).toBe(429);
  });

  it('holds when the requests arrive at once', async () => {
    const carol = client(t, await t.tokenHeaders('writer', 'carol'));
    const answers = await Promise.all(Array.from({ length: 8 }, () => start(carol)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 202, 429, 429, 429, 429, 429, 429]);
    const stored = await t.ctx.db.selectFrom('assay.evaluation_run').select('run_id').where('created_by', '=', 'carol').execute();
    expect(stored).toHaveLength(LIMIT);
  });
});
