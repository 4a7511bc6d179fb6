/**
 * The standing soak (`npm run soak -- --minutes N [--rate TRACES_PER_S]`): Assay as production runs
 * it, for N minutes — the API, four workers and two schedulers as separate processes on a Postgres
 * and a Redis of the soak's own — with traces arriving all the time (REST, OTLP, OTLP split over two
 * requests), a monitor running every minute on each of three experiments, and a fake judge with
 * latency and a capacity beyond which it answers 429. Once the traffic stops and the monitors have
 * caught up, it reports: traces ingested and copied, feedback lag (trace complete → feedback
 * stored) p50/p95, duplicate and missing (trace, scorer) pairs, each process's memory at the start
 * and over the last half, and the judge calls against what the judge's capacity allows.
 * Figures go to bench/results.json (`soak.*`). Exit code 1 when a pair is duplicated or missing, a
 * trace is not copied or copied twice, a request fails, or a run fails.
 */
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import pg from 'pg';
import { isSampled } from '../src/domain/sampling.ts';
import { startFakeJudge } from '../test/support/fake-judge.ts';
import { compiledIsFresh, freePort } from '../test/support/spawn-assay.ts';
import { round, type BenchResult } from '../bench/result.ts';
import { sayer, sleep, startCluster, until } from './cluster.ts';
import { memoryFigures, rssMb, type MemorySample } from './memory.ts';
import { recordResults } from './record.ts';
import { pairKey, quantile, tallyPairs, type StoredPair } from './soak-pairs.ts';
import { startTraffic } from './soak-traffic.ts';

const { values: args } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '6' } },
});
const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
if (!(MINUTES > 0) || !(RATE > 0)) {
  console.error('usage: npm run soak -- --minutes N [--rate TRACES_PER_SECOND] (both positive numbers)');
  process.exit(2);
}
const WORKERS = 4;
const SCHEDULERS = 2;
const JUDGE_LATENCY_MS = 150;
/** What the judge serves at once; the workers together may ask for twice as much (4 × 8), and get 429s. */
const JUDGE_CAPACITY = 16;
const JUDGE_CONCURRENCY = 8;
/** Each experiment's monitor: safety on every trace, relevance on a share. */
const RELEVANCE_RATES = [1, 0.5, 0.25];
/** After the traffic: the next scheduled runs must take the last traces. */
const DRAIN_MS = 4 * 60_000;
const PROGRESS_MS = 30_000;
const SAMPLE_MS = 5_000;

const say = sayer('soak');
// bin/assay.mjs runs dist/ when it is fresh (after `npm run build`), as the Docker image does;
// otherwise the sources through tsx, which costs each process memory and start-up time.
say(`processes run ${compiledIsFresh() ? 'the compiled dist/' : 'the TypeScript sources (run `npm run build` for the compiled form)'}`);
const judge = await startFakeJudge({ latencyMs: JUDGE_LATENCY_MS, capacity: JUDGE_CAPACITY, capacityRetryAfterMs: 200, keepCalls: false });
const cluster = await startCluster('soak', {
  ASSAY_JUDGE_BASE_URL: judge.url,
  ASSAY_JUDGE_API_KEY: 'soak-key',
  ASSAY_JUDGE_CONCURRENCY: String(JUDGE_CONCURRENCY),
  ASSAY_JUDGE_MAX_ATTEMPTS: '10',
  ASSAY_WORKER_CONCURRENCY: '4',
  ASSAY_MONITOR_CHUNK_SIZE: '100',
  ASSAY_SCHEDULER_CRON: '*/10 * * * * *',
});
const { api } = cluster;
say(`${MINUTES} min at ${RATE} traces/s; own Postgres and Redis under ${cluster.stateDir}, API at ${cluster.base}`);

let failed = false;
const sql = new pg.Pool({ connectionString: cluster.postgres.url, max: 2 });
sql.on('error', () => undefined);
const memory = new Map<string, MemorySample[]>();
let sampler: NodeJS.Timeout | undefined;

