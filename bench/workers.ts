/**
 * `workers.scaling`: judge calls per second of one monitoring run with four worker processes,
 * against the same run with one worker, measured in the same bench run. The judge is the bottleneck
 * (the fake judge in a process of its own, fixed latency, no capacity limit) and each worker may
 * hold ASSAY_JUDGE_CONCURRENCY calls in flight, so the ideal is four times one worker; the aim is
 * at least 3.5×. The workers run compiled, as the Docker image runs them; their CPU (from /proc)
 * per judge call and the cores the four of them use together are in params, so the point where
 * the machine rather than the judge becomes the limit is visible.
 * The judge answers in 1 s, near a real judge model's latency: at 200 ms the four workers' database
 * round trips and CPU (about 5 ms per call) rather than the judge set the pace on a busy two-core
 * machine, which is the limit this figure is meant to make visible, not hide.
 * Run alone with `npx tsx bench/workers.ts`; BENCH_WORKERS_TRACES sets one worker's traces, and
 * BENCH_WORKERS_WAITS=1 prints what the run's database sessions were waiting on, sampled.
 */
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { createContext, type AppContext } from '../src/services/context.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { BullmqQueue } from '../src/queue/bullmq-queue.ts';
import { putMonitor } from '../src/services/monitor-config.ts';
import { startRunNow } from '../src/services/monitor-runs.ts';
import { createTestDatabase, REDIS_URL, testQueuePrefix } from '../test/support/database.ts';
import { compiledIsFresh, freePort, ROOT, spawnAssay, type AssayProcess } from '../test/support/spawn-assay.ts';
import { ingestSamples, newExperiment, waitForRun } from '../test/support/monitor.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { startRemoteFakeJudge, type RemoteFakeJudge } from './remote-fake-judge.ts';
import { round, type BenchResult } from './result.ts';

const LATENCY_MS = 1000;
/** Judge calls each worker holds in flight (ASSAY_JUDGE_CONCURRENCY). */
const CONCURRENCY = 16;
const TRACES_ONE = Number(process.env.BENCH_WORKERS_TRACES ?? 800);
const MANY = 4;
/** /proc/<pid>/stat counts CPU in clock ticks. */
const TICKS_PER_S = 100;

interface Measure {
  /** Mean judge calls in flight during the run, sampled. */
  meanInFlight: number;
  calls: number;
  seconds: number;
  perSecond: number;
  cpuSeconds: number;
}

export async function run(): Promise<BenchResult[]> {
  const database = await createTestDatabase('postgres');
  const prefix = testQueuePrefix();
  const config = loadConfig({ ASSAY_LOG_LEVEL: 'silent', REDIS_URL, ASSAY_QUEUE_PREFIX: prefix, ASSAY_OFFLINE_JUDGE: 'true' });
  const queue = new BullmqQueue(REDIS_URL, prefix, silentLogger);
  const ctx = createContext({ config, db: database.db, dbKind: 'postgres', queue, log: silentLogger });
  const judge = await startRemoteFakeJudge(LATENCY_MS);
  try {
    if (!compiledIsFresh()) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    const env = {
      DATABASE_URL: database.url!,
      REDIS_URL,
      ASSAY_QUEUE_PREFIX: prefix,
      ASSAY_JUDGE_BASE_URL: `${judge.url}/v1`,
      ASSAY_JUDGE_API_KEY: 'bench',
      ASSAY_JUDGE_CONCURRENCY: String(CONCURRENCY),
      // Small chunks, two at a time: the last chunks of a run end close together on every worker.
      ASSAY_WORKER_CONCURRENCY: '2',
      ASSAY_MONITOR_CHUNK_SIZE: '25',
      ASSAY_LOG_LEVEL: 'warn',
    };
    const one = await measure(ctx, judge, env, 1, TRACES_ONE);
    console.error(`bench/workers: 1 worker ${round(one.perSecond, 1)} calls/s, ${round(one.meanInFlight, 1)} in flight`);
    const many = await measure(ctx, judge, env, MANY, TRACES_ONE * MANY);
    console.error(`bench/workers: ${MANY} workers ${round(many.perSecond, 1)} calls/s, ${round(many.meanInFlight, 1)} in flight`);
    const ideal = CONCURRENCY / (LATENCY_MS / 1000);
    return [
      {
        name: 'workers.scaling',
        value: round(many.perSecond, 1),
        unit: 'calls/s',
        baseline: round(one.perSecond, 1),
        ratio: round(many.perSecond / one.perSecond),
        aim: '>= 3.5',
        params: {
          workers: MANY,
          latency_ms: LATENCY_MS,
          judge_concurrency_per_worker: CONCURRENCY,
          ideal_per_worker: ideal,
          one_worker: { traces: TRACES_ONE, calls: one.calls, seconds: round(one.seconds, 1), cpu_ms_per_call: round((one.cpuSeconds * 1000) / one.calls, 2), mean_in_flight: round(one.meanInFlight, 1) },
          many_workers: {
            traces: TRACES_ONE * MANY,
            calls: many.calls,
            seconds: round(many.seconds, 1),
            cpu_ms_per_call: round((many.cpuSeconds * 1000) / many.calls, 2),
            cores_used: round(many.cpuSeconds / many.seconds, 2),
            mean_in_flight: round(many.meanInFlight, 1),
          },
          peak_in_flight: await judge.peak(),
        },
      },
    ];
  } finally {
    await judge.close();
    await queue.obliterate().catch(() => {});
    await queue.close();
    await database.drop();
  }
}

