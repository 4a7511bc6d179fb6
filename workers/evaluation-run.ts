/** `evaluation.run`: start an evaluation run and enqueue its row slices. */
import { z } from 'zod';
import type { AppContext } from '../src/api/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { failRun, planRun } from '../src/services/evaluation-plan.ts';
import { withRetryPolicy } from './retry-policy.ts';

const payload = z.object({ run_id: z.string().min(1) });

export function evaluationRunProcessor(ctx: AppContext): JobHandler {
  return withRetryPolicy(async (data, job) => {
    const { run_id } = payload.parse(data);
    try {
      await planRun(ctx, run_id);
    } catch (error) {
      if (job.attempt >= job.maxAttempts) await failRun(ctx, run_id, `planning failed: ${(error as Error).message}`);
      throw error;
    }
  });
}
