/**
 * Calling an evaluation target for one row: an OpenAI-compatible chat endpoint through the `openai`
 * package, or any HTTP endpoint that takes the row's inputs as a JSON POST. A failure (a 500, an
 * answer that is neither text nor a chat completion, a timeout) becomes a TARGET_ERROR naming the
 * reason; the caller marks the row errored and the run goes on.
 */
import OpenAI from 'openai';
import { z } from 'zod';
import { isReadableSecretName, readSecretEnv, type Config } from '../../config/index.ts';
import { AssayError } from '../domain/errors.ts';
import type { JsonObject, JsonValue } from '../domain/trace.ts';
import { isObject, textOf } from '../scorers/text-of.ts';

const envName = z
  .string()
  .refine((name) => isReadableSecretName(name), 'must name an environment variable meant for targets (ASSAY_TARGET_KEY_ENVS, or one ending in _API_KEY or _TOKEN other than ASSAY_* and OPENAI_API_KEY)');

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
      timeout_ms: z.number().int().min(100).max(600_000).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('http'),
      url: z.url(),
      headers: z
        .record(z.string(), z.string())
        .refine((h) => !Object.keys(h).some((k) => k.toLowerCase() === 'authorization'), 'authorization: give api_key_env instead; headers are stored with the run')
        .optional(),
      /** Sent as `Authorization: Bearer <value>`. */
      api_key_env: envName.optional(),
      timeout_ms: z.number().int().min(100).max(600_000).optional(),
    })
    .strict(),
]);
export type TargetConfig = z.infer<typeof targetSchema>;

export interface TargetAnswer {
  outputs: JsonValue;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  /** USD, when the price table knows the model. */
  cost: number | null;
}

export type TargetCall = (inputs: JsonObject, signal: AbortSignal) => Promise<TargetAnswer>;

const targetError = (reason: string, cause?: unknown) => new AssayError('TARGET_ERROR', reason, { cause });

/** A function calling the target; one client per call site, reused for every row. */
export function createTarget(config: Config, target: TargetConfig): TargetCall {
  if (target.api_key_env && readSecretEnv(target.api_key_env) === undefined) {
    // Read where the rows run (a worker), which may not be where the run was created.
    const reason = `target: api_key_env ${target.api_key_env} is not set in the worker's environment`;
    return async () => {
      throw targetError(reason);
    };
  }
  return target.type === 'openai_chat' ? openaiTarget(config, target) : httpTarget(target);
}

function openaiTarget(config: Config, target: Extract<TargetConfig, { type: 'openai_chat' }>): TargetCall {
  const client = new OpenAI({
    baseURL: target.base_url,
    // The package insists on a key; local endpoints (vLLM, Ollama) ignore it.
    apiKey: (target.api_key_env && readSecretEnv(target.api_key_env)) || 'unused',
    // A retry would call the target twice for one row; a failed row is reported instead.
    maxRetries: 0,
    timeout: target.timeout_ms ?? 60_000,
  });
  const price = config.judge.prices[target.model];
  return async (inputs, signal) => {
    const messages = chatMessages(inputs, target.system_prompt);
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create({ model: target.model, messages }, { signal });
    } catch (error) {
      signal.throwIfAborted();
      throw targetError(`target ${target.base_url}: ${(error as Error).message}`, error);
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

function httpTarget(target: Extract<TargetConfig, { type: 'http' }>): TargetCall {
  return async (inputs, signal) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/plain', ...target.headers };
    const key = target.api_key_env && readSecretEnv(target.api_key_env);
    if (key) headers.authorization = `Bearer ${key}`;
    const deadline = AbortSignal.timeout(target.timeout_ms ?? 60_000);
    let response: Response;
    let text: string;
    try {
      response = await fetch(target.url, { method: 'POST', headers, body: JSON.stringify(inputs), signal: AbortSignal.any([signal, deadline]) });
      text = await response.text();
    } catch (error) {
      signal.throwIfAborted();
      const reason = deadline.aborted ? `no answer within ${target.timeout_ms ?? 60_000} ms` : (error as Error).message;
      throw targetError(`target ${target.url}: ${reason}`, error);
    }
    if (!response.ok) throw targetError(`target ${target.url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    return parseHttpAnswer(text, response.headers.get('content-type') ?? '', target.url);
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
    throw targetError(`target ${url}: the answer is not valid JSON: ${text.slice(0, 200)}`);
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
  throw targetError(`target ${url}: expected a string, an OpenAI chat completion or {content}, got ${text.slice(0, 200)}`);
}
