/**
 * Bad input to evaluation runs: unknown datasets and versions, records without inputs or outputs,
 * unknown scorers, secrets that may not be read, and targets answering 500 or garbage (those rows
 * errored with the reason while the run still completes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import { allRunRows, startRun, waitForEvaluation, type Call } from '../support/evaluation.ts';
import { startFakeTarget, type FakeTarget } from '../support/fake-target.ts';

describe.each(['postgres', 'pglite'] as const)('evaluation runs: bad input (%s)', (db) => {
  let t: TestApp;
  let target: FakeTarget;
  let call: Call;
  let reader: Call;

  beforeAll(async () => {
    target = await startFakeTarget({
      answer: (q) => {
        if (q.endsWith('boom')) return { status: 500, body: '{"error": "database is down"}' };
        if (q.endsWith('garbage')) return { status: 200, body: '{"unexpected": [1, 2]}' };
        if (q.endsWith('html')) return { status: 200, body: '<html>oops', contentType: 'application/json' };
        return `Answer: ${q}`;
      },
    });
    // The offline judge: these tests are about what goes in, not about verdicts.
    t = await startTestApp({ db, env: { ASSAY_OUTBOUND_ALLOW: target.url, ASSAY_TARGET_SECRETS: `EVAL_UNSET_API_KEY@${target.url}` } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    call = client(t, await t.tokenHeaders('writer'));
    reader = client(t, await t.tokenHeaders('reader'));
    await call('POST', '/api/v1/datasets', { name: 'evals.small' });
    await call('POST', '/api/v1/datasets/evals.small/merge', { records: [{ inputs: { q: 'one' } }] });
  });

  afterAll(async () => {
    await t?.close();
    await target?.close();
  });

  const post = (body: unknown) => call('POST', '/api/v1/evaluations', body);
  const http = () => ({ type: 'http', url: `${target.url}/answer` });

  it('refuses an unknown dataset or version with 404', async () => {
    const missing = await post({ data: { name: 'evals.nope' }, target: http() });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('evals.nope');
    const version = await post({ data: { name: 'evals.small', version: 7 }, target: http() });
    expect(version.status).toBe(404);
    expect(version.body.message).toMatch(/^version: .*7 does not exist/);
  });

  it('names records without inputs, and rows without outputs when there is no target', async () => {
    const noInputs = await post({ data: { records: [{ inputs: { q: 'a' }, outputs: 'x' }, { outputs: 'y' }] } });
    expect(noInputs.status).toBe(400);
    expect(noInputs.body.message).toContain('data.records[1].inputs: required');
    const noOutputs = await post({ data: { records: [{ inputs: { q: 'a' }, outputs: 'x' }, { inputs: { q: 'b' } }, { request: 'c' }] } });
    expect(noOutputs.status).toBe(400);
    expect(noOutputs.body.message).toContain('rows 1, 2 have none');
    // A dataset's records are checked in the database, in record order, with the same message.
    await call('POST', '/api/v1/datasets', { name: 'evals.partly_answered' });
    const records = Array.from({ length: 25 }, (_, i) => ({ inputs: { q: `r${i}` }, ...(i % 5 === 0 ? { outputs: `a${i}` } : {}) }));
    await call('POST', '/api/v1/datasets/evals.partly_answered/merge', { records });
    const fromDataset = await post({ data: { name: 'evals.partly_answered' } });
    expect(fromDataset.status).toBe(400);
    expect(fromDataset.body.message).toContain('rows 1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 24 have none');
    expect(fromDataset.body.details.rows_without_outputs).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 24]);
    const empty = await post({ data: { records: [] }, target: http() });
    expect(empty.status).toBe(400);
    const both = await post({ data: { name: 'evals.small', records: [] } });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain('not both');
  });

  it("refuses a target's timeout_ms beyond two minutes and concurrency beyond 64, so one run cannot hold a worker's slots for long", async () => {
    const long = await post({ data: { name: 'evals.small' }, target: { ...http(), timeout_ms: 600_000 } });
    expect(long.status).toBe(400);
    expect(long.body.message).toMatch(/^target\.timeout_ms: /);
    expect(long.body.message).toContain('120000');
    const chat = await post({ data: { name: 'evals.small' }, target: { type: 'openai_chat', base_url: `${target.url}/v1`, model: 'm', timeout_ms: 50 } });
    expect(chat.status).toBe(400);
    expect(chat.body.message).toMatch(/^target\.timeout_ms: /);
    expect((await post({ data: { name: 'evals.small' }, target: { ...http(), timeout_ms: 120_000 } })).status).toBe(202);
    // Nor with more than 64 rows in flight at once.
    const wide = await post({ data: { name: 'evals.small' }, target: http(), concurrency: 256 });
    expect(wide.status).toBe(400);
    expect(wide.body.message).toMatch(/^concurrency: .*64/);
  });

  it('names unknown scorers', async () => {
    const res = await post({ data: { name: 'evals.small' }, target: http(), scorers: ['safety', 'truthiness', { name: 'x', type: 'vibes' }] });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("scorers[1].name: unknown scorer type 'truthiness'");
    expect(res.body.message).toContain("scorers[2].type: unknown scorer type 'vibes'");
  });

  it('refuses to read Assay secrets or put keys in headers, and readers cannot start runs', async () => {
    const secret = await post({ data: { name: 'evals.small' }, target: { type: 'openai_chat', base_url: `${target.url}/v1`, model: 'm', api_key_env: 'DATABASE_URL' } });
    expect(secret.status).toBe(400);
    expect(secret.body.message).toContain('target.api_key_env');
    expect(secret.body.message).toContain('ASSAY_TARGET_SECRETS');
    const header = await post({ data: { name: 'evals.small' }, target: { type: 'http', url: 'http://127.0.0.1:1/', headers: { Authorization: 'Bearer x' } } });
    expect(header.status).toBe(400);
    expect((await reader('POST', '/api/v1/evaluations', { data: { name: 'evals.small' }, target: http() })).status).toBe(403);
    expect((await reader('GET', '/api/v1/evaluations/ev-missing')).status).toBe(404);
    expect((await reader('GET', '/api/v1/evaluations/compare?run_ids=only-one')).status).toBe(400);
  });

  it('hides the values of credential headers a run stored before they were refused', async () => {
    const runId = await startRun(call, { data: { records: [{ inputs: { q: 'x' } }] }, target: { ...http(), headers: { 'x-trace': 'keep' } } });
    await waitForEvaluation(call, runId);
    // As a run created before credential headers were refused holds them.
    const stored = { ...http(), headers: { 'x-trace': 'keep', 'X-Api-Key': 'sk-stored-before', Cookie: 'session=old' } };
    await t.ctx.db.updateTable('assay.evaluation_run').set({ target: JSON.stringify(stored) as never }).where('run_id', '=', runId).execute();
    const shown = { ...http(), headers: { 'x-trace': 'keep', 'X-Api-Key': '[redacted]', Cookie: '[redacted]' } };
    expect((await reader('GET', `/api/v1/evaluations/${runId}`)).body.run.target).toEqual(shown);
    const listed = (await reader('GET', '/api/v1/evaluations?max_results=500')).body.runs.find((r: { run_id: string }) => r.run_id === runId);
    expect(listed.target).toEqual(shown);
  });

  it('errors every row, naming the variable, when the target key is not set where rows run', async () => {
    const runId = await startRun(call, { data: { records: [{ inputs: { q: 'x' } }] }, target: { ...http(), api_key_env: 'EVAL_UNSET_API_KEY' } });
    const run = await waitForEvaluation(call, runId);
    expect(run.progress).toMatchObject({ rows: 1, errored: 1 });
    const [row] = await allRunRows(call, runId);
    expect(row!.error).toContain('EVAL_UNSET_API_KEY is not available');
  });

  it('marks rows errored when the target answers 500 or garbage, and the run completes', async () => {
    const records = ['fine', 'boom', 'garbage', 'html', 'also fine'].map((q) => ({ inputs: { question: `q ${q}` } }));
    const runId = await startRun(call, { name: 'flaky', data: { records }, target: http(), scorers: ['safety'] });
    const run = await waitForEvaluation(call, runId);
    expect(run.progress).toMatchObject({ rows: 5, done: 2, errored: 3, passed: 2, pending: 0 });
    expect(run.metrics.error_rate).toBeCloseTo(3 / 5, 10);
    expect(run.metrics.pass_rate).toBe(1);
    const errored = await allRunRows(call, runId, 'status=errored');
    const reasons = Object.fromEntries(errored.map((r) => [r.inputs.question, r.error]));
    expect(reasons['q boom']).toMatch(/HTTP 500$/);
    // The target's error body is never stored: rows are readable by every reader.
    expect(reasons['q boom']).not.toContain('database is down');
    expect(reasons['q garbage']).toMatch(/expected a string, an OpenAI chat completion or \{content\}/);
    expect(reasons['q html']).toMatch(/not valid JSON/);
    expect(errored.every((r) => r.verdicts.length === 0 && r.passed === null && r.trace_id)).toBe(true);
    const trace = await call('GET', `/api/v1/traces/${errored[0]!.trace_id}`);
    expect((trace.body.trace?.info ?? trace.body.info).state).toBe('ERROR');
  });

  it("stores an openai_chat target's failure as its status, never the body it sent", async () => {
    const records = ['fine', 'boom'].map((q) => ({ inputs: { question: `q ${q}` } }));
    const runId = await startRun(call, { data: { records }, target: { type: 'openai_chat', base_url: `${target.url}/v1`, model: 'm' } });
    const run = await waitForEvaluation(call, runId);
    expect(run.progress).toMatchObject({ rows: 2, done: 1, errored: 1 });
    const [row] = await allRunRows(call, runId, 'status=errored');
    expect(row!.error).toBe(`target ${target.url}/v1: HTTP 500`);
  });
});
