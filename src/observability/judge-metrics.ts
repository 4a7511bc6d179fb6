/** Prometheus metrics of judge calls, one sample per HTTP request sent to the judge endpoint. */
import { Counter, Histogram } from 'prom-client';
import { registry } from './metrics.ts';

export const judgeRequests = new Counter({
  name: 'assay_judge_requests_total',
  help: 'HTTP requests sent to the judge, by model and outcome (ok, invalid_output, rate_limited, transient, timeout, unrecoverable, response_format_refused, aborted)',
  labelNames: ['model', 'outcome'] as const,
  registers: [registry],
});

export const judgeRequestDuration = new Histogram({
  name: 'assay_judge_request_duration_seconds',
  help: 'Duration of one HTTP request to the judge, by model',
  labelNames: ['model'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const judgeTokens = new Counter({
  name: 'assay_judge_tokens_total',
  help: 'Tokens the judge reported, by model and direction (input, output)',
  labelNames: ['model', 'direction'] as const,
  registers: [registry],
});

export const judgeCost = new Counter({
  name: 'assay_judge_cost_usd_total',
  help: 'Judge cost in USD, for models in the price table',
  labelNames: ['model'] as const,
  registers: [registry],
});

/** The shape the judge client reports (kept structural so this module imports nothing above it). */
export interface JudgeAttemptSample {
  model: string;
  outcome: string;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

export function recordJudgeAttempt(attempt: JudgeAttemptSample): void {
  judgeRequests.inc({ model: attempt.model, outcome: attempt.outcome });
  judgeRequestDuration.observe({ model: attempt.model }, attempt.latency_ms / 1000);
  if (attempt.input_tokens) judgeTokens.inc({ model: attempt.model, direction: 'input' }, attempt.input_tokens);
  if (attempt.output_tokens) judgeTokens.inc({ model: attempt.model, direction: 'output' }, attempt.output_tokens);
  if (attempt.cost) judgeCost.inc({ model: attempt.model }, attempt.cost);
}
