/**
 * `assay datasets import|export|create|list|versions`: evaluation datasets through the HTTP API
 * (ASSAY_URL, ASSAY_TOKEN). Import checks the whole file first, so a bad line writes nothing.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { recordInputSchema } from '../domain/dataset-record.ts';
import { ApiError, apiRequest } from './api-client.ts';
import { formatOf, readDatasetFile } from './dataset-file.ts';
import { printTable } from './table.ts';

/** Records per merge request: each request is one dataset version. */
export const IMPORT_BATCH_SIZE = 5000;

const path = (name: string, rest = '') => `/api/v1/datasets/${encodeURIComponent(name)}${rest}`;

interface MergeAnswer {
  inserted: number;
  updated: number;
  version: number;
}

export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('evaluation datasets (through the API at ASSAY_URL)');

  datasets
    .command('import')
    .argument('<name>', 'dataset name, <schema>.<table>; created when missing')
    .requiredOption('--file <file>', 'JSONL, JSON or CSV (JSON-encoded object columns)')
    .option('--format <format>', 'jsonl, json or csv (default: from the file extension)')
    .option('--batch-size <n>', 'records per request (each is one version)', String(IMPORT_BATCH_SIZE))
    .action(async (name: string, options: { file: string; format?: string; batchSize: string }) => {
      await importFile(name, options.file, formatOf(options.file, options.format), Number(options.batchSize));
    });

  datasets
    .command('export')
    .argument('<name>', 'dataset name, <schema>.<table>')
    .option('--version <k>', 'the version to export (default: the current one)')
    .option('--output <file>', 'write here instead of standard output')
    .action(async (name: string, options: { version?: string; output?: string }) => {
      await exportJsonl(name, options.version, options.output);
    });

  datasets
    .command('create')
    .argument('<name>', 'dataset name, <schema>.<table>')
    .option('--tag <key=value...>', 'tags')
    .option('--experiment <id...>', 'experiments to link')
    .action(async (name: string, options: { tag?: string[]; experiment?: string[] }) => {
      const tags = Object.fromEntries((options.tag ?? []).map((t) => [t.split('=')[0], t.split('=').slice(1).join('=')]));
      await apiRequest('POST', '/api/v1/datasets', { name, tags, experiment_ids: options.experiment ?? [] });
      console.error(`dataset '${name}' created; it is readable in SQL as ${name.toLowerCase()}`);
    });

  datasets.command('list').action(async () => {
    const { datasets: list } = await apiRequest<{ datasets: Array<Record<string, unknown>> }>('GET', '/api/v1/datasets?max_results=1000');
    printTable(
      ['name', 'records', 'version', 'updated', 'by'],
      list.map((d) => [d.name as string, d.record_count as number, d.current_version as number, d.last_update_time as string, d.last_updated_by as string]),
    );
  });

  datasets
    .command('versions')
    .argument('<name>')
    .action(async (name: string) => {
      const { versions } = await apiRequest<{ versions: Array<Record<string, string | number>> }>('GET', path(name, '/versions'));
      const cols = ['version', 'operation', 'created_time', 'created_by', 'inserted', 'updated', 'deleted', 'record_count'];
      printTable(cols, versions.map((v) => cols.map((c) => v[c])));
    });
}

async function importFile(name: string, file: string, format: ReturnType<typeof formatOf>, batchSize: number): Promise<void> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch-size: must be a positive integer');
  const rows = await readDatasetFile(file, format);
  const problems: string[] = [];
  const records = rows.map(({ where, record }) => {
    const parsed = recordInputSchema.safeParse(record);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`);
      problems.push(`${where}: ${issues.join('; ')}`);
    }
    return record;
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).join('\n  ');
    throw new Error(`${file}: ${problems.length} invalid records, nothing imported:\n  ${shown}`);
  }
  await ensureDataset(name);

  const bar = new cliProgress.SingleBar(
    { format: 'importing {bar} {value}/{total} records | {eta_formatted} left', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(records.length, 0);
  const totals = { inserted: 0, updated: 0, first: 0, last: 0 };
  try {
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      const answer = await apiRequest<MergeAnswer>('POST', path(name, '/merge'), { records: batch }).catch((error: unknown) => {
        throw new Error(`records ${i + 1}–${i + batch.length}: ${(error as Error).message}; ${i} records were imported before`);
      });
      totals.inserted += answer.inserted;
      totals.updated += answer.updated;
      totals.first ||= answer.version;
      totals.last = answer.version;
      bar.increment(batch.length);
    }
  } finally {
    bar.stop();
  }
  const versions = totals.first === totals.last ? `version ${totals.last}` : `versions ${totals.first}–${totals.last}`;
  console.log(
    `${records.length} records read from ${file}: ${totals.inserted} inserted, ${totals.updated} updated into '${name}' (${versions})`,
  );
}

async function ensureDataset(name: string): Promise<void> {
  try {
    await apiRequest('GET', path(name));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    await apiRequest('POST', '/api/v1/datasets', { name });
    console.error(`dataset '${name}' created`);
  }
}

async function exportJsonl(name: string, version: string | undefined, output: string | undefined): Promise<void> {
  const out = output ? createWriteStream(output) : process.stdout;
  let token: string | undefined;
  let count = 0;
  let read = 0;
  do {
    const params = new URLSearchParams({ max_results: '1000' });
    if (version !== undefined) params.set('version', version);
    if (token) params.set('page_token', token);
    const page = await apiRequest<{ version: number; records: unknown[]; next_page_token?: string }>(
      'GET',
      path(name, `/records?${params}`),
    );
    read = page.version;
    for (const record of page.records) {
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
      count += 1;
    }
    token = page.next_page_token;
  } while (token);
  if (output) {
    out.end();
    await once(out, 'finish');
  }
  console.error(`${count} records of '${name}' version ${read} exported${output ? ` to ${output}` : ''}`);
}
