/**
 * Webhook deliveries beyond the happy path, with a receiver of the test's own: a receiver that
 * answers a 4xx gets one try and the delivery is given up (recorded, the other webhooks still
 * served); a webhook whose secret is missing is never sent unsigned; a pass rate counts only
 * pass/fail verdicts; the signing secret is in no log line and no stored row; a delivery whose job was lost is
 * sent by the scheduler, once, under its id; the outbound policy is applied when sending, not only
 * when the monitor is saved; `assay monitor alerts` prints states and history; a rule taken out of
 * the monitor document no longer reports a state in /metrics.
 */
import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_ALERT_DELIVERY } from '../../src/queue/jobs.ts';
import { evaluateAlerts } from '../../src/services/alert-evaluate.ts';
import { schedulerTick } from '../../src/services/monitor-scheduler.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/app.ts';
import { configureMonitor, ingestSamples, newExperiment, putMonitor, startMonitorRun } from '../support/monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const exec = promisify(execFile);
const SECRET = 'delivery-secret-never-logged';
const SECRET_ENV = 'ASSAY_WEBHOOK_SECRET_DELIVERY_TEST';

interface Delivery {
  delivery_id: string;
  webhook: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}
interface History {
  event_id: string;
  alert: string;
  state: string;
  deliveries: Delivery[];
}

