/** `evaluation.rows`: run, trace and score the pending rows of one slice of an evaluation run. */
import { z } from 'zod';
import type { AppContext } from '../src/services/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { evaluationRuns } from '../src/services/evaluation-run-kind.ts';
import { failRun, runSlice } from '../src/services/run-engine.ts';
import { processor } from './retry-policy.ts';

export function evaluationRowsProcessor(ctx: AppContext): JobHandler {
  return processor(
    z.object({ run_id: z.string().min(1), slice: z.number().int().nonnegative() }),
    ({ run_id, slice }, job) => runSlice(ctx, evaluationRuns, run_id, slice, job.signal),
    ({ run_id, slice }, reason) => failRun(ctx, evaluationRuns, run_id, `rows slice ${slice} failed: ${reason}`),
  );
}
