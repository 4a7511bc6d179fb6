/**
 * `evaluate.throughput`: rows/s of an evaluation run over 2,000 rows (BENCH_EVAL_ROWS) with a fake
 * target answering in 200 ms and a fake judge in 100 ms (both in a child process), at concurrency
 * 32, beside the ideal from those latencies: each row calls the target, then its two default
 * judges side by side, so a row takes 300 ms at best and 32 rows in flight make 32 / 0.3 s.
 * Timed from the POST to the run's finish, on Postgres with the in-process queue.
 * Run alone with `npx tsx bench/evaluate.ts`.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { loadConfig } from '../config/index.ts';
import { createContext } from '../src/services/context.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { InProcessQueue } from '../src/queue/in-process-queue.ts';
import { createEvaluation, createEvaluationBody } from '../src/services/evaluation-create.ts';
import { findRun } from '../src/storage/evaluation-repository.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { jobHandlers } from '../workers/index.ts';
import { round, type BenchResult } from './result.ts';

const ROWS = Number(process.env.BENCH_EVAL_ROWS ?? 2000);
const TARGET_MS = 200;
const JUDGE_MS = 100;
const CONCURRENCY = 32;

interface Fakes {
  judgeUrl: string;
  targetUrl: string;
  stats(): Promise<{ targetCalls: number; judgeCalls: number; judgePeak: number }>;
  close(): Promise<void>;
}

async function startFakes(): Promise<Fakes> {
  const child = fork(fileURLToPath(new URL('./evaluate-fakes-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, FAKE_JUDGE_LATENCY_MS: String(JUDGE_MS), FAKE_TARGET_LATENCY_MS: String(TARGET_MS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [urls] = (await once(child, 'message')) as [{ judgeUrl: string; targetUrl: string }];
  return {
    ...urls,
    stats: async () => {
      child.send('stats');
      return ((await once(child, 'message')) as [{ targetCalls: number; judgeCalls: number; judgePeak: number }])[0];
    },
    close: async () => {
      child.send('close');
      await once(child, 'exit');
    },
  };
}

export async function run(): Promise<BenchResult[]> {
  const fakes = await startFakes();
  const database = await createTestDatabase('postgres');
  const config = loadConfig({
    ASSAY_LOG_LEVEL: 'silent',
    ASSAY_OFFLINE_JUDGE: 'false',
    ASSAY_JUDGE_BASE_URL: fakes.judgeUrl,
    ASSAY_JUDGE_API_KEY: 'bench',
    // The fake target listens on loopback: the outbound policy reaches it only when it is listed.
    ASSAY_OUTBOUND_ALLOW: new URL(fakes.targetUrl).origin,
    // Two judges per row, 32 rows: the judge client must not be the bottleneck being measured.
    ASSAY_JUDGE_CONCURRENCY: String(CONCURRENCY * 2),
  });
  const queue = new InProcessQueue(silentLogger);
  const ctx = createContext({ config, db: database.db, dbKind: 'postgres', queue, log: silentLogger });
  try {
    await queue.startWorker(jobHandlers(ctx), { concurrency: config.workerConcurrency });
    const records = Array.from({ length: ROWS }, (_, i) => ({ inputs: { question: `How long does shipping to region ${i} take?` } }));
    const body = createEvaluationBody.parse({ name: 'bench', data: { records }, target: { type: 'http', url: `${fakes.targetUrl}/answer` }, concurrency: CONCURRENCY });
    const cpu = process.cpuUsage();
    const started = performance.now();
    const created = await createEvaluation(ctx, body, 'bench');
    for (;;) {
      const current = await findRun(ctx.db, created.run_id);
      if (current?.status === 'succeeded') break;
      if (current?.status === 'failed') throw new Error(`bench run failed: ${current.error}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const stats = await fakes.stats();
    const raw = await rawPipeline(fakes, ROWS);
    const value = ROWS / seconds;
    const ideal = CONCURRENCY / ((TARGET_MS + JUDGE_MS) / 1000);
    return [
      {
        name: 'evaluate.throughput',
        value: round(value, 1),
        unit: 'rows/s',
        baseline: round(ideal, 1),
        ratio: round(value / ideal, 3),
        aim: '>= 0.8',
        params: {
          rows: ROWS,
          concurrency: CONCURRENCY,
          target_latency_ms: TARGET_MS,
          judge_latency_ms: JUDGE_MS,
          seconds: round(seconds, 2),
          target_calls: stats.targetCalls,
          judge_calls: stats.judgeCalls,
          judge_peak_concurrency: stats.judgePeak,
          cpu_ms_per_row: round((used.user + used.system) / 1000 / ROWS, 2),
          raw_fetch_rows_per_s: round(raw, 1),
          ratio_to_raw_fetch: round(value / raw, 3),
        },
      },
    ];
  } finally {
    await queue.close();
    await database.drop();
    await fakes.close();
  }
}

/**
 * The same work as bare HTTP calls, 32 rows at a time: the target, then two judge calls side by
 * side, no database. What this machine manages right now, beside the ideal.
 */
async function rawPipeline(fakes: Fakes, rows: number): Promise<number> {
  const judgeBody = (marker: string) =>
    JSON.stringify({ model: 'm', messages: [{ role: 'system', content: `[assay-judge: ${marker}]` }, { role: 'user', content: 'x' }] });
  const post = async (url: string, body: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.text();
  };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < rows) {
        await post(`${fakes.targetUrl}/answer`, JSON.stringify({ question: `raw ${next}` }));
        await Promise.all(['relevance_to_query', 'safety'].map((m) => post(`${fakes.judgeUrl}/chat/completions`, judgeBody(m))));
      }
    }),
  );
  return rows / ((performance.now() - started) / 1000);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  const table = new Table({ head: ['benchmark', 'value', 'unit', 'ideal', 'ratio', 'aim', 'seconds', 'cpu ms/row', 'raw fetch rows/s'] });
  for (const r of results) table.push([r.name, r.value, r.unit, r.baseline ?? '', r.ratio ?? '', r.aim, String(r.params.seconds), String(r.params.cpu_ms_per_row), String(r.params.raw_fetch_rows_per_s)]);
  console.log(table.toString());
  process.exit(0);
}
