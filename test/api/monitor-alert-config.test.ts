/** Alert rules, webhooks and budgets in the monitor document: bad ones are refused by field, whole. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newExperiment, putMonitor } from '../support/monitor.ts';

const base = {
  results_schema: 'monitoring',
  scorers: [{ name: 'safety' }],
  webhooks: [{ name: 'ops', url: 'http://127.0.0.1:9/hook', format: 'generic', secret_env: 'ASSAY_WEBHOOK_SECRET_OPS' }],
};
const rule = { name: 'safety-drop', scorer: 'safety', metric: 'pass_rate', op: '<', threshold: 0.9, window: { runs: 3 }, webhooks: ['ops'] };

describe('alert rules in the monitor config', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let experimentId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { ASSAY_OUTBOUND_ALLOW: 'http://127.0.0.1:9' } });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
  });
  afterAll(async () => t?.close());

  const put = (payload: unknown) => putMonitor(t, experimentId, payload as object, admin);

  it.each([
    ['an unknown scorer', { alerts: [{ ...rule, scorer: 'nope' }] }, "alerts[0].scorer: 'nope' is not a scorer of this monitor"],
    ['a threshold out of range', { alerts: [{ ...rule, threshold: 1.5 }] }, 'alerts[0].threshold: must be in [0, 1]'],
    ['a bad window', { alerts: [{ ...rule, window: { hours: 1 } }] }, 'alerts[0].window'],
    ['a zero-run window', { alerts: [{ ...rule, window: { runs: 0 } }] }, 'alerts[0].window'],
    ['a confidence of 1', { alerts: [{ ...rule, confidence: 1 }] }, 'alerts[0].confidence: must be in (0, 1)'],
    ['an unknown metric', { alerts: [{ ...rule, metric: 'p99' }] }, 'alerts[0].metric'],
    ['an unknown webhook', { alerts: [{ ...rule, webhooks: ['pager'] }] }, "alerts[0].webhooks[0]: 'pager' is not a webhook"],
    ['a pass rate of a numeric scorer', { scorers: [{ name: 'safety' }, { name: 'stars', type: 'custom_judge', instructions: 'Rate {{ outputs }}.', result_type: { type: 'number', min: 1, max: 5 } }], alerts: [{ ...rule, scorer: 'stars' }] }, "alerts[0].metric: scorer 'stars' gives numbers (result_type number), not pass/fail: use mean"],
    ['a scorer on trace_count', { alerts: [{ ...rule, metric: 'trace_count', threshold: 10 }] }, 'alerts[0].scorer: trace_count counts for the whole monitor'],
    ['a webhook URL that is not http(s)', { webhooks: [{ ...base.webhooks[0], url: 'ftp://example.com/x' }] }, 'webhooks[0].url: must be an http(s) URL'],
    ['a webhook outside the outbound policy', { webhooks: [{ ...base.webhooks[0], url: 'http://127.0.0.1:10/x' }] }, 'webhooks[0].url: http://127.0.0.1:10/x: origin http://127.0.0.1:10 is not listed in ASSAY_OUTBOUND_ALLOW'],
    ['a secret from any variable', { webhooks: [{ ...base.webhooks[0], secret_env: 'ASSAY_JUDGE_API_KEY' }] }, 'webhooks[0].secret_env: must name an environment variable starting with ASSAY_WEBHOOK_SECRET_'],
    ['a budget without a limit', { budget: { period: 'day' } }, 'budget: set at least one of'],
    ['a negative budget', { budget: { max_judge_calls: -1 } }, 'budget.max_judge_calls'],
    ['a weekly budget', { budget: { period: 'week', max_judge_calls: 5 } }, 'budget.period'],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_what, change, message) => {
    const response = await put({ ...base, alerts: [rule], ...change });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().message).toContain(message);
    const get = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor`, headers: admin });
    expect(get.statusCode).toBe(404);
  });

  it('stores good rules with their defaults and lists their states', async () => {
    const response = await put({ ...base, alerts: [rule, { name: 'quiet', metric: 'trace_count', op: '<', threshold: 1, window: { minutes: 60 } }], budget: { max_judge_calls: 100 } });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().config.alerts[0]).toEqual({ ...rule, confidence: 0.95, for_evaluations: 1 });
    expect(response.json().config.budget).toEqual({ period: 'day', max_judge_calls: 100 });
    const alerts = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin });
    expect(alerts.statusCode).toBe(200);
    expect(alerts.json()).toEqual({
      alerts: [
        expect.objectContaining({ name: 'safety-drop', state: 'ok', last_evaluated_at: null }),
        expect.objectContaining({ name: 'quiet', state: 'ok' }),
      ],
      history: [],
    });
  });

  it('keeps the stored document whole when a replacement has a bad rule or webhook', async () => {
    const get = () => t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor`, headers: admin });
    const stored = await get();
    expect(stored.statusCode).toBe(200);
    const changes: Array<[unknown, string]> = [
      [{ alerts: [{ ...rule, threshold: 0.5 }, { ...rule, name: 'other', scorer: 'nope' }] }, "alerts[1].scorer: 'nope' is not a scorer"],
      [{ alerts: [{ ...rule, threshold: 0.5, window: { runs: 1001 } }] }, 'alerts[0].window'],
      [{ alerts: [], webhooks: [{ ...base.webhooks[0], url: 'file:///etc/passwd' }] }, 'webhooks[0].url: must be an http(s) URL'],
      [{ alerts: [{ ...rule, threshold: -0.1 }] }, 'alerts[0].threshold: must be in [0, 1]'],
    ];
    for (const [change, message] of changes) {
      const response = await put({ ...base, scorers: [{ name: 'safety' }, { name: 'relevance_to_query' }], ...(change as object) });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().message).toContain(message);
      const after = await get();
      expect(after.json().config).toEqual(stored.json().config);
      expect(after.headers.etag).toBe(stored.headers.etag);
    }
  });
});

describe('the alert contract document', () => {
  let t: TestApp;
  afterAll(async () => t?.close());

  it('is stored as written, under the default outbound policy (public addresses)', async () => {
    t = await startTestApp();
    const admin = await t.tokenHeaders('admin');
    const experimentId = await newExperiment(t.ctx);
    const contract = {
      alerts: [{ name: 'safety-drop', scorer: 'safety', metric: 'pass_rate', op: '<', threshold: 0.9, window: { runs: 3 }, confidence: 0.95, for_evaluations: 1, webhooks: ['ops'] }],
      webhooks: [{ name: 'ops', url: 'https://hooks.example.com/x', format: 'generic', secret_env: 'ASSAY_WEBHOOK_SECRET_OPS' }],
      budget: { period: 'day', max_judge_calls: 10000 },
    };
    const response = await putMonitor(t, experimentId, { results_schema: 'monitoring', scorers: [{ name: 'safety' }], ...contract }, admin);
    expect(response.statusCode, response.body).toBe(201);
    const stored = (await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor`, headers: admin })).json().config;
    expect({ alerts: stored.alerts, webhooks: stored.webhooks, budget: stored.budget }).toEqual(contract);
  });
});
