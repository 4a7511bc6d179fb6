/** `assay labeling …` against a listening API, as a user runs it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const run = promisify(execFile);

describe('assay labeling', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let experimentId: string;
  let traceIds: string[];

  const assay = async (...args: string[]) =>
    run(process.execPath, ['bin/assay.mjs', 'labeling', ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });

  beforeAll(async () => {
    t = await startTestApp();
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const headers = await t.tokenHeaders('writer', 'lena');
    env = { ASSAY_URL: address, ASSAY_TOKEN: headers.authorization!.slice('Bearer '.length), ASSAY_LOG_LEVEL: 'silent' };
    experimentId = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers, payload: { name: 'cli' } })).json().experiment_id;
    const ingested = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, headers, payload: { traces: sampleTraces(5, { seed: 'cli-labeling' }) } });
    traceIds = ingested.json().trace_ids;
  });
  afterAll(async () => t?.close());

  it('creates a session, adds traces, shows progress and syncs', async () => {
    const created = await assay('create', '--name', 'cli review', '--experiment', experimentId,
      '--schema', 'helpful:feedback:yes_no', '--schema', 'quality:feedback:numeric:1..5', '--schema', 'expected_response:expectation:text', '--assign', 'lena');
    const id = created.stdout.trim();
    expect(id).toMatch(/^\d+$/);
    const added = await assay('add-traces', id, '--trace-id', traceIds[0]!, '--trace-id', traceIds[1]!);
    expect(added.stdout).toContain('2 traces added; the session holds 2');
    expect((await assay('add-traces', id, '--filter', "tags.environment = 'production'")).stdout).toContain('3 traces added; the session holds 5');

    const headers = { authorization: `Bearer ${env.ASSAY_TOKEN}` };
    for (const [name, value, kind] of [['helpful', 'yes', 'feedback'], ['quality', 5, 'feedback'], ['expected_response', 'ok', 'expectation']] as const) {
      await t.app.inject({ method: 'POST', url: `/api/v1/traces/${traceIds[0]}/assessments`, headers, payload: { assessment_name: name, [kind]: { value } } });
    }
    const shown = await assay('show', id);
    expect(shown.stdout).toContain('1 of 5 traces done');
    expect(shown.stdout).toMatch(/quality[^\n]*feedback[^\n]*numeric[^\n]*1\.\.5/);
    expect((await assay('list', '--experiment', experimentId)).stdout).toContain('cli review');

    expect((await assay('sync', id, '--dataset', 'cli.labels')).stdout).toContain('5 records added, 0 merged into cli.labels (version 1)');
    expect((await assay('sync', id, '--dataset', 'cli.labels')).stdout).toContain('0 records added, 5 merged');
  }, 180_000);

  it('prints the API message for bad input', async () => {
    const failed = await assay('create', '--name', 'bad', '--experiment', experimentId, '--schema', 'q:feedback:numeric:5..1').catch((e: { stderr: string; code: number }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/label_schemas\[0\]\.max: must be greater than min/);
  });
});
