/**
 * The one place that maps errors to job retry semantics: invalid input or a missing resource will
 * not get better by trying again; anything else (a database hiccup, an aborted job) might.
 */
import { isAssayError } from '../src/domain/errors.ts';
import { PermanentJobError } from '../src/queue/queue.ts';

const PERMANENT = new Set(['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST', 'PERMISSION_DENIED', 'JUDGE_UNRECOVERABLE']);

export function toJobError(error: unknown): unknown {
  if (isAssayError(error) && PERMANENT.has(error.code)) return new PermanentJobError(error.message, { cause: error });
  return error;
}

/** Wraps a processor so its errors follow the policy above. */
export function withRetryPolicy<A extends unknown[]>(processor: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await processor(...args);
    } catch (error) {
      throw toJobError(error);
    }
  };
}
