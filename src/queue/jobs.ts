/**
 * Job kinds and their deterministic ids. A run's job id is its run id and a chunk's
 * is derived from it, so enqueueing the same work twice is a no-op while the first job exists.
 */
import type { JobQueue } from './queue.ts';

/** Plans a monitoring run and enqueues its chunks. Payload `{run_id}`. */
export const JOB_MONITOR_RUN = 'monitor.run';
/** Scores and copies one chunk of a run. Payload `{run_id, chunk}`. */
export const JOB_MONITOR_CHUNK = 'monitor.chunk';

export const chunkJobId = (runId: string, chunk: number) => `${runId}.chunk-${chunk}`;

export async function enqueueMonitorRun(queue: JobQueue, runId: string): Promise<void> {
  await queue.enqueue(JOB_MONITOR_RUN, { run_id: runId }, { jobId: runId });
}

export async function enqueueMonitorChunks(queue: JobQueue, runId: string, chunks: readonly number[]): Promise<void> {
  await queue.enqueueAll(chunks.map((chunk) => ({ name: JOB_MONITOR_CHUNK, payload: { run_id: runId, chunk }, options: { jobId: chunkJobId(runId, chunk) } })));
}

/** Plans an evaluation run and enqueues its row slices. Payload `{run_id}`. */
export const JOB_EVALUATION_RUN = 'evaluation.run';
/** Runs one slice of an evaluation run's rows. Payload `{run_id, slice}`. */
export const JOB_EVALUATION_ROWS = 'evaluation.rows';

export const rowsJobId = (runId: string, slice: number) => `${runId}.rows-${slice}`;

export async function enqueueEvaluationRun(queue: JobQueue, runId: string): Promise<void> {
  await queue.enqueue(JOB_EVALUATION_RUN, { run_id: runId }, { jobId: runId });
}

export async function enqueueEvaluationRows(queue: JobQueue, runId: string, slices: readonly number[]): Promise<void> {
  await queue.enqueueAll(slices.map((slice) => ({ name: JOB_EVALUATION_ROWS, payload: { run_id: runId, slice }, options: { jobId: rowsJobId(runId, slice) } })));
}

/** Evaluates a monitor's alert rules after one of its runs. Payload `{run_id}`. */
export const JOB_MONITOR_ALERTS = 'monitor.alerts';
/** Sends one alert state change to one webhook. Payload `{delivery_id}`. */
export const JOB_ALERT_DELIVERY = 'alert.deliver';

export async function enqueueAlertEvaluation(queue: JobQueue, runId: string): Promise<void> {
  await queue.enqueue(JOB_MONITOR_ALERTS, { run_id: runId }, { jobId: `${runId}.alerts` });
}

/** The delivery id is the job id: a delivery is queued once however often it is enqueued. */
export async function enqueueAlertDelivery(queue: JobQueue, deliveryId: string, retry: { attempts: number; backoffMs: number }): Promise<void> {
  await queue.enqueue(JOB_ALERT_DELIVERY, { delivery_id: deliveryId }, { jobId: deliveryId, attempts: retry.attempts, backoffMs: retry.backoffMs });
}
