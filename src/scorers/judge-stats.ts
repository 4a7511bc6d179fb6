/** Counters a judge client keeps, for run summaries and metrics. */
export interface JudgeStats {
  /** complete() calls that got a concurrency slot. */
  calls: number;
  succeeded: number;
  /** Failed calls by error code (`ABORTED` when the caller gave up). */
  failures: Record<string, number>;
  /** HTTP attempts made. */
  attempts: number;
  /** Waits before another attempt (rate limit or transient). */
  retries: number;
  rate_limited_responses: number;
  timeouts: number;
  /** Extra attempts made because an answer did not parse. */
  output_retries: number;
  input_tokens: number;
  output_tokens: number;
  /** USD, for models in the price table. */
  cost: number;
  in_flight: number;
  peak_in_flight: number;
}

export function emptyStats(): JudgeStats {
  return {
    calls: 0,
    succeeded: 0,
    failures: {},
    attempts: 0,
    retries: 0,
    rate_limited_responses: 0,
    timeouts: 0,
    output_retries: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost: 0,
    in_flight: 0,
    peak_in_flight: 0,
  };
}
