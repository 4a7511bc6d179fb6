/**
 * Calling an evaluation target for one row: an OpenAI-compatible chat endpoint through the `openai`
 * package, or any HTTP endpoint that takes the row's inputs as a JSON POST. A failure (a 500, an
 * answer that is neither text nor a chat completion, a timeout) becomes a TARGET_ERROR naming the
 * reason; the caller marks the row errored and the run goes on.
 */
import type OpenAI from 'openai';
import { z } from 'zod';
import { originOf, readTargetSecret, type Config } from '../../config/index.ts';
import { AssayError, invalid } from '../domain/errors.ts';
import type { JsonObject, JsonValue } from '../domain/trace.ts';
import { isObject, textOf } from '../scorers/text-of.ts';
import { OutboundHttp } from './outbound-http.ts';

/** Checked against ASSAY_TARGET_SECRETS when a run is created (`checkTarget`), and again where rows run. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** Longest one target call may take: a slow target must not hold a worker's slots for long. */
const MAX_TIMEOUT_MS = 120_000;

/** A target as a request describes it. Keys are never stored: `api_key_env` names the variable holding one. */
export const targetSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('openai_chat'),
      base_url: z.url(),
      model: z.string().min(1),
      api_key_env: envName.optional(),
      system_prompt: z.string().optional(),
      /** Deadline of one call, ms. Default 60000. */
      timeout_ms: z.number().int().min(100).max(MAX_TIMEOUT_MS).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('http'),
      url: z.url(),
      headers: z
        .record(z.string(), z.string())
        .refine(
          (h) => !Object.keys(h).some((k) => SECRET_HEADERS.has(k.toLowerCase())),
          'authorization, cookie and API-key headers: give api_key_env instead; headers are stored with the run and shown to readers',
        )
        .optional(),
      /** Sent as `Authorization: Bearer <value>`. */
      api_key_env: envName.optional(),
      timeout_ms: z.number().int().min(100).max(MAX_TIMEOUT_MS).optional(),
    })
    .strict(),
]);
export type TargetConfig = z.infer<typeof targetSchema>;

/** Headers that carry credentials: never taken in `headers`, where readers would see them. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'x-auth-token']);

/**
 * A stored target as readers see it: the values of credential headers hidden. New runs cannot hold
 * them (the schema refuses them); runs created before that still may.
 */
export function targetForReaders(target: JsonObject | null): JsonObject | null {
  if (!target || !isObject(target.headers)) return target;
  const headers = Object.fromEntries(
    Object.entries(target.headers).map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : value]),
  );
  return { ...target, headers };
}

const targetUrl = (target: TargetConfig) => (target.type === 'openai_chat' ? target.base_url : target.url);

/**
 * Whether a run may use this target, checked when the run is created: the URL passes the outbound
 * policy, and `api_key_env` is a secret the operator bound to this URL's origin. The reason names
 * the field; it never says whether a variable exists.
 */
export function checkTarget(config: Config, target: TargetConfig): void {
  const field = target.type === 'openai_chat' ? 'target.base_url' : 'target.url';
  try {
    OutboundHttp.fromConfig(config).check(targetUrl(target));
  } catch (error) {
    throw invalid(`${field}: ${(error as Error).message}`);
  }
  if (target.api_key_env) {
    const origin = originOf(targetUrl(target));
    if (!config.targetSecrets.some((s) => s.name === target.api_key_env && s.origin === origin)) {
      throw invalid(
        `target.api_key_env: '${target.api_key_env}' is not a secret for ${origin}; the operator binds secrets to origins with ASSAY_TARGET_SECRETS=NAME@origin`,
      );
    }
  }
}

export interface TargetAnswer {
  outputs: JsonValue;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  /** USD, when the price table knows the model. */
  cost: number | null;
}

export type TargetCall = (inputs: JsonObject, signal: AbortSignal) => Promise<TargetAnswer>;

let loadedOpenAI: typeof import('openai') | undefined;

async function loadOpenAI(): Promise<typeof import('openai')> {
  loadedOpenAI ??= await import('openai');
  return loadedOpenAI;
}

const targetError = (reason: string, cause?: unknown) => new AssayError('TARGET_ERROR', reason, { cause });

/** A function calling the target; one client per call site, reused for every row. */
export function createTarget(config: Config, target: TargetConfig): TargetCall {
  const key = target.api_key_env ? readTargetSecret(config, target.api_key_env, targetUrl(target)) : undefined;
  if (target.api_key_env && key === undefined) {
    // Read where the rows run (a worker), which may not be where the run was created. The same words
    // whether the variable is unset or not bound to this origin: a writer learns nothing of which exist.
    const reason = `target: api_key_env ${target.api_key_env} is not available for ${originOf(targetUrl(target))} on this worker (ASSAY_TARGET_SECRETS)`;
    return async () => {
      throw targetError(reason);
    };
  }
  const outbound = OutboundHttp.fromConfig(config);
  return target.type === 'openai_chat' ? openaiTarget(config, target, outbound, key) : httpTarget(target, outbound, key);
}

