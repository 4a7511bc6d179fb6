/**
 * Requests/minute and tokens/minute limits for judge calls. Two token buckets (one per limit) that
 * refill continuously; a call goes ahead only when both hold enough. With Redis the buckets live in
 * Redis and one Lua script checks and takes from both atomically, so every worker shares the budget.
 */
import type { Redis } from 'ioredis';
import { abortableDelay } from './semaphore.ts';

export interface RateLimits {
  /** Requests per minute; undefined = unlimited. */
  rpm?: number | undefined;
  /** Tokens per minute; undefined = unlimited. */
  tpm?: number | undefined;
}

export interface RateLimiter {
  /** Takes one request and `tokens` tokens if available; else returns how long to wait (ms) and takes nothing. */
  reserve(tokens: number): Promise<number>;
}

/** Waits until the limiter admits one request of `tokens` tokens. */
export async function acquireRate(limiter: RateLimiter, tokens: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const wait = await limiter.reserve(tokens);
    if (wait <= 0) return;
    // A little jitter so that many waiters do not all retry on the same millisecond.
    await abortableDelay(wait + Math.random() * 20, signal);
  }
}

interface Bucket {
  level: number;
  at: number;
}

/** One process's buckets; used when no Redis is configured. */
export class LocalRateLimiter implements RateLimiter {
  private readonly requests: Bucket;
  private readonly tokens: Bucket;

  constructor(private readonly limits: RateLimits, private readonly now: () => number = Date.now) {
    this.requests = { level: limits.rpm ?? 0, at: now() };
    this.tokens = { level: limits.tpm ?? 0, at: now() };
  }

  async reserve(tokens: number): Promise<number> {
    const now = this.now();
    const needR = this.limits.rpm === undefined ? 0 : waitFor(this.requests, this.limits.rpm, 1, now);
    const needT = this.limits.tpm === undefined ? 0 : waitFor(this.tokens, this.limits.tpm, tokens, now);
    const wait = Math.max(needR, needT);
    if (wait > 0) return wait;
    if (this.limits.rpm !== undefined) this.requests.level -= 1;
    if (this.limits.tpm !== undefined) this.tokens.level -= Math.min(tokens, this.limits.tpm);
    return 0;
  }
}

/** Refills `bucket` to `now`, then returns ms until it holds `cost` (0 when it already does). */
function waitFor(bucket: Bucket, perMinute: number, cost: number, now: number): number {
  const rate = perMinute / 60_000;
  bucket.level = Math.min(perMinute, bucket.level + (now - bucket.at) * rate);
  bucket.at = now;
  // A call bigger than the whole bucket could never run; it runs on a full bucket instead.
  const need = Math.min(cost, perMinute) - bucket.level;
  return need <= 0 ? 0 : Math.ceil(need / rate);
}

// KEYS: request bucket, token bucket. ARGV: rpm, tpm (0 = unlimited), tokens.
// Redis' own clock keeps every worker on one time line.
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(key, cap)
  local v = redis.call('HMGET', key, 'level', 'at')
  local lvl = tonumber(v[1]) or cap
  local at = tonumber(v[2]) or now
  return math.min(cap, lvl + (now - at) * cap / 60000)
end
local rpm = tonumber(ARGV[1]); local tpm = tonumber(ARGV[2]); local cost = tonumber(ARGV[3])
local wait = 0
local r, k
if rpm > 0 then
  r = level(KEYS[1], rpm)
  if r < 1 then wait = math.max(wait, math.ceil((1 - r) * 60000 / rpm)) end
end
if tpm > 0 then
  cost = math.min(cost, tpm)
  k = level(KEYS[2], tpm)
  if k < cost then wait = math.max(wait, math.ceil((cost - k) * 60000 / tpm)) end
end
if wait > 0 then return wait end
if rpm > 0 then
  redis.call('HSET', KEYS[1], 'level', tostring(r - 1), 'at', now)
  redis.call('PEXPIRE', KEYS[1], 120000)
end
if tpm > 0 then
  redis.call('HSET', KEYS[2], 'level', tostring(k - cost), 'at', now)
  redis.call('PEXPIRE', KEYS[2], 120000)
end
return 0
`;

/** Buckets shared by every process using the same Redis and `prefix`. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: RateLimits,
    private readonly prefix = 'assay:judge',
  ) {}

  async reserve(tokens: number): Promise<number> {
    const result = await this.redis.eval(
      RESERVE_SCRIPT,
      2,
      `${this.prefix}:rl:requests`,
      `${this.prefix}:rl:tokens`,
      String(this.limits.rpm ?? 0),
      String(this.limits.tpm ?? 0),
      String(Math.max(0, Math.ceil(tokens))),
    );
    return Number(result);
  }
}

/** The limiter for the given limits, or null when there are none. */
export function createRateLimiter(limits: RateLimits, redis?: Redis, prefix?: string): RateLimiter | null {
  if (limits.rpm === undefined && limits.tpm === undefined) return null;
  return redis ? new RedisRateLimiter(redis, limits, prefix) : new LocalRateLimiter(limits);
}
