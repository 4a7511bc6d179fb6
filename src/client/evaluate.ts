/**
 * `evaluate()` for apps whose target is a local function, the equivalent of passing a function to
 * MLflow's evaluate: `predict` runs per row in the caller's process (async, bounded concurrency),
 * each call is traced (a root span with inputs, outputs and timing), and the rows with their
 * outputs and traces are submitted as a run for the server's judges. A row whose `predict` throws
 * is submitted errored with the message; the others are scored as usual.
 */
import { randomBytes } from 'node:crypto';
import type { AssayClient, RunProgress } from './assay-client.ts';
import type { Aggregation, EvaluationRow, EvaluationRun, Json, JsonObject, ScorerEntry } from './types.ts';

/** One row of data: the inputs `predict` receives, and what the judges compare against. */
export interface EvaluateRecord<I extends JsonObject> {
  inputs: I;
  expectations?: JsonObject;
  /** Documents the app retrieved, when `predict` does not report them. */
  retrieved_context?: Json[];
}

export interface EvaluateProgress {
  /** `predict` while the local function runs, `score` while the server judges. */
  phase: 'predict' | 'score';
  done: number;
  total: number;
}

export interface EvaluateOptions<I extends JsonObject, O> {
  data: ReadonlyArray<EvaluateRecord<I>>;
  predict: (inputs: I) => Promise<O> | O;
  /** Scorer names or entries; default: chosen per row from what it holds. */
  scorers?: Array<string | ScorerEntry>;
  /** `predict` calls in flight at once, and rows the server scores at once. Default 8. */
  concurrency?: number;
  onProgress?: (progress: EvaluateProgress) => void;
  name?: string;
  experiment_id?: string;
  metrics?: Aggregation[];
  /** Wait for the server to finish scoring (default true). */
  wait?: boolean;
}

export interface EvaluateResult {
  run: EvaluationRun;
  /** Every row with its verdicts (empty when `wait` is false). */
  rows: EvaluationRow[];
}

export async function evaluate<I extends JsonObject, O>(client: AssayClient, options: EvaluateOptions<I, O>): Promise<EvaluateResult> {
  const total = options.data.length;
  const concurrency = options.concurrency ?? 8;
  const records: JsonObject[] = new Array(total);
  let next = 0;
  let done = 0;
  const lanes = Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      const index = next++;
      records[index] = await predictOne(options.data[index]!, options.predict);
      done += 1;
      options.onProgress?.({ phase: 'predict', done, total });
    }
  });
  await Promise.all(lanes);

  const run = await client.createEvaluation({
    data: { records },
    concurrency,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.experiment_id !== undefined ? { experiment_id: options.experiment_id } : {}),
    ...(options.scorers !== undefined ? { scorers: options.scorers } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
  });
  if (options.wait === false) return { run, rows: [] };
  const finished = await client.waitForEvaluation(run.run_id, {
    pollMs: 250,
    onProgress: (p: RunProgress) => options.onProgress?.({ phase: 'score', done: p.finished, total: p.rows }),
  });
  return { run: finished, rows: await client.allEvaluationRows(run.run_id) };
}

/** Calls `predict` once, timing and tracing it; a throw becomes the row's error. */
async function predictOne<I extends JsonObject, O>(record: EvaluateRecord<I>, predict: (inputs: I) => Promise<O> | O): Promise<JsonObject> {
  const startMs = Date.now();
  const t0 = performance.now();
  let outputs: Json = null;
  let error: string | null = null;
  try {
    outputs = toJson(await predict(record.inputs));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const durationMs = performance.now() - t0;
  const startNs = BigInt(startMs) * 1_000_000n;
  const endNs = startNs + BigInt(Math.round(durationMs * 1_000_000));
  const traceId = `tr-${randomBytes(16).toString('hex')}`;
  const trace: JsonObject = {
    info: {
      trace_id: traceId,
      request_time: new Date(startMs).toISOString(),
      execution_duration_ms: Math.round(durationMs),
      state: error ? 'ERROR' : 'OK',
      trace_metadata: { 'assay.client': 'typescript' },
    },
    data: {
      spans: [
        {
          span_id: randomBytes(8).toString('hex'),
          parent_span_id: null,
          name: 'predict',
          start_time_unix_nano: startNs.toString(),
          end_time_unix_nano: endNs.toString(),
          status: error ? { code: 'STATUS_CODE_ERROR', message: error } : { code: 'STATUS_CODE_OK', message: '' },
          attributes: {
            'mlflow.spanType': JSON.stringify('CHAIN'),
            'mlflow.spanInputs': JSON.stringify(record.inputs),
            ...(error ? {} : { 'mlflow.spanOutputs': JSON.stringify(outputs) }),
          },
        },
      ],
    },
  };
  return {
    inputs: record.inputs,
    ...(error ? { error } : { outputs }),
    ...(record.expectations ? { expectations: record.expectations } : {}),
    ...(record.retrieved_context ? { retrieved_context: record.retrieved_context } : {}),
    trace,
  };
}

/** What `predict` returned, as JSON (undefined becomes null; class instances lose their methods). */
function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}
