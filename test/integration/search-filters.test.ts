/**
 * Trace search through `POST /api/v1/traces/search` on Postgres and on embedded PGlite: the filter
 * table, order_by, paging, limits and the response shape, over the fixed fixture traces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { id, label, loadSearchFixture } from '../support/search-fixture.ts';
import { ERROR_CASES, MATCH_CASES } from './search-filter-cases.ts';

interface SearchBody {
  traces?: Array<Record<string, unknown> & { trace_id: string }>;
  next_page_token?: string;
  error_code?: string;
  message?: string;
}

describe.each(['postgres', 'pglite'] as const)('trace search on %s', (db) => {
  let t: TestApp;
  let A: string;
  let B: string;

  beforeAll(async () => {
    t = await startTestApp({ db });
    ({ A, B } = await loadSearchFixture(t.app));
  });
  afterAll(async () => t?.close());

  async function search(body: Record<string, unknown>): Promise<{ status: number; body: SearchBody }> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: body });
    return { status: res.statusCode, body: res.json() as SearchBody };
  }
  const labels = (body: SearchBody) => (body.traces ?? []).map((tr) => label(tr.trace_id)).join(' ');

  it('has a table of at least 100 filters, every error kind included', () => {
    expect(MATCH_CASES.length + ERROR_CASES.length).toBeGreaterThanOrEqual(100);
  });

  it.each(MATCH_CASES)('%s', async (filter, expected) => {
    const { status, body } = await search({ experiment_ids: [A], filter_string: filter });
    expect(body.message).toBeUndefined();
    expect(status).toBe(200);
    expect(labels(body)).toBe(expected);
  });

  it.each(ERROR_CASES)('rejects %s', async (filter, expected) => {
    const { status, body } = await search({ experiment_ids: [A], filter_string: filter });
    expect(status).toBe(400);
    expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(body.message).toMatch(/^filter_string: /);
    expect(body.message).toContain((expected as { error: string }).error);
  });

  const ORDERS: Array<[order_by: string[], filter: string, expected: string]> = [
    [[], '', '07 06 05 03 04 02 01'],
    [['timestamp_ms ASC'], '', '01 02 03 04 05 06 07'],
    [['timestamp_ms desc'], '', '07 06 05 03 04 02 01'],
    [['execution_time_ms DESC'], '', '05 07 02 01 03 06 04'],
    [['execution_time_ms'], '', '06 03 01 02 07 05 04'],
    [['status'], '', '07 02 04 05 03 01 06'],
    [['request_id DESC'], '', '07 06 05 04 03 02 01'],
    [['attributes.request_id'], '', '01 02 03 04 05 06 07'],
    [['name'], `request_id != '${id('05')}'`, '07 02 01 03 06 04'],
    [['name DESC'], `request_id != '${id('05')}'`, '03 07 02 01 06 04'],
    [['run_id'], '', '02 01 07 03 06 05 04'],
    [['tag.env DESC'], `request_id != '${id('05')}'`, '04 07 03 01 02 06'],
    [['metadata.user ASC', 'timestamp ASC'], `request_id != '${id('05')}'`, '01 02 07 03 04 06'],
  ];

  it.each(ORDERS)('orders by %j (filter %s)', async (order_by, filter, expected) => {
    const full = await search({ experiment_ids: [A], filter_string: filter, order_by });
    expect(full.status).toBe(200);
    expect(labels(full.body)).toBe(expected);
    // Every page size walks the same order, each trace exactly once.
    for (const size of [1, 2, 3]) {
      const seen: string[] = [];
      let page_token: string | undefined;
      do {
        const page = await search({ experiment_ids: [A], filter_string: filter, order_by, max_results: size, page_token });
        expect(page.status).toBe(200);
        seen.push(labels(page.body));
        page_token = page.body.next_page_token;
      } while (page_token);
      expect(seen.filter(Boolean).join(' ')).toBe(expected);
    }
  });

  it('searches several experiments and orders by experiment_id', async () => {
    expect(labels((await search({ experiment_ids: [A, B] })).body)).toBe('07 06 05 08 03 04 02 01');
    const byExperiment = await search({ experiment_ids: [A, Number(B)], order_by: ['experiment_id DESC'] });
    expect(labels(byExperiment.body)).toBe('08 07 06 05 03 04 02 01');
  });

  it('rejects bad order_by, limits, tokens and experiments', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ order_by: ['timestamp_ms', 'timestamp DESC'] }, 400, 'given twice'],
      [{ order_by: ['tag.env', 'tags.env DESC'] }, 400, 'given twice'],
      [{ order_by: ['foo'] }, 400, "Invalid order_by key 'foo'"],
      [{ max_results: 0 }, 400, 'max_results'],
      [{ max_results: 50_001 }, 400, 'max_results'],
      [{ max_results: 'ten' }, 400, 'max_results'],
      [{ page_token: 'not-a-token' }, 400, 'page_token'],
      [{ page_token: Buffer.from('{"o":"x","v":["a"]}').toString('base64url') }, 400, 'page_token'],
      [{ experiment_ids: [] }, 400, 'experiment_ids'],
      [{ experiment_ids: ['999999'] }, 404, "experiment '999999' does not exist"],
      [{ experiment_ids: ['abc'] }, 404, 'does not exist'],
    ];
    for (const [body, status, message] of cases) {
      const res = await search({ experiment_ids: [A], ...body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.message).toContain(message);
    }
    expect((await search({ experiment_ids: [A], max_results: 50_000 })).status).toBe(200);
  });

  it('refuses a token replayed with another order_by, and accepts it with the same one', async () => {
    const first = await search({ experiment_ids: [A], max_results: 2 });
    const token = first.body.next_page_token;
    expect(token).toBeTypeOf('string');
    const other = await search({ experiment_ids: [A], max_results: 2, page_token: token, order_by: ['status'] });
    expect(other.status).toBe(400);
    const same = await search({ experiment_ids: [A], max_results: 2, page_token: token });
    expect(labels(same.body)).toBe('05 03');
  });

  it('answers trace infos with tags, metadata, previews, times and valid assessments', async () => {
    const { body } = await search({ experiment_ids: [A], filter_string: `request_id = '${id('02')}'` });
    const [trace] = body.traces ?? [];
    expect(trace).toMatchObject({
      trace_id: id('02'),
      experiment_id: A,
      request_time: new Date(1_700_000_002_000).toISOString(),
      execution_duration_ms: 250,
      state: 'ERROR',
      client_request_id: 'req-2',
      tags: { env: 'dev', 'mlflow.traceName': 'chat' },
      trace_metadata: { 'mlflow.sourceRun': 'run-1', user: 'bob' },
    });
    expect(trace?.request_preview).toContain('Weather today?');
    const assessments = trace?.assessments as Array<Record<string, unknown>>;
    expect(assessments.map((a) => [a.assessment_name, (a.feedback as { value: unknown }).value]).sort()).toEqual([
      ['correctness', 'no'],
      ['is_safe', true],
    ]);
    expect(assessments.every((a) => a.valid === true)).toBe(true);
  });

  it('needs at least a reader token once tokens exist', async () => {
    const reader = await t.tokenHeaders('reader');
    const ok = await t.app.inject({
      method: 'POST', url: '/api/v1/traces/search', headers: reader, payload: { experiment_ids: [A] },
    });
    expect(ok.statusCode).toBe(200);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: { experiment_ids: [A] } });
    expect(anonymous.statusCode).toBe(401);
  });
});
