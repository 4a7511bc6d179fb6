/**
 * One set of handlers, run on both queue implementations: they must behave the same, since job
 * handlers never know whether they run embedded or distributed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.ts';
import { BullmqQueue } from '../../src/queue/bullmq-queue.ts';
import { InProcessQueue } from '../../src/queue/in-process-queue.ts';
import { PermanentJobError, type JobQueue } from '../../src/queue/queue.ts';
import { REDIS_URL, testQueuePrefix } from '../support/database.ts';
import { deferred, waitFor } from '../support/wait-for.ts';

type Kind = 'in-process' | 'bullmq';

describe.each<Kind>(['in-process', 'bullmq'])('queue on %s', (kind) => {
  let queue: JobQueue;

  beforeEach(() => {
    queue = kind === 'bullmq' ? new BullmqQueue(REDIS_URL, testQueuePrefix(), silentLogger) : new InProcessQueue(silentLogger);
  });

  afterEach(async () => {
    await queue.stopWorker(0);
    if (queue instanceof BullmqQueue) await queue.obliterate();
    await queue.close();
  });

  const counts = () => queue.counts();

  it('retries a failing job after a backoff until it succeeds', async () => {
    const tries: Array<{ attempt: number; max: number; payload: unknown }> = [];
    const firstFailed = deferred();
    await queue.startWorker(
      {
        flaky: async (payload, ctx) => {
          tries.push({ attempt: ctx.attempt, max: ctx.maxAttempts, payload });
          if (ctx.attempt === 1) firstFailed.resolve();
          if (ctx.attempt < 3) throw new Error('transient failure');
        },
      },
      { concurrency: 2 },
    );
    // A base of 1 s: the first retry waits 0.5–1 s, long enough to see the job wait as delayed.
    await queue.enqueue('flaky', { trace: 'tr-1' }, { attempts: 4, backoffMs: 1000 });

    await firstFailed.promise;
    await waitFor(async () => (await counts()).delayed === 1, { what: 'the failed job to wait for its retry' });
    await waitFor(async () => (await counts()).completed === 1, { what: 'the job to complete' });
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(tries.every((t) => t.max === 4)).toBe(true);
    expect(tries[0]?.payload).toEqual({ trace: 'tr-1' });
    expect(await counts()).toMatchObject({ failed: 0, delayed: 0, active: 0 });
  });

  it('fails a job for good after its last attempt', async () => {
    let calls = 0;
    await queue.startWorker(
      {
        broken: async () => {
          calls += 1;
          throw new Error('still broken');
        },
      },
      { concurrency: 1 },
    );
    await queue.enqueue('broken', {}, { attempts: 2, backoffMs: 20 });
    await waitFor(async () => (await counts()).failed === 1, { what: 'the job to fail' });
    expect(calls).toBe(2);
  });

  it('does not retry a PermanentJobError, nor a job without a handler', async () => {
    let calls = 0;
    await queue.startWorker(
      {
        hopeless: async () => {
          calls += 1;
          throw new PermanentJobError('payload can never be processed');
        },
      },
      { concurrency: 1 },
    );
    await queue.enqueue('hopeless', {}, { attempts: 5, backoffMs: 20 });
    await queue.enqueue('nobody-handles-this', {}, { attempts: 5, backoffMs: 20 });
    await waitFor(async () => (await counts()).failed === 2, { what: 'both jobs to fail' });
    expect(calls).toBe(1);
  });

  it('runs a deterministic job id once, while queued and after it completed', async () => {
    const seen: string[] = [];
    const handlers = {
      record: async (_payload: unknown, ctx: { jobId: string }) => {
        seen.push(ctx.jobId);
      },
    };
    // Ids of the shapes the scheduler uses: colons and bare numbers are fine on both queues.
    const first = await queue.enqueue('record', { n: 1 }, { jobId: 'monitor:7:window:1' });
    const again = await queue.enqueue('record', { n: 2 }, { jobId: 'monitor:7:window:1' });
    await queue.enqueue('record', {}, { jobId: '42' });
    await queue.enqueue('record', {}, { jobId: '42' });
    expect(first.jobId).toBe('monitor:7:window:1');
    expect(again.jobId).toBe('monitor:7:window:1');

    await queue.startWorker(handlers, { concurrency: 1 });
    await waitFor(async () => (await counts()).completed === 2, { what: 'two jobs to complete' });
    expect(seen.sort()).toEqual(['42', 'monitor:7:window:1']);

    // A finished job is remembered: enqueueing it again is a no-op. The sentinel behind it in the
    // FIFO queue proves the duplicate had its chance to run.
    await queue.enqueue('record', {}, { jobId: 'monitor:7:window:1' });
    await queue.enqueue('record', {}, { jobId: 'sentinel' });
    await waitFor(async () => (await counts()).completed === 3, { what: 'the sentinel to complete' });
    expect(seen.filter((id) => id === 'monitor:7:window:1')).toHaveLength(1);
  });

  it('enqueues a list of jobs at once, each with its payload, options and deterministic id', async () => {
    const seen: Array<{ jobId: string; payload: unknown; max: number }> = [];
    await queue.enqueue('record', { n: 0 }, { jobId: 'run-1.chunk-0' });
    // One of them is already queued: it stays one job, with the payload it was enqueued with.
    await queue.enqueueAll([
      { name: 'record', payload: { n: 1 }, options: { jobId: 'run-1.chunk-0', attempts: 2 } },
      { name: 'record', payload: { n: 2 }, options: { jobId: 'run-1.chunk-1', attempts: 2 } },
      { name: 'record', payload: { n: 3 }, options: { jobId: 'run-1.chunk-2', attempts: 3 } },
    ]);
    await queue.enqueueAll([]);
    await queue.startWorker(
      {
        record: async (payload, ctx) => {
          seen.push({ jobId: ctx.jobId, payload, max: ctx.maxAttempts });
        },
      },
      { concurrency: 1 },
    );
    await waitFor(async () => (await counts()).completed === 3, { what: 'three jobs to complete' });
    expect(seen.sort((a, b) => a.jobId.localeCompare(b.jobId))).toEqual([
      { jobId: 'run-1.chunk-0', payload: { n: 0 }, max: 5 },
      { jobId: 'run-1.chunk-1', payload: { n: 2 }, max: 2 },
      { jobId: 'run-1.chunk-2', payload: { n: 3 }, max: 3 },
    ]);
  });

  it('lets a running job finish within the grace period on stopWorker', async () => {
    const started = deferred();
    const release = deferred();
    let aborted = false;
    await queue.startWorker(
      {
        slow: async (_payload, ctx) => {
          ctx.signal.addEventListener('abort', () => (aborted = true));
          started.resolve();
          await release.promise;
        },
      },
      { concurrency: 1 },
    );
    await queue.enqueue('slow', {}, { attempts: 1 });
    await started.promise;
    const stopping = queue.stopWorker(10_000);
    release.resolve();
    await stopping;
    expect(aborted).toBe(false);
    expect((await counts()).completed).toBe(1);
  });

  it('aborts a job that outlives the grace period on stopWorker', async () => {
    const started = deferred();
    let reason: unknown;
    await queue.startWorker(
      {
        stuck: (_payload, ctx) => {
          started.resolve();
          return new Promise<void>((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(new Error('aborted'));
            }),
          );
        },
      },
      { concurrency: 1 },
    );
    await queue.enqueue('stuck', {}, { attempts: 1 });
    await started.promise;
    await queue.stopWorker(300);
    expect(reason).toBeInstanceOf(Error);
    expect(String((reason as Error).message)).toMatch(/shutting down/);
  });
});
