/**
 * merge_records: records, traces by id and traces found by a search become one batch that is
 * merged into a dataset as one new version. Everything is checked before anything is written:
 * unknown trace ids, invalid expectations and limits reject the whole batch.
 */
import { randomBytes } from 'node:crypto';
import { contentHash, collapseBatch, mergeRecord, traceToRecordInput } from '../domain/dataset-merge.ts';
import { expectationsSchema, recordIdFor, type RecordInput } from '../domain/dataset-record.ts';
import { alreadyExists, invalid, isAssayError } from '../domain/errors.ts';
import { parseDatasetName } from '../domain/dataset-name.ts';
import { findDatasetRow } from '../storage/dataset-repository.ts';
import type { Db } from '../storage/connect.ts';
import { allocateRecordSeqs, closeCurrentByHashes, type RecordVersionWrite } from '../storage/dataset-record-repository.ts';
import { MAX_RESULTS_LIMIT } from '../storage/trace-search.ts';
import { loadStoredTraces } from '../storage/trace-repository.ts';
import { searchTracesRequest } from './search-traces.ts';
import { changeDataset, checkExpectationCount, type DatasetLimits, type NewDataset } from './dataset-change.ts';

/** A trace search, exactly as `POST /api/v1/traces/search` takes it. */
export interface TraceSearchSpec {
  experiment_ids: string[];
  filter_string?: string | undefined;
  order_by?: string[] | undefined;
  max_results?: number | undefined;
}

/** What a merge may bring; any combination. */
export interface MergeRequest {
  records?: readonly RecordInput[] | undefined;
  trace_ids?: readonly string[] | undefined;
  search?: TraceSearchSpec | undefined;
}

export interface MergeResult {
  inserted: number;
  updated: number;
  /** The dataset version after the merge (unchanged when the batch was empty). */
  version: number;
  /** Traces read from `trace_ids` and `search`; traces with the same inputs make one record. */
  traces_read: number;
}

export interface MergeOptions {
  /** The caller's name: created_by / last_updated_by, and the default human source. */
  user: string;
  limits: DatasetLimits;
  /** A search's statement timeout (ASSAY_SEARCH_TIMEOUT_MS). */
  searchTimeoutMs?: number | undefined;
  /**
   * Most bytes (as JSON) of records a merge may take from traces, `trace_ids` and `search` together:
   * what is read is held until it is written, so it is held to what a request body may bring
   * (ASSAY_BODY_LIMIT_BYTES). Default: no limit.
   */
  maxTraceBytes?: number | undefined;
  /** The field a refusal names for `trace_ids` (a labeling session's sync names its session). Default 'trace_ids'. */
  traceIdsField?: string | undefined;
  /**
   * Creates the dataset with the merge, in its transaction: a refused merge leaves no dataset
   * behind. The name must be free (409 otherwise).
   */
  create?: NewDataset | undefined;
}

export async function mergeDatasetRecords(
  db: Db,
  name: string,
  request: MergeRequest,
  options: MergeOptions,
): Promise<MergeResult> {
  const { user, limits } = options;
  // A name already taken is told before any trace is read (the insert in the transaction decides).
  if (options.create && (await findDatasetRow(db, parseDatasetName(name).full))) {
    throw alreadyExists(`name: a dataset named '${parseDatasetName(name).full}' already exists`);
  }
  const records = request.records ?? [];
  records.forEach((r, i) => checkExpectationCount(`records[${i}].expectations`, r.expectations, limits));
  // Traces are read before the transaction: on embedded PGlite a transaction holds the only connection.
  const budget = { left: options.maxTraceBytes ?? Infinity, limit: options.maxTraceBytes ?? Infinity };
  const byId = await recordInputsOf(db, [...new Set(request.trace_ids ?? [])], limits, { ...budget, field: options.traceIdsField ?? 'trace_ids' });
  if (byId.unknown.length > 0) {
    throw invalid(`trace_ids: unknown trace ids: ${byId.unknown.join(', ')}`, { unknown_trace_ids: byId.unknown });
  }
  const bySearch = await recordInputsBySearch(db, request.search, options.searchTimeoutMs, limits, {
    left: budget.left - byId.bytes,
    limit: budget.limit,
    field: 'search',
  });
  const fromTraces = [...byId.inputs, ...bySearch.inputs];
  const batch = collapseBatch([...records, ...fromTraces], user);
  const now = new Date();

  const result = await changeDataset(db, name, user, limits, async (trx, dataset) => {
    if (batch.length === 0) return null;
    const version = dataset.current_version + 1;
    const existing = await closeCurrentByHashes(trx, dataset.dataset_id, batch.map((b) => b.hash), version);
    const byHash = new Map(existing.map((e) => [e.inputs_hash, e]));
    const seqs = await allocateRecordSeqs(trx, batch.length - existing.length);
    const random = randomBytes(10 * seqs.length).toString('hex');
    let next = 0;
    const written: RecordVersionWrite[] = [];
    for (const { hash, input } of batch) {
      const match = byHash.get(hash);
      // New records take the next places in the order; their ids carry them.
      const seq = match ? match.record_seq : seqs[next]!;
      const id = match ? match.record.dataset_record_id : recordIdFor(seq, random.slice(20 * next, 20 * ++next));
      const record = mergeRecord(match?.record, input, { user, now, newId: () => id });
      checkExpectationCount(`records: record with inputs ${JSON.stringify(input.inputs).slice(0, 80)}`, record.expectations, limits);
      written.push({ record, inputs_hash: hash, content_hash: contentHash(hash, record), record_seq: seq });
    }
    return {
      operation: 'merge',
      closed: existing,
      closedByPlan: true,
      written,
      inserted: batch.length - existing.length,
      updated: existing.length,
      deleted: 0,
    };
  }, options.create);
  return { inserted: result.inserted, updated: result.updated, version: result.version, traces_read: fromTraces.length };
}

