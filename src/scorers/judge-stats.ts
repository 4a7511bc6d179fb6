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

/** How one HTTP attempt to the judge ended. */
export type JudgeAttemptOutcome =
  | 'ok'
  | 'invalid_output'
  | 'rate_limited'
  | 'transient'
  | 'timeout'
  | 'response_format_refused'
  | 'unrecoverable'
  | 'aborted';

/**
 * One HTTP request sent to the judge, reported as soon as it ends (whatever the outcome), so
 * callers can keep the cost of every call — the ones whose answer was later lost included.
 */
export interface JudgeAttempt {
  /** The model asked for. */
  model: string;
  outcome: JudgeAttemptOutcome;
  latency_ms: number;
  /** Tokens and USD of an answered attempt (`ok` or `invalid_output`); 0 otherwise. */
  input_tokens: number;
  output_tokens: number;
  cost: number;
}
