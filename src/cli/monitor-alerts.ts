/** `assay monitor alerts EXPERIMENT_ID`: alert rules with their states, and recent state changes. */
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { printTable } from './table.ts';

interface AlertsJson {
  alerts: Array<{ name: string; state: string; since: string | null; streak: number; value: number | null; interval: number[] | null; sample_size: number | null; rule: { metric: string; scorer?: string; op: string; threshold: number } }>;
  history: Array<{ time: string; alert: string; state: string; value: number | null; interval: number[] | null; sample_size: number | null; threshold: number; deliveries: Array<{ webhook: string; status: string; attempts: number }> }>;
}

const num = (x: number | null | undefined) => (x === null || x === undefined ? '' : Number.isInteger(x) ? String(x) : x.toFixed(3));
const range = (i: number[] | null) => (i ? `${num(i[0])}–${num(i[1])}` : '');

export function registerMonitorAlerts(monitor: Command): void {
  monitor
    .command('alerts <experiment_id>')
    .description('alert rules with their state, and the history of state changes')
    .option('--json', 'print JSON')
    .option('-n, --max-results <n>', 'history entries', '20')
    .action(async (id: string, options: { json?: boolean; maxResults: string }) => {
      const result = await apiRequest<AlertsJson>('GET', `/api/v1/experiments/${encodeURIComponent(id)}/monitor/alerts?max_results=${Number(options.maxResults)}`);
      if (options.json) return console.log(JSON.stringify(result, null, 2));
      printTable(
        ['alert', 'state', 'since', 'rule', 'value', 'interval', 'n', 'streak'],
        result.alerts.map((a) => [
          a.name,
          a.state,
          a.since,
          `${a.rule.scorer ? `${a.rule.scorer} ` : ''}${a.rule.metric} ${a.rule.op} ${a.rule.threshold}`,
          num(a.value),
          range(a.interval),
          a.sample_size,
          a.streak,
        ]),
      );
      if (result.history.length === 0) return;
      printTable(
        ['time', 'alert', 'state', 'value', 'interval', 'n', 'threshold', 'deliveries'],
        result.history.map((h) => [
          h.time,
          h.alert,
          h.state,
          num(h.value),
          range(h.interval),
          h.sample_size,
          h.threshold,
          h.deliveries.map((d) => `${d.webhook} ${d.status} (${d.attempts})`).join(', '),
        ]),
      );
    });
}
