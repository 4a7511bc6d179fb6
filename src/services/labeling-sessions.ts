/**
 * Labeling sessions (DESIGN §16): create one over an experiment's traces, add traces by id or by a
 * filter, read its traces with their labels and the progress, and sync its labeled expectations
 * into an evaluation dataset with the usual merge rules (a second sync adds nothing new).
 */
import { parseDatasetName } from '../domain/dataset-name.ts';
import { invalid, isAssayError } from '../domain/errors.ts';
import type { LabelSchema } from '../domain/labeling-session.ts';
import type { Db } from '../storage/connect.ts';
import { findDatasetRow } from '../storage/dataset-repository.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import {
  addSessionTraces,
  insertSession,
  labelsOf,
  pageSessionTraces,
  sessionProgress,
  sessionTraceIds,
  tracesInExperiment,
  type LabelingSessionRow,
  type SessionProgress,
} from '../storage/labeling-session-repository.ts';
import { listTokens } from '../storage/token-repository.ts';
import { MAX_RESULTS_LIMIT } from '../storage/trace-search.ts';
import type { DatasetLimits } from './dataset-change.ts';
import { mergeDatasetRecords } from './merge-dataset.ts';
import { searchTracesRequest } from './search-traces.ts';

export interface LabelingSession {
  labeling_session_id: string;
  name: string;
  experiment_id: string;
  label_schemas: LabelSchema[];
  assigned_users: string[];
  created_time: string;
  created_by: string | null;
  last_update_time: string;
  progress: SessionProgress;
}

export function sessionJson(row: LabelingSessionRow, progress: SessionProgress): LabelingSession {
  return {
    labeling_session_id: String(row.labeling_session_id),
    name: row.name,
    experiment_id: String(row.experiment_id),
    label_schemas: row.label_schemas,
    assigned_users: row.assigned_users,
    created_time: row.created_at.toISOString(),
    created_by: row.created_by,
    last_update_time: row.updated_at.toISOString(),
    progress,
  };
}

export async function sessionView(db: Db, row: LabelingSessionRow): Promise<LabelingSession> {
  return sessionJson(row, await sessionProgress(db, row.labeling_session_id, row.label_schemas.map((s) => s.name)));
}

/**
 * Assigned users are token names. Once tokens exist, a name that is no token is a typo the labeler
 * would never notice, so it is refused; in open mode (no tokens) any name goes.
 */
export async function checkAssignedUsers(db: Db, users: readonly string[]): Promise<string[]> {
  const unique = [...new Set(users)];
  const tokens = await listTokens(db);
  if (tokens.length === 0) return unique;
  const names = new Set(tokens.filter((t) => t.revoked_at === null).map((t) => t.name));
  const unknown = unique.filter((u) => !names.has(u));
  if (unknown.length > 0) throw invalid(`assigned_users: no active token named ${unknown.map((u) => `'${u}'`).join(', ')}`);
  return unique;
}

export async function createSession(
  db: Db,
  input: { name: string; experiment_id: string; label_schemas: LabelSchema[]; assigned_users: string[] },
  user: string,
): Promise<LabelingSession> {
  const experiment = await experimentFor(db, input.experiment_id);
  const assigned = await checkAssignedUsers(db, input.assigned_users);
  const row = await insertSession(db, { ...input, experiment_id: experiment, assigned_users: assigned, created_by: user });
  return sessionView(db, row);
}

async function experimentFor(db: Db, id: string): Promise<number> {
  try {
    return Number((await getExperiment(db, id)).experiment_id);
  } catch (error) {
    if (isAssayError(error, 'RESOURCE_DOES_NOT_EXIST')) throw invalid(`experiment_id: experiment '${id}' does not exist`);
    throw error;
  }
}

export type AddTraces = { trace_ids: string[] } | { filter_string: string; max_results: number };

