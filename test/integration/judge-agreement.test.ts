/**
 * Judge–human agreement through the HTTP API on a seeded experiment: only traces with both a judge's
 * and a person's valid feedback count, overrides replace, errors are left out, and the answer lists
 * exactly the disagreeing traces with both rationales.
 */
import { execFile } from 'node:child_process';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { chatTrace, newTraceHex, T0_MS, type Json } from '../support/trace-payloads.ts';
import { configureMonitor } from '../support/monitor.ts';

let t: TestApp;
let experimentId: string;
const traces: string[] = [];
/** Sent with every request once a test has created tokens (the server then refuses requests without one). */
let headers: Record<string, string> = {};

async function feedback(traceId: string, name: string, value: unknown, source: 'HUMAN' | 'LLM_JUDGE', extra: Json = {}): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/traces/${traceId}/assessments`,
    headers,
    payload: {
      assessment_name: name,
      source: { source_type: source, source_id: source === 'HUMAN' ? 'ana' : 'judge-model' },
      feedback: { value },
      rationale: `${source} says ${JSON.stringify(value)}`,
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().assessment.assessment_id;
}

const get = async (url: string, status = 200): Promise<Json> => {
  const res = await t.app.inject({ method: 'GET', url, headers });
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};

beforeAll(async () => {
  t = await startTestApp();
  experimentId = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'agreement' } })).json().experiment_id;
  for (let i = 0; i < 10; i += 1) {
    const hex = newTraceHex();
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: chatTrace(hex) });
    expect(res.statusCode).toBe(200);
    traces.push(`tr-${hex}`);
  }
  traces.sort();
  const [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9] = traces as [string, string, string, string, string, string, string, string, string, string];
  // correctness: (judge, human) = yes/yes ×3, yes/no, no/no, no/yes, and no/no after the person changed their mind.
  for (const id of [t0, t1, t2]) {
    await feedback(id, 'correctness', 'yes', 'LLM_JUDGE');
    await feedback(id, 'correctness', 'yes', 'HUMAN');
  }
  await feedback(t3, 'correctness', 'yes', 'LLM_JUDGE');
  await feedback(t3, 'correctness', false, 'HUMAN');
  await feedback(t4, 'correctness', 'no', 'LLM_JUDGE');
  await feedback(t4, 'correctness', 'no', 'HUMAN');
  await feedback(t5, 'correctness', 'no', 'LLM_JUDGE');
  await feedback(t5, 'correctness', 'yes', 'HUMAN');
  await feedback(t6, 'correctness', 'no', 'LLM_JUDGE');
  const first = await feedback(t6, 'correctness', 'yes', 'HUMAN');
  await feedback(t6, 'correctness', 'no', 'HUMAN', { overrides: first });
  // Not pairs: a judge alone, a person alone, a judge error.
  await feedback(t7, 'correctness', 'yes', 'LLM_JUDGE');
  await feedback(t8, 'correctness', 'no', 'HUMAN');
  const failed = await t.app.inject({
    method: 'POST',
    url: `/api/v1/traces/${t9}/assessments`,
    payload: {
      assessment_name: 'correctness',
      source: { source_type: 'LLM_JUDGE', source_id: 'judge-model' },
      feedback: { error: { error_code: 'RATE_LIMITED', error_message: 'slow down' } },
    },
  });
  expect(failed.statusCode, failed.body).toBe(201);
  await feedback(t9, 'correctness', 'yes', 'HUMAN');
  // A numeric feedback, and a judge nobody labelled.
  await feedback(t0, 'helpfulness', 4, 'LLM_JUDGE');
  await feedback(t0, 'helpfulness', 5, 'HUMAN');
  await feedback(t1, 'helpfulness', 2, 'LLM_JUDGE');
  await feedback(t1, 'helpfulness', 2, 'HUMAN');
  await feedback(t2, 'safety', 'yes', 'LLM_JUDGE');
});
afterAll(async () => t?.close());

it('compares judges with people on the same traces and lists exactly the disagreements', async () => {
  const body = await get(`/api/v1/experiments/${experimentId}/judge-agreement`);
  expect(body.judges.map((j: Json) => j.name)).toEqual(['correctness', 'helpfulness']);
  const correctness = body.judges[0];
  // 7 pairs, 5 agree; human yes 4 / no 3, judge yes 4 / no 3: pe = 25/49, kappa = (5/7 − 25/49)/(24/49) = 10/24.
  expect(correctness).toMatchObject({ value_type: 'categorical', pairs: 7, labels: ['yes', 'no'], disagreements_total: 2 });
  expect(correctness.agreement).toBeCloseTo(5 / 7, 12);
  expect(correctness.kappa).toBeCloseTo(10 / 24, 12);
  expect(correctness.confusion).toEqual({ yes: { yes: 3, no: 1 }, no: { yes: 1, no: 2 } });
  expect(correctness.disagreements).toEqual([
    {
      trace_id: traces[3],
      judge_value: 'yes',
      human_value: false,
      judge_rationale: 'LLM_JUDGE says "yes"',
      human_rationale: 'HUMAN says false',
      judge_source_id: 'judge-model',
      human_source_id: 'ana',
    },
    {
      trace_id: traces[5],
      judge_value: 'no',
      human_value: 'yes',
      judge_rationale: 'LLM_JUDGE says "no"',
      human_rationale: 'HUMAN says "yes"',
      judge_source_id: 'judge-model',
      human_source_id: 'ana',
    },
  ]);
  const helpfulness = body.judges[1];
  expect(helpfulness).toMatchObject({ value_type: 'numeric', pairs: 2, mae: 0.5, correlation: 1, kappa: null });
  expect(helpfulness.disagreements.map((d: Json) => d.trace_id)).toEqual([traces[0]]);
});

it('answers for one name, caps the disagreements listed, and names bad input', async () => {
  const one = await get(`/api/v1/experiments/${experimentId}/judges/correctness/agreement?max_disagreements=1`);
  expect(one).toMatchObject({ name: 'correctness', pairs: 7, disagreements_total: 2 });
  expect(one.disagreements.map((d: Json) => d.trace_id)).toEqual([traces[3]]);
  const filtered = await get(`/api/v1/experiments/${experimentId}/judge-agreement?name=helpfulness`);
  expect(filtered.judges.map((j: Json) => j.name)).toEqual(['helpfulness']);
  // A judge nobody labelled: no pairs, nothing to compute.
  const unlabelled = await get(`/api/v1/experiments/${experimentId}/judges/safety/agreement`);
  expect(unlabelled).toMatchObject({ pairs: 0, agreement: null, kappa: null, disagreements: [] });
  // A time range keeps the traces whose request time is in [start_time, end_time): every trace here is at T0.
  const around = await get(`/api/v1/experiments/${experimentId}/judge-agreement?start_time=${new Date(T0_MS).toISOString()}&end_time=${new Date(T0_MS + 1).toISOString()}`);
  expect(around.judges.map((j: Json) => [j.name, j.pairs])).toEqual([['correctness', 7], ['helpfulness', 2]]);
  const after = await get(`/api/v1/experiments/${experimentId}/judge-agreement?start_time=${new Date(T0_MS + 1).toISOString()}`);
  expect(after.judges).toEqual([]);
  const before = await get(`/api/v1/experiments/${experimentId}/judges/correctness/agreement?end_time=${new Date(T0_MS).toISOString()}`);
  expect(before).toMatchObject({ pairs: 0, disagreements: [] });
  expect((await get(`/api/v1/experiments/${experimentId}/judge-agreement?start_time=yesterday`, 400)).message).toContain('start_time');
  const reversed = await get(`/api/v1/experiments/${experimentId}/judge-agreement?start_time=2026-03-03T00:00:00Z&end_time=2026-03-02T00:00:00Z`, 400);
  expect(reversed.message).toContain('start_time: must be before end_time');
  const bad = await get(`/api/v1/experiments/${experimentId}/judge-agreement?max_disagreements=-1`, 400);
  expect(bad.message).toContain('max_disagreements');
  await get('/api/v1/experiments/999999/judge-agreement', 404);
});

it('assay judges agreement prints the figures, the matrix and the disagreements', async () => {
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const token = (await t.tokenHeaders('reader', 'cli')).authorization!.slice('Bearer '.length);
  const { stdout: raw } = await promisify(execFile)(process.execPath, ['bin/assay.mjs', 'judges', 'agreement', '-x', experimentId, '--name', 'correctness'], {
    env: { ...process.env, ASSAY_URL: address, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' },
  });
  const stdout = stripVTControlCharacters(raw);
  expect(stdout).toContain('correctness: 7 pairs, agreement 71.4%, kappa 0.417');
  expect(stdout).toMatch(/human yes\W+3\W+1\W/);
  expect(stdout).toMatch(/human no\W+1\W+2\W/);
  expect(stdout).toContain(traces[3]);
  expect(stdout).toContain(traces[5]);
  expect(stdout).not.toContain(traces[0]);
});

it('shows which guideline texts a guidelines judge’s disagreements cluster on', async () => {
  const POLITE = 'The response must use a polite tone.';
  const REFUND = 'Always state the refund window in days.';
  const PRICES = 'Never quote prices.';
  // The CLI test above created a token: from then on every request needs one.
  headers = await t.tokenHeaders('admin', 'guidelines-admin');
  await configureMonitor(t, experimentId, {
    results_schema: 'monitoring',
    scorers: [{ name: 'tone', type: 'guidelines', guidelines: [POLITE, REFUND] }, { name: 'policy', type: 'expectations_guidelines' }],
  }, headers);
  const [t0, t1, t2, t3, t4, t5, t6] = traces as [string, string, string, string, string, string, string];
  const said = (rationale: string) => ({ rationale });
  // tone (the monitor's two rules on every trace): three disagreements; the rationales name the refund
  // rule on t1 (state, refund, window: 3/5) and t3 (refund, window, days: 3/5), the polite rule on t2 (2/4).
  await feedback(t0, 'tone', 'yes', 'LLM_JUDGE');
  await feedback(t0, 'tone', 'yes', 'HUMAN');
  await feedback(t1, 'tone', 'yes', 'LLM_JUDGE', said('Polite and complete.'));
  await feedback(t1, 'tone', 'no', 'HUMAN', said('It did not state the refund window.'));
  await feedback(t2, 'tone', 'no', 'LLM_JUDGE', said('The tone was not polite.'));
  await feedback(t2, 'tone', 'yes', 'HUMAN', said('Fine.'));
  await feedback(t3, 'tone', 'yes', 'LLM_JUDGE', said('ok'));
  await feedback(t3, 'tone', 'no', 'HUMAN', said('It never stated the refund window in days.'));
  // policy (each trace's own guidelines expectation): the prices rule, written two ways, on t4–t6.
  const expectation = async (traceId: string, value: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/traces/${traceId}/assessments`,
      headers,
      payload: { assessment_name: 'guidelines', source: { source_type: 'HUMAN', source_id: 'ana' }, expectation: { value } },
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  await expectation(t4, [PRICES]);
  await expectation(t5, [PRICES, POLITE]);
  await expectation(t6, ['never quote PRICES']);
  await feedback(t4, 'policy', 'yes', 'LLM_JUDGE');
  await feedback(t4, 'policy', 'no', 'HUMAN', said('Never quote prices, and it did.'));
  await feedback(t5, 'policy', 'yes', 'LLM_JUDGE');
  await feedback(t5, 'policy', 'yes', 'HUMAN');
  await feedback(t6, 'policy', 'no', 'LLM_JUDGE');
  await feedback(t6, 'policy', 'yes', 'HUMAN');

  const body = await get(`/api/v1/experiments/${experimentId}/judge-agreement`);
  const byName = new Map<string, Json>(body.judges.map((j: Json) => [j.name, j]));
  expect(byName.get('correctness')!.guideline_clusters).toEqual([]);
  expect(byName.get('tone')!.guideline_clusters).toEqual([
    { guideline: REFUND, texts: [REFUND], pairs: 4, disagreements: 3, disagreement_rate: 0.75, named: 2, trace_ids: [t1, t3, t2] },
    { guideline: POLITE, texts: [POLITE], pairs: 4, disagreements: 3, disagreement_rate: 0.75, named: 1, trace_ids: [t2, t1, t3] },
  ]);
  // The prices rule applied to t4, t5, t6 and two of them disagree; only t4's rationale names it.
  // The polite rule applied only to t5, where they agree: not listed.
  expect(byName.get('policy')!.guideline_clusters).toEqual([
    { guideline: PRICES, texts: [PRICES, 'never quote PRICES'], pairs: 3, disagreements: 2, disagreement_rate: 2 / 3, named: 1, trace_ids: [t4, t6] },
  ]);
});