function openaiTarget(
  config: Config,
  target: Extract<TargetConfig, { type: 'openai_chat' }>,
  outbound: OutboundHttp,
  key: string | undefined,
): TargetCall {
  // Made on the first row: the package's modules load only where a target is called.
  let client: Promise<OpenAI> | undefined;
  const clientOf = () =>
    (client ??= loadOpenAI().then(
      ({ default: OpenAI }) =>
        new OpenAI({
          baseURL: target.base_url,
          // The package insists on a key; local endpoints (vLLM, Ollama) ignore it.
          apiKey: key ?? 'unused',
          // A retry would call the target twice for one row; a failed row is reported instead.
          maxRetries: 0,
          timeout: target.timeout_ms ?? 60_000,
          fetch: outbound.fetch,
        }),
    ));
  const price = config.judge.prices[target.model];
  return async (inputs, signal) => {
    const messages = chatMessages(inputs, target.system_prompt);
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await (await clientOf()).chat.completions.create({ model: target.model, messages }, { signal });
    } catch (error) {
      signal.throwIfAborted();
      throw targetError(`target ${target.base_url}: ${failureReason(error)}`, error);
    }
    const content = completion.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw targetError(`target ${target.base_url}: the answer has no message content`);
    const usage = completion.usage;
    const cost = usage && price ? (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6 : null;
    return {
      outputs: content,
      input_tokens: usage?.prompt_tokens ?? null,
      output_tokens: usage?.completion_tokens ?? null,
      total_tokens: usage?.total_tokens ?? null,
      cost,
    };
  };
}

/** Chat messages for a row: its own `messages`, or its request text as one user message. */
function chatMessages(inputs: JsonObject, systemPrompt: string | undefined): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  const own = Array.isArray(inputs.messages) ? (inputs.messages as unknown as OpenAI.Chat.Completions.ChatCompletionMessageParam[]) : null;
  const messages = own ?? [{ role: 'user' as const, content: textOf(inputs, 'request') }];
  return systemPrompt ? [{ role: 'system', content: systemPrompt }, ...messages] : messages;
}

/**
 * Why a call failed, in words that carry nothing the target sent: an HTTP status, a network error
 * code, a policy refusal. The target's body may hold anything (an internal page, a key) and rows
 * are readable by every reader.
 */
function failureReason(error: unknown): string {
  // An error of the package's exists only once the package is loaded.
  const sdk = loadedOpenAI;
  if (sdk && error instanceof sdk.APIError && error.status !== undefined) return `HTTP ${error.status}`;
  if (sdk && error instanceof sdk.APIConnectionTimeoutError) return 'no answer in time';
  const cause = sdk && error instanceof sdk.APIConnectionError ? (error as Error).cause : error;
  if (cause instanceof AssayError) return cause.message.replace(/^target /, '');
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code ? `connection failed (${code})` : 'connection failed';
}

function httpTarget(target: Extract<TargetConfig, { type: 'http' }>, outbound: OutboundHttp, key: string | undefined): TargetCall {
  return async (inputs, signal) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/plain', ...target.headers };
    if (key) headers.authorization = `Bearer ${key}`;
    const deadline = AbortSignal.timeout(target.timeout_ms ?? 60_000);
    let response: Awaited<ReturnType<OutboundHttp['request']>>;
    try {
      response = await outbound.request(target.url, { method: 'POST', headers, body: JSON.stringify(inputs), signal: AbortSignal.any([signal, deadline]) });
    } catch (error) {
      signal.throwIfAborted();
      const reason = deadline.aborted ? `no answer within ${target.timeout_ms ?? 60_000} ms` : failureReason(error);
      throw targetError(`target ${target.url}: ${reason}`, error);
    }
    if (response.status < 200 || response.status >= 300) throw targetError(`target ${target.url}: HTTP ${response.status}`);
    return parseHttpAnswer(response.body.toString('utf8'), response.headers['content-type'] ?? '', target.url);
  };
}

/** A plain string, an OpenAI chat completion, or `{content}`; anything else is garbage. */
export function parseHttpAnswer(text: string, contentType: string, url: string): TargetAnswer {
  const none = { input_tokens: null, output_tokens: null, total_tokens: null, cost: null };
  if (!contentType.includes('json')) {
    if (text.trim() === '') throw targetError(`target ${url}: empty answer`);
    return { outputs: text, ...none };
  }
  let body: JsonValue;
  try {
    body = JSON.parse(text) as JsonValue;
  } catch {
    throw targetError(`target ${url}: the answer is not valid JSON`);
  }
  if (typeof body === 'string') return { outputs: body, ...none };
  if (isObject(body) && Array.isArray(body.choices)) {
    const content = textOf(body, 'response');
    const usage = isObject(body.usage) ? body.usage : {};
    const num = (v: JsonValue | undefined) => (typeof v === 'number' ? v : null);
    return {
      outputs: content,
      input_tokens: num(usage.prompt_tokens),
      output_tokens: num(usage.completion_tokens),
      total_tokens: num(usage.total_tokens),
      cost: null,
    };
  }
  if (isObject(body) && typeof body.content === 'string') return { outputs: body.content, ...none };
  throw targetError(`target ${url}: expected a string, an OpenAI chat completion or {content}, got ${describe(body)}`);
}

/** The shape of an unexpected answer, without its content. */
function describe(body: JsonValue): string {
  if (Array.isArray(body)) return `an array of ${body.length}`;
  if (isObject(body)) return `an object with keys ${Object.keys(body).slice(0, 10).join(', ') || '(none)'}`;
  return body === null ? 'null' : `a ${typeof body}`;
}
