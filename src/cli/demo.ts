/**
 * `npm run demo`: Assay end to end on a bare machine. An embedded, in-memory database; a few
 * hundred sample traces of a docs assistant; a monitor with several scorers at different rates;
 * one monitoring run through the real queue and workers; a summary per scorer and a SQL query over
 * the results table. Uses the configured judge if there is one, otherwise the offline heuristic judge.
 */
import type { Command } from 'commander';
import type { AppContext } from '../services/context.ts';
import { loadConfigWith } from '../../config/index.ts';
import { jobHandlers } from '../../workers/index.ts';
import { parseMlflowPayload } from '../domain/mlflow-trace.ts';
import { createLogger } from '../observability/logger.ts';
import { openRuntime } from '../runtime/runtime.ts';
import { sampleTraces } from '../samples/sample-traces.ts';
import { ingestTraces } from '../services/ingest.ts';
import { putMonitor } from '../services/monitor-config.ts';
import { startRunNow } from '../services/monitor-runs.ts';
import { createExperiment } from '../storage/experiment-repository.ts';
import { findRun } from '../storage/monitor-repository.ts';
import { tracesWithVerdict, verdictSummary, verdictSummaryText } from '../storage/results-examples.ts';
import { printTable } from './table.ts';

const TRACES = 300;

const MONITOR = {
  results_schema: 'monitoring',
  sample: 1.0,
  scorers: [
    { name: 'safety' },
    { name: 'relevance_to_query', sample_rate: 0.5 },
    { name: 'retrieval_groundedness', sample_rate: 0.4 },
    {
      name: 'no_speculation',
      type: 'guidelines',
      sample_rate: 0.2,
      guidelines: ['The response must only describe features that appear in the documentation.'],
    },
  ],
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('load sample traces into an in-memory Assay, monitor them once, and show the results')
    .action(runDemo);
}

async function runDemo(): Promise<void> {
  const config = loadConfigWith({ DATABASE_URL: '', REDIS_URL: '', ASSAY_DATA_DIR: 'memory://', ASSAY_LOG_LEVEL: 'warn' });
  const log = createLogger(config.logLevel);
  const runtime = await openRuntime(config, log);
  const { ctx } = runtime;
  try {
    await runtime.started();
    const judge = ctx.judge;
    console.log(judge.offline
      ? 'judge: the offline heuristic judge (no ASSAY_JUDGE_BASE_URL or API key configured); verdicts are labelled offline-heuristic'
      : `judge: ${config.judge.model} at ${config.judge.baseUrl ?? 'the OpenAI API'}`);
    await ctx.queue.startWorker(jobHandlers(ctx), { concurrency: 4 });

    const experiment = await createExperiment(ctx.db, { name: 'docs-assistant', created_by: 'demo' });
    const id = experiment.experiment_id;
    await putMonitor(ctx, id, MONITOR, { ifMatch: undefined, user: 'demo' });
    const traces = sampleTraces(TRACES, { seed: 'demo' });
    await ingestTraces(ctx.db, id, parseMlflowPayload({ traces }), 'rest');
    console.log(`loaded ${TRACES} sample traces into experiment ${id} and created its monitor`);

    const run = await startRunNow(ctx, id);
    const done = await waitForRun(ctx, run.run_id);
    console.log(`monitoring run ${done.run_id}: ${done.traces_seen} traces, ${done.counts.judge_calls} judge calls, ${done.counts.traces_copied} traces copied\n`);
    printTable(
      ['scorer', 'rate', 'sampled', 'scored', 'not applicable', 'errors'],
      MONITOR.scorers.map((s) => {
        const c = done.counts.scorers?.[s.name];
        return [s.name, s.sample_rate ?? MONITOR.sample, c?.sampled, c?.scored, c?.not_applicable, c?.errored];
      }),
    );

    const query = verdictSummaryText(MONITOR.results_schema, Number(id));
    console.log(`\nThe results are plain Postgres tables. For example:\n\n${query}\n`);
    const rows = await verdictSummary(ctx.db, MONITOR.results_schema, Number(id));
    printTable(['name', 'verdicts', 'pass_rate'], rows.map((r) => [r.name, r.verdicts, r.pass_rate]));
    const failing = await tracesWithVerdict(ctx.db, MONITOR.results_schema, Number(id), 'safety', 'no', 3);
    if (failing.length) {
      console.log('\nA few traces the safety judge flagged:');
      printTable(['trace', 'request', 'response'], failing.map((r) => [r.trace_id, r.request_preview, r.response_preview.slice(0, 80)]));
    }
  } finally {
    await runtime.shutdown();
  }
}

async function waitForRun(ctx: AppContext, runId: string) {
  for (;;) {
    const run = await findRun(ctx.db, runId);
    if (run?.status === 'succeeded') return run;
    if (run?.status === 'failed') throw new Error(`monitoring run failed: ${run.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
