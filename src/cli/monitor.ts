/** `assay monitor get|set|delete|run|runs|test|backfill|alerts EXPERIMENT_ID`: the monitor admin API. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { registerMonitorAlerts } from './monitor-alerts.ts';
import { printTable } from './table.ts';

const base = (id: string) => `/api/v1/experiments/${encodeURIComponent(id)}/monitor`;
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

interface RunView {
  run_id: string;
  kind: string;
  status: string;
  traces_seen: number;
  traces_copied: number;
  judge_calls: number;
  /** Absent from servers older than this CLI. */
  repeated_judge_calls?: number;
  cost: number;
  duration_ms: number | null;
  created_at: string;
  scorers: Record<string, { sampled: number; scored: number; errored: number; not_applicable: number }>;
  errors: string[];
}

export function registerMonitor(program: Command): void {
  const monitor = program.command('monitor').description("manage an experiment's monitor (talks to ASSAY_URL with ASSAY_TOKEN)");

  monitor.command('get <experiment_id>').description('print the config document').action(async (id: string) => {
    print(await apiRequest('GET', base(id)));
  });

  monitor
    .command('set <experiment_id>')
    .description('replace the whole config with the JSON document in FILE (fields left out are removed)')
    .requiredOption('-f, --file <file>', 'config document (JSON)')
    .option('--if-match <etag>', 'only replace if the monitor still has this etag')
    .action(async (id: string, options: { file: string; ifMatch?: string }) => {
      const document = JSON.parse(readFileSync(options.file, 'utf8')) as unknown;
      print(await apiRequest('PUT', base(id), document, options.ifMatch ? { 'if-match': options.ifMatch } : {}));
    });

  monitor.command('delete <experiment_id>').description('stop monitoring (the results table stays)').action(async (id: string) => {
    await apiRequest('DELETE', base(id));
    console.log(`monitor of experiment ${id} deleted; its results table is kept`);
  });

  monitor.command('run <experiment_id>').description('start a run now').action(async (id: string) => {
    const { run } = await apiRequest<{ run: RunView }>('POST', `${base(id)}/run`);
    console.log(`run ${run.run_id} ${run.status}`);
  });

  monitor
    .command('runs <experiment_id>')
    .description('run history with counts')
    .option('--json', 'print JSON')
    .option('-n, --max-results <n>', 'how many', '20')
    .action(async (id: string, options: { json?: boolean; maxResults: string }) => {
      const { runs } = await apiRequest<{ runs: RunView[] }>('GET', `${base(id)}/runs?max_results=${Number(options.maxResults)}`);
      if (options.json) return print(runs);
      printTable(
        ['run', 'kind', 'status', 'traces', 'copied', 'judge calls', 'cost', 'seconds', 'scorers (scored/sampled)', 'errors'],
        runs.map((r) => [
          r.run_id,
          r.kind,
          r.status,
          r.traces_seen,
          r.traces_copied,
          // Repeated: calls made again after an attempt's answers were lost (a crash, an outage).
          r.repeated_judge_calls ? `${r.judge_calls} (${r.repeated_judge_calls} repeated)` : r.judge_calls,
          r.cost ? r.cost.toFixed(4) : '',
          r.duration_ms === null ? '' : (r.duration_ms / 1000).toFixed(1),
          Object.entries(r.scorers).map(([n, c]) => `${n} ${c.scored}/${c.sampled}`).join(', '),
          r.errors.length,
        ]),
      );
    });

  monitor
    .command('test <experiment_id>')
    .description('run the scorers on the latest traces without writing anything')
    .option('-n, --max-traces <n>', 'traces to try', '10')
    .option('-f, --file <file>', 'try the scorers of this config document instead of the current ones')
    .action(async (id: string, options: { maxTraces: string; file?: string }) => {
      const scorers = options.file ? (JSON.parse(readFileSync(options.file, 'utf8')) as { scorers: unknown[] }).scorers : undefined;
      const result = await apiRequest<{ traces: number; scorers: Array<{ name: string; applied: number; not_applicable: number; filtered_out: number; reasons: Record<string, number>; errors: string[] }> }>(
        'POST',
        `${base(id)}/test`,
        { max_traces: Number(options.maxTraces), ...(scorers ? { scorers } : {}) },
      );
      console.log(`tried on the latest ${result.traces} traces`);
      printTable(
        ['scorer', 'applied', 'not applicable', 'filtered out', 'why not', 'errors'],
        result.scorers.map((s) => [s.name, s.applied, s.not_applicable, s.filtered_out, Object.keys(s.reasons).join('; '), s.errors.length]),
      );
    });

  monitor
    .command('backfill <experiment_id>')
    .description('judge past traces of a time range: shows the estimate; add --confirm to start')
    .requiredOption('--from <time>', 'start (RFC 3339)')
    .requiredOption('--to <time>', 'end, exclusive (RFC 3339)')
    .option('--scorers <names>', 'comma-separated subset of the monitor scorers')
    .option('--max-judge-calls <n>', "the backfill's own budget: judge calls at most (on top of the daily budget)")
    .option('--max-tokens <n>', "the backfill's own budget: tokens at most")
    .option('--max-cost-usd <usd>', "the backfill's own budget: dollars at most")
    .option('--confirm', 'start the backfill')
    .action(async (id: string, options: { from: string; to: string; scorers?: string; confirm?: boolean; maxJudgeCalls?: string; maxTokens?: string; maxCostUsd?: string }) => {
      const budget = {
        ...(options.maxJudgeCalls !== undefined ? { max_judge_calls: Number(options.maxJudgeCalls) } : {}),
        ...(options.maxTokens !== undefined ? { max_tokens: Number(options.maxTokens) } : {}),
        ...(options.maxCostUsd !== undefined ? { max_cost_usd: Number(options.maxCostUsd) } : {}),
      };
      const result = await apiRequest<{ confirmed: boolean; estimate: Record<string, unknown> }>('POST', `${base(id)}/backfill`, {
        start_time: options.from,
        end_time: options.to,
        confirm: Boolean(options.confirm),
        ...(options.scorers ? { scorers: options.scorers.split(',').map((s) => s.trim()) } : {}),
        ...(Object.keys(budget).length > 0 ? { budget } : {}),
      });
      print(result);
    });

  registerMonitorAlerts(monitor);
}
