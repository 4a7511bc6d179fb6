/**
 * The one way Assay talks to an LLM judge: any OpenAI-compatible endpoint through the `openai`
 * package, with our own retry policy (the package's retries are off), bounded concurrency, a shared
 * rate limit, a deadline per attempt and the caller's AbortSignal.
 */
import type OpenAI from 'openai';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Config } from '../../config/index.ts';
import { AssayError, type ErrorCode } from '../domain/errors.ts';
import type { JsonValue } from '../domain/trace.ts';
import { backoffMs, redactSecrets } from './judge-backoff.ts';
import type { classifyFailure, FailureClass } from './judge-failure.ts';
import { parseJudgeJson } from './judge-output.ts';
import { acquireRate, createRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { whenAborted } from './abort-listeners.ts';
import { abortableDelay, Semaphore } from './semaphore.ts';
import { emptyStats, type JudgeAttempt, type JudgeStats } from './judge-stats.ts';
import { offlineFetch } from './offline-judge.ts';
import { createJudgeFetch } from './judge-http.ts';

export type { JudgeAttempt, JudgeAttemptOutcome, JudgeStats } from './judge-stats.ts';

/** The subset of a pino logger the client uses. */
export interface JudgeLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface JudgeClientOptions {
  /** OpenAI-compatible base URL (…/v1). Undefined: the OpenAI API. */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  /** Default model; a scorer may ask for another. */
  model: string;
  /** Calls in flight per process. */
  concurrency: number;
  /** Deadline of one attempt, ms; a timed-out attempt is retried like a transient error. */
  timeoutMs: number;
  /** Attempts for rate limits and transient errors (an unparseable answer gets one extra). */
  maxAttempts: number;
  /** Longest wait honoured from a 429's retry-after, ms. */
  maxRetryAfterMs: number;
  rpm?: number | undefined;
  tpm?: number | undefined;
  /** USD per million tokens by model. */
  prices?: Readonly<Record<string, { input: number; output: number }>>;
  /** Shares the rate limit with every process using the same Redis and prefix. */
  redis?: Redis | undefined;
  redisPrefix?: string | undefined;
  logger?: JudgeLogger | undefined;
  /** First backoff step, ms (default 250); tests make it small. */
  backoffBaseMs?: number;
  /** Replaces the HTTP transport (the offline judge answers in-process). */
  fetch?: typeof fetch | undefined;
  /** Told of every HTTP attempt when it ends (process metrics). */
  onAttempt?: ((attempt: JudgeAttempt) => void) | undefined;
}

export interface JudgeRequest<T> {
  system: string;
  user: string;
  model?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Validates the parsed answer; a mismatch counts as unparseable output. */
  schema?: z.ZodType<T>;
  /** Told of each HTTP attempt made for this request when it ends, aborted ones included. */
  onAttempt?: ((attempt: JudgeAttempt) => void) | undefined;
}

export interface JudgeCompletion<T> {
  text: string;
  parsed: T;
  /** The model the endpoint says answered. */
  model: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  /** USD; null when the price table does not know the model. */
  cost: number | null;
}

/** Base URLs that refused `response_format`: asked once per process, then never again. */
const jsonModeRefused = new Set<string>();

/** Output tokens set aside per call for the tokens/minute budget, before the real count is known. */
const OUTPUT_ALLOWANCE = 512;

export class JudgeClient {
  readonly model: string;
  private sdk: Promise<{ openai: OpenAI; classifyFailure: typeof classifyFailure }> | undefined;
  private readonly semaphore: Semaphore;
  private readonly limiter: RateLimiter | null;
  private readonly counters: JudgeStats = emptyStats();
  private readonly endpointKey: string;

  constructor(private readonly options: JudgeClientOptions) {
    this.model = options.model;
    this.endpointKey = options.baseUrl ?? 'https://api.openai.com/v1';
    this.semaphore = new Semaphore(options.concurrency);
    this.limiter = createRateLimiter({ rpm: options.rpm, tpm: options.tpm }, options.redis, options.redisPrefix);
  }

  /**
   * The `openai` client and the failure policy that knows its errors, loaded on the first call: a
   * process that never calls the judge (or not yet: a start) does not load the package's modules.
   */
  private openai() {
    this.sdk ??= Promise.all([import('openai'), import('./judge-failure.ts')]).then(([{ default: OpenAI }, { classifyFailure }]) => ({
      openai: new OpenAI({
        baseURL: this.options.baseUrl,
        // Local endpoints (vLLM, Ollama, the offline judge) need no key, but the package insists on one.
        apiKey: this.options.apiKey ?? 'no-key',
        maxRetries: 0,
        // Our own deadline fires first; this one only guards against a bug in ours.
        timeout: this.options.timeoutMs + 5_000,
        fetch: this.options.fetch ?? createJudgeFetch(),
      }),
      classifyFailure,
    }));
    return this.sdk;
  }

  /**
   * Loads the `openai` package now rather than on the first call: a worker, which will judge, does
   * it once it has started, so its first run's first calls do not wait ~100 ms for the import.
   */
  async prepare(): Promise<void> {
    await this.openai();
  }

  /** Counters since the client was made (a copy). */
  stats(): JudgeStats {
    return { ...this.counters, failures: { ...this.counters.failures }, in_flight: this.semaphore.inUse };
  }

  /**
   * Asks the judge and returns its parsed JSON answer. Throws `AssayError` with a `JUDGE_*` code, or
   * the signal's reason when the caller aborts.
   */
  async complete<T = { [key: string]: JsonValue }>(request: JudgeRequest<T>): Promise<JudgeCompletion<T>> {
    const release = await this.semaphore.acquire(request.signal);
    this.counters.calls++;
    this.counters.peak_in_flight = Math.max(this.counters.peak_in_flight, this.semaphore.inUse);
    try {
      const result = await this.attempts(request);
      this.counters.succeeded++;
      this.counters.input_tokens += result.input_tokens;
      this.counters.output_tokens += result.output_tokens;
      this.counters.cost += result.cost ?? 0;
      return result;
    } catch (error) {
      const code = error instanceof AssayError ? error.code : 'ABORTED';
      this.counters.failures[code] = (this.counters.failures[code] ?? 0) + 1;
      throw error;
    } finally {
      release();
    }
  }

  private async attempts<T>(request: JudgeRequest<T>): Promise<JudgeCompletion<T>> {
    const model = request.model ?? this.model;
    const estimate = Math.ceil((request.system.length + request.user.length) / 4) + OUTPUT_ALLOWANCE;
    let attempt = 0;
    let outputRetried = false;
    let last: FailureClass | null = null;
    while (attempt < this.options.maxAttempts) {
      attempt++;
      if (this.limiter) await this.admit(estimate, request.signal);
      const jsonMode = !jsonModeRefused.has(this.endpointKey);
      // Nothing is sent once the caller gave up, so nothing is reported either.
      request.signal?.throwIfAborted();
      const started = performance.now();
      const unanswered = { input_tokens: 0, output_tokens: 0, cost: 0 };
      let sent: Awaited<ReturnType<JudgeClient['send']>>;
      try {
        sent = await this.send(model, request, jsonMode);
      } catch (error) {
        this.report(request, { model, outcome: 'aborted', latency_ms: Math.round(performance.now() - started), ...unanswered });
        throw error;
      }
      const latency_ms = Math.round(performance.now() - started);
      this.counters.attempts++;
      if (sent.ok) {
        const completion = sent.completion;
        const text = completion.choices[0]?.message?.content ?? '';
        const parsed = this.parse(text, request.schema);
        const input_tokens = completion.usage?.prompt_tokens ?? estimate - OUTPUT_ALLOWANCE;
        const output_tokens = completion.usage?.completion_tokens ?? Math.ceil(text.length / 4);
        const answeredBy = completion.model || model;
        const cost = this.cost(model, answeredBy, input_tokens, output_tokens);
        this.report(request, { model, outcome: parsed === undefined ? 'invalid_output' : 'ok', latency_ms, input_tokens, output_tokens, cost: cost ?? 0 });
        if (parsed === undefined) {
          if (!outputRetried) {
            // An unparseable answer is usually a one-off; one more try does not use up an attempt.
            outputRetried = true;
            attempt--;
            this.counters.output_retries++;
            continue;
          }
          throw new AssayError('JUDGE_OUTPUT_INVALID', `judge answer is not the expected JSON: ${preview(text)}`);
        }
        return { text, parsed, model: answeredBy, input_tokens, output_tokens, latency_ms, cost };
      }
      const failure = sent.failure;
      last = failure;
      this.report(request, { model, outcome: failure.kind, latency_ms, ...unanswered });
      // A 429 storm is expected under load and handled; only the other failures deserve a warning.
      const log = failure.kind === 'rate_limited' ? this.options.logger?.debug : this.options.logger?.warn;
      log?.call(this.options.logger, { attempt, kind: failure.kind, endpoint: this.endpointKey, model }, `judge attempt failed: ${failure.message}`);
      if (failure.kind === 'unrecoverable') throw new AssayError('JUDGE_UNRECOVERABLE', failure.message);
      if (failure.kind === 'response_format_refused') {
        jsonModeRefused.add(this.endpointKey);
        attempt--;
        continue;
      }
      if (attempt >= this.options.maxAttempts) break;
      this.counters.retries++;
      const wait =
        failure.kind === 'rate_limited'
          ? Math.min(failure.retryAfterMs ?? backoffMs(attempt, this.options.backoffBaseMs), this.options.maxRetryAfterMs)
          : backoffMs(attempt, this.options.backoffBaseMs);
      await abortableDelay(wait, request.signal);
    }
    throw finalError(last, this.options.maxAttempts);
  }

  /** One HTTP attempt; failures come back as values so the loop above reads as policy. */
  private async send<T>(model: string, request: JudgeRequest<T>, jsonMode: boolean) {
    // One controller for both the deadline and the caller: cheaper than AbortSignal.any on every attempt,
    // and the listener is removed below so long-lived caller signals do not collect them.
    const { openai, classifyFailure } = await this.openai();
    request.signal?.throwIfAborted();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('judge deadline')), this.options.timeoutMs);
    const caller = request.signal;
    const stopListening = caller ? whenAborted(caller, () => deadline.abort(caller.reason)) : () => {};
    const signal = deadline.signal;
    try {
      const completion = await openai.chat.completions.create(
        {
          model,
          temperature: 0,
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.user },
          ],
          ...(jsonMode ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal, maxRetries: 0 },
      );
      return { ok: true as const, completion };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (deadline.signal.aborted) {
        this.counters.timeouts++;
        return { ok: false as const, failure: { kind: 'timeout', message: `judge call exceeded ${this.options.timeoutMs} ms` } satisfies FailureClass };
      }
      const classified = classifyFailure(error, jsonMode);
      const failure = { ...classified, message: redactSecrets(classified.message, this.options.apiKey) };
      if (failure.kind === 'rate_limited') this.counters.rate_limited_responses++;
      return { ok: false as const, failure };
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  }

  /** Tells the client's and the request's listeners; a listener's bug never fails the call. */
  private report(request: Pick<JudgeRequest<unknown>, 'onAttempt'>, attempt: JudgeAttempt): void {
    for (const listener of [this.options.onAttempt, request.onAttempt]) {
      try {
        listener?.(attempt);
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'judge attempt listener failed');
      }
    }
  }

  /** Waits for the rate limit; a limiter that cannot be reached is a transient judge failure. */
  private async admit(tokens: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await acquireRate(this.limiter!, tokens, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new AssayError('JUDGE_TRANSIENT', `judge rate limiter unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private parse<T>(text: string, schema: z.ZodType<T> | undefined): T | undefined {
    const json = parseJudgeJson(text);
    if (json === null) return undefined;
    if (!schema) return json as T;
    const checked = schema.safeParse(json);
    return checked.success ? checked.data : undefined;
  }

  private cost(requested: string, answered: string, input: number, output: number): number | null {
    const price = this.options.prices?.[requested] ?? this.options.prices?.[answered];
    return price ? (input * price.input + output * price.output) / 1_000_000 : null;
  }
}

/** What createJudgeClient needs besides the config. */
export interface JudgeDeps {
  redis?: Redis | undefined;
  logger?: JudgeLogger | undefined;
  /** Told of every HTTP attempt (process metrics). */
  onAttempt?: ((attempt: JudgeAttempt) => void) | undefined;
}

/** Where the offline judge pretends to live; `offlineFetch` answers without a socket. */
const OFFLINE_BASE_URL = 'http://offline-judge.assay.invalid/v1';

/** The judge client the config describes (the in-process offline judge when the config says offline). */
export function createJudgeClient(config: Config, deps: JudgeDeps = {}): JudgeClient {
  const judge = config.judge;
  return new JudgeClient({
    baseUrl: judge.offline ? OFFLINE_BASE_URL : judge.baseUrl,
    fetch: judge.offline ? offlineFetch : undefined,
    apiKey: judge.offline ? undefined : judge.apiKey,
    model: judge.model,
    concurrency: judge.concurrency,
    timeoutMs: judge.timeoutMs,
    maxAttempts: judge.maxAttempts,
    maxRetryAfterMs: judge.maxRetryAfterMs,
    rpm: judge.rpm,
    tpm: judge.tpm,
    prices: judge.prices,
    redis: deps.redis,
    redisPrefix: `${config.queuePrefix}:judge`,
    logger: deps.logger,
    onAttempt: deps.onAttempt,
  });
}

function finalError(last: FailureClass | null, attempts: number): AssayError {
  const code: ErrorCode =
    last?.kind === 'rate_limited' ? 'JUDGE_RATE_LIMITED' : last?.kind === 'timeout' ? 'JUDGE_TIMEOUT' : 'JUDGE_TRANSIENT';
  return new AssayError(code, `gave up after ${attempts} attempts: ${last?.message ?? 'no attempt made'}`);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
