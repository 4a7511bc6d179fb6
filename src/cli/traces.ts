/** `assay traces search`: find traces with MLflow's filter language through the HTTP API. */
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { formatRows } from './sql-output.ts';
import { printTable } from './table.ts';

interface SearchOptions {
  experimentId?: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: string;
  pageToken?: string;
  extract?: string[];
  format?: string;
  json?: boolean;
}

const FORMATS = ['table', 'csv', 'json'] as const;

interface TraceJson {
  trace_id: string;
  request_time: string;
  execution_duration_ms: number | null;
  state: string;
  request_preview: string | null;
  tags: Record<string, string>;
  extracted?: Record<string, unknown>;
  assessments?: Array<{ assessment_name: string; feedback?: { value: unknown }; expectation?: { value: unknown } }>;
}

interface DecisionsJson {
  trace_id: string;
  experiment_id: string;
  coverage_reason: string;
  scorers: Array<{
    scorer: string;
    level?: string;
    decision: string;
    reason: string;
    sample: { u: number; rate: number; sampled: boolean };
    filters: { monitor: boolean | null; scorer: boolean | null };
    applicability: { applies: boolean; reason: string | null };
  }>;
}

export function registerTraces(program: Command): void {
  const traces = program.command('traces').description('search and explain traces');
  traces
    .command('search')
    .description("find traces, e.g. --filter \"tags.env = 'prod' AND feedback.correctness = 'no'\"")
    .option('-x, --experiment-id <ids...>', 'experiments to search (default: all of them)')
    .option('-f, --filter <filter>', "MLflow search_traces filter, e.g. \"status = 'ERROR'\"")
    .option('-o, --order-by <items...>', "order, e.g. 'timestamp_ms DESC' 'tag.env'")
    .option('-n, --max-results <n>', 'traces per page, 1 to 5000 (default 100)')
    .option('--page-token <token>', 'continue after the page that printed this token')
    .option('-e, --extract <fields...>', "span values as extra columns, e.g. span.end_time span.inputs.messages 'retrieve.outputs'")
    .option('--format <format>', 'table, csv or json (default table)')
    .option('--json', 'print the API answer as JSON (same as --format json)')
    .action(async (options: SearchOptions) => {
      const format = options.json ? 'json' : (options.format ?? 'table');
      if (!(FORMATS as readonly string[]).includes(format)) throw new Error(`--format: '${format}' is not one of ${FORMATS.join(', ')}`);
      const extract = options.extract ?? [];
      const body = {
        experiment_ids: options.experimentId ?? (await allExperimentIds()),
        ...(options.filter !== undefined ? { filter_string: options.filter } : {}),
        ...(options.orderBy ? { order_by: options.orderBy } : {}),
        ...(options.maxResults !== undefined ? { max_results: Number(options.maxResults) } : {}),
        ...(options.pageToken ? { page_token: options.pageToken } : {}),
        ...(extract.length > 0 ? { extract_fields: extract } : {}),
      };
      const result = await apiRequest<{ traces: TraceJson[]; next_page_token?: string }>('POST', '/api/v1/traces/search', body);
      if (format === 'json') {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      // Repeated fields come back once; columns follow the order asked.
      const fields = [...new Set(extract)];
      if (format === 'csv') {
        const head = ['trace_id', 'request_time', 'state', 'execution_duration_ms', 'name', ...fields];
        const rows = result.traces.map((t) => [
          t.trace_id,
          t.request_time,
          t.state,
          t.execution_duration_ms,
          t.tags['mlflow.traceName'] ?? null,
          ...fields.map((f) => t.extracted?.[f] ?? null),
        ]);
        process.stdout.write(await formatRows('csv', head, rows));
      } else {
        printTable(
          ['trace_id', 'request_time', 'state', 'ms', 'name', ...(fields.length > 0 ? fields : ['request', 'assessments'])],
          result.traces.map((t) => [
            t.trace_id,
            t.request_time,
            t.state,
            t.execution_duration_ms,
            t.tags['mlflow.traceName'],
            ...(fields.length > 0
              ? fields.map((f) => clip(cellText(t.extracted?.[f]), 40))
              : [clip(t.request_preview ?? '', 50), clip((t.assessments ?? []).map(assessmentText).join(', '), 60)]),
          ]),
        );
      }
      // On stderr, so a table or CSV piped elsewhere stays clean.
      console.error(`${result.traces.length} traces${result.next_page_token ? `; next page: --page-token ${result.next_page_token}` : ''}`);
    });

  traces
    .command('why')
    .description("why a trace was (not) scored by each scorer of its experiment's monitor")
    .argument('<trace_id>', 'the trace')
    .option('--json', 'print the API answer as JSON')
    .action(async (traceId: string, options: { json?: boolean }) => {
      const result = await apiRequest<DecisionsJson>('GET', `/api/v1/traces/${encodeURIComponent(traceId)}/monitor-decisions`);
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`${result.trace_id} (experiment ${result.experiment_id}): ${result.coverage_reason}`);
      if (result.scorers.length === 0) return;
      printTable(
        ['scorer', 'decision', 'u / rate', 'filters', 'applies', 'reason'],
        result.scorers.map((s) => [
          s.level === 'session' ? `${s.scorer} (session)` : s.scorer,
          s.decision,
          `${s.sample.u.toFixed(4)} ${s.sample.sampled ? '<' : '>='} ${s.sample.rate}`,
          [s.filters.monitor, s.filters.scorer].map((f) => (f === null ? '-' : f ? 'pass' : 'fail')).join(' / '),
          s.applicability.applies ? 'yes' : `no: ${s.applicability.reason}`,
          clip(s.reason, 90),
        ]),
      );
      // A clipped reason (a deferral says when it is judged at its end) is printed whole below.
      for (const s of result.scorers.filter((d) => clip(d.reason, 90) !== d.reason)) console.log(`${s.scorer}: ${s.reason}`);
    });
}

async function allExperimentIds(): Promise<string[]> {
  const { experiments } = await apiRequest<{ experiments: Array<{ experiment_id: string }> }>('GET', '/api/v1/experiments');
  if (experiments.length === 0) throw new Error('there are no experiments yet: create one with `assay experiments create NAME`');
  // The API searches at most 100 experiments at once.
  if (experiments.length > 100) console.error(`searching the first 100 of ${experiments.length} experiments; name others with -x`);
  return experiments.slice(0, 100).map((e) => e.experiment_id);
}

function assessmentText(a: NonNullable<TraceJson['assessments']>[number]): string {
  const value = a.feedback ? a.feedback.value : a.expectation?.value;
  return `${a.assessment_name}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function clip(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
