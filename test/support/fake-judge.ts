/**
 * A fake OpenAI-compatible judge for tests: scripted failures (429, 5xx, hangs, malformed or fenced
 * answers, response_format refusal, 401), injected latency, a record of every request, and the peak
 * number of requests in flight — so tests assert what reached the judge, not how a function was called.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from '../../src/domain/trace.ts';
import { messageText, readJsonBody, sendCompletion, sendError, type ChatRequestBody } from '../../src/scorers/openai-http.ts';
import { markerOf, parseSections } from '../../src/scorers/prompt.ts';

export interface FakeCall {
  /** The judge named by the prompt's marker line (`safety`, `custom_judge`, …), or null. */
  marker: string | null;
  model: string | null;
  system: string;
  user: string;
  /** Section label → text from the user message. */
  sections: Record<string, string>;
  response_format: string | null;
  authorization: string | null;
  body: ChatRequestBody;
}

type Answer = JsonValue | ((call: FakeCall) => JsonValue);

export type FakeBehaviour =
  | { type: 'answer'; answer?: Answer; latencyMs?: number }
  | { type: 'rate_limit'; retryAfterMs?: number; retryAfterSeconds?: number }
  | { type: 'server_error'; status?: number }
  | { type: 'hang' }
  | { type: 'malformed' }
  | { type: 'fenced'; answer?: Answer }
  | { type: 'refuse_response_format' }
  | { type: 'unauthorized' };

export interface FakeJudgeOptions {
  /** Delay before every answer, ms. Default 0. */
  latencyMs?: number;
  /** Behaviour once any scripted sequence is used up. Default: answer. */
  behaviour?: FakeBehaviour;
  /** Answers by judge marker; default `{"rationale": "fake judge", "result": "yes"}`. */
  answers?: Record<string, Answer>;
  /** Model name in answers. Default `fake-judge`. */
  model?: string;
  /**
   * Requests the judge serves at once; one arriving beyond them is answered 429 at once (with
   * `retry-after-ms: capacityRetryAfterMs`, default 100), as a provider over its limit does. Default: unlimited.
   */
  capacity?: number;
  capacityRetryAfterMs?: number;
  /** Keep every request in `calls`. Default true; false (long soaks) keeps only `callCount`. */
  keepCalls?: boolean;
}