describe('webhook deliveries', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let admin: Record<string, string>;
  let experimentId: string;
  let batch = 0;
  const runIds: string[] = [];
  const logLines: string[] = [];

  const env = (allow: string): TestAppOptions['env'] => ({ ASSAY_OUTBOUND_ALLOW: allow, ASSAY_WEBHOOK_BACKOFF_MS: '50', ASSAY_WEBHOOK_ATTEMPTS: '4' });
  // Every line the app logs at debug level, unredacted: whatever hides the secret must be the code.
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });

  const monitorDocument = (withRule: boolean) => ({
    results_schema: 'monitoring',
    // latency gives numbers (milliseconds): a pass rate of it has no verdicts to count.
    scorers: [{ name: 'safety' }, { name: 'latency' }],
    alerts: withRule ? [{ name: 'latency-pass', scorer: 'latency', metric: 'pass_rate', op: '<', threshold: 0.5, window: { runs: 1 } }, { name: 'traffic', metric: 'trace_count', op: '>', threshold: 0, window: { runs: 1 }, webhooks: ['ops', 'gone', 'unset'] }] : [],
    webhooks: [
      { name: 'ops', url: `${receiver.url}/ops`, format: 'generic', secret_env: SECRET_ENV },
      { name: 'gone', url: `${receiver.url}/gone`, format: 'slack' },
      // Names a variable this process does not have: never sent unsigned.
      { name: 'unset', url: `${receiver.url}/unset`, format: 'generic', secret_env: 'ASSAY_WEBHOOK_SECRET_NOT_SET_ANYWHERE' },
    ],
  });

  beforeAll(async () => {
    process.env[SECRET_ENV] = SECRET;
    receiver = await startWebhookReceiver();
    t = await startTestApp({ queue: 'in-process', log, env: env(receiver.origin) });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx, `alert-delivery-${Date.now()}`);
    await configureMonitor(t, experimentId, monitorDocument(true), admin);
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    delete process.env[SECRET_ENV];
  });

  /** One run on `app` over `traces` new traces, awaited until the rule has seen it. */
  async function runOn(app: TestApp, traces: number): Promise<string> {
    batch += 1;
    if (traces > 0) await ingestSamples(app.ctx, experimentId, traces, { seed: `alert-delivery-${batch}` });
    const runId = await startMonitorRun(app, admin, experimentId);
    runIds.push(runId);
    await waitFor(async () => (await t.database.db.selectFrom('assay.monitor_alert').select('last_run_id').where('name', '=', 'traffic').executeTakeFirst())?.last_run_id === runId || undefined, { what: 'alert evaluation' });
    return runId;
  }
  const settled = () => waitFor(async () => {
    const pending = await t.database.db.selectFrom('assay.alert_delivery').select('delivery_id').where('status', '=', 'pending').execute();
    return pending.length === 0 || undefined;
  }, { what: 'deliveries settled' });
  const history = async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { history: History[] }).history;
  };
  const firingGauge = async () => {
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const line = body.split('\n').find((l) => l.startsWith(`assay_monitor_alert_firing{experiment_id="${experimentId}",alert="traffic"}`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  it('tries a receiver that answers 404 once, gives the delivery up and still serves the other webhooks', async () => {
    receiver.failNext('/gone', 10, 404);
    await runOn(t, 5);
    await settled();
    const [change] = await history();
    expect(change).toMatchObject({ alert: 'traffic', state: 'firing' });
    const byHook = Object.fromEntries(change!.deliveries.map((d) => [d.webhook, d]));
    expect(byHook.gone).toMatchObject({ status: 'failed', attempts: 1, last_status: 404, last_error: 'HTTP 404' });
    expect(byHook.ops).toMatchObject({ status: 'delivered', attempts: 1 });
    // A webhook whose secret is missing is retried, then given up, and never sent unsigned.
    expect(byHook.unset).toMatchObject({ status: 'failed', attempts: 4, last_status: null });
    expect(byHook.unset!.last_error).toBe('secret_env: ASSAY_WEBHOOK_SECRET_NOT_SET_ANYWHERE is not set in this process\'s environment');
    expect(receiver.received.filter((r) => r.path === '/unset')).toHaveLength(0);
    expect(receiver.received.filter((r) => r.path === '/gone')).toHaveLength(1);
    const ops = receiver.received.filter((r) => r.path === '/ops');
    expect(ops).toHaveLength(1);
    expect(ops[0]!.headers['x-assay-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(ops[0]!.body).digest('hex')}`);
    expect(await firingGauge()).toBe(1);
  });

  it('counts only pass/fail verdicts in a pass rate: numbers are not passes', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin });
    const latency = (response.json() as { alerts: Array<{ name: string; state: string; value: number | null; sample_size: number | null; interval: number[] | null }> }).alerts.find((a) => a.name === 'latency-pass');
    const judged = await t.database.db.selectFrom('assay.assessment').select('trace_id').where('name', '=', 'latency').execute();
    expect(judged).toHaveLength(5);
    expect(latency).toMatchObject({ state: 'ok', value: null, sample_size: 0, interval: [0, 1] });
  });

  it('never logs or stores the signing secret', async () => {
    // The logs were captured: the delivery and the state change are in them.
    expect(logLines.some((l) => l.includes('alert delivered'))).toBe(true);
    expect(logLines.some((l) => l.includes('alert state changed'))).toBe(true);
    for (const line of logLines) expect(line).not.toContain(SECRET);
    const { rows } = await sql<{ row: string }>`
      select row_to_json(d)::text as row from assay.alert_delivery d
      union all select row_to_json(e)::text from assay.monitor_alert_event e
      union all select row_to_json(m)::text from assay.monitor m
      union all select row_to_json(a)::text from assay.monitor_alert a`.execute(t.database.db);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.some((r) => r.row.includes(SECRET_ENV))).toBe(true);
    for (const { row } of rows) expect(row).not.toContain(SECRET);
  });

  it('sends a delivery whose job was lost from the scheduler, once, under its id', async () => {
    // Another process takes the next run; its delivery jobs vanish as if the queue had lost them.
    const other = await startTestApp({ queue: 'in-process', reuseDatabase: t.database, env: env(receiver.origin) });
    try {
      await other.ctx.queue.startWorker({ ...jobHandlers(other.ctx), [JOB_ALERT_DELIVERY]: async () => {} }, { concurrency: 4 });
      await runOn(other, 0);
    } finally {
      await other.close();
    }
    const [resolved] = await history();
    expect(resolved).toMatchObject({ alert: 'traffic', state: 'resolved' });
    const lost = resolved!.deliveries.find((d) => d.webhook === 'ops')!;
    expect(lost).toMatchObject({ status: 'pending', attempts: 0 });
    const before = receiver.received.length;

    // Ten minutes on, the scheduler sends it again; nothing else is due.
    await sql`update assay.alert_delivery set created_at = created_at - interval '11 minutes' where event_id = ${resolved!.event_id}`.execute(t.database.db);
    await sql`update assay.monitor set next_due_at = now() + interval '1 day' where experiment_id = ${Number(experimentId)}`.execute(t.database.db);
    await schedulerTick(t.ctx);
    await settled();
    const sent = receiver.received.slice(before).filter((r) => r.path === '/ops');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers['x-assay-delivery']).toBe(lost.delivery_id);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ alert: 'traffic', state: 'resolved', delivery_id: lost.delivery_id });
    await schedulerTick(t.ctx);
    await settled();
    expect(receiver.received.slice(before).filter((r) => r.path === '/ops')).toHaveLength(1);
  });

  it('changes nothing when an older run is evaluated late (a retried or re-sent evaluation job)', async () => {
    const view = async () => {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/alerts`, headers: admin });
      return response.json() as { alerts: Array<{ name: string; last_run_id: string; last_evaluated_at: string; streak: number; state: string }>; history: unknown[] };
    };
    const before = await view();
    expect(before.alerts.find((a) => a.name === 'traffic')).toMatchObject({ state: 'ok', last_run_id: runIds[1] });
    // The first run's job runs again after the second run was evaluated: it would measure the
    // window as it is now and count it as a further evaluation.
    expect(await evaluateAlerts(t.ctx, runIds[0]!)).toEqual([]);
    expect(await view()).toEqual(before);
  });

  it('applies the outbound policy when sending: an origin no longer allowed gets nothing', async () => {
    const before = receiver.received.length;
    const restricted = await startTestApp({ queue: 'in-process', reuseDatabase: t.database, env: env('http://127.0.0.1:9') });
    try {
      await restricted.ctx.queue.startWorker(jobHandlers(restricted.ctx), { concurrency: 4 });
      await runOn(restricted, 3);
      await settled();
    } finally {
      await restricted.close();
    }
    const [firing] = await history();
    expect(firing).toMatchObject({ alert: 'traffic', state: 'firing' });
    for (const d of firing!.deliveries.filter((x) => x.webhook !== 'unset')) {
      // Refused by policy: permanent, so one try and given up.
      expect(d).toMatchObject({ status: 'failed', attempts: 1, last_status: null });
      expect(d.last_error).toContain('ASSAY_OUTBOUND_ALLOW');
    }
    expect(receiver.received.length).toBe(before);
  });

  it('prints states and history with assay monitor alerts', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const token = (await t.tokenHeaders('reader', 'alerts-cli')).authorization!.slice('Bearer '.length);
    const cliEnv = { ...process.env, ASSAY_URL: address, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' };
    const { stdout } = await exec(process.execPath, ['bin/assay.mjs', 'monitor', 'alerts', experimentId], { env: cliEnv, cwd: process.cwd() });
    const table = stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(table).toMatch(/│ traffic +│ firing +│ [0-9T:.-]+Z +│ trace_count > 0 +│ 3 +│/);
    expect(table.split('\n').filter((l) => l.includes('│ resolved '))).toHaveLength(1);
    expect(table).toContain('gone failed (1), ops delivered (1), unset failed (4)');
    expect(table).toContain('gone failed (1), ops failed (1), unset failed (4)');
    const json = await exec(process.execPath, ['bin/assay.mjs', 'monitor', 'alerts', experimentId, '--json'], { env: cliEnv, cwd: process.cwd() });
    expect(JSON.parse(json.stdout).history.map((h: History) => h.state)).toEqual(['firing', 'resolved', 'firing']);
  });

  it('drops the state of a rule taken out of the monitor document from /metrics', async () => {
    await waitFor(async () => (await firingGauge()) === 1 || undefined, { what: 'the firing gauge' });
    const put = await putMonitor(t, experimentId, monitorDocument(false), admin);
    expect(put.statusCode, put.body).toBe(200);
    const runId = await startMonitorRun(t, admin, experimentId);
    // The run's own alert job does the same; evaluating here makes the order certain.
    await evaluateAlerts(t.ctx, runId);
    expect(await firingGauge()).toBeUndefined();
  });
});
