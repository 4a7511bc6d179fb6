/**
 * Production layout, one process per role (API, worker, scheduler) over Postgres and Redis: after a
 * monitoring run the worker's own /metrics holds the judge and run figures, and they agree with what
 * the judge saw and with the rows stored. The scheduler answers /healthz, /readyz and /metrics too.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSampled } from '../../src/domain/sampling.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { BullmqQueue } from '../../src/queue/bullmq-queue.ts';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { createTestDatabase, REDIS_URL, testQueuePrefix, type TestDatabase } from '../support/database.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { parseMetrics, sumOf, type Sample } from '../support/prometheus.ts';
import { freePort, PACKAGE_VERSION, spawnAssay, type AssayProcess } from '../support/spawn-assay.ts';
import { waitFor } from '../support/wait-for.ts';

const N = 240;
/** The queue prefixes the spawned processes use: their jobs go from Redis with the test. */
const prefixes = [testQueuePrefix(), testQueuePrefix()];

describe('metrics from every role', () => {
  let database: TestDatabase;
  let judge: FakeJudge;
  let sql: pg.Client;
  const children: AssayProcess[] = [];
  const ports = { api: 0, worker: 0, scheduler: 0 };
  const api = (path: string) => `http://127.0.0.1:${ports.api}${path}`;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    judge = await startFakeJudge({ latencyMs: 5 });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    ports.api = await freePort();
    ports.worker = await freePort();
    ports.scheduler = await freePort();
    const env = {
      DATABASE_URL: database.url!,
      REDIS_URL,
      ASSAY_QUEUE_PREFIX: prefixes[0]!,
      ASSAY_PORT: String(ports.api),
      ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`,
      ASSAY_JUDGE_API_KEY: 'test-key',
      ASSAY_MONITOR_CHUNK_SIZE: '50',
      ASSAY_SCHEDULER_CRON: '* * * * * *',
      ASSAY_LOG_LEVEL: 'warn',
      ASSAY_UI: 'false',
      ASSAY_OTLP_GRPC_PORT: 'off',
    };
    children.push(spawnAssay(['api'], env));
    children.push(spawnAssay(['worker'], { ...env, ASSAY_METRICS_PORT: String(ports.worker) }));
    children.push(spawnAssay(['scheduler'], { ...env, ASSAY_METRICS_PORT: `127.0.0.1:${ports.scheduler}` }));
    for (const url of [api('/readyz'), `http://127.0.0.1:${ports.worker}/readyz`, `http://127.0.0.1:${ports.scheduler}/readyz`]) {
      await waitFor(async () => (await fetch(url)).ok, { what: url, timeoutMs: 60_000, intervalMs: 200 }).catch((error: Error) => {
        throw new Error(`${error.message}\n${children.map((c) => c.stderr() + c.stdout()).join('\n')}`);
      });
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of children) c.child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    for (const prefix of prefixes) {
      const queue = new BullmqQueue(REDIS_URL, prefix, silentLogger);
      await queue.obliterate().catch(() => {});
      await queue.close();
    }
    await sql?.end();
    await judge?.close();
    await database?.drop();
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(api(path), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    expect(response.ok, JSON.stringify(json)).toBe(true);
    return json;
  }

  const scrape = async (port: number): Promise<Sample[]> => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return parseMetrics(await response.text());
  };

  it('a run scheduled by the scheduler and judged by the worker shows in the worker /metrics', async () => {
    const { experiment_id: id } = await call('POST', '/api/v1/experiments', { name: 'role-metrics' });
    const monitor = { results_schema: 'role_metrics', paused: true, scorers: [{ name: 'safety' }, { name: 'relevance_to_query', sample_rate: 0.5 }] };
    await call('PUT', `/api/v1/experiments/${id}/monitor`, monitor);
    const traceIds: string[] = [];
    for (let from = 0; from < N; from += 120) {
      const answer = await call('POST', `/api/v1/experiments/${id}/traces`, { traces: sampleTraces(120, { from, seed: 'role-metrics' }) });
      traceIds.push(...answer.trace_ids);
    }
    // Un-pausing makes the monitor due now: the scheduler process enqueues the run, the worker runs it.
    await call('PUT', `/api/v1/experiments/${id}/monitor`, { ...monitor, paused: false });
    const run = await waitFor(
      async () => {
        const { runs } = await call('GET', `/api/v1/experiments/${id}/monitor/runs`);
        return runs.find((r: { status: string; traces_seen: number }) => r.status === 'succeeded' && r.traces_seen > 0);
      },
      { what: 'the scheduled run', timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(run).toMatchObject({ kind: 'scheduled', traces_seen: N, traces_copied: N });

    const { rows: stored } = await sql.query<{ name: string; n: number; input: number; output: number }>(
      `select name, count(*)::int as n,
              sum((metadata->>'assay.judge.input_tokens')::int)::int as input,
              sum((metadata->>'assay.judge.output_tokens')::int)::int as output
         from assay.assessment where kind = 'feedback' group by name order by name`,
    );
    const byName = Object.fromEntries(stored.map((r) => [r.name, r]));
    const pairs = N + traceIds.filter((t) => isSampled(t, 0.5)).length;
    expect(byName.safety?.n).toBe(N);
    expect(byName.safety!.n + byName.relevance_to_query!.n).toBe(pairs);
    const copied = await sql.query(`select count(*)::int as n from role_metrics.trace_logs_${id}`);

    const worker = await scrape(ports.worker);
    // Judge: one request per stored feedback, as the judge itself counted, with their tokens.
    expect(judge.calls.length).toBe(pairs);
    expect(sumOf(worker, 'assay_judge_requests_total')).toBe(judge.calls.length);
    expect(sumOf(worker, 'assay_judge_requests_total', { outcome: 'ok' })).toBe(judge.calls.length);
    expect(sumOf(worker, 'assay_judge_request_duration_seconds_count')).toBe(judge.calls.length);
    expect(sumOf(worker, 'assay_judge_tokens_total', { direction: 'input' })).toBe(byName.safety!.input + byName.relevance_to_query!.input);
    expect(sumOf(worker, 'assay_judge_tokens_total', { direction: 'output' })).toBe(byName.safety!.output + byName.relevance_to_query!.output);
    // Run figures: scorer outcomes, the run, the copies and the feedback lag of every pair.
    expect(sumOf(worker, 'assay_monitor_scorer_calls_total', { scorer: 'safety', outcome: 'ok' })).toBe(byName.safety!.n);
    expect(sumOf(worker, 'assay_monitor_scorer_calls_total', { scorer: 'relevance_to_query', outcome: 'ok' })).toBe(byName.relevance_to_query!.n);
    expect(sumOf(worker, 'assay_monitor_scorer_calls_total', { outcome: 'error' })).toBe(0);
    expect(sumOf(worker, 'assay_monitor_runs_total', { kind: 'scheduled', status: 'succeeded' })).toBe(1);
    expect(sumOf(worker, 'assay_monitor_traces_copied_total')).toBe(copied.rows[0].n);
    expect(sumOf(worker, 'assay_monitor_feedback_lag_seconds_count')).toBe(pairs);
    expect(sumOf(worker, 'assay_monitor_feedback_lag_seconds_sum')).toBeGreaterThan(0);
    expect(sumOf(worker, 'assay_monitor_chunk_duration_seconds_count')).toBe(Math.ceil(N / 50));
    expect(sumOf(worker, 'assay_jobs_processed_total', { job: 'monitor.chunk', outcome: 'succeeded' })).toBe(Math.ceil(N / 50));
    expect(worker.some((s) => s.name === 'assay_process_resident_memory_bytes')).toBe(true);

    // The API keeps its own registry on its own port: ingest is counted there, judging is not.
    const apiMetrics = parseMetrics(await (await fetch(api('/metrics'))).text());
    expect(sumOf(apiMetrics, 'assay_traces_ingested_total', { protocol: 'rest' })).toBe(N);
    expect(sumOf(apiMetrics, 'assay_judge_requests_total')).toBe(0);
  });

  it('every role says which Assay and Node.js it runs, for a scrape across a rolling upgrade', async () => {
    expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    for (const port of [ports.api, ports.worker, ports.scheduler]) {
      const info = (await scrape(port)).filter((s) => s.name === 'assay_build_info');
      expect(info).toEqual([{ name: 'assay_build_info', labels: { version: PACKAGE_VERSION, nodejs: process.version }, value: 1 }]);
    }
  });

  it('the scheduler answers /healthz, /readyz and /metrics, and nothing else', async () => {
    const base = `http://127.0.0.1:${ports.scheduler}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', database: 'postgres', queue: 'bullmq' });
    const metrics = await scrape(ports.scheduler);
    expect(metrics.some((s) => s.name === 'assay_queue_jobs')).toBe(true);
    const missing = await fetch(`${base}/api/v1/experiments`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).message).toMatch(/path/);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('refuses to start a worker whose metrics port is taken, naming ASSAY_METRICS_PORT', async () => {
    const taken = spawnAssay(['worker'], {
      DATABASE_URL: database.url!,
      REDIS_URL,
      ASSAY_QUEUE_PREFIX: prefixes[1]!,
      ASSAY_METRICS_PORT: String(ports.worker),
      ASSAY_LOG_LEVEL: 'warn',
    });
    expect(await taken.exited).not.toBe(0);
    expect(taken.stdout() + taken.stderr()).toMatch(/ASSAY_METRICS_PORT: 127\.0\.0\.1:\d+ is already in use/);
  });
});
