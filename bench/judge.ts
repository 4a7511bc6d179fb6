/**
 * `judge.throughput`: judge calls per second through JudgeClient against the fake judge at 100 ms
 * latency and concurrency 64, beside the ideal: concurrency ÷ the latency the fake really gave (from
 * each request's arrival to its answer, as the fake measures it; a shared machine makes its timers
 * fire late, which no client can make up for). The nominal ideal (concurrency ÷ 100 ms) and the
 * ratio to it stay in params. The fake runs in a child
 * process, so CPU milliseconds per call (in params) are the client's own, beside the same figure for
 * raw `fetch` calls. Run alone with `npx tsx bench/judge.ts`.
 */
import { pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { JudgeClient } from '../src/scorers/judge-client.ts';
import { buildScorer } from '../src/scorers/registry.ts';
import { scorerInputFromRecord } from '../src/scorers/scorer-input.ts';
import { median, round, type BenchResult } from './result.ts';
import { startRemoteFakeJudge, type RemoteFakeJudge } from './remote-fake-judge.ts';

const LATENCY_MS = 100;
const CONCURRENCY = 64;
/**
 * Sixty calls a lane (about 6 s a round): the steady state a monitor run is in for its 20,000
 * calls. Rounds of fifteen (1.5 s) measured mostly the start and the end: the first calls run before
 * the JIT has warmed up (0.89 CPU ms a call against 0.51), and at the end lanes stand idle while the
 * last calls finish (half a call a lane, 3% of a 1.5 s round).
 */
const CALLS = CONCURRENCY * 60;
const ROUNDS = 3;

interface Measure {
  perSecond: number;
  cpuMsPerCall: number;
  /** Mean milliseconds from a request's arrival at the fake to its answer, during the measure. */
  servedMs: number;
}

/** Runs `calls` tasks, `concurrency` at a time, timing wall clock, process CPU and the fake's latency. */
async function measure(fake: RemoteFakeJudge, calls: number, concurrency: number, task: () => Promise<unknown>): Promise<Measure> {
  const before = (await fake.stats()).answered;
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await task();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = (await fake.stats()).answered;
  const servedMs = (after.ms - before.ms) / Math.max(1, after.count - before.count);
  return { perSecond: calls / seconds, cpuMsPerCall: (used.user + used.system) / 1000 / calls, servedMs };
}

export async function run(): Promise<BenchResult[]> {
  const fake = await startRemoteFakeJudge(LATENCY_MS);
  try {
    const judge = new JudgeClient({
      baseUrl: fake.url,
      apiKey: 'bench',
      model: 'bench-model',
      concurrency: CONCURRENCY,
      timeoutMs: 10_000,
      maxAttempts: 3,
      maxRetryAfterMs: 1_000,
    });
    // A real scorer per call: prompt building, the client, parsing and feedback, as a monitor pays them.
    const scorer = buildScorer('relevance_to_query', { model: 'bench-model' });
    const input = scorerInputFromRecord({
      inputs: { messages: [{ role: 'user', content: 'How long does shipping to Canada take?' }] },
      outputs: 'Shipping to Canada takes 5 to 7 business days. '.repeat(20),
    });
    const scoreOnce = async () => {
      const [feedback] = await scorer.score(input, { judge });
      if (feedback?.error) throw new Error(feedback.error.error_message);
    };
    const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'system', content: '[assay-judge: relevance_to_query]' }, { role: 'user', content: 'x' }] });
    const rawOnce = async () => {
      const res = await fetch(`${fake.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.json();
    };

    await measure(fake, CONCURRENCY * 2, CONCURRENCY, scoreOnce); // warm-up: connections, JIT
    await measure(fake, CONCURRENCY * 2, CONCURRENCY, rawOnce);
    const assay: Measure[] = [];
    const raw: Measure[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      assay.push(await measure(fake, CALLS, CONCURRENCY, scoreOnce));
      raw.push(await measure(fake, CALLS, CONCURRENCY, rawOnce));
    }
    // Each round beside its own ideal (the fake's latency varies with the machine's load), median of the ratios.
    const value = median(assay.map((m) => m.perSecond));
    const ratio = median(assay.map((m) => m.perSecond / (CONCURRENCY / (m.servedMs / 1000))));
    const servedMs = median(assay.map((m) => m.servedMs));
    const nominal = CONCURRENCY / (LATENCY_MS / 1000);
    return [
      {
        name: 'judge.throughput',
        value: round(value, 1),
        unit: 'calls/s',
        baseline: round(CONCURRENCY / (servedMs / 1000), 1),
        ratio: round(ratio, 3),
        aim: '>= 0.95',
        params: {
          latency_ms: LATENCY_MS,
          served_latency_ms: round(servedMs, 2),
          nominal_ideal: nominal,
          ratio_to_nominal: round(value / nominal, 3),
          concurrency: CONCURRENCY,
          calls: CALLS,
          rounds: ROUNDS,
          peak_concurrency_seen: await fake.peak(),
          cpu_ms_per_call: round(median(assay.map((m) => m.cpuMsPerCall)), 3),
          raw_fetch_calls_per_s: round(median(raw.map((m) => m.perSecond)), 1),
          raw_fetch_cpu_ms_per_call: round(median(raw.map((m) => m.cpuMsPerCall)), 3),
          raw_fetch_ratio: round(median(raw.map((m) => m.perSecond / (CONCURRENCY / (m.servedMs / 1000)))), 3),
        },
      },
    ];
  } finally {
    await fake.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  const table = new Table({ head: ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'aim', 'cpu ms/call', 'raw cpu ms/call'] });
  for (const r of results) {
    table.push([r.name, r.value, r.unit, r.baseline ?? '', r.ratio ?? '', r.aim, String(r.params.cpu_ms_per_call), String(r.params.raw_fetch_cpu_ms_per_call)]);
  }
  console.log(table.toString());
}
