/** Job processors: which failures are retried, and when a run is given up on. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AssayError } from '../../src/domain/errors.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { backoffDelay, PermanentJobError, type JobContext } from '../../src/queue/queue.ts';
import { processor } from '../../workers/retry-policy.ts';

function job(attempt: number, aborted = false): JobContext {
  const controller = new AbortController();
  if (aborted) controller.abort();
  return { jobId: 'j', name: 'test.job', attempt, maxAttempts: 3, signal: controller.signal, log: silentLogger };
}

function make(work: () => Promise<void>) {
  const gaveUp: string[] = [];
  const handler = processor(z.object({ run_id: z.string() }), work, async ({ run_id }, reason) => {
    gaveUp.push(`${run_id}: ${reason}`);
  });
  return { handler, gaveUp };
}

describe('processor', () => {
  it('never retries a malformed payload', async () => {
    const { handler, gaveUp } = make(async () => {});
    await expect(handler({ run: 1 }, job(1))).rejects.toBeInstanceOf(PermanentJobError);
    expect(gaveUp).toEqual([]);
  });

  it('retries a transient failure until the last attempt, then gives up once', async () => {
    const { handler, gaveUp } = make(async () => {
      throw new Error('connection reset');
    });
    await expect(handler({ run_id: 'r' }, job(1))).rejects.toThrow('connection reset');
    await expect(handler({ run_id: 'r' }, job(2))).rejects.toThrow('connection reset');
    expect(gaveUp).toEqual([]);
    await expect(handler({ run_id: 'r' }, job(3))).rejects.toThrow('connection reset');
    expect(gaveUp).toEqual(['r: connection reset']);
  });

  it('gives up at once on a permanent error, which is not retried', async () => {
    const { handler, gaveUp } = make(async () => {
      throw new AssayError('RESOURCE_DOES_NOT_EXIST', 'no such run');
    });
    await expect(handler({ run_id: 'r' }, job(1))).rejects.toBeInstanceOf(PermanentJobError);
    expect(gaveUp).toEqual(['r: no such run']);
  });

  it('does not give up on a job aborted by shutdown', async () => {
    const { handler, gaveUp } = make(async () => {
      throw new Error('aborted');
    });
    await expect(handler({ run_id: 'r' }, job(3, true))).rejects.toThrow('aborted');
    expect(gaveUp).toEqual([]);
  });
});

describe('backoffDelay', () => {
  // Exponential with jitter: attempt n waits between half and all of base × 2^(n-1).
  it.each([
    [1, 200, 100, 200],
    [2, 200, 200, 400],
    [3, 200, 400, 800],
    [4, 1000, 4000, 8000],
    [0, 1000, 500, 1000],
  ])('attempt %i with base %i waits %i–%i ms', (attempt, base, low, high) => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(attempt, base));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(low);
    expect(Math.max(...delays)).toBeLessThanOrEqual(high);
    // Jittered: spread over the range, not one value.
    expect(Math.min(...delays)).toBeLessThan(low + (high - low) / 4);
    expect(Math.max(...delays)).toBeGreaterThan(high - (high - low) / 4);
  });
});
