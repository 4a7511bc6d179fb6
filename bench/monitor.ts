/**
 * Monitoring benchmarks, each beside a baseline measured in the same run:
 * - `monitor.judge`: judge calls/s during a 20,000-trace run (a worker process running four chunks
 *   at a time, logging at info as by default, up before the run starts as a daemon is; fake judge
 *   at 100 ms and 64 concurrent) vs the ideal 64 ÷ the latency the fake really gave during the run
 *   (arrival to answer, as it measures it: on a loaded machine its timers fire late); the nominal
 *   ideal 64 / 0.1 s, the ratio to it and the mean number of calls in flight stay in params;
 * - `monitor.copy`: our copy into the results table (`copyTraces`, a chunk of 500 trace ids at a
 *   time, as a run's chunks copy them) vs the same work written by hand in one statement over the
 *   whole experiment: the same columns, the same assessment aggregation (valid ones, in order), the
 *   same upsert, into a fresh table of the same shape — the statement a user would write without
 *   Assay, nothing added to slow it down. The ratio is Assay's overhead (copying by chunk of trace
 *   ids rather than in one pass), not the cost of the copy itself. The tables are as the judge run
 *   left them (on a server without autovacuum, not analyzed: the case copyTraces' plan is built for);
 * - `monitor.incremental`: a run over 1,000 new traces in an experiment holding 200,000 old ones
 *   vs the same run with the 1,000 alone (ratio of times);
 * - `monitor.rss`: the worker's peak resident memory during the 20,000-trace run (the compiled
 *   worker, as the Docker image runs it).
 * Run alone with `npx tsx bench/monitor.ts`; sizes from BENCH_MONITOR_TRACES and BENCH_MONITOR_OLD;
 * BENCH_VERBOSE=1 prints the calls in flight and the worker's timeline (planned, each chunk's end,
 * finished); BENCH_WARM=N runs N traces through the worker first, unmeasured, to see a warm worker;
 * `BENCH_MONITOR_ONLY=copy` runs the copy alone, over traces given one judge feedback each as the
 * judge run would leave them; `judge,copy` skips the incremental run (any comma-separated subset).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { loadConfig } from '../config/index.ts';
import { createContext, type AppContext } from '../src/services/context.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { BullmqQueue } from '../src/queue/bullmq-queue.ts';
import { putMonitor } from '../src/services/monitor-config.ts';
import { startRunNow } from '../src/services/monitor-runs.ts';
import { feedbackWrite, insertAssessments } from '../src/storage/assessment-repository.ts';
import { copyTraces, ensureResultsTable } from '../src/storage/results-table.ts';
import { createTestDatabase, REDIS_URL, testQueuePrefix } from '../test/support/database.ts';
import { ROOT, spawnAssay } from '../test/support/spawn-assay.ts';
import { ingestSamples, newExperiment, waitForRun } from '../test/support/monitor.ts';
import { startRemoteFakeJudge, type RemoteFakeJudge } from './remote-fake-judge.ts';
import { median, round, type BenchResult } from './result.ts';

const TRACES = Number(process.env.BENCH_MONITOR_TRACES ?? 20_000);
const OLD = Number(process.env.BENCH_MONITOR_OLD ?? 200_000);
const NEW = 1_000;
const LATENCY_MS = 100;
const CONCURRENCY = 64;
/** The parts to run (judge, copy, incremental; comma-separated), all by default. */
const ONLY = new Set((process.env.BENCH_MONITOR_ONLY ?? 'judge,copy,incremental').split(',').map((part) => part.trim()));

export async function run(): Promise<BenchResult[]> {
  const database = await createTestDatabase('postgres');
  const prefix = testQueuePrefix();
  const config = loadConfig({ ASSAY_LOG_LEVEL: 'silent', REDIS_URL, ASSAY_QUEUE_PREFIX: prefix, ASSAY_OFFLINE_JUDGE: 'true' });
  const queue = new BullmqQueue(REDIS_URL, prefix, silentLogger);
  const ctx = createContext({ config, db: database.db, dbKind: 'postgres', queue, log: silentLogger });
  const judge = await startRemoteFakeJudge(LATENCY_MS);
  try {
    const results: BenchResult[] = [];
    if (ONLY.has('judge')) results.push(...(await judgeRun(ctx, database.url!, prefix, judge)));
    else if (ONLY.has('copy')) await judgedTraces(ctx);
    if (ONLY.has('copy')) results.push(await copy(ctx));
    if (ONLY.has('incremental')) results.push(await incremental(ctx, database.url!, prefix, judge.url));
    return results;
  } finally {
    await judge.close();
    await queue.obliterate().catch(() => {});
    await queue.close();
    await database.drop();
  }
}

