/**
 * The one place that maps errors to job retry semantics: invalid input or a missing resource will
 * not get better by trying again; anything else (a database hiccup, an aborted job) might.
 */
import type { z } from 'zod';
import { isAssayError } from '../src/domain/errors.ts';
import { PermanentJobError, type JobContext, type JobHandler } from '../src/queue/queue.ts';

const PERMANENT = new Set(['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST', 'PERMISSION_DENIED', 'JUDGE_UNRECOVERABLE']);

export function toJobError(error: unknown): unknown {
  if (error instanceof PermanentJobError) return error;
  if (isAssayError(error) && PERMANENT.has(error.code)) return new PermanentJobError(error.message, { cause: error });
  return error;
}

/**
 * A thin processor: validate the payload (a malformed one is never retried), do the work, and when
 * no try is left — the last attempt failed, or the failure is permanent — record it with `giveUp`
 * (a run marked failed frees its monitor or shows the user why). A job aborted by shutdown is
 * neither: it runs again elsewhere.
 */
export function processor<S extends z.ZodType>(
  payload: S,
  work: (data: z.infer<S>, job: JobContext) => Promise<void>,
  giveUp: (data: z.infer<S>, reason: string) => Promise<void>,
): JobHandler {
  return async (raw, job) => {
    const parsed = payload.safeParse(raw);
    if (!parsed.success) throw new PermanentJobError(`invalid ${job.name} payload: ${parsed.error.message}`);
    try {
      await work(parsed.data, job);
    } catch (error) {
      const mapped = toJobError(error);
      const lastTry = mapped instanceof PermanentJobError || job.attempt >= job.maxAttempts;
      if (lastTry && !job.signal.aborted) await giveUp(parsed.data, (error as Error).message);
      throw mapped;
    }
  };
}
