/**
 * Monitor configs as whole documents: PUT replaces everything, with optimistic concurrency
 * (If-Match against the ETag) and a results schema fixed at creation.
 */
import { reservedSchemaReason } from '../domain/reserved-names.ts';
import type { AppContext } from '../services/context.ts';
import { AssayError, invalid, notFound } from '../domain/errors.ts';
import { validateMonitorConfig, type MonitorConfig } from '../domain/monitor-config.ts';
import { scorerLevel, validateScorerEntries } from '../scorers/registry.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { deleteMonitor, findMonitor, saveMonitor, type MonitorRow } from '../storage/monitor-repository.ts';
import { filterError } from './monitor-filters.ts';
import { OutboundHttp } from './outbound-http.ts';
import { parseFilter } from '../domain/filter/index.ts';
import { checkFilterRegexes } from '../storage/filter-regex-check.ts';

export interface MonitorView {
  experiment_id: string;
  config: MonitorConfig;
  version: number;
  etag: string;
  next_run_time: string | null;
  created_by: string | null;
  creation_time: string;
  last_update_time: string;
}

export function monitorView(row: MonitorRow): MonitorView {
  return {
    experiment_id: String(row.experiment_id),
    config: row.config,
    version: row.version,
    etag: row.etag,
    next_run_time: row.config.paused ? null : row.next_due_at.toISOString(),
    created_by: row.created_by,
    creation_time: row.created_at.toISOString(),
    last_update_time: row.updated_at.toISOString(),
  };
}

export function parseMonitorConfig(body: unknown): MonitorConfig {
  const result = validateMonitorConfig(body, { validateScorers: (e) => validateScorerEntries(e), filterError });
  if (!result.ok) throw invalid(result.problems.join('; '), { problems: result.problems });
  return result.config;
}

export async function getMonitor(ctx: AppContext, experimentId: string): Promise<MonitorView> {
  const experiment = await getExperiment(ctx.db, experimentId);
  const row = await findMonitor(ctx.db, Number(experiment.experiment_id));
  if (!row) throw notFound(`experiment_id: experiment '${experimentId}' has no monitor; create one with PUT`);
  return monitorView(row);
}

/** Creates or replaces the config. `ifMatch` is the client's If-Match header, if any. */
export async function putMonitor(
  ctx: AppContext,
  experimentId: string,
  body: unknown,
  options: { ifMatch: string | undefined; user: string },
): Promise<{ view: MonitorView; created: boolean }> {
  const experiment = await getExperiment(ctx.db, experimentId);
  const config = parseMonitorConfig(body);
  checkWebhookUrls(ctx, config);
  if (!ctx.config.sessionJudges) {
    const index = config.scorers.findIndex((s) => scorerLevel(s) === 'session');
    if (index >= 0) throw invalid(`scorers[${index}].name: session judges are turned off on this server (ASSAY_SESSION_JUDGES=false)`);
  }
  await checkRegexes(ctx, config);
  const id = Number(experiment.experiment_id);
  return ctx.db.transaction().execute(async (trx) => {
    const previous = await findMonitor(trx, id, true);
    if (options.ifMatch !== undefined && options.ifMatch !== '*' && options.ifMatch !== previous?.etag) {
      throw new AssayError(
        'PRECONDITION_FAILED',
        `If-Match: the monitor changed since you read it (current etag ${previous?.etag ?? 'none'}); GET it again`,
      );
    }
    // A schema stored before reserved names were refused may be moved off; any other is fixed.
    if (previous && previous.results_schema !== config.results_schema && !reservedSchemaReason(previous.results_schema)) {
      throw new AssayError(
        'RESOURCE_CONFLICT',
        `results_schema: is '${previous.results_schema}' and cannot change; delete the monitor to start over`,
      );
    }
    const unpaused = previous !== undefined && previous.config.paused && !config.paused;
    const row = await saveMonitor(trx, { experimentId: id, config, previous, user: options.user, dueNow: unpaused });
    return { view: monitorView(row), created: previous === undefined };
  });
}

export async function removeMonitor(ctx: AppContext, experimentId: string): Promise<void> {
  const experiment = await getExperiment(ctx.db, experimentId);
  if (!(await deleteMonitor(ctx.db, Number(experiment.experiment_id)))) {
    throw notFound(`experiment_id: experiment '${experimentId}' has no monitor`);
  }
}

/** A webhook must be reachable under the outbound policy; refused now rather than at every delivery. */
function checkWebhookUrls(ctx: AppContext, config: MonitorConfig): void {
  const outbound = OutboundHttp.fromConfig(ctx.config);
  const problems: string[] = [];
  (config.webhooks ?? []).forEach((hook, i) => {
    try {
      outbound.check(hook.url);
    } catch (error) {
      problems.push(`webhooks[${i}].url: ${(error as Error).message}`);
    }
  });
  if (problems.length) throw invalid(problems.join('; '), { problems });
}

/** RLIKE patterns are compiled by Postgres: a bad one must fail the PUT, not every later run. */
async function checkRegexes(ctx: AppContext, config: MonitorConfig): Promise<void> {
  const filters: Array<[string, string | undefined]> = [
    ['filter_string', config.filter_string],
    ...config.scorers.map((s, i): [string, string | undefined] => [`scorers[${i}].filter_string`, s.filter_string]),
  ];
  for (const [field, text] of filters) {
    if (!text) continue;
    try {
      await checkFilterRegexes(ctx.db, parseFilter(text));
    } catch (error) {
      throw invalid(`${field}: ${(error as Error).message}`);
    }
  }
}
