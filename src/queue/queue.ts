/**
 * The job queue, as job handlers and services see it. Two implementations run the same handlers:
 * BullMQ on Redis (distributed) and an in-process queue (embedded). Handlers never know which.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

export interface JobContext {
  readonly jobId: string;
  readonly name: string;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the process shuts down (and the job will run again elsewhere). */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<void>;
export type JobHandlers = Readonly<Record<string, JobHandler>>;

export interface EnqueueOptions {
  /** Deterministic id: while a job with this id exists, enqueueing it again does nothing. */
  jobId?: string;
  delayMs?: number;
  /** Tries before the job fails for good. Default 5. */
  attempts?: number;
  /** Base of the exponential backoff between tries, ms. Default 1000. */
  backoffMs?: number;
}

/** One job to enqueue, as `enqueue`'s arguments. */
export interface JobRequest {
  name: string;
  payload: unknown;
  options?: EnqueueOptions;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  /** The Redis connection the queue holds, shared with the judges' rate limit (none in-process). */
  readonly redis: Redis | undefined;
  enqueue(name: string, payload: unknown, options?: EnqueueOptions): Promise<{ jobId: string }>;
  /** Enqueues several jobs at once (one round trip to Redis), each as `enqueue` would. */
  enqueueAll(jobs: readonly JobRequest[]): Promise<void>;
  /** Starts taking jobs; `concurrency` jobs at most at a time in this process. */
  startWorker(handlers: JobHandlers, options: { concurrency: number }): Promise<void>;
  counts(): Promise<QueueCounts>;
  /** Stops taking jobs, waits up to `graceMs` for running ones, then aborts them. Idempotent. */
  stopWorker(graceMs?: number): Promise<void>;
  /** Stops the worker and releases connections. Idempotent. */
  close(): Promise<void>;
}

/** Thrown (or wrapping a cause) by a handler when trying again cannot help. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1000;

/** Exponential backoff with full jitter, as BullMQ's 'exponential' strategy plus jitter. */
export function backoffDelay(attempt: number, baseMs: number): number {
  const ceiling = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
