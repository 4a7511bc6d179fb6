/** `assay experiments list|create|get`: the containers traces go into, through the HTTP API. */
import type { Command } from 'commander';
import { apiRequest } from './api-client.ts';
import { printTable } from './table.ts';

interface ExperimentJson {
  experiment_id: string;
  name: string;
  tags: Record<string, string>;
  created_by: string | null;
  creation_time: string;
}

export function registerExperiments(program: Command): void {
  const experiments = program.command('experiments').description('experiments: named containers of traces (through the API at ASSAY_URL)');

  experiments
    .command('list')
    .description('list experiments')
    .option('--name <name>', 'only the experiment with this name')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { name?: string; json?: boolean }) => {
      const query = options.name ? `?name=${encodeURIComponent(options.name)}` : '';
      const { experiments: list } = await apiRequest<{ experiments: ExperimentJson[] }>('GET', `/api/v1/experiments${query}`);
      if (options.json) return console.log(JSON.stringify(list, null, 2));
      printTable(
        ['experiment_id', 'name', 'tags', 'created_by', 'creation_time'],
        list.map((e) => [e.experiment_id, e.name, tagText(e.tags), e.created_by, e.creation_time]),
      );
    });

  experiments
    .command('create <name>')
    .description('create an experiment; prints its id')
    .option('-t, --tag <key=value...>', 'tags, e.g. -t team=support env=prod')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, options: { tag?: string[]; json?: boolean }) => {
      const tags = Object.fromEntries((options.tag ?? []).map(parseTag));
      const created = await apiRequest<ExperimentJson>('POST', '/api/v1/experiments', { name, ...(options.tag ? { tags } : {}) });
      if (options.json) return console.log(JSON.stringify(created, null, 2));
      console.log(created.experiment_id);
      console.error(`experiment '${created.name}' created with id ${created.experiment_id}`);
    });

  experiments
    .command('get <experiment_id>')
    .description('print one experiment as JSON')
    .action(async (id: string) => {
      console.log(JSON.stringify(await apiRequest('GET', `/api/v1/experiments/${encodeURIComponent(id)}`), null, 2));
    });
}

function parseTag(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new Error(`--tag: '${text}' is not key=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function tagText(tags: Record<string, string>): string {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ');
}
