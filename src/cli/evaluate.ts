/**
 * `assay evaluate` (start a run over a dataset, follow it with a progress bar, print a summary) and
 * `assay evaluations list|show|compare`, through the HTTP API (ASSAY_URL, ASSAY_TOKEN).
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { printComparison, printRunSummary, type RunView } from './evaluation-summary.ts';
import { printTable } from './table.ts';

interface EvaluateOptions {
  dataset: string;
  version?: string;
  targetUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  systemPrompt?: string;
  scorers?: string;
  name?: string;
  experiment?: string;
  concurrency: string;
  metrics?: string;
  wait: boolean;
}

const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate an application over a dataset (through the API at ASSAY_URL)')
    .requiredOption('--dataset <name>', 'dataset name, <schema>.<table>')
    .option('--version <k>', 'dataset version (default: the current one)')
    .option('--target-url <url>', 'the app: an OpenAI-compatible base URL with --model, else an HTTP endpoint taking the inputs as JSON')
    .option('--model <model>', 'model name for an OpenAI-compatible target')
    .option('--api-key-env <name>', "name of the server's environment variable holding the target's key")
    .option('--system-prompt <text>', 'system prompt for an OpenAI-compatible target')
    .option('--scorers <a,b>', 'scorer names (default: chosen per row)')
    .option('--name <name>', 'run name (default: the dataset name)')
    .option('--experiment <id>', 'experiment for the traces (default: evaluation:<run name>)')
    .option('--concurrency <n>', 'rows in flight at once', '8')
    .option('--metrics <aggs>', 'aggregations beyond mean: min,max,median,p90,variance')
    .option('--no-wait', 'start the run and print its id')
    .action(async (options: EvaluateOptions) => {
      const { run } = await apiRequest<{ run: RunView }>('POST', '/api/v1/evaluations', requestBody(options));
      if (!options.wait) {
        console.log(run.run_id);
        return;
      }
      console.error(`run ${run.run_id} started on ${options.dataset}`);
      await printRunSummary(await follow(run));
    });

  const evaluations = program.command('evaluations').description('evaluation runs (through the API at ASSAY_URL)');
  evaluations
    .command('list')
    .option('--dataset <name>', 'runs over this dataset')
    .option('--experiment <id>', 'runs in this experiment')
    .action(async (options: { dataset?: string; experiment?: string }) => {
      const params = new URLSearchParams({ max_results: '500' });
      if (options.dataset) params.set('dataset', options.dataset);
      if (options.experiment) params.set('experiment_id', options.experiment);
      const { runs } = await apiRequest<{ runs: Array<RunView & { rows: number; create_time: string }> }>('GET', `/api/v1/evaluations?${params}`);
      printTable(
        ['run_id', 'name', 'status', 'dataset', 'rows', 'pass_rate', 'created'],
        runs.map((r) => [r.run_id, r.name, r.status, r.dataset ? `${r.dataset.name} v${r.dataset.version}` : '', r.rows, r.metrics.pass_rate?.toFixed(3), r.create_time]),
      );
    });
  evaluations
    .command('show')
    .argument('<run_id>')
    .option('--rows <n>', 'failing rows to show', '20')
    .action(async (runId: string, options: { rows: string }) => {
      const { run } = await apiRequest<{ run: RunView }>('GET', `/api/v1/evaluations/${encodeURIComponent(runId)}`);
      await printRunSummary(run, Number(options.rows));
    });
  evaluations
    .command('compare')
    .argument('<run_a>')
    .argument('<run_b>')
    .action(async (a: string, b: string) => {
      const comparison = await apiRequest<Parameters<typeof printComparison>[2]>('GET', `/api/v1/evaluations/compare?run_ids=${encodeURIComponent(`${a},${b}`)}`);
      printComparison(a, b, comparison);
    });
}

function requestBody(options: EvaluateOptions): Record<string, unknown> {
  if (options.model && !options.targetUrl) throw new Error('--model: give --target-url too');
  const target = options.targetUrl
    ? options.model
      ? { type: 'openai_chat', base_url: options.targetUrl, model: options.model, ...(options.apiKeyEnv ? { api_key_env: options.apiKeyEnv } : {}), ...(options.systemPrompt ? { system_prompt: options.systemPrompt } : {}) }
      : { type: 'http', url: options.targetUrl, ...(options.apiKeyEnv ? { api_key_env: options.apiKeyEnv } : {}) }
    : undefined;
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency: must be a positive integer');
  return {
    data: { name: options.dataset, ...(options.version !== undefined ? { version: Number(options.version) } : {}) },
    ...(target ? { target } : {}),
    ...(options.scorers ? { scorers: list(options.scorers) } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.experiment ? { experiment_id: options.experiment } : {}),
    ...(options.metrics ? { metrics: list(options.metrics) } : {}),
    concurrency,
  };
}

/** Polls the run with a progress bar on stderr until it has finished. */
async function follow(started: RunView): Promise<RunView> {
  const bar = new cliProgress.SingleBar(
    { format: 'evaluating [{bar}] {value}/{total} rows | {passed} passed, {failed} failed, {errored} errored | {eta_formatted}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(started.progress.rows, 0, { passed: 0, failed: 0, errored: 0 });
  let run = started;
  try {
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 500));
      run = (await apiRequest<{ run: RunView }>('GET', `/api/v1/evaluations/${run.run_id}`)).run;
      bar.update(run.progress.finished, { passed: run.progress.passed, failed: run.progress.failed, errored: run.progress.errored });
    }
  } finally {
    bar.stop();
  }
  return run;
}
