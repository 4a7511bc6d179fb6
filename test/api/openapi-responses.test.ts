/**
 * The documented response schemas match what the routes really answer: for routes of every route
 * module, a real response (success, and a 4xx error) is read with the zod schema the route was
 * documented with. A field the route adds without documenting it, or a documented field it drops
 * or types differently, fails here, so the OpenAPI document and the console's types cannot drift.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { responsesOf, routeSchemasOf } from '../../src/api/openapi-schema.ts';
import { recordedRoutes } from '../../src/api/route-table.ts';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { Loose } from '../support/evaluation.ts';
import { waitForEvaluation } from '../support/evaluation.ts';
import { newTraceHex, otlpJsonRequest } from '../support/trace-payloads.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe('documented responses match real ones', () => {
  let t: TestApp;
  let exp: string;
  let traceIds: string[];
  /** Routes whose responses were checked, by `METHOD pattern`. */
  const checked = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp({ db: 'pglite' });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    exp = (await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'documented' } })).json().experiment_id;
    const ingested = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${exp}/traces`, payload: { traces: sampleTraces(8, { seed: 'openapi' }) } });
    traceIds = ingested.json().trace_ids;
  }, 60_000);
  afterAll(() => t?.close());

  /** The zod schema a route documents for a status: its own entry, or for a 4xx the error shape. */
  function documentedSchema(method: Method, pattern: string, status: number): z.ZodType | null {
    const route = recordedRoutes(t.app).find((r) => r.url === pattern && [r.method].flat().includes(method));
    const schemas = routeSchemasOf(route?.schema);
    expect(schemas, `${method} ${pattern} is documented`).toBeDefined();
    const responses = responsesOf(schemas!);
    const entry = status in responses ? responses[status] : status >= 400 && status < 500 ? responses['4xx'] : undefined;
    expect(entry, `${method} ${pattern} documents status ${status}`).not.toBeUndefined();
    if (entry === null || entry === undefined) return null;
    return 'media' in entry ? entry.media['application/json']! : entry;
  }

  /** The schemas by media type a route documents for a status that is not (only) JSON. */
  function mediaOf(method: Method, pattern: string, status: number): Record<string, z.ZodType> {
    const route = recordedRoutes(t.app).find((r) => r.url === pattern && [r.method].flat().includes(method));
    const entry = responsesOf(routeSchemasOf(route?.schema)!)[status];
    expect(entry && 'media' in entry, `${method} ${pattern} documents media types`).toBe(true);
    return (entry as { media: Record<string, z.ZodType> }).media;
  }

  /** Calls the route and reads its answer with the documented schema; returns the body. */
  async function check(method: Method, pattern: string, url: string, status: number, payload?: unknown): Promise<Loose> {
    const response = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
    const schema = documentedSchema(method, pattern, status);
    checked.add(`${method} ${pattern}`);
    if (schema === null) {
      expect(response.body).toBe('');
      return null;
    }
    const body: unknown = response.json();
    const read = schema.safeParse(body);
    expect.soft(read.success, `${method} ${url}: ${read.error?.message}`).toBe(true);
    // Objects drop keys they do not declare: an undocumented field shows up as a difference.
    expect.soft(read.data, `${method} ${url}`).toEqual(body);
    return body;
  }

  it('experiments, traces, search, assessments, sessions and the OpenAPI document', async () => {
    await check('GET', '/api/v1/experiments', '/api/v1/experiments', 200);
    await check('GET', '/api/v1/experiments/:id', `/api/v1/experiments/${exp}`, 200);
    await check('GET', '/api/v1/experiments/:id', '/api/v1/experiments/999999', 404);
    await check('POST', '/api/v1/experiments/:id/traces', `/api/v1/experiments/${exp}/traces`, 200, sampleTraces(1, { seed: 'one' })[0]);
    await check('POST', '/api/v1/experiments/:id/traces', `/api/v1/experiments/${exp}/traces`, 400, { traces: 'no' });
    await check('GET', '/api/v1/experiments/:id/traces', `/api/v1/experiments/${exp}/traces`, 200);
    await check('GET', '/api/v1/traces/:traceId', `/api/v1/traces/${traceIds[0]}`, 200);
    await check('POST', '/api/v1/traces/search', '/api/v1/traces/search', 200, { experiment_ids: [exp], max_results: 5 });
    await check('POST', '/api/v1/traces/search', '/api/v1/traces/search', 400, { experiment_ids: [exp], filter_string: 'tags. = ' });
    const created = await check('POST', '/api/v1/traces/:traceId/assessments', `/api/v1/traces/${traceIds[0]}/assessments`, 201, {
      assessment_name: 'safety', feedback: { value: 'yes' }, rationale: 'fine', source: { source_type: 'HUMAN', source_id: 'ann' },
    });
    const assessment = `/api/v1/traces/${traceIds[0]}/assessments/${created.assessment.assessment_id}`;
    await check('GET', '/api/v1/traces/:traceId/assessments/:assessmentId', assessment, 200);
    await check('DELETE', '/api/v1/traces/:traceId/assessments/:assessmentId', assessment, 204);
    await check('DELETE', '/api/v1/traces/:traceId/assessments/:assessmentId', assessment, 404);
    await check('GET', '/api/v1/experiments/:id/sessions', `/api/v1/experiments/${exp}/sessions`, 200);
    await check('POST', '/api/v1/experiments/:id/sessions/count', `/api/v1/experiments/${exp}/sessions/count`, 200, {});
    await check('GET', '/api/v1/experiments/:id/judge-agreement', `/api/v1/experiments/${exp}/judge-agreement`, 200);
    await check('GET', '/api/v1/experiments/:id/overview', `/api/v1/experiments/${exp}/overview`, 200);
    await check('GET', '/api/v1/whoami', '/api/v1/whoami', 200);
    await check('GET', '/api/v1/tokens', '/api/v1/tokens', 200);
    await check('DELETE', '/api/v1/tokens/:name', '/api/v1/tokens/nobody', 404);
    await check('GET', '/api/v1/openapi.json', '/api/v1/openapi.json', 200);
    await check('GET', '/healthz', '/healthz', 200);
    await check('GET', '/readyz', '/readyz', 200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const text = mediaOf('GET', '/metrics', 200)['text/plain']!;
    expect(text.parse(metrics.body)).toBe(metrics.body);
    checked.add('GET /metrics');
  });

  it('OTLP/JSON export', async () => {
    const hex = newTraceHex();
    const body = otlpJsonRequest(hex, [{ id: 1, name: 'root', startMs: 0, endMs: 5 }]);
    const response = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'x-assay-experiment-id': exp }, payload: body });
    expect(response.statusCode, response.body).toBe(200);
    const read = mediaOf('POST', '/v1/traces', 200)['application/json']!.parse(response.json());
    expect(read).toEqual(response.json());
    checked.add('POST /v1/traces');
  });

  it('monitors, decisions, alerts and scorers', async () => {
    await check('GET', '/api/v1/experiments/:id/monitor', `/api/v1/experiments/${exp}/monitor`, 404);
    await check('PUT', '/api/v1/experiments/:id/monitor', `/api/v1/experiments/${exp}/monitor`, 201, { results_schema: 'documented_results', scorers: [{ name: 'safety' }] });
    await check('GET', '/api/v1/experiments/:id/monitor', `/api/v1/experiments/${exp}/monitor`, 200);
    await check('POST', '/api/v1/experiments/:id/monitor/run', `/api/v1/experiments/${exp}/monitor/run`, 202);
    await check('GET', '/api/v1/experiments/:id/monitor/runs', `/api/v1/experiments/${exp}/monitor/runs`, 200);
    await check('GET', '/api/v1/experiments/:id/monitor/trends', `/api/v1/experiments/${exp}/monitor/trends`, 200);
    await check('GET', '/api/v1/traces/:traceId/monitor-decisions', `/api/v1/traces/${traceIds[1]}/monitor-decisions`, 200);
    await check('GET', '/api/v1/experiments/:id/monitor/alerts', `/api/v1/experiments/${exp}/monitor/alerts`, 200);
    await check('GET', '/api/v1/experiments/:id/monitor/budget', `/api/v1/experiments/${exp}/monitor/budget`, 200);
    await check('DELETE', '/api/v1/experiments/:id/monitor', `/api/v1/experiments/${exp}/monitor`, 204);
    await check('GET', '/api/v1/scorers', '/api/v1/scorers', 200);
    await check('POST', '/api/v1/scorers/run', '/api/v1/scorers/run', 200, { trace_ids: [traceIds[2]], scorers: ['safety'] });
    await check('POST', '/api/v1/scorers/run', '/api/v1/scorers/run', 400, { scorers: ['no_such_scorer'], trace_ids: [traceIds[2]] });
  });

  it('datasets, records, versions, diff and synthesis', async () => {
    await check('POST', '/api/v1/datasets', '/api/v1/datasets', 201, { name: 'evals.documented', experiment_ids: [exp] });
    await check('POST', '/api/v1/datasets/:name/merge', '/api/v1/datasets/evals.documented/merge', 200, { trace_ids: traceIds.slice(0, 3) });
    const page = await check('GET', '/api/v1/datasets/:name/records', '/api/v1/datasets/evals.documented/records', 200);
    const recordId = page.records[0].dataset_record_id as string;
    await check('PATCH', '/api/v1/datasets/:name/records/:recordId', `/api/v1/datasets/evals.documented/records/${recordId}`, 200, { tags: { checked: 'yes' } });
    await check('DELETE', '/api/v1/datasets/:name/records/:recordId', `/api/v1/datasets/evals.documented/records/${recordId}`, 200);
    await check('POST', '/api/v1/datasets/:name/records/delete', '/api/v1/datasets/evals.documented/records/delete', 200, { dataset_record_ids: [page.records[1].dataset_record_id] });
    await check('GET', '/api/v1/datasets/:name/versions', '/api/v1/datasets/evals.documented/versions', 200);
    await check('GET', '/api/v1/datasets/:name/diff', '/api/v1/datasets/evals.documented/diff?from=1', 200);
    await check('POST', '/api/v1/datasets/:name/synthesize', '/api/v1/datasets/evals.documented/synthesize', 200, {
      documents: [{ doc_uri: 'docs://refunds', content: 'Annual plans can be refunded within 30 days of purchase.' }], num_records: 2,
    });
    await check('GET', '/api/v1/datasets', '/api/v1/datasets', 200);
    await check('GET', '/api/v1/datasets/:name', '/api/v1/datasets/evals.documented', 200);
    await check('PATCH', '/api/v1/datasets/:name', '/api/v1/datasets/evals.documented', 200, { tags: { team: 'support' } });
    await check('POST', '/api/v1/datasets/:name/merge', '/api/v1/datasets/evals.documented/merge', 400, { records: 'no' });
  });

  it('evaluations: start, follow, rows, compare, delete', async () => {
    const records = [
      { inputs: { question: 'How do I rotate an API key?' }, outputs: 'Open Settings, then API keys.' },
      { inputs: { question: 'What is the refund window?' }, outputs: 'Within 30 days.' },
    ];
    const body = { data: { records }, scorers: ['safety'], experiment_id: exp };
    const a = (await check('POST', '/api/v1/evaluations', '/api/v1/evaluations', 202, body)).run.run_id as string;
    const b = (await check('POST', '/api/v1/evaluations', '/api/v1/evaluations', 202, body)).run.run_id as string;
    const call = async (method: Method, url: string) => {
      const response = await t.app.inject({ method, url });
      return { status: response.statusCode, body: response.json() };
    };
    await waitForEvaluation(call, a);
    await waitForEvaluation(call, b);
    await check('GET', '/api/v1/evaluations/:id', `/api/v1/evaluations/${a}`, 200);
    await check('GET', '/api/v1/evaluations', `/api/v1/evaluations?experiment_id=${exp}`, 200);
    const rows = await check('GET', '/api/v1/evaluations/:id/rows', `/api/v1/evaluations/${a}/rows`, 200);
    expect(rows.rows[0].verdicts.length).toBeGreaterThan(0);
    await check('GET', '/api/v1/evaluations/compare', `/api/v1/evaluations/compare?run_ids=${a},${b}`, 200);
    await check('DELETE', '/api/v1/evaluations/:id', `/api/v1/evaluations/${b}`, 204);
    await check('GET', '/api/v1/evaluations/:id', `/api/v1/evaluations/${b}`, 404);
  });

  it('labeling sessions: create, add traces, list them, sync, delete', async () => {
    const created = await check('POST', '/api/v1/labeling-sessions', '/api/v1/labeling-sessions', 201, {
      name: 'documented review', experiment_id: exp, label_schemas: [{ name: 'expected_response', kind: 'expectation', type: 'text' }],
    });
    const base = `/api/v1/labeling-sessions/${created.labeling_session_id}`;
    await check('POST', '/api/v1/labeling-sessions/:id/traces', `${base}/traces`, 200, { trace_ids: traceIds.slice(0, 2) });
    await check('GET', '/api/v1/labeling-sessions/:id/traces', `${base}/traces`, 200);
    await check('GET', '/api/v1/labeling-sessions', `/api/v1/labeling-sessions?experiment_id=${exp}`, 200);
    await check('PATCH', '/api/v1/labeling-sessions/:id', base, 200, { name: 'renamed review' });
    await check('POST', '/api/v1/labeling-sessions/:id/sync', `${base}/sync`, 200, { dataset_name: 'evals.documented' });
    await check('DELETE', '/api/v1/labeling-sessions/:id/traces/:traceId', `${base}/traces/${traceIds[0]}`, 204);
    await check('DELETE', '/api/v1/labeling-sessions/:id', base, 204);
    await check('GET', '/api/v1/labeling-sessions/:id', base, 404);
  });

  it('covered a route of every route module', () => {
    // One pattern per module in src/api/routes (and the document itself, in app.ts).
    const modules = [
      'POST /api/v1/traces/:traceId/assessments', 'GET /api/v1/datasets/:name/diff', 'GET /api/v1/datasets/:name/records',
      'POST /api/v1/datasets/:name/synthesize', 'GET /api/v1/datasets', 'GET /api/v1/evaluations/:id', 'GET /api/v1/experiments',
      'GET /readyz', 'GET /api/v1/experiments/:id/judge-agreement', 'GET /api/v1/labeling-sessions/:id/traces',
      'GET /api/v1/experiments/:id/monitor/alerts', 'GET /api/v1/traces/:traceId/monitor-decisions', 'PUT /api/v1/experiments/:id/monitor',
      'POST /v1/traces', 'GET /api/v1/experiments/:id/overview', 'POST /api/v1/scorers/run', 'POST /api/v1/traces/search',
      'GET /api/v1/experiments/:id/sessions', 'GET /api/v1/tokens', 'GET /api/v1/traces/:traceId', 'GET /api/v1/whoami', 'GET /api/v1/openapi.json',
    ];
    expect(modules.filter((m) => !checked.has(m))).toEqual([]);
  });
});
