/**
 * The standing fault run (`npm run faults`, `-- --short` for CI): Assay as production runs it — an
 * API, two workers and a scheduler as separate processes on a Postgres and a Redis of the run's own —
 * and, during one monitoring run, a worker SIGKILLed, Redis restarted empty (queued jobs lost) and
 * Postgres stopped for a few seconds. It then counts what the guarantees promise: no duplicate
 * feedback, no missing sampled pair, every trace copied once, and the run's judge calls against the
 * calls the judge actually answered. Figures go to bench/results.json (`faults.*`).
 * Exit code 1 when a promise is broken.
 */
import Table from 'cli-table3';
import pg from 'pg';
import { isSampled } from '../src/domain/sampling.ts';
import { sampleTraces } from '../src/samples/sample-traces.ts';
import { startFakeJudge } from '../test/support/fake-judge.ts';
import { freePort, type AssayProcess } from '../test/support/spawn-assay.ts';
import { sayer, sleep, startCluster, until } from './cluster.ts';
import { recordResults } from './record.ts';

const short = process.argv.includes('--short');
const TRACES = short ? 400 : 3000;
const OUTAGE_MS = short ? 3000 : 8000;
const RUN_TIMEOUT_MS = short ? 180_000 : 600_000;

const say = sayer('faults');

const judge = await startFakeJudge({ latencyMs: 20 });
const cluster = await startCluster('faults', {
  ASSAY_JUDGE_BASE_URL: judge.url,
  ASSAY_JUDGE_API_KEY: 'faults-key',
  ASSAY_JUDGE_CONCURRENCY: '8',
  ASSAY_MONITOR_CHUNK_SIZE: '100',
  ASSAY_WORKER_CONCURRENCY: '2',
  ASSAY_JOB_LOCK_MS: '3000',
});
const { postgres, redis, api, start } = cluster;
say(`own Postgres and Redis under ${cluster.stateDir}, API at ${cluster.base}; ${TRACES} traces`);
let failed = false;

interface RunRow {
  run_id: string;
  status: string;
  judge_calls: number;
  repeated_judge_calls?: number;
}

try {
  await cluster.startApi();
  const experiment = await api('POST', '/api/v1/experiments', { name: 'faults' });
  const id = experiment.experiment_id as string;
  await api('PUT', `/api/v1/experiments/${id}/monitor`, {
    results_schema: 'faults',
    scorers: [{ name: 'safety' }, { name: 'relevance_to_query', sample_rate: 0.5 }],
  });
  const traceIds: string[] = [];
  for (let from = 0; from < TRACES; from += 250) {
    const batch = sampleTraces(Math.min(250, TRACES - from), { from, seed: 'faults' });
    const answer = await api('POST', `/api/v1/experiments/${id}/traces`, { traces: batch });
    traceIds.push(...(answer.trace_ids as string[]));
  }
  say(`ingested ${traceIds.length} traces`);

  let firstWorker: AssayProcess = start('worker');
  start('worker');
  start('scheduler');
  const { run } = await api('POST', `/api/v1/experiments/${id}/monitor/run`);
  const runId = run.run_id as string;
  const expected = traceIds.length + traceIds.filter((t) => isSampled(t, 0.5)).length;
  say(`run ${runId} started; ${expected} sampled pairs expected`);

  const sql = new pg.Pool({ connectionString: postgres.url, max: 2 });
  sql.on('error', () => undefined);
  const feedback = async () => Number((await sql.query(`select count(*)::int as n from assay.assessment where kind = 'feedback'`)).rows[0].n);
  const reached = (share: number) => until(`${Math.round(share * 100)}% of the feedback`, async () => (await feedback()) >= expected * share, RUN_TIMEOUT_MS);

  await reached(0.15);
  say('SIGKILL a worker and start another');
  firstWorker.child.kill('SIGKILL');
  await firstWorker.exited;
  // The replacement must be up before the next fault, as an orchestrator's restart would be.
  const metricsPort = await freePort();
  firstWorker = start('worker', { ASSAY_METRICS_PORT: String(metricsPort) });
  await until('the new worker to be ready', async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok, 60_000);

  await reached(0.35);
  say('restart Redis empty (every queued job lost)');
  await redis.restart();

  await reached(0.55);
  say(`stop Postgres for ${OUTAGE_MS} ms`);
  postgres.stop();
  await sleep(OUTAGE_MS);
  await postgres.start();
  say('Postgres is back');

  const finished = await until(
    `run ${runId} to finish`,
    async () => {
      const { runs } = await api('GET', `/api/v1/experiments/${id}/monitor/runs?limit=50`);
      const found = (runs as RunRow[]).find((r) => r.run_id === runId);
      return found && (found.status === 'succeeded' || found.status === 'failed') ? found : undefined;
    },
    RUN_TIMEOUT_MS,
  ).catch(async (error: Error) => {
    // What the run and each process were doing: enough to tell a stuck queue from a stuck database.
    const state = await sql.query(`select chunk, done from assay.monitor_run_chunk where run_id = $1 order by chunk`, [runId]).catch((e: Error) => ({ rows: [e.message] }));
    throw new Error(`${error.message}\nchunks: ${JSON.stringify(state.rows)}\n${cluster.tails()}`);
  });
  say(`run ${finished.status}`);

  const pairs = await sql.query(
    `select trace_id, name, count(*)::int as n from assay.assessment where kind = 'feedback' and valid group by trace_id, name`,
  );
  const duplicates = pairs.rows.filter((p: { n: number }) => p.n > 1).length;
  const missing = Math.max(0, expected - pairs.rows.length);
  const copied = await sql.query(`select count(distinct trace_id)::int as d, count(*)::int as n from faults.trace_logs_${id}`);
  const missingRows = traceIds.length - copied.rows[0].d;
  const duplicateRows = copied.rows[0].n - copied.rows[0].d;
  const made = judge.calls.length;
  const reported = finished.judge_calls as number;
  await sql.end();

  const table = new Table({ head: ['figure', 'value', 'aim'] });
  table.push(
    ['run status', finished.status, 'succeeded'],
    ['sampled pairs expected', expected, ''],
    ['duplicate feedback', duplicates, '0'],
    ['missing feedback', missing, '0'],
    ['traces not copied', missingRows, '0'],
    ['traces copied twice', duplicateRows, '0'],
    ['judge calls made', made, ''],
    ['judge calls reported', reported, `= made (${made})`],
    ['  of which repeated work', finished.repeated_judge_calls ?? 0, `= reported - pairs (${reported - expected})`],
  );
  console.log(table.toString());
  failed = finished.status !== 'succeeded' || duplicates > 0 || missing > 0 || missingRows > 0 || duplicateRows > 0;
  const params = { traces: TRACES, outage_ms: OUTAGE_MS, short, workers: 2 };
  recordResults([
    { name: 'faults.duplicates', value: duplicates + duplicateRows, unit: 'rows', baseline: null, ratio: null, aim: '== 0', params },
    { name: 'faults.missing', value: missing + missingRows, unit: 'rows', baseline: null, ratio: null, aim: '== 0', params },
    {
      name: 'faults.judge_calls_reported',
      value: reported,
      unit: 'calls',
      baseline: made,
      ratio: made ? Math.round((reported / made) * 100) / 100 : null,
      aim: '== 1',
      params,
    },
  ]);
} catch (error) {
  failed = true;
  console.error(error);
  console.error(cluster.tails(10));
} finally {
  await cluster.close();
  await judge.close();
}
process.exit(failed ? 1 : 0);