/** One run over `traces` new traces with `count` workers started and ready beforehand. */
async function measure(ctx: AppContext, judge: RemoteFakeJudge, env: Record<string, string>, count: number, traces: number): Promise<Measure> {
  const id = await newExperiment(ctx);
  await putMonitor(ctx, id, { results_schema: 'bench', scorers: [{ name: 'safety' }] }, { ifMatch: undefined, user: 'bench' });
  await ingestSamples(ctx, id, traces, { seed: `bench-workers-${count}` });
  const workers: AssayProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      workers.push(spawnAssay(['worker'], { ...env, ASSAY_METRICS_PORT: String(port) }, 'dist/src/cli/main.js'));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, { what: 'a worker to be ready', timeoutMs: 120_000, intervalMs: 100 });
    }
    const cpuBefore = workers.map((w) => cpuTicks(w.child.pid));
    const inFlight: number[] = [];
    const waits = new Map<string, number>();
    const sampler = setInterval(() => {
      void judge.stats().then((s) => inFlight.push(s.inFlight));
      void sql<{ w: string; q: string }>`select coalesce(wait_event_type || ':' || wait_event, state) as w, left(query, 60) as q from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`
        .execute(ctx.db)
        .then(({ rows }) => rows.forEach((r) => waits.set(`${r.w} ${r.q}`, (waits.get(`${r.w} ${r.q}`) ?? 0) + 1)));
    }, 250);
    const started = performance.now();
    const run = await startRunNow(ctx, id);
    const done = await waitForRun(ctx, run.run_id, 30 * 60_000).finally(() => clearInterval(sampler));
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = workers.reduce((a, w, i) => a + (cpuTicks(w.child.pid) - cpuBefore[i]!), 0) / TICKS_PER_S;
    const calls = done.counts.judge_calls ?? 0;
    if (process.env.BENCH_WORKERS_WAITS) console.error([...waits].sort((a, b) => b[1] - a[1]).slice(0, 15));
    const meanInFlight = inFlight.reduce((a, n) => a + n, 0) / Math.max(1, inFlight.length);
    return { calls, seconds, perSecond: calls / seconds, cpuSeconds, meanInFlight };
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
  }
}

/** User + system CPU of a process so far, in clock ticks. */
function cpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  // The command name may hold spaces: the fields after it start past its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  console.table(results.map(({ params: _p, ...r }) => r));
  console.log(JSON.stringify(results[0]?.params, null, 2));
}