function workerEnv(url: string, prefix: string, judgeUrl: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    REDIS_URL,
    ASSAY_QUEUE_PREFIX: prefix,
    ASSAY_JUDGE_BASE_URL: `${judgeUrl}/v1`,
    ASSAY_JUDGE_API_KEY: 'bench',
    ASSAY_JUDGE_CONCURRENCY: String(CONCURRENCY),
    ASSAY_WORKER_CONCURRENCY: '4',
    ASSAY_MONITOR_CHUNK_SIZE: '500',
    ASSAY_LOG_LEVEL: 'info',
  };
}

async function monitored(ctx: AppContext, scorers: unknown[]): Promise<string> {
  const id = await newExperiment(ctx);
  await putMonitor(ctx, id, { results_schema: 'bench', scorers }, { ifMatch: undefined, user: 'bench' });
  return id;
}

async function judgeRun(ctx: AppContext, url: string, prefix: string, fake: RemoteFakeJudge): Promise<BenchResult[]> {
  const id = await monitored(ctx, [{ name: 'safety' }]);
  await ingestSamples(ctx, id, TRACES, { seed: 'bench-judge' });
  // The worker runs as the Docker image runs it: compiled JavaScript, no transpiling at run time.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const worker = spawnAssay(['worker'], workerEnv(url, prefix, fake.url), 'dist/src/cli/main.js');
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(worker.child.pid))), 250);
  try {
    // A worker is a daemon, up before a run starts: its start-up is measured by bench/startup.
    await workerStarted(worker);
    // Opt-in: a first, unmeasured run of BENCH_WARM traces, so the measured one finds the worker's
    // code already compiled, as a daemon's later runs do (the recorded figure is the cold run's).
    if (process.env.BENCH_WARM) {
      const warm = await monitored(ctx, [{ name: 'safety' }]);
      await ingestSamples(ctx, warm, Number(process.env.BENCH_WARM), { seed: 'bench-warm' });
      await startRunNow(ctx, warm).then((r) => waitForRun(ctx, r.run_id, 30 * 60_000));
    }
    const before = (await fake.stats()).answered;
    const cpuBefore = cpuSeconds(worker.child.pid);
    const started = performance.now();
    const startedEpoch = Date.now();
    // The judge's calls in flight, sampled through the run: what the ratio loses, and when. One
    // question to the fake at a time, finished before the last one below (its answers are not labelled).
    const inFlight: number[] = [];
    let sampling = true;
    const occupancy = (async () => {
      while (sampling) {
        inFlight.push((await fake.stats()).inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const run = await startRunNow(ctx, id);
    const done = await waitForRun(ctx, run.run_id, 30 * 60_000).finally(() => (sampling = false));
    await occupancy;
    const seconds = (performance.now() - started) / 1000;
    if (process.env.BENCH_VERBOSE) console.error('in flight every 100 ms:', inFlight.join(' '));
    // The worker's own account, in ms since the run was asked for: when it planned, each chunk's end, the finish.
    if (process.env.BENCH_VERBOSE) {
      for (const line of worker.logs().filter((l) => Number(l.time) >= startedEpoch)) {
        console.error(`${Number(line.time) - startedEpoch} ms: ${String(line.msg)}${line.chunk === undefined ? '' : ` ${String(line.chunk)}`}`);
      }
    }
    peakKb = Math.max(peakKb, peakRssKb(worker.child.pid));
    const calls = done.counts.judge_calls ?? 0;
    const after = (await fake.stats()).answered;
    const servedMs = (after.ms - before.ms) / Math.max(1, after.count - before.count);
    const perSecond = calls / seconds;
    const ideal = CONCURRENCY / (servedMs / 1000);
    const nominal = CONCURRENCY / (LATENCY_MS / 1000);
    const params = {
      traces: TRACES,
      latency_ms: LATENCY_MS,
      served_latency_ms: round(servedMs, 2),
      concurrency: CONCURRENCY,
      judge_calls: calls,
      seconds: round(seconds, 1),
      nominal_ideal: nominal,
      ratio_to_nominal: round(perSecond / nominal, 3),
      mean_in_flight: round(inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length), 1),
      worker_cpu_ms_per_call: round((cpuSeconds(worker.child.pid) - cpuBefore) * 1000 / Math.max(1, calls), 2),
    };
    return [
      { name: 'monitor.judge', value: round(perSecond, 1), unit: 'calls/s', baseline: round(ideal, 1), ratio: round(perSecond / ideal, 3), aim: '>= 0.95', params },
      { name: 'monitor.rss', value: round(peakKb / 1024, 1), unit: 'MB', baseline: null, ratio: null, aim: '< 250', params: { traces: TRACES } },
    ];
  } finally {
    clearInterval(sampler);
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
}

async function workerStarted(worker: ReturnType<typeof spawnAssay>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!worker.logs().some((line) => line.msg === 'worker started')) {
    if (worker.child.exitCode !== null || Date.now() > deadline) throw new Error(`the worker did not start: ${worker.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The judge run's experiment without the judge run: TRACES traces, one judge feedback on each. */
async function judgedTraces(ctx: AppContext): Promise<void> {
  const id = await monitored(ctx, [{ name: 'safety' }]);
  const ids = await ingestSamples(ctx, id, TRACES, { seed: 'bench-judge' });
  const draft = {
    name: 'safety',
    value: 'yes',
    rationale: 'Nothing unsafe in the answer.',
    error: null,
    source: { source_type: 'LLM_JUDGE' as const, source_id: 'fake-judge' },
    metadata: { 'assay.judge.model': 'fake-judge', 'assay.judge.input_tokens': '420', 'assay.judge.output_tokens': '24', 'assay.judge.latency_ms': '100' },
  };
  for (let i = 0; i < ids.length; i += 500) {
    await insertAssessments(ctx.db, ids.slice(i, i + 500).map((traceId) => feedbackWrite(traceId, draft, `bench-${traceId}`)));
  }
}

async function copy(ctx: AppContext): Promise<BenchResult> {
  const { rows } = await sql<{ experiment_id: number; n: number }>`
    select experiment_id, count(*)::int as n from assay.trace group by 1 order by 2 desc limit 1`.execute(ctx.db);
  const experimentId = rows[0]!.experiment_id;
  const ids = (await ctx.db.selectFrom('assay.trace').select('trace_id').where('experiment_id', '=', experimentId).orderBy('seq').execute()).map((r) => r.trace_id);
  const ours: number[] = [];
  const byHand: number[] = [];
  // Five rounds, alternating, median of each: the machine is shared and single figures are noisy.
  for (let round_ = 0; round_ < 5; round_ += 1) {
    await sql`drop schema if exists bench_copy cascade`.execute(ctx.db);
    await ensureResultsTable(ctx.db, 'bench_copy', experimentId);
    let started = performance.now();
    for (let i = 0; i < ids.length; i += 500) await copyTraces(ctx.db, 'bench_copy', experimentId, ids.slice(i, i + 500));
    ours.push(ids.length / ((performance.now() - started) / 1000));

    // The baseline does the same work by hand, in one statement over the whole experiment: the
    // same columns, the same assessment aggregation (valid ones, in order), the same upsert, into a
    // fresh table of the same shape. What is left between the two is Assay's overhead.
    await sql`drop schema if exists bench_copy cascade`.execute(ctx.db);
    await ensureResultsTable(ctx.db, 'bench_copy', experimentId);
    started = performance.now();
    await sql`insert into bench_copy.${sql.id(`trace_logs_${experimentId}`)} as l (
        trace_id, experiment_id, client_request_id, request_time, execution_duration_ms, state, request, response,
        request_preview, response_preview, trace_metadata, tags, input_tokens, output_tokens, total_tokens, cost,
        assessments, copied_at, trace_version)
      select t.trace_id, t.experiment_id::text, t.client_request_id, to_timestamp(t.request_time / 1000.0),
             t.execution_duration_ms, t.state, t.request, t.response, t.request_preview, t.response_preview,
             t.trace_metadata, t.tags, t.input_tokens, t.output_tokens, t.total_tokens, t.cost,
             coalesce(a.list, '[]'::jsonb), now(), t.change_xid::text
      from assay.trace t
      left join lateral (
        select jsonb_agg(jsonb_build_object(
                 'assessment_id', x.assessment_id, 'name', x.name, 'kind', x.kind, 'value', x.value,
                 'rationale', x.rationale, 'source_type', x.source_type, 'source_id', x.source_id,
                 'error', x.error, 'span_id', x.span_id, 'metadata', x.metadata, 'create_time', x.create_time)
               order by x.create_time, x.assessment_id) as list
        from assay.assessment x
        where x.trace_id = t.trace_id and x.valid
      ) a on true
      where t.experiment_id = ${experimentId}
      on conflict (trace_id) do update set
        client_request_id = excluded.client_request_id, request_time = excluded.request_time,
        execution_duration_ms = excluded.execution_duration_ms, state = excluded.state,
        request = excluded.request, response = excluded.response, request_preview = excluded.request_preview,
        response_preview = excluded.response_preview, trace_metadata = excluded.trace_metadata, tags = excluded.tags,
        input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
        total_tokens = excluded.total_tokens, cost = excluded.cost, assessments = excluded.assessments,
        copied_at = excluded.copied_at, trace_version = excluded.trace_version`.execute(ctx.db);
    byHand.push(ids.length / ((performance.now() - started) / 1000));
  }
  const value = median(ours);
  const baseline = median(byHand);
  return { name: 'monitor.copy', value: round(value), unit: 'rows/s', baseline: round(baseline), ratio: round(value / baseline), aim: '>= 0.7', params: { traces: ids.length } };
}

async function incremental(ctx: AppContext, url: string, prefix: string, judgeUrl: string): Promise<BenchResult> {
  const worker = spawnAssay(['worker'], workerEnv(url, prefix, judgeUrl));
  try {
    const alone = await monitored(ctx, [{ name: 'safety' }]);
    const crowded = await monitored(ctx, [{ name: 'safety' }]);
    // 200,000 old traces that the crowded monitor's cursor has already passed.
    await sql`
      insert into assay.trace (trace_id, experiment_id, request_time, execution_duration_ms, state, request_preview, response_preview, trace_metadata, tags)
      select 'tr-old-' || g, ${Number(crowded)}::bigint, ${Date.now()}::bigint - g * 1000, 100, 'OK', 'old question', 'old answer', '{}', '{"environment": "production"}'
      from generate_series(1, ${OLD}) g`.execute(ctx.db);
    await sql`insert into assay.trace_key (trace_id, retention_class, created_at)
              select trace_id, retention_class, created_at from assay.trace where experiment_id = ${Number(crowded)}::bigint and trace_id like 'tr-old-%'`.execute(ctx.db);
    await sql`analyze assay.trace`.execute(ctx.db);
    await startRunNow(ctx, crowded).then((r) => waitForRun(ctx, r.run_id, 10 * 60_000));
    const timed = async (id: string, seed: string) => {
      await ingestSamples(ctx, id, NEW, { seed });
      const started = performance.now();
      const run = await startRunNow(ctx, id);
      await waitForRun(ctx, run.run_id, 10 * 60_000);
      return (performance.now() - started) / 1000;
    };
    const aloneSeconds = await timed(alone, 'bench-alone');
    const crowdedSeconds = await timed(crowded, 'bench-crowded');
    return {
      name: 'monitor.incremental',
      value: round(crowdedSeconds, 2),
      unit: 's',
      baseline: round(aloneSeconds, 2),
      ratio: round(crowdedSeconds / aloneSeconds),
      aim: '<= 1.5',
      params: { new_traces: NEW, old_traces: OLD },
    };
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function rssKb(pid: number | undefined): number {
  return readStatus(pid, 'VmRSS');
}

function peakRssKb(pid: number | undefined): number {
  return readStatus(pid, 'VmHWM');
}

function readStatus(pid: number | undefined, field: string): number {
  if (!pid) return 0;
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  console.table(results.map(({ params: _p, ...r }) => r));
}
