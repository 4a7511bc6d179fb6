/** `monitor.chunk`: score and copy one chunk of a monitoring run. */
import { z } from 'zod';
import type { AppContext } from '../src/api/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { runChunk } from '../src/services/monitor-chunk.ts';
import { failRun } from '../src/services/monitor-plan.ts';
import { withRetryPolicy } from './retry-policy.ts';

const payload = z.object({ run_id: z.string().min(1), chunk: z.number().int().nonnegative() });

export function monitorChunkProcessor(ctx: AppContext): JobHandler {
  return withRetryPolicy(async (data, job) => {
    const { run_id, chunk } = payload.parse(data);
    try {
      await runChunk(ctx, run_id, chunk, job.signal);
    } catch (error) {
      if (job.attempt >= job.maxAttempts && !job.signal.aborted) {
        await failRun(ctx, run_id, `chunk ${chunk} failed: ${(error as Error).message}`);
      }
      throw error;
    }
  });
}
