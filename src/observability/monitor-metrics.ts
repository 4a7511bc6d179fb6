/** Prometheus metrics of monitoring runs. */
import { Counter, Histogram } from 'prom-client';
import { registry } from './metrics.ts';

export const monitorRunsTotal = new Counter({
  name: 'assay_monitor_runs_total',
  help: 'Monitoring runs finished, by kind and status',
  labelNames: ['kind', 'status'] as const,
  registers: [registry],
});

export const monitorTracesCopied = new Counter({
  name: 'assay_monitor_traces_copied_total',
  help: 'Traces copied into results tables',
  registers: [registry],
});

export const monitorJudgeCalls = new Counter({
  name: 'assay_monitor_scorer_calls_total',
  help: 'Scorer calls by scorer and outcome (ok, error, not_applicable)',
  labelNames: ['scorer', 'outcome'] as const,
  registers: [registry],
});

export const monitorChunkDuration = new Histogram({
  name: 'assay_monitor_chunk_duration_seconds',
  help: 'Duration of one monitoring chunk',
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
  registers: [registry],
});

export const monitorFeedbackLag = new Histogram({
  name: 'assay_monitor_feedback_lag_seconds',
  help: 'Time from a trace arriving to its feedback being written',
  buckets: [1, 10, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
  registers: [registry],
});
