/**
 * `assay labeling create|list|show|add-traces|sync`: labeling sessions through the HTTP API
 * (ASSAY_URL, ASSAY_TOKEN). Labels themselves are given in the console or as assessments.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { printTable } from './table.ts';

const BASE = '/api/v1/labeling-sessions';

interface Session {
  labeling_session_id: string;
  name: string;
  experiment_id: string;
  label_schemas: Array<{ name: string; kind: string; type: string; min?: number; max?: number; options?: string[] }>;
  assigned_users: string[];
  created_by: string | null;
  created_time: string;
  progress: { total: number; done: number; by_user: Record<string, number> };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * A label schema from the command line: `name:kind:type[:detail]`, where the detail is `min..max`
 * for numeric and `a|b|c` for categorical (`helpful:feedback:yes_no`, `quality:feedback:numeric:1..5`).
 */
export function parseSchemaFlag(flag: string): Record<string, unknown> {
  const [name, kind, type, detail] = flag.split(':');
  if (!name || !kind || !type) throw new Error(`--schema: '${flag}' is not name:kind:type[:detail]`);
  const schema: Record<string, unknown> = { name, kind, type };
  if (type === 'numeric' && detail) {
    const [min, max] = detail.split('..').map(Number);
    Object.assign(schema, { min, max });
  }
  if (type === 'categorical' && detail) schema.options = detail.split('|');
  return schema;
}

export function registerLabeling(program: Command): void {
  const labeling = program.command('labeling').description('labeling sessions (through the API at ASSAY_URL)');

  labeling
    .command('create')
    .requiredOption('--name <name>', 'session name')
    .requiredOption('--experiment <id>', 'experiment id whose traces are labeled')
    .option('--schema <name:kind:type[:detail]>', 'a label schema, repeatable (quality:feedback:numeric:1..5, topic:feedback:categorical:a|b)', collect)
    .option('--schemas-file <file>', 'label schemas as a JSON list')
    .option('--assign <token-name>', 'a labeler (token name), repeatable', collect)
    .action(async (options: { name: string; experiment: string; schema?: string[]; schemasFile?: string; assign?: string[] }) => {
      const fromFile = options.schemasFile ? (JSON.parse(await readFile(options.schemasFile, 'utf8')) as unknown[]) : [];
      const schemas = [...fromFile, ...(options.schema ?? []).map(parseSchemaFlag)];
      const session = await apiRequest<Session>('POST', BASE, {
        name: options.name, experiment_id: options.experiment, label_schemas: schemas, assigned_users: options.assign ?? [],
      });
      console.log(session.labeling_session_id);
      console.error(`labeling session '${session.name}' created with ${session.label_schemas.length} label schemas`);
    });

  labeling
    .command('list')
    .option('--experiment <id>', 'only this experiment')
    .action(async (options: { experiment?: string }) => {
      const query = options.experiment ? `?experiment_id=${encodeURIComponent(options.experiment)}` : '';
      const { labeling_sessions } = await apiRequest<{ labeling_sessions: Session[] }>('GET', `${BASE}${query}`);
      printTable(
        ['id', 'name', 'experiment', 'done', 'assigned', 'created_by'],
        labeling_sessions.map((s) => [s.labeling_session_id, s.name, s.experiment_id, `${s.progress.done} of ${s.progress.total}`, s.assigned_users.join(', '), s.created_by]),
      );
    });

  labeling
    .command('show')
    .argument('<id>', 'labeling session id')
    .action(async (id: string) => {
      const s = await apiRequest<Session>('GET', `${BASE}/${encodeURIComponent(id)}`);
      console.log(`${s.name} (experiment ${s.experiment_id}): ${s.progress.done} of ${s.progress.total} traces done`);
      printTable(['schema', 'kind', 'type', 'detail'], s.label_schemas.map((x) => [x.name, x.kind, x.type, x.options?.join(' | ') ?? (x.min !== undefined ? `${x.min}..${x.max}` : '')]));
      printTable(['labeler', 'traces done'], [...new Set([...s.assigned_users, ...Object.keys(s.progress.by_user)])].map((u) => [u, s.progress.by_user[u] ?? 0]));
    });

  labeling
    .command('add-traces')
    .argument('<id>', 'labeling session id')
    .option('--trace-id <id>', 'a trace id, repeatable', collect)
    .option('--filter <filter_string>', 'every trace of the session experiment matching this filter')
    .option('--max-results <n>', 'at most this many traces from the filter', '1000')
    .action(async (id: string, options: { traceId?: string[]; filter?: string; maxResults: string }) => {
      if (!options.traceId === !options.filter) throw new Error('give --trace-id or --filter');
      const body = options.traceId ? { trace_ids: options.traceId } : { filter_string: options.filter, max_results: Number(options.maxResults) };
      const r = await apiRequest<{ added: number; trace_count: number }>('POST', `${BASE}/${encodeURIComponent(id)}/traces`, body);
      console.log(`${r.added} traces added; the session holds ${r.trace_count}`);
    });

  labeling
    .command('sync')
    .argument('<id>', 'labeling session id')
    .requiredOption('--dataset <name>', 'dataset name, <schema>.<table>; created when missing')
    .action(async (id: string, options: { dataset: string }) => {
      const r = await apiRequest<{ dataset_name: string; records_added: number; records_merged: number; version: number }>(
        'POST', `${BASE}/${encodeURIComponent(id)}/sync`, { dataset_name: options.dataset },
      );
      console.log(`${r.records_added} records added, ${r.records_merged} merged into ${r.dataset_name} (version ${r.version})`);
    });
}
