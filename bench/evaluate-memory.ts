/**
 * `evaluate.memory`: the live heap (sampled after a full collection every 250 ms) an evaluation
 * run over a 20,000-record dataset (BENCH_EVAL_MEMORY_ROWS; records with recorded outputs and
 * ~1 KB of text, the offline judge's two default scorers) takes at its peak from creation to
 * finish, in a child process of its own, beside the same-run baseline: the heap that holding the
 * finished run's rows whole takes (what each slice job and the finish held before rows were read
 * in pages). Aim: the run's peak under half of one copy of its rows.
 * BENCH_EVAL_MEMORY_BEFORE=<checkout> also measures another revision's run over the same dataset.
 * Run alone with `npx tsx bench/evaluate-memory.ts`.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { recordInputSchema } from '../src/domain/dataset-record.ts';
import { createDataset } from '../src/services/datasets.ts';
import { mergeDatasetRecords } from '../src/services/merge-dataset.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { round, type BenchResult } from './result.ts';

const ROWS = Number(process.env.BENCH_EVAL_MEMORY_ROWS ?? 20_000);
const DATASET = 'bench.memory';

interface ChildResult {
  run_id: string;
  status?: string;
  error?: string | null;
  rows?: number;
  held_rows?: number;
  held_mb?: number;
  seconds: number;
  peak_heap_mb: number;
  max_rss_mb: number;
}

async function child(env: Record<string, string>): Promise<ChildResult> {
  const proc = fork(fileURLToPath(new URL('./evaluate-memory-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [result] = (await once(proc, 'message')) as [ChildResult];
  await once(proc, 'exit');
  if (result.status === 'failed') throw new Error(`bench run failed: ${result.error}`);
  return result;
}

export async function run(): Promise<BenchResult[]> {
  const database = await createTestDatabase('postgres');
  try {
    await createDataset(database.db, { name: DATASET, user: 'bench' });
    const limits = loadConfig().datasets;
    const filler = 'x'.repeat(400);
    for (let i = 0; i < ROWS; i += 1000) {
      const records = Array.from({ length: Math.min(1000, ROWS - i) }, (_, k) => ({
        inputs: { question: `How do I configure feature ${i + k} of the product? ${filler}` },
        outputs: `Open settings and enable feature ${i + k}. ${filler}`,
      }));
      await mergeDatasetRecords(database.db, DATASET, { records: records.map((r) => recordInputSchema.parse(r)) }, { user: 'bench', limits });
    }
    const env = { BENCH_DATABASE_URL: database.url!, BENCH_DATASET: DATASET };
    const ours = await child(env);
    if (ours.rows !== ROWS) throw new Error(`bench run has ${ours.rows} rows, expected ${ROWS}`);
    const held = await child({ ...env, BENCH_HOLD_ROWS: '1', BENCH_RUN_ID: ours.run_id });
    const before = process.env.BENCH_EVAL_MEMORY_BEFORE ? await child({ ...env, BENCH_ASSAY_ROOT: process.env.BENCH_EVAL_MEMORY_BEFORE }) : undefined;
    return [
      {
        name: 'evaluate.memory',
        value: round(ours.peak_heap_mb, 1),
        unit: 'MB heap',
        baseline: round(held.held_mb!, 1),
        ratio: round(ours.peak_heap_mb / held.held_mb!, 2),
        aim: '<= 0.5',
        params: {
          rows: ROWS,
          concurrency: 32,
          seconds: round(ours.seconds, 1),
          max_rss_mb: round(ours.max_rss_mb, 1),
          ...(before
            ? { before_peak_heap_mb: round(before.peak_heap_mb, 1), before_max_rss_mb: round(before.max_rss_mb, 1), before_seconds: round(before.seconds, 1), ratio_to_before: round(ours.peak_heap_mb / before.peak_heap_mb, 2) }
            : {}),
        },
      },
    ];
  } finally {
    await database.drop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit} vs rows held whole ${r.baseline} → ratio ${r.ratio} (aim ${r.aim})`, r.params);
  process.exit(0);
}