/** Adds traces of the session's experiment; an id that is not one of them rejects the whole request. */
export async function addTraces(
  db: Db,
  session: LabelingSessionRow,
  request: AddTraces,
  user: string,
  searchTimeoutMs?: number,
): Promise<{ added: number; trace_count: number }> {
  const experimentId = session.experiment_id;
  let ids: string[];
  if ('trace_ids' in request) {
    ids = [...new Set(request.trace_ids)];
    const found = await tracesInExperiment(db, experimentId, ids);
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      throw invalid(`trace_ids: not traces of experiment ${experimentId}: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''}`, { unknown_trace_ids: unknown });
    }
  } else {
    ids = await searchIds(db, String(experimentId), request.filter_string, request.max_results, searchTimeoutMs);
  }
  const added = await addSessionTraces(db, session.labeling_session_id, ids, user);
  const progress = await sessionProgress(db, session.labeling_session_id, session.label_schemas.map((s) => s.name));
  return { added, trace_count: progress.total };
}

async function searchIds(db: Db, experimentId: string, filter: string, wanted: number, timeoutMs: number | undefined): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await searchTracesRequest(db, {
      experiment_ids: [experimentId],
      filter_string: filter,
      // Oldest first, so a session reads in the order the traces happened.
      order_by: ['timestamp_ms ASC'],
      max_results: Math.min(wanted - ids.length, MAX_RESULTS_LIMIT),
      page_token: pageToken,
    }, { timeoutMs });
    ids.push(...page.traces.map((t) => t.trace_id));
    pageToken = page.next_page_token;
  } while (pageToken && ids.length < wanted);
  return ids;
}

export interface SessionTrace {
  trace_id: string;
  position: number;
  request_preview: string | null;
  response_preview: string | null;
  request_time: string;
  state: string;
  /** Per schema name, the labels given (one per labeler, or more if a labeler wrote several). */
  labels: Record<string, Array<{ assessment_id: string; value: unknown; rationale: string | null; source_id: string | null; last_update_time: string }>>;
  /** Schemas with at least one label. */
  labeled: string[];
  done: boolean;
}

export async function sessionTraces(db: Db, session: LabelingSessionRow, page: { after: number; limit: number }): Promise<SessionTrace[]> {
  const names = session.label_schemas.map((s) => s.name);
  const rows = await pageSessionTraces(db, session.labeling_session_id, page);
  const labels = await labelsOf(db, rows.map((r) => r.trace_id), names);
  return rows.map((r) => {
    const mine = labels.filter((l) => l.trace_id === r.trace_id);
    const byName: SessionTrace['labels'] = {};
    for (const l of mine) {
      (byName[l.name] ??= []).push({
        assessment_id: l.assessment_id,
        value: l.value,
        rationale: l.rationale,
        source_id: l.source_id,
        last_update_time: l.last_update_time.toISOString(),
      });
    }
    const labeled = names.filter((n) => byName[n]);
    return {
      trace_id: r.trace_id,
      position: Number(r.position),
      request_preview: r.request_preview,
      response_preview: r.response_preview,
      request_time: new Date(Number(r.request_time)).toISOString(),
      state: r.state,
      labels: byName,
      labeled,
      done: labeled.length === names.length,
    };
  });
}

export interface SyncResult {
  dataset_name: string;
  records_added: number;
  records_merged: number;
  version: number;
  dataset_created: boolean;
}

/**
 * The session's traces become records of the dataset (created if absent, linked to the session's
 * experiment): root-span inputs and outputs, their valid expectations as expectations, a trace
 * source. Records match by inputs, so a second sync merges and adds nothing.
 */
export async function syncSession(
  db: Db,
  session: LabelingSessionRow,
  datasetName: string,
  options: { user: string; limits: DatasetLimits; maxTraceBytes?: number },
): Promise<SyncResult> {
  const name = parseDatasetName(datasetName, 'dataset_name').full;
  const ids = await sessionTraceIds(db, session.labeling_session_id);
  if (ids.length === 0) throw invalid('labeling_session_id: the session has no traces to sync');
  // A missing dataset is created with the first sync, in its transaction: a refused sync leaves none behind.
  const create = (await findDatasetRow(db, name)) ? undefined : { experiment_ids: [String(session.experiment_id)], tags: {} };
  const result = await mergeDatasetRecords(db, name, { trace_ids: ids }, { ...options, traceIdsField: 'labeling_session_id', create });
  const created = create !== undefined;
  return { dataset_name: name, records_added: result.inserted, records_merged: result.updated, version: result.version, dataset_created: created };
}
