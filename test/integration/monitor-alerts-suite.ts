/**
 * Alert rules end to end: the fake judge turns to "no", a pass-rate rule fires once after its
 * number of evaluations and reaches a real local webhook receiver signed, with an idempotency key,
 * in both formats; it resolves once; a receiver failing twice still gets one state change (with
 * the same key on every try); a small sample below the threshold does not fire.
 *
 * One test file per queue (monitor-alerts.test.ts on BullMQ, monitor-alerts-in-process.test.ts on
 * the in-process queue), so the two run side by side.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { schedulerTick } from '../../src/services/monitor-scheduler.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, ingestSamples, newExperiment, startMonitorRun } from '../support/monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const SECRET = 'test-webhook-secret';

/** The alert tests on one queue implementation. */
export function monitorAlerts(queue: 'bullmq' | 'in-process'): void {
  describe(`monitor alerts on the ${queue} queue`, () => {
    let t: TestApp;
    let judge: FakeJudge;
    let receiver: WebhookReceiver;
    let admin: Record<string, string>;
    let experimentId: string;
    let batch = 0;
    const monitorName = `alerts-${queue}-${Date.now()}`;

    beforeAll(async () => {
      process.env.ASSAY_WEBHOOK_SECRET_OPS = SECRET;
      judge = await startFakeJudge();
      receiver = await startWebhookReceiver();
      t = await startTestApp({
        queue,
        env: appEnv(),
      });
      await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
      admin = await t.tokenHeaders('admin');
      experimentId = await newExperiment(t.ctx, monitorName);
      // One trace in twenty: a rate measured on one or two verdicts.
      await configureMonitor(t, experimentId, {
        results_schema: 'monitoring',
        scorers: [
          { name: 'safety' },
          
          { name: 'safety_rare', type: 'safety', filter_string: "tags.sample_kind = 'no_retrieval'" },
        ],
        alerts: [
          { name: 'safety-drop', scorer: 'safety', metric: 'pass_rate', op: '<', threshold: 0.9, window: { runs: 1 }, for_evaluations: 2, webhooks: ['ops', 'chat'] },
          { name: 'rare-drop', scorer: 'safety_rare', metric: 'pass_rate', op: '<', threshold: 0.6, window: { runs: 2 }, webhooks: ['ops'] },
        ],
        webhooks: [
          { name: 'ops', url: `${receiver.url}/ops`, format: 'generic', secret_env: 'ASSAY_WEBHOOK_SECRET_OPS' },
          { name: 'chat', url: `${receiver.url}/chat`, format: 'slack' },
        ],
      }, admin);
    });

    const appEnv = () => ({
      ASSAY_OFFLINE_JUDGE: 'false',
      ASSAY_JUDGE_BASE_URL: judge.url,
      ASSAY_JUDGE_API_KEY: 'k',
      ASSAY_OUTBOUND_ALLOW: receiver.origin,
      ASSAY_WEBHOOK_BACKOFF_MS: '50',
      ASSAY_PUBLIC_URL: 'https://assay.example.com',
    });

    afterAll(async () => {
      await t?.close();
      await judge?.close();
      await receiver?.close();
      delete process.env.ASSAY_WEBHOOK_SECRET_OPS;
    });

    const verdict = (result: 'yes' | 'no') => judge.setAnswer('safety', { rationale: `fake judge says ${result}`, result });

    async function runWith(result: 'yes' | 'no'): Promise<string> {
      verdict(result);
      batch += 1;
      await ingestSamples(t.ctx, experimentId, 20, { seed: `alerts-${batch}` });
      const runId = await startMonitorRun(t, admin, experimentId);
      await waitFor(async () => (await t.database.db.selectFrom('assay.monitor_alert').select('last_run_id').where('name', '=', 'safety-drop').executeTakeFirst())?.last_run_id === runId || undefined, { what: 'alert evaluation' });
      return runId;
    }

    const alerts = async () => {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as {
        alerts: Array<{ name: string; state: string; value: number | null; interval: number[] | null; sample_size: number; streak: number }>;
        history: Array<{ alert: string; state: string; deliveries: Array<{ webhook: string; status: string; attempts: number; delivery_id: string }> }>;
      };
    };
    const stateOf = async (name: string) => (await alerts()).alerts.find((a) => a.name === name)!;
    const settled = () => waitFor(async () => {
      const pending = await t.database.db.selectFrom('assay.alert_delivery').select('delivery_id').where('status', '=', 'pending').execute();
      return pending.length === 0 || undefined;
    }, { what: 'deliveries settled' });

    it('stays quiet while the judge says yes', async () => {
      await runWith('yes');
      expect(await stateOf('safety-drop')).toMatchObject({ state: 'ok', value: 1, sample_size: 20, streak: 0 });
      expect(receiver.received).toHaveLength(0);
    });

    it('fires once, after two evaluations below the threshold, signed, in both formats', async () => {
      await runWith('no');
      expect(await stateOf('safety-drop')).toMatchObject({ state: 'ok', value: 0, streak: 1 });
      expect(receiver.received).toHaveLength(0);

      await runWith('no');
      await settled();
      const firing = await stateOf('safety-drop');
      expect(firing).toMatchObject({ state: 'firing', value: 0, sample_size: 20, streak: 2 });
      expect(firing.interval![1]).toBeLessThan(0.9);

      const ops = receiver.received.filter((r) => r.path === '/ops');
      const chat = receiver.received.filter((r) => r.path === '/chat');
      expect(ops).toHaveLength(1);
      expect(chat).toHaveLength(1);
      const hook = ops[0]!;
      const expected = `sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`;
      expect(hook.headers['x-assay-signature']).toBe(expected);
      expect(hook.headers['x-assay-delivery']).toMatch(/^ad-[0-9a-f]{32}$/);
      const body = JSON.parse(hook.body);
      expect(body).toMatchObject({
        alert: 'safety-drop',
        state: 'firing',
        monitor: monitorName,
        experiment_id: experimentId,
        scorer: 'safety',
        value: 0,
        sample_size: 20,
        threshold: 0.9,
      });
      expect(body.interval[0]).toBe(0);
      expect(body.interval[1]).toBeCloseTo(0.1611, 3);
      expect(body.traces_url).toContain('https://assay.example.com/traces?');
      expect(new URL(body.traces_url).searchParams.get('filter')).toBe("feedback.safety = 'no'");
      expect(JSON.stringify(hook.headers)).not.toContain(SECRET);

      const slack = JSON.parse(chat[0]!.body);
      expect(slack.text).toContain('[FIRING] safety-drop');
      expect(slack.text).toContain('n = 20');
      // The Slack message names the monitor, the scorer, the value with its interval, the threshold, and links the failing traces.
      expect(slack.text).toContain(`safety-drop: safety pass rate 0 (95% interval 0–0.161, n = 20), threshold < 0.9 over the last run — experiment ${monitorName} (${experimentId})`);
      expect(slack.text).toContain(`<${body.traces_url}|Traces>`);
      expect(chat[0]!.headers['x-assay-signature']).toBeUndefined();

      // Still below on the next run: no second message.
      await runWith('no');
      await settled();
      expect(receiver.received.filter((r) => r.path === '/ops')).toHaveLength(1);
    });

    it('does not fire on a small sample below the threshold', async () => {
      const rare = await stateOf('rare-drop');
      expect(rare.value).toBe(0);
      expect(rare.sample_size).toBeLessThanOrEqual(2);
      expect(rare.interval![1]).toBeGreaterThan(0.6);
      expect(rare.state).toBe('ok');
    });

    it('resolves once when the judge says yes again', async () => {
      await runWith('yes');
      await settled();
      expect(await stateOf('safety-drop')).toMatchObject({ state: 'ok', value: 1 });
      const resolved = receiver.received.filter((r) => r.path === '/ops' && JSON.parse(r.body).state === 'resolved');
      expect(resolved).toHaveLength(1);
      await runWith('yes');
      await settled();
      expect(receiver.received.filter((r) => r.path === '/ops' && JSON.parse(r.body).state === 'resolved')).toHaveLength(1);
    });

    it('retries a failing receiver with the same idempotency key and delivers once', async () => {
      const before = receiver.received.length;
      receiver.failNext('/ops', 2);
      await runWith('no');
      await runWith('no');
      await settled();
      const tries = receiver.received.slice(before).filter((r) => r.path === '/ops');
      expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(new Set(tries.map((r) => r.headers['x-assay-delivery'])).size).toBe(1);
      expect(new Set(tries.map((r) => r.body)).size).toBe(1);
      const { history } = await alerts();
      const latest = history.find((h) => h.alert === 'safety-drop')!;
      expect(latest.state).toBe('firing');
      expect(latest.deliveries.find((d) => d.webhook === 'ops')).toMatchObject({ status: 'delivered', attempts: 3 });
      expect(history.filter((h) => h.alert === 'safety-drop').map((h) => h.state)).toEqual(['firing', 'resolved', 'firing']);
    });

    it('evaluates a run whose alert job was lost with the queue, from the scheduler', async () => {
      const runId = await runWith('no');
      // As if the process died right after the run finished: no rule has seen the run.
      await t.database.db.updateTable('assay.monitor_alert').set({ last_run_id: null }).where('experiment_id', '=', Number(experimentId)).execute();
      await sql`update assay.monitor_run set finished_at = finished_at - interval '2 minutes' where experiment_id = ${Number(experimentId)}`.execute(t.database.db);
      await sql`update assay.monitor set next_due_at = now() + interval '1 day' where experiment_id = ${Number(experimentId)}`.execute(t.database.db);
      const restarted = await startTestApp({ queue, reuseDatabase: t.database, env: appEnv() });
      try {
        await restarted.ctx.queue.startWorker(jobHandlers(restarted.ctx), { concurrency: 2 });
        await schedulerTick(restarted.ctx);
        await waitFor(async () => (await t.database.db.selectFrom('assay.monitor_alert').select('last_run_id').where('name', '=', 'safety-drop').executeTakeFirst())?.last_run_id === runId || undefined, { what: 'the lost evaluation' });
      } finally {
        await restarted.close();
      }
    });
  });
}