interface RunRow {
  run_id: string;
  status: string;
  judge_calls: number;
  repeated_judge_calls?: number;
  error?: string | null;
}

try {
  await cluster.startApi();
  const experiments: Array<{ id: string; relevance: number }> = [];
  for (const [i, relevance] of RELEVANCE_RATES.entries()) {
    const { experiment_id: id } = await api('POST', '/api/v1/experiments', { name: `soak-${i}` });
    await api('PUT', `/api/v1/experiments/${id}/monitor`, {
      results_schema: 'soak',
      interval_minutes: 1,
      scorers: [{ name: 'safety' }, { name: 'relevance_to_query', sample_rate: relevance }],
    });
    experiments.push({ id, relevance });
  }
  // Every process ready before the traffic starts: its memory at the start is a running process's.
  const ready: Array<Promise<unknown>> = [];
  for (const role of [...Array<string>(WORKERS).fill('worker'), ...Array<string>(SCHEDULERS).fill('scheduler')]) {
    const port = await freePort();
    cluster.start(role, { ASSAY_METRICS_PORT: String(port) });
    ready.push(until(`a ${role} to be ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 180_000));
  }
  await Promise.all(ready);
  const roles = new Map<string, number>();
  const named = cluster.started.map(({ role, child }) => {
    roles.set(role, (roles.get(role) ?? 0) + 1);
    return { name: role === 'api' ? role : `${role}-${roles.get(role)}`, child };
  });

  const began = Date.now();
  const sampleMemory = () => {
    const t = (Date.now() - began) / 1000;
    for (const { name, child } of named) {
      const mb = rssMb(child.child.pid);
      if (mb !== undefined && child.child.exitCode === null) memory.set(name, [...(memory.get(name) ?? []), { t, mb }]);
    }
  };
  sampleMemory();
  sampler = setInterval(sampleMemory, SAMPLE_MS);

  const traffic = startTraffic(cluster.base, experiments.map((e) => e.id), RATE);
  const feedbackCount = async () => Number((await sql.query(`select count(*)::int as n from assay.assessment where kind = 'feedback'`)).rows[0].n);
  const runs = async () => ((await Promise.all(experiments.map(async (e) => (await api('GET', `/api/v1/experiments/${e.id}/monitor/runs?max_results=500`)).runs as RunRow[]))).flat());
  const progress = async (phase: string) => {
    const all = await runs().catch(() => [] as RunRow[]);
    const rss = [...memory.entries()].map(([name, s]) => `${name} ${Math.round(s.at(-1)!.mb)}`).join(', ');
    say(
      `${phase} ${Math.round((Date.now() - began) / 1000)} s: ${traffic.sent.length} traces sent (${traffic.errors.length} failed requests), ` +
        `${await feedbackCount().catch(() => '?')} feedback, runs ${all.filter((r) => r.status === 'succeeded').length} ok/${all.filter((r) => r.status === 'failed').length} failed/${all.length}, ` +
        `judge ${judge.callCount} calls (${judge.overCapacity} × 429); RSS MB ${rss}`,
    );
    // A dead process is a finding, not something to wait out.
    const dead = named.filter(({ child }) => child.child.exitCode !== null || child.child.signalCode !== null);
    if (dead.length) throw new Error(`${dead.map((d) => d.name).join(', ')} exited\n${cluster.tails()}`);
  };

  while (Date.now() - began < MINUTES * 60_000) {
    await sleep(Math.min(PROGRESS_MS, MINUTES * 60_000 - (Date.now() - began)));
    await progress('traffic');
  }
  await traffic.stop();
  // Memory is followed while the traffic lasts; the drain below is a different load.
  clearInterval(sampler);
  sampleMemory();
  const trafficSeconds = (Date.now() - began) / 1000;
  say(`traffic stopped: ${traffic.sent.length} traces in ${traffic.requests} requests; waiting for the monitors to catch up`);

  // Every complete trace's sampled pairs, as the monitors must judge them.
  const relevanceOf = new Map(experiments.map((e) => [e.id, e.relevance]));
  const expected = new Map<string, number>();
  for (const t of traffic.sent) {
    expected.set(pairKey(t.traceId, 'safety'), t.completedAt);
    if (isSampled(t.traceId, relevanceOf.get(t.experimentId)!)) expected.set(pairKey(t.traceId, 'relevance_to_query'), t.completedAt);
  }
  const pairsQuery = `select trace_id, name, count(*)::int as n, (extract(epoch from min(create_time)) * 1000)::float8 as at,
      count(*) filter (where error is not null)::int as errors
    from assay.assessment where kind = 'feedback' and valid group by trace_id, name`;
  const copiedQuery = async () => {
    let distinct = 0;
    let rows = 0;
    for (const e of experiments) {
      const { rows: r } = await sql.query(`select count(distinct trace_id)::int as d, count(*)::int as n from soak.trace_logs_${e.id}`);
      distinct += r[0].d;
      rows += r[0].n;
    }
    return { distinct, rows };
  };
  let lastProgress = Date.now();
  await until(
    'the monitors to judge and copy every trace',
    async () => {
      if (Date.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = Date.now();
        await progress('drain');
      }
      const stored = await feedbackCount();
      const copied = await copiedQuery();
      const active = (await runs()).some((r) => r.status === 'queued' || r.status === 'running');
      return stored >= expected.size && copied.distinct >= traffic.sent.length && !active;
    },
    DRAIN_MS,
    2_000,
  ).catch((error: Error) => say(`${error.message}; counting what is there`));

  const { rows: stored } = await sql.query<StoredPair>(pairsQuery);
  const { duplicates, missing, unexpected, feedbackErrors, lags } = tallyPairs(stored, expected);
  const copied = await copiedQuery();
  const notCopied = traffic.sent.length - copied.distinct;
  const copiedTwice = copied.rows - copied.distinct;
  const allRuns = await runs();
  const failedRuns = allRuns.filter((r) => r.status === 'failed');
  const reported = allRuns.reduce((a, r) => a + (r.judge_calls ?? 0), 0);
  const made = judge.callCount;
  const answered = made - judge.overCapacity;
  const busySeconds = judge.busyMs / 1000;
  const ideal = JUDGE_CAPACITY / (JUDGE_LATENCY_MS / 1000);
  const busyRate = busySeconds > 0 ? answered / busySeconds : 0;
  const pct = (p: number) => quantile(lags, p);

  const table = new Table({ head: ['figure', 'value', 'aim'] });
  table.push(
    ['traffic', `${round(trafficSeconds / 60, 1)} min, ${traffic.requests} requests, ${traffic.errors.length} failed`, '0 failed'],
    ['traces ingested (complete)', traffic.sent.length, ''],
    ['  via REST / OTLP / OTLP in two requests', ['rest', 'otlp', 'otlp-split'].map((v) => traffic.sent.filter((t) => t.via === v).length).join(' / '), ''],
    ['traces copied', copied.distinct, `= ${traffic.sent.length}`],
    ['  not copied / copied twice', `${notCopied} / ${copiedTwice}`, '0 / 0'],
    ['monitor runs (succeeded / failed)', `${allRuns.length - failedRuns.length} / ${failedRuns.length}`, '0 failed'],
    ['sampled pairs expected', expected.size, ''],
    ['duplicate pairs', duplicates, '0'],
    ['missing pairs', missing, '0'],
    ['pairs not sampled but judged', unexpected, '0'],
    ['feedback holding a judge error', feedbackErrors, ''],
    ['feedback lag p50 / p95 / max (s)', `${round(pct(0.5), 1)} / ${round(pct(0.95), 1)} / ${round(lags.at(-1) ?? 0, 1)}`, 'interval 60 s + scheduler tick + run'],
    ['judge calls made (answered + 429)', `${made} (${answered} + ${judge.overCapacity})`, ''],
    ['judge calls answered / pairs', `${answered} / ${expected.size}`, 'answered = pairs'],
    ['judge calls reported by runs', reported, `= made (${made})`],
    ['judge answers/s while busy vs ideal', `${round(busyRate, 1)} vs ${round(ideal, 1)} (${round(busyRate / ideal, 2)})`, `capacity ${JUDGE_CAPACITY} / ${JUDGE_LATENCY_MS} ms`],
  );
  console.log(table.toString());

  const memoryTable = new Table({ head: ['process', 'start MB', 'last half min', 'median', 'max', 'growth in last half', ''] });
  const figures = new Map([...memory.entries()].map(([name, s]) => [name, memoryFigures(s)]));
  for (const [name, f] of figures) {
    if (f) memoryTable.push([name, f.start_mb, f.last_half_min_mb, f.last_half_median_mb, f.last_half_max_mb, f.last_half_growth_mb, f.grows ? 'GROWS' : 'ok']);
  }
  console.log(memoryTable.toString());
  const growing = [...figures.entries()].filter(([, f]) => f?.grows).map(([n]) => n);
  if (growing.length) say(`memory grows beyond noise in the last half: ${growing.join(', ')}`);

  failed = duplicates > 0 || missing > 0 || notCopied > 0 || copiedTwice > 0 || traffic.errors.length > 0 || failedRuns.length > 0;
  if (traffic.errors.length) say(`failed requests, first: ${traffic.errors[0]}`);
  if (failedRuns.length) say(`failed runs, first: ${failedRuns[0]!.error ?? ''}`);

  const params = { minutes: MINUTES, traces_per_s: RATE, workers: WORKERS, schedulers: SCHEDULERS, experiments: experiments.length, judge_latency_ms: JUDGE_LATENCY_MS, judge_capacity: JUDGE_CAPACITY };
  const worstGrowth = Math.max(0, ...[...figures.values()].map((f) => f?.last_half_growth_mb ?? 0));
  const results: BenchResult[] = [
    { name: 'soak.traces', value: traffic.sent.length, unit: 'traces', baseline: null, ratio: null, aim: 'copied = ingested', params: { ...params, copied: copied.distinct, requests: traffic.requests, failed_requests: traffic.errors.length, runs: allRuns.length, failed_runs: failedRuns.length } },
    { name: 'soak.feedback_lag_p50', value: round(pct(0.5), 1), unit: 's', baseline: null, ratio: null, aim: '<= 60 + run time', params: { ...params, pairs: lags.length } },
    { name: 'soak.feedback_lag_p95', value: round(pct(0.95), 1), unit: 's', baseline: null, ratio: null, aim: '<= 90', params: { ...params, pairs: lags.length } },
    { name: 'soak.duplicates', value: duplicates + copiedTwice, unit: 'rows', baseline: null, ratio: null, aim: '== 0', params },
    { name: 'soak.missing', value: missing + notCopied, unit: 'rows', baseline: null, ratio: null, aim: '== 0', params: { ...params, pairs_expected: expected.size } },
    {
      name: 'soak.rss_growth',
      value: worstGrowth,
      unit: 'MB',
      baseline: null,
      ratio: null,
      aim: 'no process beyond max(16 MB, 10 %)',
      params: { ...params, ...Object.fromEntries([...figures.entries()].map(([n, f]) => [n, f])) },
    },
    {
      name: 'soak.judge',
      value: round(busyRate, 1),
      unit: 'calls/s while busy',
      baseline: round(ideal, 1),
      ratio: round(busyRate / ideal, 2),
      aim: 'capacity ÷ latency',
      params: { ...params, made, answered, over_capacity_429: judge.overCapacity, pairs: expected.size, reported_by_runs: reported, busy_s: round(busySeconds, 1), peak_in_flight: judge.peakConcurrency },
    },
  ];
  recordResults(results);
  say(failed ? 'FAILED: see the figures above' : 'passed');
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  clearInterval(sampler);
  await sql.end().catch(() => undefined);
  await cluster.close();
  await judge.close();
}
process.exit(failed ? 1 : 0);

