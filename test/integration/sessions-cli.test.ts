/** `assay sessions list|show` against a listening API, as a user runs them. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { chatTrace, newTraceHex, type Json } from '../support/trace-payloads.ts';

const run = promisify(execFile);
let t: TestApp;
let env: Record<string, string>;
let experimentId: string;

const assay = async (...args: string[]) =>
  run(process.execPath, ['bin/assay.mjs', 'sessions', ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });

beforeAll(async () => {
  t = await startTestApp();
  experimentId = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'cli' } })).json().experiment_id;
  for (const [question, session] of [['Where is my order?', 'conv-1'], ['Can I return it?', 'conv-1'], ['Hello', 'conv-2']] as const) {
    const trace = chatTrace(newTraceHex(), question, `About: ${question}`) as Json;
    trace.info.trace_metadata = { 'mlflow.trace.session': session, 'mlflow.trace.user': 'alice' };
    trace.info.request_time = new Date(Date.parse(trace.info.request_time) + (question === 'Hello' ? 1000 : question.length)).toISOString();
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: trace });
    expect(res.statusCode).toBe(200);
  }
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const token = (await t.tokenHeaders('reader', 'cli')).authorization!.slice('Bearer '.length);
  env = { ASSAY_URL: address, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' };
});
afterAll(async () => t?.close());

it('lists sessions as a table and shows one as a conversation', async () => {
  const list = await assay('list', '-x', experimentId);
  expect(list.stdout).toMatch(/conv-1\s.*alice\s.*2\s/);
  expect(list.stdout).toMatch(/conv-2\s.*alice\s.*1\s/);
  expect(list.stderr).toContain('2 sessions');
  const show = await assay('show', '-x', experimentId, 'conv-1');
  expect(show.stdout).toContain('session conv-1  user alice  2 turns');
  const userLines = show.stdout.split('\n').filter((line) => line.includes('user: '));
  expect(userLines.map((line) => line.trim())).toEqual(['user:      Can I return it?', 'user:      Where is my order?']);
  await expect(assay('show', '-x', experimentId, 'nope')).rejects.toMatchObject({ stderr: expect.stringContaining("session 'nope' does not exist") });
});
