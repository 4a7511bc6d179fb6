import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAssayError } from '../../../src/domain/errors.ts';
import { JudgeClient, type JudgeClientOptions } from '../../../src/scorers/judge-client.ts';
import { RedisRateLimiter } from '../../../src/scorers/rate-limiter.ts';
import { startFakeJudge } from '../../support/fake-judge.ts';
import { useFakeJudge } from '../../support/fake-judge-fixture.ts';
import { REDIS_URL } from '../../support/database.ts';

const fake = useFakeJudge();
const clients: JudgeClient[] = [];

function client(overrides: Partial<JudgeClientOptions> = {}): JudgeClient {
  const c = new JudgeClient({
    baseUrl: fake().url,
    apiKey: 'sk-test-secret',
    model: 'judge-model',
    concurrency: 4,
    timeoutMs: 5_000,
    maxAttempts: 4,
    maxRetryAfterMs: 1_000,
    backoffBaseMs: 5,
    prices: { 'judge-model': { input: 1, output: 2 } },
    ...overrides,
  });
  clients.push(c);
  return c;
}

const ask = { system: '[assay-judge: test]\nsay yes', user: '<<<REQUEST>>>\nhi\n<<<END REQUEST>>>' };
const verdict = z.object({ rationale: z.string(), result: z.enum(['yes', 'no']) });

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAssayError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('JudgeClient against the fake judge', () => {
  it('reports every HTTP request it sends, to the client and to the request, whatever its outcome', async () => {
    const seen: { client: string[]; request: string[]; tokens: number; cost: number } = { client: [], request: [], tokens: 0, cost: 0 };
    const c = client({ onAttempt: (a) => seen.client.push(a.outcome) });
    const onAttempt = (a: { outcome: string; input_tokens: number; cost: number }) => {
      seen.request.push(a.outcome);
      seen.tokens += a.input_tokens;
      seen.cost += a.cost;
    };
    fake().setBehaviour([{ type: 'rate_limit', retryAfterMs: 5 }, { type: 'server_error' }, { type: 'malformed' }, { type: 'answer' }]);
    await c.complete({ ...ask, schema: verdict, onAttempt });
    expect(seen.request).toEqual(['rate_limited', 'transient', 'invalid_output', 'ok']);
    expect(seen.client).toEqual(seen.request);
    expect(fake().calls).toHaveLength(4);
    // The unparseable answer was paid for too: both answered requests carry tokens and cost.
    expect(seen.tokens).toBe(2 * Math.ceil((ask.system.length + ask.user.length) / 4));
    expect(seen.cost).toBeGreaterThan(0);

    const controller = new AbortController();
    fake().setBehaviour({ type: 'hang' });
    const hung = c.complete({ ...ask, signal: controller.signal, onAttempt });
    await fake().waitForCalls(5);
    controller.abort(new Error('stop'));
    await expect(hung).rejects.toThrow('stop');
    expect(seen.request.at(-1)).toBe('aborted');
    // Nothing is sent, and nothing reported, once the caller has given up.
    await expect(c.complete({ ...ask, signal: controller.signal, onAttempt })).rejects.toThrow('stop');
    expect(seen.request).toHaveLength(5);
    expect(fake().calls).toHaveLength(5);
  });

  it('returns the parsed answer with tokens, cost and the judge model, asking for JSON output', async () => {
    const result = await client().complete({ ...ask, schema: verdict });
    expect(result.parsed).toEqual({ rationale: 'fake judge', result: 'yes' });
    expect(result.model).toBe('fake-judge');
    expect(result.input_tokens).toBeGreaterThan(0);
    expect(result.cost).toBeCloseTo((result.input_tokens + 2 * result.output_tokens) / 1e6);
    expect(fake().calls[0]?.response_format).toBe('json_object');
    expect(fake().calls[0]?.authorization).toBe('Bearer sk-test-secret');
    expect(fake().calls[0]?.marker).toBe('test');
  });

  it('rides out a 429 storm: honours retry-after, never exceeds its concurrency', async () => {
    fake().setBehaviour(Array.from({ length: 30 }, () => ({ type: 'rate_limit' as const, retryAfterMs: 10 })));
    // Backoff so long that the test could only finish by honouring retry-after.
    const judge = client({ concurrency: 3, maxAttempts: 30, backoffBaseMs: 600_000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => judge.complete(ask)));
    expect(results).toHaveLength(20);
    expect(fake().peakConcurrency).toBeLessThanOrEqual(3);
    expect(judge.stats().rate_limited_responses).toBe(30);
    expect(judge.stats().peak_in_flight).toBeLessThanOrEqual(3);
  });

  it('caps a long retry-after at maxRetryAfterMs', async () => {
    fake().setBehaviour([{ type: 'rate_limit', retryAfterSeconds: 3600 }]);
    const result = await client({ maxRetryAfterMs: 10, backoffBaseMs: 600_000 }).complete(ask);
    expect(result.parsed).toMatchObject({ result: 'yes' });
    expect(fake().calls).toHaveLength(2);
  });

  it('gives up on endless 429s with JUDGE_RATE_LIMITED after maxAttempts', async () => {
    fake().setBehaviour({ type: 'rate_limit', retryAfterMs: 1 });
    expect(await failure(client({ maxAttempts: 3 }).complete(ask))).toBe('JUDGE_RATE_LIMITED');
    expect(fake().calls).toHaveLength(3);
  });

  it('retries 5xx with backoff and then succeeds', async () => {
    fake().setBehaviour([{ type: 'server_error', status: 500 }, { type: 'server_error', status: 503 }]);
    const result = await client().complete(ask);
    expect(result.parsed).toMatchObject({ result: 'yes' });
    expect(fake().calls).toHaveLength(3);
  });

  it('reports JUDGE_TRANSIENT when 5xx never stops', async () => {
    fake().setBehaviour({ type: 'server_error', status: 502 });
    expect(await failure(client({ maxAttempts: 2 }).complete(ask))).toBe('JUDGE_TRANSIENT');
    expect(fake().calls).toHaveLength(2);
  });

  it('ends a hung call at its deadline and leaves no request open', async () => {
    fake().setBehaviour({ type: 'hang' });
    const judge = client({ timeoutMs: 150, maxAttempts: 2 });
    expect(await failure(judge.complete(ask))).toBe('JUDGE_TIMEOUT');
    await fake().idle();
    expect(fake().inFlight).toBe(0);
    expect(judge.stats()).toMatchObject({ in_flight: 0, timeouts: 2 });
  });

  it('rejects with the caller’s reason when the caller aborts', async () => {
    fake().setBehaviour({ type: 'hang' });
    const controller = new AbortController();
    const pending = client({ timeoutMs: 60_000 }).complete({ ...ask, signal: controller.signal });
    await fake().waitForCalls(1);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    await fake().idle();
  });

  it('retries a malformed answer once and takes the valid one', async () => {
    fake().setBehaviour([{ type: 'malformed' }]);
    const result = await client().complete({ ...ask, schema: verdict });
    expect(result.parsed.result).toBe('yes');
    expect(fake().calls).toHaveLength(2);
  });

  it('fails with JUDGE_OUTPUT_INVALID when the answer never parses', async () => {
    fake().setBehaviour({ type: 'malformed' });
    expect(await failure(client().complete(ask))).toBe('JUDGE_OUTPUT_INVALID');
    expect(fake().calls).toHaveLength(2);
  });

  it('treats an answer that misses the schema as unparseable', async () => {
    fake().setBehaviour({ type: 'answer', answer: { verdict: 'maybe' } });
    expect(await failure(client().complete({ ...ask, schema: verdict }))).toBe('JUDGE_OUTPUT_INVALID');
  });

  it('strips code fences', async () => {
    fake().setBehaviour({ type: 'fenced' });
    const result = await client().complete({ ...ask, schema: verdict });
    expect(result.parsed.result).toBe('yes');
    expect(fake().calls).toHaveLength(1);
  });

  it('stops at once on 401 (unrecoverable, one call) and never repeats the key', async () => {
    fake().setBehaviour({ type: 'unauthorized' });
    const logged: string[] = [];
    const logger = { warn: (obj: object, msg: string) => logged.push(JSON.stringify(obj) + msg), debug: () => {} };
    const judge = client({ logger });
    const error = (await judge.complete(ask).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('JUDGE_UNRECOVERABLE');
    expect(error.message).toContain('Incorrect API key provided: sk-[redacted]');
    expect(error.message).not.toContain('sk-test-secret');
    expect(logged.join('\n')).not.toContain('sk-test-secret');
    expect(logged.length).toBeGreaterThan(0);
    expect(fake().calls).toHaveLength(1);
    expect(judge.stats().failures).toEqual({ JUDGE_UNRECOVERABLE: 1 });
  });

  it('falls back without response_format when refused, and remembers it for the endpoint', async () => {
    const other = await startFakeJudge({ behaviour: { type: 'refuse_response_format' } });
    try {
      const first = await client({ baseUrl: other.url }).complete(ask);
      expect(first.parsed).toMatchObject({ result: 'yes' });
      expect(other.calls.map((c) => c.response_format)).toEqual(['json_object', null]);
      await client({ baseUrl: other.url }).complete(ask);
      expect(other.calls.map((c) => c.response_format)).toEqual(['json_object', null, null]);
    } finally {
      await other.close();
    }
  });

  it('uses the per-call model override', async () => {
    await client().complete({ ...ask, model: 'bigger-model' });
    expect(fake().calls[0]?.model).toBe('bigger-model');
  });
});

describe('shared rate limit through Redis', () => {
  let redis: Redis;
  const prefix = `assay-test:${randomBytes(6).toString('hex')}`;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('two limiters on one prefix share one budget; another prefix has its own', async () => {
    const a = new RedisRateLimiter(redis, { rpm: 2 }, prefix);
    const b = new RedisRateLimiter(redis, { rpm: 2 }, prefix);
    expect(await a.reserve(10)).toBe(0);
    expect(await b.reserve(10)).toBe(0);
    expect(await a.reserve(10)).toBeGreaterThan(0);
    expect(await b.reserve(10)).toBeGreaterThan(0);
    expect(await new RedisRateLimiter(redis, { rpm: 2 }, `${prefix}:other`).reserve(10)).toBe(0);
  });

  it('limits tokens per minute too', async () => {
    const limiter = new RedisRateLimiter(redis, { tpm: 1_000 }, `${prefix}:tpm`);
    expect(await limiter.reserve(800)).toBe(0);
    expect(await limiter.reserve(300)).toBeGreaterThan(0);
    expect(await limiter.reserve(100)).toBe(0);
  });

  it('judge clients sharing Redis go through the shared budget', async () => {
    const shared = `${prefix}:clients`;
    const first = client({ redis, redisPrefix: shared, rpm: 1 });
    await first.complete(ask);
    const waiting = await new RedisRateLimiter(redis, { rpm: 1 }, shared).reserve(1);
    expect(waiting).toBeGreaterThan(0);
  });
});
