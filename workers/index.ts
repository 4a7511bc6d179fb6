/**
 * Every job kind and its processor. A processor is thin: validate the payload, call one service,
 * let `retry-policy.ts` decide whether a failure is worth another try.
 */
import type { AppContext } from '../src/services/context.ts';
import { jobDuration, jobsProcessed } from '../src/observability/metrics.ts';
import type { JobHandler, JobHandlers } from '../src/queue/queue.ts';
import {
  JOB_ALERT_DELIVERY,
  JOB_EVALUATION_ROWS,
  JOB_EVALUATION_RUN,
  JOB_MONITOR_ALERTS,
  JOB_MONITOR_CHUNK,
  JOB_MONITOR_RUN,
} from '../src/queue/jobs.ts';
import { alertDeliverProcessor } from './alert-deliver.ts';
import { evaluationRowsProcessor } from './evaluation-rows.ts';
import { evaluationRunProcessor } from './evaluation-run.ts';
import { monitorAlertsProcessor } from './monitor-alerts.ts';
import { monitorChunkProcessor } from './monitor-chunk.ts';
import { monitorRunProcessor } from './monitor-run.ts';

export function jobHandlers(ctx: AppContext): JobHandlers {
  return {
    [JOB_MONITOR_RUN]: measured(JOB_MONITOR_RUN, monitorRunProcessor(ctx)),
    [JOB_MONITOR_CHUNK]: measured(JOB_MONITOR_CHUNK, monitorChunkProcessor(ctx)),
    [JOB_EVALUATION_RUN]: measured(JOB_EVALUATION_RUN, evaluationRunProcessor(ctx)),
    [JOB_EVALUATION_ROWS]: measured(JOB_EVALUATION_ROWS, evaluationRowsProcessor(ctx)),
    [JOB_MONITOR_ALERTS]: measured(JOB_MONITOR_ALERTS, monitorAlertsProcessor(ctx)),
    [JOB_ALERT_DELIVERY]: measured(JOB_ALERT_DELIVERY, alertDeliverProcessor(ctx)),
  };
}

/** Counts each processed job by outcome and times it (`assay_jobs_processed_total`, `assay_job_duration_seconds`). */
function measured(job: string, handler: JobHandler): JobHandler {
  return async (payload, jobCtx) => {
    const stop = jobDuration.startTimer({ job });
    try {
      await handler(payload, jobCtx);
      jobsProcessed.inc({ job, outcome: 'succeeded' });
    } catch (error) {
      jobsProcessed.inc({ job, outcome: 'failed' });
      throw error;
    } finally {
      stop();
    }
  };
}
