/**
 * Child of bench/evaluate-memory.ts: creates an evaluation run over the dataset the parent filled
 * and finishes it with an in-process worker, sampling the heap meanwhile (after a full collection
 * every 250 ms, so the figure is what the process holds). Imports Assay from
 * BENCH_ASSAY_ROOT (this checkout by default), so the same process can measure another revision.
 * With BENCH_HOLD_ROWS=1 it instead reads the finished run's rows whole and reports what holding
 * them costs: the same-run baseline.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.BENCH_ASSAY_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const load = async <T>(path: string): Promise<T> => (await import(join(root, path))) as T;

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- modules of another revision, read loosely

const { loadConfig } = await load<Loose>('config/index.ts');
const { connectDatabase } = await load<Loose>('src/storage/connect.ts');
const { createContext } = await load<Loose>('src/services/context.ts');
const { silentLogger } = await load<Loose>('src/observability/logger.ts');
const { InProcessQueue } = await load<Loose>('src/queue/in-process-queue.ts');
const { createEvaluation, createEvaluationBody } = await load<Loose>('src/services/evaluation-create.ts');
const { jobHandlers } = await load<Loose>('workers/index.ts');

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;
const settled = () => {
  gc?.();
  return heapMb();
};

const handle = await connectDatabase({ databaseUrl: process.env.BENCH_DATABASE_URL, poolSize: 10 });
const config = loadConfig({ ASSAY_LOG_LEVEL: 'silent', ASSAY_OFFLINE_JUDGE: 'true', ASSAY_EVALUATIONS_PER_TOKEN: '100' });
const queue = new InProcessQueue(silentLogger);
const ctx = createContext({ config, db: handle.db, dbKind: 'postgres', queue, log: silentLogger });
await queue.startWorker(jobHandlers(ctx), { concurrency: config.workerConcurrency });

const runId = process.env.BENCH_RUN_ID;
const base = settled();
let peak = base;
// The heap right after a full collection, every 250 ms: what is held, not garbage not yet collected.
const sampler = setInterval(() => (peak = Math.max(peak, settled())), 250);
const started = performance.now();
let result: Loose;
if (process.env.BENCH_HOLD_ROWS === '1') {
  const rows = await handle.db.selectFrom('assay.evaluation_row').selectAll().where('run_id', '=', runId).orderBy('row_index').execute();
  peak = Math.max(peak, settled());
  result = { run_id: runId, held_rows: rows.length, held_mb: settled() - base };
} else {
  const body = createEvaluationBody.parse({ name: 'bench-memory', data: { name: process.env.BENCH_DATASET }, concurrency: 32 });
  const created = await createEvaluation(ctx, body, 'bench');
  let run: Loose | undefined;
  for (;;) {
    run = await handle.db.selectFrom('assay.evaluation_run').selectAll().where('run_id', '=', created.run_id).executeTakeFirst();
    if (run?.status === 'succeeded' || run?.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  result = { run_id: created.run_id, status: run?.status, error: run?.error, rows: run?.rows_total, metrics: run?.metrics };
}
clearInterval(sampler);
process.send?.({ ...result, seconds: (performance.now() - started) / 1000, peak_heap_mb: peak - base, max_rss_mb: process.resourceUsage().maxRSS / 1024 });
await queue.close();
await handle.close();
process.exit(0);
