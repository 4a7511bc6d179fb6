/** `monitor.run`: plan a monitoring run and enqueue its chunks. */
import { z } from 'zod';
import type { AppContext } from '../src/api/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { failRun, planRun } from '../src/services/monitor-plan.ts';
import { withRetryPolicy } from './retry-policy.ts';

const payload = z.object({ run_id: z.string().min(1) });

export function monitorRunProcessor(ctx: AppContext): JobHandler {
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
