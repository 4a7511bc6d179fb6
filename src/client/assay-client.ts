/**
 * A typed client for the Assay HTTP API: traces search, assessments, monitors, datasets and
 * evaluation runs, plus `evaluate()` for apps whose target is a local function.
 */
import { evaluate, type EvaluateOptions, type EvaluateResult } from './evaluate.ts';
import { query, request, type ClientOptions } from './http.ts';
import type {
  Assessment,
  AssessmentInput,
  CreateEvaluationRequest,
  Dataset,
  DatasetRecordInput,
  EvaluationComparison,
  EvaluationRow,
  EvaluationRun,
  JsonObject,
  MonitorConfig,
  SearchTracesRequest,
  TraceInfo,
} from './types.ts';

/** Progress of a run while the server scores it. */
export type RunProgress = EvaluationRun['progress'];

export class AssayClient {
  constructor(readonly options: ClientOptions) {}

  private async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await request<T>(this.options, method, path, body, headers)).body;
  }

  // Traces and assessments

  searchTraces(body: SearchTracesRequest): Promise<{ traces: TraceInfo[]; next_page_token?: string }> {
    return this.call('POST', '/api/v1/traces/search', body);
  }

  /** A trace in MLflow's JSON form, with its assessments in `info`. */
  getTrace(traceId: string): Promise<{ info: TraceInfo; data: { spans: JsonObject[] } }> {
    return this.call('GET', `/api/v1/traces/${encodeURIComponent(traceId)}`);
  }

  async logAssessment(traceId: string, assessment: AssessmentInput): Promise<Assessment> {
    return (await this.call<{ assessment: Assessment }>('POST', `/api/v1/traces/${encodeURIComponent(traceId)}/assessments`, assessment)).assessment;
  }

  async getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    return (await this.call<{ assessment: Assessment }>('GET', `/api/v1/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`)).assessment;
  }

  async updateAssessment(traceId: string, assessmentId: string, patch: Partial<AssessmentInput> & { valid?: boolean }): Promise<Assessment> {
    return (await this.call<{ assessment: Assessment }>('PATCH', `/api/v1/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`, patch)).assessment;
  }

  async deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    await this.call('DELETE', `/api/v1/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`);
  }

  // Monitors: read whole, replaced whole, with the etag guarding against lost updates

  async getMonitor(experimentId: string): Promise<{ config: MonitorConfig; etag: string; [key: string]: unknown }> {
    return this.call('GET', `/api/v1/experiments/${encodeURIComponent(experimentId)}/monitor`);
  }

  /** Replaces the monitor; pass the etag you read to get a 412 instead of overwriting someone's change. */
  async replaceMonitor(experimentId: string, config: MonitorConfig, options: { ifMatch?: string } = {}): Promise<{ config: MonitorConfig; etag: string; [key: string]: unknown }> {
    return this.call('PUT', `/api/v1/experiments/${encodeURIComponent(experimentId)}/monitor`, config, options.ifMatch ? { 'if-match': options.ifMatch } : {});
  }

  // Datasets

  async createDataset(name: string, options: { experiment_ids?: string[]; tags?: Record<string, string> } = {}): Promise<Dataset> {
    return (await this.call<{ dataset: Dataset }>('POST', '/api/v1/datasets', { name, ...options })).dataset;
  }

  /** The dataset and the evaluation runs that used each of its versions. */
  getDataset(name: string): Promise<{ dataset: Dataset; evaluation_runs: Array<{ run_id: string; name: string; dataset_version: number; status: string }> }> {
    return this.call('GET', `/api/v1/datasets/${encodeURIComponent(name)}`);
  }

  mergeRecords(name: string, records: DatasetRecordInput[]): Promise<{ version: number; [key: string]: unknown }> {
    return this.call('POST', `/api/v1/datasets/${encodeURIComponent(name)}/merge`, { records });
  }

  datasetRecords(name: string, options: { version?: number; max_results?: number; page_token?: string } = {}): Promise<{ records: JsonObject[]; next_page_token?: string }> {
    return this.call('GET', `/api/v1/datasets/${encodeURIComponent(name)}/records${query(options)}`);
  }

  // Evaluation runs

  async createEvaluation(body: CreateEvaluationRequest): Promise<EvaluationRun> {
    return (await this.call<{ run: EvaluationRun }>('POST', '/api/v1/evaluations', body)).run;
  }

  async getEvaluation(runId: string): Promise<EvaluationRun> {
    return (await this.call<{ run: EvaluationRun }>('GET', `/api/v1/evaluations/${encodeURIComponent(runId)}`)).run;
  }

  listEvaluations(filter: { experiment_id?: string; dataset?: string; max_results?: number; page_token?: string } = {}): Promise<{ runs: EvaluationRun[]; next_page_token?: string }> {
    return this.call('GET', `/api/v1/evaluations${query(filter)}`);
  }

  evaluationRows(runId: string, options: { failed_judge?: string; status?: string; max_results?: number; page_token?: string } = {}): Promise<{ rows: EvaluationRow[]; next_page_token?: string }> {
    return this.call('GET', `/api/v1/evaluations/${encodeURIComponent(runId)}/rows${query(options)}`);
  }

  /** Every row of a run, following pages. */
  async allEvaluationRows(runId: string, options: { failed_judge?: string; status?: string } = {}): Promise<EvaluationRow[]> {
    const rows: EvaluationRow[] = [];
    let page_token: string | undefined;
    do {
      const page = await this.evaluationRows(runId, { ...options, max_results: 1000, ...(page_token ? { page_token } : {}) });
      rows.push(...page.rows);
      page_token = page.next_page_token;
    } while (page_token);
    return rows;
  }

  compareEvaluations(runA: string, runB: string): Promise<EvaluationComparison> {
    return this.call('GET', `/api/v1/evaluations/compare${query({ run_ids: `${runA},${runB}` })}`);
  }

  async deleteEvaluation(runId: string): Promise<void> {
    await this.call('DELETE', `/api/v1/evaluations/${encodeURIComponent(runId)}`);
  }

  /** Polls a run until it has finished; `onProgress` sees every poll. Rejects if the run failed. */
  async waitForEvaluation(runId: string, options: { pollMs?: number; timeoutMs?: number; onProgress?: (p: RunProgress) => void } = {}): Promise<EvaluationRun> {
    const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
    for (;;) {
      const run = await this.getEvaluation(runId);
      options.onProgress?.(run.progress);
      if (run.status === 'succeeded') return run;
      if (run.status === 'failed') throw new Error(`evaluation run ${runId} failed: ${run.error}`);
      if (Date.now() > deadline) throw new Error(`evaluation run ${runId} still ${run.status} after ${options.timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
  }

  /** Runs `predict` over the data in this process and evaluates the answers on the server. */
  evaluate<I extends JsonObject, O>(options: EvaluateOptions<I, O>): Promise<EvaluateResult> {
    return evaluate(this, options);
  }
}
