/** `monitor.run`: plan a monitoring run and enqueue its chunks. */
import { z } from 'zod';
import type { AppContext } from '../src/services/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { monitorRuns } from '../src/services/monitor-run-kind.ts';
import { failRun, planRun } from '../src/services/run-engine.ts';
import { processor } from './retry-policy.ts';

export function monitorRunProcessor(ctx: AppContext): JobHandler {
  return processor(
    z.object({ run_id: z.string().min(1) }),
    ({ run_id }) => planRun(ctx, monitorRuns, run_id),
    ({ run_id }, reason) => failRun(ctx, monitorRuns, run_id, `planning failed: ${reason}`),
  );
}
