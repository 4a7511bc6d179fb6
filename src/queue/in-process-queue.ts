/**
 * The embedded queue: jobs live in this process's memory and run with bounded concurrency,
 * retries and backoff, exactly as the BullMQ queue runs them. What must survive a crash is in the
 * database; a restarted process finds unfinished work again (the scheduler re-enqueues it).
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from '../observability/logger.ts';
import {
  backoffDelay,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  PermanentJobError,
  type EnqueueOptions,
  type JobHandlers,
  type JobQueue,
  type JobRequest,
  type QueueCounts,
} from './queue.ts';

// BullMQ keeps finished jobs for a while (see bullmq-queue.ts) and, while it does, a job with the
// same id is not added again. Kept the same here so a deterministic id means the same on both.
const KEEP_COMPLETED_MS = 3600_000;
const KEEP_FAILED_MS = 7 * 24 * 3600_000;
const KEEP_FINISHED_MAX = 10_000;

interface PendingJob {
  id: string;
  name: string;
  payload: unknown;
  attempt: number;
  attempts: number;
  backoffMs: number;
}

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  readonly redis = undefined;
  private readonly ready: PendingJob[] = [];
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  /** Ids of jobs waiting, delayed or running: a deterministic id is not enqueued twice meanwhile. */
  private readonly known = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  /** Ids of finished jobs → when to forget them; oldest first. */
  private readonly finished = new Map<string, number>();
  private handlers: JobHandlers | undefined;
  private concurrency = 1;
  private stopping = false;
  private abort = new AbortController();
  private completed = 0;
  private failed = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly log: Logger) {}

  async enqueue(name: string, payload: unknown, options: EnqueueOptions = {}): Promise<{ jobId: string }> {
    const id = options.jobId ?? randomUUID();
    this.forgetFinished();
    if (this.known.has(id) || this.finished.has(id)) return { jobId: id };
    this.known.add(id);
    const job: PendingJob = {
      id,
      name,
      payload: structuredClone(payload),
      attempt: 1,
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    };
    this.schedule(job, options.delayMs ?? 0);
    return { jobId: id };
  }

  async enqueueAll(jobs: readonly JobRequest[]): Promise<void> {
    for (const { name, payload, options } of jobs) await this.enqueue(name, payload, options);
  }

  async startWorker(handlers: JobHandlers, options: { concurrency: number }): Promise<void> {
    this.handlers = handlers;
    this.concurrency = options.concurrency;
    this.stopping = false;
    this.abort = new AbortController();
    // Every judge call of every running job listens on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.pump();
  }

  async counts(): Promise<QueueCounts> {
    return {
      waiting: this.ready.length,
      active: this.running.size,
      delayed: this.delayed.size,
      failed: this.failed,
      completed: this.completed,
    };
  }

  /** Resolves when nothing is waiting, delayed or running. */
  async idle(): Promise<void> {
    if (this.known.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async stopWorker(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const all = Promise.allSettled([...this.running.values()]);
    const timer = setTimeout(() => this.abort.abort(new Error('worker shutting down')), graceMs);
    await all;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stopWorker(0);
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
  }

  private schedule(job: PendingJob, delayMs: number): void {
    if (delayMs <= 0) {
      this.ready.push(job);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(job.id);
      this.ready.push(job);
      this.pump();
    }, delayMs);
    timer.unref();
    this.delayed.set(job.id, timer);
  }

  private pump(): void {
    while (this.handlers && !this.stopping && this.running.size < this.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      const run = this.run(job).finally(() => {
        this.running.delete(job.id);
        this.pump();
        this.notifyIdle();
      });
      this.running.set(job.id, run);
    }
  }

  private async run(job: PendingJob): Promise<void> {
    const handler = this.handlers?.[job.name];
    const log = this.log.child({ job: job.name, jobId: job.id, attempt: job.attempt });
    try {
      if (!handler) throw new PermanentJobError(`no handler for job '${job.name}'`);
      await handler(job.payload, {
        jobId: job.id,
        name: job.name,
        attempt: job.attempt,
        maxAttempts: job.attempts,
        signal: this.abort.signal,
        log,
      });
      this.completed += 1;
      this.known.delete(job.id);
      this.finished.set(job.id, Date.now() + KEEP_COMPLETED_MS);
    } catch (error) {
      const permanent = error instanceof PermanentJobError;
      if (this.abort.signal.aborted) {
        // Shutting down: the job is lost from memory but its durable state says what is left to do.
        this.known.delete(job.id);
        return;
      }
      if (permanent || job.attempt >= job.attempts) {
        this.failed += 1;
        this.known.delete(job.id);
        this.finished.set(job.id, Date.now() + KEEP_FAILED_MS);
        log.error({ err: error }, 'job failed');
        return;
      }
      log.warn({ err: error }, 'job failed, will retry');
      this.schedule({ ...job, attempt: job.attempt + 1 }, backoffDelay(job.attempt, job.backoffMs));
    }
  }

  /** Oldest first; a failed id may outlive a later completed one by a little, which is harmless. */
  private forgetFinished(): void {
    const now = Date.now();
    for (const [id, until] of this.finished) {
      if (until > now && this.finished.size <= KEEP_FINISHED_MAX) break;
      this.finished.delete(id);
    }
  }

  private notifyIdle(): void {
    if (this.known.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
