/** `evaluation.rows`: run, trace and score the pending rows of one slice of an evaluation run. */
import { z } from 'zod';
import type { AppContext } from '../src/api/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { failRun } from '../src/services/evaluation-plan.ts';
import { runSlice } from '../src/services/evaluation-rows.ts';
import { withRetryPolicy } from './retry-policy.ts';

const payload = z.object({ run_id: z.string().min(1), slice: z.number().int().nonnegative() });

export function evaluationRowsProcessor(ctx: AppContext): JobHandler {
  return withRetryPolicy(async (data, job) => {
    const { run_id, slice } = payload.parse(data);
    try {
      await runSlice(ctx, run_id, slice, job.signal);
    } catch (error) {
      if (job.attempt >= job.maxAttempts && !job.signal.aborted) {
        await failRun(ctx, run_id, `rows slice ${slice} failed: ${(error as Error).message}`);
      }
      throw error;
    }
  });
}
