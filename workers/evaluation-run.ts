/** `evaluation.run`: start an evaluation run and enqueue its row slices. */
import { z } from 'zod';
import type { AppContext } from '../src/services/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { evaluationRuns } from '../src/services/evaluation-run-kind.ts';
import { failRun, planRun } from '../src/services/run-engine.ts';
import { processor } from './retry-policy.ts';

export function evaluationRunProcessor(ctx: AppContext): JobHandler {
  return processor(
    z.object({ run_id: z.string().min(1) }),
    ({ run_id }) => planRun(ctx, evaluationRuns, run_id),
    ({ run_id }, reason) => failRun(ctx, evaluationRuns, run_id, `planning failed: ${reason}`),
  );
}
