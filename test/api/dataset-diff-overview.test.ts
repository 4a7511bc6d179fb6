/**
 * Routes the console's dataset and dashboard pages need: a version diff (added, removed, changed
 * with the changed keys, paged), a search over records' inputs, and an experiment's overview
 * (volume, errors, latency, tokens, cost; judge calls and spend) — with bad input named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('dataset diff, record search and experiment overview', () => {
  let t: TestApp;
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const r = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: r.statusCode, body: r.body ? r.json() : null };
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('diffs two versions: added, removed and changed records with their changed keys', async () => {
    await call('POST', '/api/v1/datasets', { name: 'diff.golden' });
    const records = Array.from({ length: 5 }, (_, i) => ({ inputs: { question: `q${i}` }, expectations: { expected_response: `a${i}` }, tags: { n: String(i) } }));
    expect((await call('POST', '/api/v1/datasets/diff.golden/merge', { records })).body.version).toBe(1);
    const page = (await call('GET', '/api/v1/datasets/diff.golden/records')).body.records;
    // Tags are replaced whole: `n` goes, `reviewed` comes.
    await call('PATCH', `/api/v1/datasets/diff.golden/records/${page[1].dataset_record_id}`, { expectations: { expected_response: 'changed' }, tags: { reviewed: 'yes' } });
    await call('DELETE', `/api/v1/datasets/diff.golden/records/${page[2].dataset_record_id}`);
    await call('POST', '/api/v1/datasets/diff.golden/merge', { records: [{ inputs: { question: 'new one' } }, { inputs: { question: 'q3' }, expectations: { expected_response: 'a3' }, tags: { n: '3' } }] });

    const diff = await call('GET', '/api/v1/datasets/diff.golden/diff?from=1&to=4');
    expect(diff.status).toBe(200);
    expect(diff.body).toMatchObject({ from_version: 1, to_version: 4, counts: { added: 1, removed: 1, changed: 1 } });
    const kinds = diff.body.changes.map((c: { kind: string; dataset_record_id: string }) => [c.kind, c.dataset_record_id]);
    expect(kinds.slice(0, 2)).toEqual([['changed', page[1].dataset_record_id], ['removed', page[2].dataset_record_id]]);
    expect(kinds[2][0]).toBe('added');
    const changed = diff.body.changes[0];
    expect(changed.changed_keys).toEqual(['expectations.expected_response', 'tags.n', 'tags.reviewed']);
    expect(changed.before.expectations.expected_response).toBe('a1');
    expect(changed.after.expectations.expected_response).toBe('changed');
    // q3 merged with identical content is unchanged; the current version is the default `to`.
    expect((await call('GET', '/api/v1/datasets/diff.golden/diff?from=1')).body.to_version).toBe(4);

    const first = await call('GET', '/api/v1/datasets/diff.golden/diff?from=1&to=4&max_results=2');
    expect(first.body.changes).toHaveLength(2);
    const second = await call('GET', `/api/v1/datasets/diff.golden/diff?from=1&to=4&max_results=2&page_token=${first.body.next_page_token}`);
    expect(second.body.changes.map((c: { kind: string }) => c.kind)).toEqual(['added']);
    expect((await call('GET', '/api/v1/datasets/diff.golden/diff?from=1&to=4&kind=removed')).body.changes).toHaveLength(1);

    const wrongToken = await call('GET', `/api/v1/datasets/diff.golden/diff?from=0&to=4&page_token=${first.body.next_page_token}`);
    expect(wrongToken.status).toBe(400);
    expect(wrongToken.body.message).toMatch(/^page_token: /);
    const missing = await call('GET', '/api/v1/datasets/diff.golden/diff?to=2');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/^from: /);
    const future = await call('GET', '/api/v1/datasets/diff.golden/diff?from=1&to=9');
    expect(future.status).toBe(404);
    expect(future.body.message).toMatch(/^version: dataset 'diff.golden' has versions 0 to 4; 9 does not exist/);
    expect((await call('GET', '/api/v1/datasets/diff.nope/diff?from=0')).status).toBe(404);
  });

  it('searches records by the text of their inputs', async () => {
    await call('POST', '/api/v1/datasets', { name: 'diff.search' });
    await call('POST', '/api/v1/datasets/diff.search/merge', {
      records: [{ inputs: { question: 'Refund window?' } }, { inputs: { question: 'Shipping to Canada' } }, { inputs: { question: 'refunds for 100% off_sale items' } }],
    });
    const found = await call('GET', '/api/v1/datasets/diff.search/records?search=REFUND');
    expect(found.body.records.map((r: { inputs: { question: string } }) => r.inputs.question)).toEqual(['Refund window?', 'refunds for 100% off_sale items']);
    expect((await call('GET', '/api/v1/datasets/diff.search/records?search=100%25 off_')).body.records).toHaveLength(1);
    expect((await call('GET', '/api/v1/datasets/diff.search/records?search=1_0')).body.records).toHaveLength(0);
    const paged = await call('GET', '/api/v1/datasets/diff.search/records?search=refund&max_results=1');
    const next = await call('GET', `/api/v1/datasets/diff.search/records?search=refund&max_results=1&page_token=${paged.body.next_page_token}`);
    expect(next.body.records[0].inputs.question).toBe('refunds for 100% off_sale items');
  });

  it('summarizes an experiment over a range, with judge calls and spend', async () => {
    const experimentId = (await call('POST', '/api/v1/experiments', { name: 'overview' })).body.experiment_id;
    const start = Date.now() - 3 * 3_600_000;
    const traces = sampleTraces(30, { startMs: start, seed: 'overview' });
    const ingested = await call('POST', `/api/v1/experiments/${experimentId}/traces`, { traces });
    const ids = ingested.body.trace_ids as string[];
    await call('POST', `/api/v1/traces/${ids[0]}/assessments`, {
      assessment_name: 'safety', feedback: { value: 'yes' }, source: { source_type: 'LLM_JUDGE', source_id: 'gpt' },
      metadata: { 'assay.judge.model': 'gpt', 'assay.judge.cost': '0.25', 'assay.judge.input_tokens': '100', 'assay.judge.output_tokens': '7' },
    });
    await call('POST', `/api/v1/traces/${ids[1]}/assessments`, {
      assessment_name: 'safety', feedback: { error: { error_code: 'JUDGE_TIMEOUT', error_message: 'slow' } }, source: { source_type: 'LLM_JUDGE', source_id: 'gpt' },
    });

    const overview = await call('GET', `/api/v1/experiments/${experimentId}/overview?start_time=${new Date(start - 3_600_000).toISOString()}`);
    expect(overview.status).toBe(200);
    const stored = await Promise.all(ids.map(async (id) => (await call('GET', `/api/v1/traces/${id}`)).body.info));
    const errors = stored.filter((i: { state: string }) => i.state === 'ERROR').length;
    expect(overview.body).toMatchObject({ bucket: 'hour', totals: { traces: 30, errors }, sql: null });
    expect(overview.body.volume.reduce((n: number, p: { traces: number }) => n + p.traces, 0)).toBe(30);
    expect(overview.body.totals.latency_p95_ms).toBeGreaterThanOrEqual(overview.body.totals.latency_p50_ms);
    // Percentiles from a log-scale histogram: within 1.3% of percentile_cont's.
    const durations: number[] = stored.map((i: { execution_duration_ms: number }) => i.execution_duration_ms).sort((x: number, y: number) => x - y);
    const exact = (p: number) => {
      const at = p * (durations.length - 1);
      const lo = Math.floor(at);
      return durations[lo]! + (durations[Math.min(lo + 1, durations.length - 1)]! - durations[lo]!) * (at - lo);
    };
    expect(Math.abs(overview.body.totals.latency_p50_ms - exact(0.5)) / exact(0.5)).toBeLessThan(0.03);
    expect(Math.abs(overview.body.totals.latency_p95_ms - exact(0.95)) / exact(0.95)).toBeLessThan(0.03);
    expect(overview.body.judge).toEqual([expect.objectContaining({ judge_calls: 2, judge_errors: 1, cost: 0.25, input_tokens: 100, output_tokens: 7 })]);

    const daily = await call('GET', `/api/v1/experiments/${experimentId}/overview?start_time=${new Date(start - 30 * 86_400_000).toISOString()}`);
    expect(daily.body.bucket).toBe('day');
    const bad: Array<[string, RegExp]> = [
      ['start_time=yesterday', /^start_time: must be an RFC 3339 time/],
      [`start_time=${new Date().toISOString()}&end_time=${new Date(start).toISOString()}`, /^start_time: must be before end_time/],
      [`start_time=${new Date(start - 30 * 86_400_000).toISOString()}&bucket=hour`, /^bucket: hourly buckets need a range of at most 7 days/],
      ['bucket=minute', /^bucket: /],
    ];
    for (const [query, message] of bad) {
      const r = await call('GET', `/api/v1/experiments/${experimentId}/overview?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.message).toMatch(message);
    }
    expect((await call('GET', '/api/v1/experiments/987654/overview')).status).toBe(404);
  });
});
