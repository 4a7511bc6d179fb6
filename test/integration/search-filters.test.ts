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
      [{ max_results: 5_001 }, 400, 'max_results'],
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
    expect((await search({ experiment_ids: [A], max_results: 5_000 })).status).toBe(200);
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

  it('returns extract_fields as columns: the root span (span.*) and spans by name, null where missing', async () => {
    const extract_fields = [
      'span.end_time',
      'span.start_time',
      'span.inputs.question',
      'span.inputs',
      'span.outputs.answer',
      'span.inputs.messages',
      'span.attributes.usage.total_tokens',
      'span.attributes.usage',
      'span.attributes.`llm.token_count.total`',
      'span.attributes.llm.token_count.total',
      'span.name',
      'span.type',
      'span.status',
      '`openai.chat`.inputs.messages',
      '`openai.chat`.inputs.messages.0',
      '`openai.chat`.attributes.model',
      'retrieve.outputs.0.page_content',
      'retrieve.outputs',
      'calculator.outputs',
      'span.end_time',
    ];
    const { status, body } = await search({
      experiment_ids: [A],
      filter_string: `request_id IN ('${id('01')}', '${id('02')}', '${id('03')}', '${id('06')}')`,
      extract_fields,
    });
    expect(body.message).toBeUndefined();
    expect(status).toBe(200);
    const byLabel = Object.fromEntries((body.traces ?? []).map((tr) => [label(tr.trace_id), tr.extracted]));
    expect(byLabel['01']).toEqual({
      'span.end_time': 1_700_000_001_100,
      'span.start_time': 1_700_000_001_000,
      'span.inputs.question': 'What is MLflow?',
      'span.inputs': { question: 'What is MLflow?' },
      'span.outputs.answer': 'MLflow is a platform',
      'span.inputs.messages': null,
      'span.attributes.usage.total_tokens': 42,
      'span.attributes.usage': { total_tokens: 42 },
      'span.attributes.`llm.token_count.total`': 40,
      'span.attributes.llm.token_count.total': 40,
      'span.name': 'chat',
      'span.type': 'CHAIN',
      'span.status': 'OK',
      '`openai.chat`.inputs.messages': ['hello world'],
      '`openai.chat`.inputs.messages.0': 'hello world',
      '`openai.chat`.attributes.model': 'gpt-4o',
      'retrieve.outputs.0.page_content': null,
      'retrieve.outputs': null,
      'calculator.outputs': null,
    });
    expect(byLabel['02']).toMatchObject({
      'span.status': 'ERROR',
      'retrieve.outputs.0.page_content': 'Sunny 100%',
      'retrieve.outputs': [{ page_content: 'Sunny 100%', metadata: { doc_uri: 'doc://w' } }],
      '`openai.chat`.inputs.messages': null,
    });
    expect(byLabel['03']).toMatchObject({ 'span.inputs': 'Summarize this', 'span.inputs.question': null, 'calculator.outputs': 4 });
    expect(Object.values(byLabel['06'] as Record<string, unknown>).every((v) => v === null)).toBe(true);
    expect(Object.keys(byLabel['06'] as Record<string, unknown>)).toHaveLength(extract_fields.length - 1);
    // Without extract_fields, no `extracted` key at all.
    const plain = await search({ experiment_ids: [A], filter_string: `request_id = '${id('01')}'` });
    expect(plain.body.traces?.[0]).not.toHaveProperty('extracted');
  });

  it('rejects bad extract_fields with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [['span'], "extract_fields[0]: 'span' names no span value"],
      [['span.inputs', 'openai.chat.inputs'], "extract_fields[1]: 'openai.chat.inputs': unknown span part 'chat'"],
      [['span.end_time.x'], "extract_fields[0]: 'span.end_time.x': 'end_time' is a plain value"],
      [['span.attributes'], "extract_fields[0]: 'span.attributes': 'attributes' needs an attribute name"],
      [['span.inputs..a'], "extract_fields[0]: 'span.inputs..a' has an empty part"],
      [['`span.inputs'], 'extract_fields[0]: \'`span.inputs\' has a backtick without its closing one'],
      [['sp`a`n.inputs'], 'extract_fields[0]: \'sp`a`n.inputs\': backticks must enclose a whole part'],
      [['x.`inputs`'], "extract_fields[0]: 'x.`inputs`': unknown span part 'inputs'"],
      [['span.inputs', ' '], 'extract_fields[1]: the field is empty'],
      [[`x.inputs.${'k'.repeat(1000)}`], 'at most 1000'],
      [Array.from({ length: 51 }, (_, i) => `s${i}.inputs`), 'extract_fields: 51 fields; at most 50'],
      [[5], 'extract_fields'],
      ['span.inputs', 'extract_fields'],
    ];
    for (const [extract_fields, message] of cases) {
      const res = await search({ experiment_ids: [A], extract_fields });
      expect(res.status, JSON.stringify(extract_fields).slice(0, 100)).toBe(400);
      expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.body.message).toContain(message);
    }
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
