/**
 * `monitor.budget`: what a judge budget costs a monitoring run. The same run (1,000 new traces, one
 * judge, the fake judge at 20 ms and 32 concurrent) on a monitor with a budget large enough never to
 * defer — so every judge call first reserves its place in Postgres — against a monitor without one,
 * measured alternately in the same process. The ratio is the time with the budget ÷ the time without.
 * Sizes from BENCH_BUDGET_TRACES and BENCH_BUDGET_ROUNDS.
 */
import { loadConfig } from '../config/index.ts';
import { createContext, type AppContext } from '../src/services/context.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { InProcessQueue } from '../src/queue/in-process-queue.ts';
import { putMonitor } from '../src/services/monitor-config.ts';
import { startRunNow } from '../src/services/monitor-runs.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { ingestSamples, newExperiment, waitForRun } from '../test/support/monitor.ts';
import { jobHandlers } from '../workers/index.ts';
import { startRemoteFakeJudge } from './remote-fake-judge.ts';
import { median, round, type BenchResult } from './result.ts';

const TRACES = Number(process.env.BENCH_BUDGET_TRACES ?? 1_000);
const ROUNDS = Number(process.env.BENCH_BUDGET_ROUNDS ?? 3);
const LATENCY_MS = 20;
const CONCURRENCY = 32;

export async function run(): Promise<BenchResult[]> {
  const database = await createTestDatabase('postgres');
  const judge = await startRemoteFakeJudge(LATENCY_MS);
  const queue = new InProcessQueue(silentLogger);
  const config = loadConfig({
    ASSAY_LOG_LEVEL: 'silent',
    ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`,
    ASSAY_JUDGE_API_KEY: 'bench',
    ASSAY_JUDGE_CONCURRENCY: String(CONCURRENCY),
    ASSAY_MONITOR_CHUNK_SIZE: '250',
  });
  const ctx = createContext({ config, db: database.db, dbKind: 'postgres', queue, log: silentLogger });
  await queue.startWorker(jobHandlers(ctx), { concurrency: 4 });
  try {
    const plain = await monitored(ctx, undefined);
    const budgeted = await monitored(ctx, { max_judge_calls: 1_000_000_000, max_tokens: 1_000_000_000_000 });
    const timeRun = async (id: string, round_: number) => {
      await ingestSamples(ctx, id, TRACES, { seed: `bench-budget-${id}-${round_}` });
      const started = performance.now();
      const run_ = await startRunNow(ctx, id);
      const done = await waitForRun(ctx, run_.run_id, 30 * 60_000);
      if ((done.counts.judge_calls ?? 0) !== TRACES) throw new Error(`expected ${TRACES} judge calls, got ${done.counts.judge_calls}`);
      return (performance.now() - started) / 1000;
    };
    const without: number[] = [];
    const withBudget: number[] = [];
    // A warm-up pair, not counted, then alternating rounds so drift hits both alike.
    await timeRun(plain, -1);
    await timeRun(budgeted, -1);
    for (let r = 0; r < ROUNDS; r += 1) {
      without.push(await timeRun(plain, r));
      withBudget.push(await timeRun(budgeted, r));
    }
    const a = median(withBudget);
    const b = median(without);
    return [{
      name: 'monitor.budget',
      value: round(a, 2),
      unit: 's',
      baseline: round(b, 2),
      ratio: round(a / b),
      aim: '<= 1.1',
      params: { traces: TRACES, rounds: ROUNDS, latency_ms: LATENCY_MS, concurrency: CONCURRENCY, with_budget_s: withBudget.map((x) => round(x, 2)), without_s: without.map((x) => round(x, 2)) },
    }];
  } finally {
    await queue.close();
    await judge.close();
    await database.drop();
  }
}

async function monitored(ctx: AppContext, budget: Record<string, number> | undefined): Promise<string> {
  const id = await newExperiment(ctx);
  await putMonitor(ctx, id, { results_schema: 'bench', scorers: [{ name: 'safety' }], ...(budget ? { budget } : {}) }, { ifMatch: undefined, user: 'bench' });
  return id;
}
