/**
 * The distributed queue: BullMQ on Redis. One queue for every job kind; deterministic job ids make
 * a second enqueue of the same work a no-op while the first job exists (and Postgres unique keys
 * guard the business effect after BullMQ has forgotten it).
 */
import { setMaxListeners } from 'node:events';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  PermanentJobError,
  type EnqueueOptions,
  type JobHandlers,
  type JobQueue,
  type JobRequest,
  type QueueCounts,
} from './queue.ts';

export const QUEUE_NAME = 'jobs';

export class BullmqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private abort = new AbortController();
  private closed = false;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly lockMs = 30_000,
  ) {
    // BullMQ needs maxRetriesPerRequest null so blocking commands wait through reconnects.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', (err) => this.log.warn({ err: err.message }, 'redis connection error'));
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix });
  }

  /** The Redis connection, shared with other users (the judges' rate limit). */
  get redis(): Redis {
    return this.connection;
  }

  async enqueue(name: string, payload: unknown, options: EnqueueOptions = {}): Promise<{ jobId: string }> {
    const job = await this.queue.add(name, payload, jobOptions(options));
    return { jobId: options.jobId ?? job.id ?? '' };
  }

  async enqueueAll(jobs: readonly JobRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map(({ name, payload, options = {} }) => ({ name, data: payload, opts: jobOptions(options) })));
  }

  async startWorker(handlers: JobHandlers, options: { concurrency: number }): Promise<void> {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    const workerConnection = this.connection.duplicate();
    workerConnection.on('error', (err) => this.log.warn({ err: err.message }, 'redis worker connection error'));
    this.worker = new Worker(
      QUEUE_NAME,
      async (job: Job, _token?: string, signal?: AbortSignal) => {
        const handler = handlers[job.name];
        if (!handler) throw new UnrecoverableError(`no handler for job '${job.name}'`);
        const combined = signal ? AbortSignal.any([signal, this.abort.signal]) : this.abort.signal;
        // Every judge call of a job listens on this one signal.
        setMaxListeners(0, combined);
        try {
          await handler(job.data, {
            jobId: fromBullmqId(job.id ?? ''),
            name: job.name,
            attempt: job.attemptsMade + 1,
            maxAttempts: job.opts.attempts ?? 1,
            signal: combined,
            log: this.log.child({ job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }),
          });
        } catch (error) {
          if (error instanceof PermanentJobError) {
            throw new UnrecoverableError(error.message);
          }
          throw error;
        }
      },
      {
        connection: workerConnection,
        prefix: this.prefix,
        concurrency: options.concurrency,
        autorun: true,
        // A worker that dies (SIGKILL, OOM) stops renewing its locks; its jobs are then stalled and
        // moved back to waiting for another worker after about this long.
        lockDuration: this.lockMs,
        stalledInterval: this.lockMs,
      },
    );
    this.worker.on('failed', (job, err) =>
      this.log.warn({ job: job?.name, jobId: job?.id, err: err.message }, 'job attempt failed'),
    );
    this.worker.on('error', (err) => this.log.error({ err: err.message }, 'worker error'));
    await this.worker.waitUntilReady();
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  async stopWorker(graceMs = 10_000): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const timer = setTimeout(() => this.abort.abort(new Error('worker shutting down')), graceMs);
    // Waits for active jobs; an aborted job rejects, BullMQ moves it back for another worker.
    await worker.close();
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopWorker(0);
    await this.queue.close();
    this.connection.disconnect();
  }

  /** Removes every key of this prefix (tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}

/** A job's BullMQ options: its id, delay, attempts with jittered exponential backoff, how long it is kept. */
function jobOptions(options: EnqueueOptions) {
  return {
    ...(options.jobId ? { jobId: toBullmqId(options.jobId) } : {}),
    ...(options.delayMs ? { delay: options.delayMs } : {}),
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: options.backoffMs ?? DEFAULT_BACKOFF_MS, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * BullMQ refuses custom ids that contain ':' or look like integers, which the in-process queue
 * accepts. Ids are escaped reversibly so the same deterministic id works on both queues.
 */
export function toBullmqId(id: string): string {
  const escaped = id.replaceAll('%', '%25').replaceAll(':', '%3A');
  return String(parseInt(escaped, 10)) === escaped ? `%i${escaped}` : escaped;
}

function fromBullmqId(id: string): string {
  const plain = id.startsWith('%i') ? id.slice(2) : id;
  return plain.replace(/%(25|3A)/g, (_, code: string) => (code === '25' ? '%' : ':'));
}
