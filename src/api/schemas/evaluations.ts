/** Evaluation runs, their rows and the comparison of two runs, as the API shows them. */
import { z } from 'zod';
import { jsonValue } from './common.ts';

const runStatus = z.enum(['queued', 'running', 'succeeded', 'failed']);
const jsonObject = z.record(z.string(), jsonValue);

/** What every view of a run starts with. */
const runHeader = {
  run_id: z.string(),
  name: z.string(),
  experiment_id: z.string(),
  status: runStatus,
  dataset: z.object({ name: z.string(), version: z.number().int().nullable() }).nullable(),
  /** The target called for outputs (credential header values hidden); null: the records' own outputs. */
  target: z.looseObject({ type: z.string(), model: z.string().optional(), url: z.string().optional(), base_url: z.string().optional() }).nullable(),
};

/** A run in a list: the counts stored when it finished. */
export const runSummaryJson = z.object({
  ...runHeader,
  rows: z.number().int(),
  counts: z.object({ rows: z.number(), done: z.number(), errored: z.number(), passed: z.number(), failed: z.number() }).partial(),
  metrics: z.record(z.string(), z.number()),
  create_time: z.string(),
  end_time: z.string().nullable(),
});

/** A run with live progress counts. */
export const runViewJson = z.object({
  ...runHeader,
  /** The scorers as given (names become `{name}`); null: the default judges. */
  scorers: z.array(z.looseObject({ name: z.string() })).nullable(),
  concurrency: z.number().int(),
  progress: z.object({
    rows: z.number().int(),
    done: z.number().int(),
    errored: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    /** done + errored. */
    finished: z.number().int(),
  }),
  metrics: z.record(z.string(), z.number()),
  error: z.string().nullable(),
  created_by: z.string().nullable(),
  create_time: z.string(),
  start_time: z.string().nullable(),
  end_time: z.string().nullable(),
});

export const runResponseJson = z.object({ run: runViewJson });

export const runListJson = z.object({ runs: z.array(runSummaryJson), next_page_token: z.string().optional() });

const verdictJson = z.object({
  name: z.string(),
  scorer: z.string(),
  value: jsonValue,
  rationale: z.string().nullable(),
  error: z.object({ error_code: z.string(), error_message: z.string() }).nullable(),
  source: z.object({ source_type: z.string(), source_id: z.string().nullable() }),
});

export const rowJson = z.object({
  row_index: z.number().int(),
  request_id: z.string().nullable(),
  status: z.enum(['pending', 'done', 'errored']),
  inputs: jsonObject,
  outputs: jsonValue,
  expectations: jsonObject,
  retrieved_context: z.array(jsonValue).nullable(),
  trace_id: z.string().nullable(),
  latency_ms: z.number().nullable(),
  tokens: z.object({ input: z.number().nullable(), output: z.number().nullable(), total: z.number().nullable() }),
  cost: z.number().nullable(),
  error: z.string().nullable(),
  passed: z.boolean().nullable(),
  failing_judges: z.array(z.string()),
  verdicts: z.array(verdictJson),
});

export const rowListJson = z.object({ rows: z.array(rowJson), next_page_token: z.string().optional() });

const rowChangeJson = z.object({
  kind: z.enum(['regression', 'improvement', 'unchanged']),
  inputs: jsonObject,
  /** Row index in each run. */
  row_indexes: z.tuple([z.number().int(), z.number().int()]),
  passed: z.tuple([z.boolean().nullable(), z.boolean().nullable()]),
  failing_judges: z.tuple([z.array(z.string()), z.array(z.string())]),
});

export const comparisonJson = z.object({
  runs: z.array(runSummaryJson),
  /** One value per run, in the order given; delta is the second minus the first. */
  metrics: z.array(z.object({ metric: z.string(), values: z.array(z.number().nullable()), delta: z.number().nullable() })),
  rows: z.object({
    matched: z.number().int(),
    only_in_a: z.number().int(),
    only_in_b: z.number().int(),
    /** The first 1,000 regressions; `regression_count` counts them all. */
    regressions: z.array(rowChangeJson),
    improvements: z.array(rowChangeJson),
    unchanged: z.number().int(),
    regression_count: z.number().int(),
    improvement_count: z.number().int(),
  }),
});
