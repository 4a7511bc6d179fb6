/** `monitor.chunk`: score and copy one chunk of a monitoring run. */
import { z } from 'zod';
import type { AppContext } from '../src/services/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { monitorRuns } from '../src/services/monitor-run-kind.ts';
import { failRun, runSlice } from '../src/services/run-engine.ts';
import { processor } from './retry-policy.ts';

export function monitorChunkProcessor(ctx: AppContext): JobHandler {
  return processor(
    z.object({ run_id: z.string().min(1), chunk: z.number().int().nonnegative() }),
    ({ run_id, chunk }, job) => runSlice(ctx, monitorRuns, run_id, chunk, job.signal),
    ({ run_id, chunk }, reason) => failRun(ctx, monitorRuns, run_id, `chunk ${chunk} failed: ${reason}`),
  );
}
