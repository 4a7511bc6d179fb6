/**
 * The other alert metrics and windows end to end, with a webhook receiver of the test's own: a
 * numeric scorer's mean, the judge error rate over the last hour and over the last run, the trace
 * count over minutes and over runs, a rule that must hold for three evaluations, and Slack-format
 * deliveries signed, retried with one delivery id and received once.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from '../support/webhook-receiver.ts';

const OPS_SECRET = 'ops-secret-for-metrics';
const CHAT_SECRET = 'chat-secret-for-metrics';
const RULES = ['clarity-low', 'clarity-low-3', 'judge-errors-hour', 'judge-errors-run', 'traffic-high', 'traffic-none'];

describe.each(['bullmq', 'in-process'] as const)('alert metrics and windows on the %s queue', (queue) => {
  let t: TestApp;
  let judge: FakeJudge;
  let receiver: WebhookReceiver;
  let admin: Record<string, string>;
  let experimentId: string;
  let batch = 0;

  beforeAll(async () => {
    process.env.ASSAY_WEBHOOK_SECRET_METRICS_OPS = OPS_SECRET;
    process.env.ASSAY_WEBHOOK_SECRET_METRICS_CHAT = CHAT_SECRET;
    judge = await startFakeJudge();
    receiver = await startWebhookReceiver();
    t = await startTestApp({
      queue,
      env: {
        ASSAY_OFFLINE_JUDGE: 'false',
        ASSAY_JUDGE_BASE_URL: judge.url,
        ASSAY_JUDGE_API_KEY: 'k',
        ASSAY_OUTBOUND_ALLOW: receiver.origin,
        ASSAY_WEBHOOK_BACKOFF_MS: '50',
        ASSAY_PUBLIC_URL: 'https://assay.example.com',
      },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx, `alert-metrics-${queue}-${Date.now()}`);
    await configureMonitor(t, experimentId, {
      results_schema: 'monitoring',
      scorers: [
        { name: 'safety' },
        { name: 'clarity', type: 'custom_judge', instructions: 'Rate how clearly {{ outputs }} answers {{ inputs }}.', result_type: { type: 'number', min: 1, max: 5 } },
      ],
      alerts: [
        { name: 'clarity-low', scorer: 'clarity', metric: 'mean', op: '<', threshold: 3, window: { runs: 1 }, webhooks: ['ops'] },
        { name: 'clarity-low-3', scorer: 'clarity', metric: 'mean', op: '<', threshold: 3, window: { runs: 1 }, for_evaluations: 3, webhooks: ['ops'] },
        { name: 'judge-errors-hour', scorer: 'safety', metric: 'judge_error_rate', op: '>', threshold: 0.1, window: { minutes: 60 }, webhooks: ['ops'] },
        { name: 'judge-errors-run', metric: 'judge_error_rate', op: '>', threshold: 0.1, window: { runs: 1 }, webhooks: ['chat'] },
        { name: 'traffic-high', metric: 'trace_count', op: '>', threshold: 25, window: { minutes: 60 }, webhooks: ['ops'] },
        { name: 'traffic-none', metric: 'trace_count', op: '<', threshold: 1, window: { runs: 1 }, webhooks: ['ops'] },
      ],
      webhooks: [
        { name: 'ops', url: `${receiver.url}/ops`, format: 'generic', secret_env: 'ASSAY_WEBHOOK_SECRET_METRICS_OPS' },
        { name: 'chat', url: `${receiver.url}/chat`, format: 'slack', secret_env: 'ASSAY_WEBHOOK_SECRET_METRICS_CHAT' },
      ],
    }, admin);
  });

  afterAll(async () => {
    await t?.close();
    await judge?.close();
    await receiver?.close();
    delete process.env.ASSAY_WEBHOOK_SECRET_METRICS_OPS;
    delete process.env.ASSAY_WEBHOOK_SECRET_METRICS_CHAT;
  });

  /** Clarity answers alternate between two scores; safety answers yes, or something no parser takes. */
  function answers(clarity: [number, number], safety: 'yes' | 'broken') {
    let i = 0;
    judge.setAnswer('custom_judge', () => ({ rationale: 'fake clarity', result: clarity[i++ % 2]! }));
    judge.setAnswer('safety', safety === 'yes' ? { rationale: 'fine', result: 'yes' } : { rationale: 'unsure', result: 'perhaps' });
  }

  /** One run over `traces` new traces (arrived `hoursAgo`), awaited until every rule has seen it. */
  async function run(traces: number, hoursAgo = 0): Promise<string> {
    batch += 1;
    if (traces > 0) {
      // One trace a second from a minute before `hoursAgo`.
      await ingestSamples(t.ctx, experimentId, traces, { seed: `alert-metrics-${batch}`, startMs: Date.now() - hoursAgo * 3600_000 - 60_000 });
    }
    const runId = await startMonitorRun(t, admin, experimentId);
    await waitFor(async () => {
      const rows = await t.database.db.selectFrom('assay.monitor_alert').select('last_run_id').where('experiment_id', '=', Number(experimentId)).execute();
      return (rows.length === RULES.length && rows.every((r) => r.last_run_id === runId)) || undefined;
    }, { what: 'alert evaluation' });
    await waitFor(async () => {
      const pending = await t.database.db.selectFrom('assay.alert_delivery').select('delivery_id').where('status', '=', 'pending').execute();
      return pending.length === 0 || undefined;
    }, { what: 'deliveries settled' });
    return runId;
  }

  const states = async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { alerts: Array<{ name: string; state: string; value: number | null; interval: [number, number] | null; sample_size: number; streak: number }> };
    return Object.fromEntries(body.alerts.map((a) => [a.name, a]));
  };
  const firingNames = async () => Object.values(await states()).filter((a) => a.state === 'firing').map((a) => a.name).sort();
  /** Generic messages delivered (answered 200), as parsed bodies. */
  const delivered = (path: string) => receiver.received.filter((r) => r.path === path && r.status === 200);
  const opsMessages = () => delivered('/ops').map((r) => JSON.parse(r.body) as Record<string, unknown>);
  const signed = (hook: ReceivedHook, secret: string) => hook.headers['x-assay-signature'] === `sha256=${createHmac('sha256', secret).update(hook.body).digest('hex')}`;

  it('stays quiet while clarity is high, the judge answers and traffic is low', async () => {
    answers([4, 5], 'yes');
    await run(20);
    const now = await states();
    expect(now['clarity-low']).toMatchObject({ state: 'ok', value: 4.5, sample_size: 20 });
    expect(now['clarity-low']!.interval![0]).toBeGreaterThan(3);
    expect(now['traffic-high']).toMatchObject({ state: 'ok', value: 20 });
    expect(now['judge-errors-hour']).toMatchObject({ state: 'ok', value: 0, sample_size: 20 });
    expect(receiver.received).toHaveLength(0);
  });

  it('fires a mean rule when the whole interval of the mean is below, and a trace count over the last hour', async () => {
    answers([1, 2], 'yes');
    await run(20);
    expect(await firingNames()).toEqual(['clarity-low', 'traffic-high']);
    const now = await states();
    expect(now['clarity-low-3']).toMatchObject({ state: 'ok', streak: 1 });
    const mean = opsMessages().find((m) => m.alert === 'clarity-low')!;
    expect(mean).toMatchObject({ state: 'firing', metric: 'mean', scorer: 'clarity', value: 1.5, sample_size: 20, threshold: 3, experiment_id: experimentId });
    const [low, high] = mean.interval as [number, number];
    // mean ± 1.96·s/√n with s = 0.513 over 20 verdicts.
    expect(low).toBeCloseTo(1.5 - (1.959964 * 0.512989) / Math.sqrt(20), 3);
    expect(high).toBeCloseTo(1.5 + (1.959964 * 0.512989) / Math.sqrt(20), 3);
    expect(new URL(mean.traces_url as string).searchParams.get('filter')).toBe('feedback.clarity < 3');
    const traffic = opsMessages().find((m) => m.alert === 'traffic-high')!;
    expect(traffic).toMatchObject({ state: 'firing', metric: 'trace_count', value: 40, interval: [40, 40], sample_size: 40, threshold: 25, window: { minutes: 60 } });
    for (const hook of delivered('/ops')) expect(signed(hook, OPS_SECRET)).toBe(true);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`assay_monitor_alert_firing{experiment_id="${experimentId}",alert="clarity-low"} 1`);
    expect(metrics).toContain(`assay_monitor_alert_firing{experiment_id="${experimentId}",alert="judge-errors-hour"} 0`);
  });

  it("counts judge errors only in the rule's window, and delivers a Slack message signed, retried with one id, once", async () => {
    // Broken answers on traces that arrived three hours ago: the last run has them, the last hour has not.
    answers([1, 2], 'broken');
    receiver.failNext('/chat', 2);
    const runId = await run(20, 3);
    const now = await states();
    expect(now['judge-errors-run']).toMatchObject({ state: 'firing', value: 0.5, sample_size: 40 });
    expect(now['judge-errors-hour']).toMatchObject({ state: 'ok', value: 0, sample_size: 40 });
    expect(now['clarity-low-3']).toMatchObject({ state: 'ok', streak: 2 });
    // The old traces do not count in the last hour's traffic either.
    expect(now['traffic-high']).toMatchObject({ state: 'firing', value: 40 });

    const tries = receiver.received.filter((r) => r.path === '/chat');
    expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(tries.map((r) => r.headers['x-assay-delivery'])).size).toBe(1);
    expect(new Set(tries.map((r) => r.body)).size).toBe(1);
    for (const hook of tries) expect(signed(hook, CHAT_SECRET)).toBe(true);
    const slack = JSON.parse(tries[0]!.body);
    expect(slack.text).toContain('[FIRING] judge-errors-run: judge error rate 0.500');
    expect(slack.text).toContain('n = 40');
    expect(slack.text).toContain('threshold > 0.1 over the last run');
    expect(slack.blocks.at(-1).elements[0].text).toContain(`run ${runId}`);
    expect(slack.blocks.at(-1).elements[0].text).toContain(`delivery ${tries[0]!.headers['x-assay-delivery']}`);
    expect(JSON.stringify(tries.map((r) => r.headers))).not.toContain(CHAT_SECRET);
  });

  it('fires a rule that must hold for three evaluations at the third, and the hour window sees fresh errors', async () => {
    await run(20);
    expect(await firingNames()).toEqual(['clarity-low', 'clarity-low-3', 'judge-errors-hour', 'judge-errors-run', 'traffic-high']);
    expect((await states())['clarity-low-3']).toMatchObject({ streak: 3 });
    expect(opsMessages().filter((m) => m.alert === 'clarity-low-3')).toHaveLength(1);
    const errors = opsMessages().find((m) => m.alert === 'judge-errors-hour')!;
    // Of the 60 safety verdicts on traces of the last hour, 20 failed.
    expect(errors).toMatchObject({ state: 'firing', scorer: 'safety', sample_size: 60 });
    expect(errors.value).toBeCloseTo(1 / 3, 6);
  });

  it('fires on a run that saw no trace and resolves what no longer holds, each change sent once', async () => {
    answers([4, 5], 'yes');
    await run(0);
    // No verdicts in the last run: the rules over it no longer hold. The last hour still has the errors and the traffic.
    expect(await firingNames()).toEqual(['judge-errors-hour', 'traffic-high', 'traffic-none']);
    const messages = opsMessages();
    expect(messages.find((m) => m.alert === 'traffic-none')).toMatchObject({ state: 'firing', value: 0, sample_size: 0 });
    for (const name of ['clarity-low', 'clarity-low-3']) {
      expect(messages.filter((m) => m.alert === name).map((m) => m.state)).toEqual(['firing', 'resolved']);
    }
    const chat = delivered('/chat').map((r) => JSON.parse(r.body).text as string);
    expect(chat).toHaveLength(2);
    expect(chat[1]).toContain('[RESOLVED] judge-errors-run');
    // Every state change reached its webhook exactly once (one 200 per delivery id).
    const ids = [...delivered('/ops'), ...delivered('/chat')].map((r) => r.headers['x-assay-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