/** Traces read a page at a time: a large merge holds their records, never every trace's spans at once. */
const TRACE_PAGE = 200;

/** What a merge may still read from traces, and the field to name when it would read more. */
interface TraceBudget {
  left: number;
  limit: number;
  field: string;
}

/** The record inputs of the traces with these ids, in their order, the ids that are not traces, and their size. */
async function recordInputsOf(
  db: Db,
  ids: readonly string[],
  limits: DatasetLimits,
  budget: TraceBudget,
): Promise<{ inputs: RecordInput[]; unknown: string[]; bytes: number }> {
  const inputs: RecordInput[] = [];
  const unknown: string[] = [];
  let bytes = 0;
  for (let at = 0; at < ids.length; at += TRACE_PAGE) {
    const page = ids.slice(at, at + TRACE_PAGE);
    const traces = await loadStoredTraces(db, page);
    const found = new Set(traces.map((t) => t.info.trace_id));
    unknown.push(...page.filter((id) => !found.has(id)));
    for (const trace of traces) {
      const input = traceToRecordInput(trace);
      validateTraceExpectations(trace.info.trace_id, input, limits);
      bytes += Buffer.byteLength(JSON.stringify(input));
      if (bytes > budget.left) {
        throw invalid(
          `${budget.field}: the traces hold more than ${budget.limit} bytes of records (ASSAY_BODY_LIMIT_BYTES); merge them in smaller batches`,
        );
      }
      inputs.push(input);
    }
  }
  return { inputs, unknown, bytes };
}

/**
 * The record inputs of every trace the search finds, up to its max_results, a search page at a time:
 * each page's traces are read before the next page is searched, so a search past the budget stops there.
 */
async function recordInputsBySearch(
  db: Db,
  spec: TraceSearchSpec | undefined,
  timeoutMs: number | undefined,
  limits: DatasetLimits,
  budget: TraceBudget,
): Promise<{ inputs: RecordInput[] }> {
  if (!spec) return { inputs: [] };
  const wanted = spec.max_results ?? 1000;
  const inputs: RecordInput[] = [];
  let found = 0;
  let bytes = 0;
  let pageToken: string | undefined;
  do {
    let page: Awaited<ReturnType<typeof searchTracesRequest>>;
    try {
      page = await searchTracesRequest(db, {
        experiment_ids: spec.experiment_ids,
        filter_string: spec.filter_string,
        order_by: spec.order_by,
        max_results: Math.min(wanted - found, MAX_RESULTS_LIMIT),
        page_token: pageToken,
      }, { timeoutMs });
    } catch (error) {
      // Search names its own fields; here they sit under `search`.
      if (isAssayError(error, 'INVALID_PARAMETER_VALUE')) throw invalid(`search.${error.message}`);
      throw error;
    }
    found += page.traces.length;
    const read = await recordInputsOf(db, page.traces.map((t) => t.trace_id), limits, { ...budget, left: budget.left - bytes });
    inputs.push(...read.inputs);
    bytes += read.bytes;
    pageToken = page.next_page_token;
  } while (pageToken && found < wanted);
  return { inputs };
}

/** Expectations logged on a trace must meet the same rules as those sent in a record. */
function validateTraceExpectations(traceId: string, input: RecordInput, limits: DatasetLimits): void {
  const field = `trace_ids: trace '${traceId}' expectations`;
  checkExpectationCount(field, input.expectations, limits);
  if (!input.expectations) return;
  const parsed = expectationsSchema.safeParse(input.expectations);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${field}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
}
