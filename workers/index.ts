/**
 * Every job kind and its processor. A processor is thin: validate the payload, call one service,
 * let `retry-policy.ts` decide whether a failure is worth another try.
 */
import type { AppContext } from '../src/services/context.ts';
import type { JobHandlers } from '../src/queue/queue.ts';
import { JOB_EVALUATION_ROWS, JOB_EVALUATION_RUN, JOB_MONITOR_CHUNK, JOB_MONITOR_RUN } from '../src/queue/jobs.ts';
import { evaluationRowsProcessor } from './evaluation-rows.ts';
import { evaluationRunProcessor } from './evaluation-run.ts';
import { monitorChunkProcessor } from './monitor-chunk.ts';
import { monitorRunProcessor } from './monitor-run.ts';

export function jobHandlers(ctx: AppContext): JobHandlers {
  return {
    [JOB_MONITOR_RUN]: monitorRunProcessor(ctx),
    [JOB_MONITOR_CHUNK]: monitorChunkProcessor(ctx),
    [JOB_EVALUATION_RUN]: evaluationRunProcessor(ctx),
    [JOB_EVALUATION_ROWS]: evaluationRowsProcessor(ctx),
  };
}
