/** A real Assay (API, console, workers, Postgres) listening on a free port, with a fake judge. */
import { execFileSync } from 'node:child_process';
import type { Loose } from '../support/evaluation.ts';
import { webConsoleDir } from '../../src/api/web-console.ts';
import { ROOT } from '../support/spawn-assay.ts';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';

export interface ConsoleApp {
  t: TestApp;
  judge: FakeJudge;
  url: string;
  experimentId: string;
  traceIds: string[];
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Loose }>;
  close(): Promise<void>;
}

export interface ConsoleAppOptions {
  /** More settings for the app (ASSAY_* variables). */
  env?: Record<string, string>;
  /** Traces per ingest request: small under a small ASSAY_BODY_LIMIT_BYTES. Default: all in one. */
  ingestBatch?: number;
}

export async function startConsoleApp(traceCount = 40, options: ConsoleAppOptions = {}): Promise<ConsoleApp> {
  // `npm ci` builds the console; a checkout that skipped it builds it here.
  if (!webConsoleDir()) execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'ignore' });
  const judge = await startFakeJudge();
  const t = await startTestApp({
    db: 'postgres',
    env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'test-key', ASSAY_UI: 'true', ...options.env },
  });
  await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const call: ConsoleApp['call'] = async (method, path, body, headers = {}) => {
    const response = await t.app.inject({ method: method as 'GET', url: path, headers, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : null };
  };
  const experiment = await call('POST', '/api/v1/experiments', { name: 'support-bot' });
  const experimentId = experiment.body.experiment_id as string;
  const traces = sampleTraces(traceCount, { startMs: Date.now() - 30 * 60_000, seed: 'console' });
  const traceIds: string[] = [];
  const batch = options.ingestBatch ?? traces.length;
  for (let at = 0; at < traces.length; at += batch) {
    const ingested = await call('POST', `/api/v1/experiments/${experimentId}/traces`, { traces: traces.slice(at, at + batch) });
    if (ingested.status !== 200) throw new Error(`ingest failed: ${JSON.stringify(ingested.body)}`);
    traceIds.push(...(ingested.body.trace_ids as string[]));
  }
  return {
    t, judge, url, experimentId, traceIds, call,
    async close() {
      await t.close();
      await judge.close();
    },
  };
}