export interface FakeJudge {
  /** Base URL to give the judge client (ends in /v1). */
  url: string;
  calls: FakeCall[];
  /** Requests received, kept in `calls` or not. */
  readonly callCount: number;
  /** Highest number of requests in flight at once. */
  readonly peakConcurrency: number;
  /** Requests answered 429 because the judge was at its `capacity`. */
  readonly overCapacity: number;
  /** Milliseconds during which at least one request was in flight. */
  readonly busyMs: number;
  /** Requests answered, and the milliseconds from their arrival to their answer, summed: the latency the judge really gave. */
  readonly answered: { count: number; ms: number };
  readonly inFlight: number;
  /** A single behaviour replaces the default; a list is a script played one request each, first. */
  setBehaviour(behaviour: FakeBehaviour | FakeBehaviour[]): void;
  setAnswer(marker: string, answer: Answer): void;
  /** Resolves once `n` requests have arrived. */
  waitForCalls(n: number): Promise<void>;
  /** Resolves once no request is in flight (the client hung up or got its answer). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_ANSWER = { rationale: 'fake judge', result: 'yes' };

export async function startFakeJudge(options: FakeJudgeOptions = {}): Promise<FakeJudge> {
  let fallback: FakeBehaviour = options.behaviour ?? { type: 'answer' };
  let script: FakeBehaviour[] = [];
  const answers = new Map(Object.entries(options.answers ?? {}));
  const calls: FakeCall[] = [];
  let inFlight = 0;
  let peak = 0;
  let overCapacity = 0;
  let callCount = 0;
  let busyMs = 0;
  let busySince = 0;
  const answered = { count: 0, ms: 0 };
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((check) => check());

  const answerFor = (call: FakeCall, answer: Answer | undefined): string => {
    const chosen = answer ?? (call.marker ? answers.get(call.marker) : undefined) ?? DEFAULT_ANSWER;
    const value = typeof chosen === 'function' ? chosen(call) : chosen;
    return typeof value === 'string' ? value : JSON.stringify(value);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = performance.now();
    res.on('finish', () => {
      answered.count++;
      answered.ms += performance.now() - arrived;
    });
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return sendError(res, 404, 'not found');
    const body = (await readJsonBody(req)) ?? {};
    const system = messageText(body, 'system');
    const user = messageText(body, 'user');
    const call: FakeCall = {
      marker: markerOf(system),
      model: typeof body.model === 'string' ? body.model : null,
      system,
      user,
      sections: parseSections(user),
      response_format: body.response_format?.type ?? null,
      authorization: req.headers.authorization ?? null,
      body,
    };
    callCount++;
    if (options.keepCalls !== false) calls.push(call);
    if (options.capacity !== undefined && inFlight >= options.capacity) {
      overCapacity++;
      return sendError(res, 429, 'Rate limit reached', { headers: { 'retry-after-ms': String(options.capacityRetryAfterMs ?? 100) } });
    }
    if (inFlight++ === 0) busySince = performance.now();
    peak = Math.max(peak, inFlight);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (--inFlight === 0) busyMs += performance.now() - busySince;
      notify();
    };
    res.on('close', finish);
    notify();
    const behaviour = script.shift() ?? fallback;
    const latency = behaviour.type === 'answer' ? (behaviour.latencyMs ?? options.latencyMs ?? 0) : (options.latencyMs ?? 0);
    if (behaviour.type === 'hang') return; // the client's deadline must end it
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (res.destroyed) return;
    const model = options.model ?? 'fake-judge';
    const promptChars = system.length + user.length;
    switch (behaviour.type) {
      case 'answer':
        return sendCompletion(res, model, answerFor(call, behaviour.answer), promptChars);
      case 'fenced':
        return sendCompletion(res, model, '```json\n' + answerFor(call, behaviour.answer) + '\n```', promptChars);
      case 'malformed':
        return sendCompletion(res, model, 'I think the answer is yes, because', promptChars);
      case 'rate_limit': {
        const headers: Record<string, string> = {};
        if (behaviour.retryAfterMs !== undefined) headers['retry-after-ms'] = String(behaviour.retryAfterMs);
        if (behaviour.retryAfterSeconds !== undefined) headers['retry-after'] = String(behaviour.retryAfterSeconds);
        return sendError(res, 429, 'Rate limit reached', { headers });
      }
      case 'server_error':
        return sendError(res, behaviour.status ?? 500, 'internal error');
      case 'unauthorized':
        // Like OpenAI, echo the key back, so tests can prove Assay never passes it on.
        return sendError(res, 401, `Incorrect API key provided: ${(call.authorization ?? '').replace(/^Bearer /, '')}`);
      case 'refuse_response_format':
        if (call.response_format !== null) {
          return sendError(res, 400, "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.", { param: 'response_format' });
        }
        return sendCompletion(res, model, answerFor(call, undefined), promptChars);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const waitFor = (predicate: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!predicate()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    get peakConcurrency() {
      return peak;
    },
    get inFlight() {
      return inFlight;
    },
    get answered() {
      return { ...answered };
    },
    get callCount() {
      return callCount;
    },
    get overCapacity() {
      return overCapacity;
    },
    get busyMs() {
      return busyMs + (inFlight > 0 ? performance.now() - busySince : 0);
    },
    setBehaviour(behaviour) {
      if (Array.isArray(behaviour)) script = [...behaviour];
      else {
        fallback = behaviour;
        script = [];
      }
    },
    setAnswer(marker, answer) {
      answers.set(marker, answer);
    },
    waitForCalls: (n) => waitFor(() => calls.length >= n),
    idle: () => waitFor(() => inFlight === 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
