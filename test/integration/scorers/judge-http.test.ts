import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isAssayError } from '../../../src/domain/errors.ts';
import { JudgeClient, type JudgeAttempt, type JudgeClientOptions } from '../../../src/scorers/judge-client.ts';
import { completionBody } from '../../../src/scorers/openai-http.ts';
import { startFakeJudge, type FakeBehaviour } from '../../support/fake-judge.ts';
import { useFakeJudge } from '../../support/fake-judge-fixture.ts';

const fake = useFakeJudge();

const ask = { system: '[assay-judge: test]\nsay yes', user: '<<<REQUEST>>>\nhi\n<<<END REQUEST>>>' };

function client(overrides: Partial<JudgeClientOptions> = {}): JudgeClient {
  return new JudgeClient({
    baseUrl: fake().url,
    apiKey: 'sk-test-secret',
    model: 'judge-model',
    concurrency: 4,
    timeoutMs: 5_000,
    maxAttempts: 2,
    maxRetryAfterMs: 1_000,
    backoffBaseMs: 5,
    ...overrides,
  });
}

/** What a caller sees of one request: the answer or the error code and message, and each attempt's outcome. */
async function outcome(judge: JudgeClient, signal?: AbortSignal) {
  const attempts: JudgeAttempt['outcome'][] = [];
  try {
    const answer = await judge.complete({ ...ask, signal, onAttempt: (a) => attempts.push(a.outcome) });
    return { answer: answer.parsed, model: answer.model, tokens: answer.input_tokens + answer.output_tokens, attempts };
  } catch (error) {
    return { code: isAssayError(error) ? error.code : 'thrown', message: error instanceof Error ? error.message : String(error), attempts };
  }
}

/** A judge server of the test's own, for answers the fake judge does not give. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, connections: () => connections };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('the judge transport', () => {
  const cases: Array<[string, FakeBehaviour[], Partial<JudgeClientOptions>?]> = [
    ['an answer', [{ type: 'answer' }]],
    ['a 429 with retry-after, then an answer', [{ type: 'rate_limit', retryAfterMs: 5 }, { type: 'answer' }]],
    ['429s until the attempts run out', [{ type: 'rate_limit', retryAfterSeconds: 0 }, { type: 'rate_limit', retryAfterMs: 1 }]],
    ['5xx until the attempts run out', [{ type: 'server_error', status: 503 }, { type: 'server_error', status: 500 }]],
    ['a refused key', [{ type: 'unauthorized' }]],
    ['a refused response_format', [{ type: 'refuse_response_format' }]],
    ['a fenced answer', [{ type: 'fenced' }]],
    ['malformed answers', [{ type: 'malformed' }, { type: 'malformed' }]],
    ['hung calls', [{ type: 'hang' }, { type: 'hang' }], { timeoutMs: 100 }],
  ];
  it.each(cases)('ends %s as the global fetch does', async (_name, script, overrides) => {
    const results = [];
    for (const transport of [undefined, globalThis.fetch]) {
      // A fresh endpoint each time: a refused response_format is remembered per base URL.
      const own = await startFakeJudge();
      try {
        own.setBehaviour(script);
        results.push(await outcome(client({ baseUrl: own.url, fetch: transport, ...overrides })));
        await own.idle();
        expect(own.inFlight).toBe(0);
      } finally {
        await own.close();
      }
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('rejects with the caller’s reason and leaves no request open when the caller aborts', async () => {
    fake().setBehaviour({ type: 'hang' });
    const controller = new AbortController();
    const pending = outcome(client({ timeoutMs: 60_000 }), controller.signal);
    await fake().waitForCalls(1);
    controller.abort(new Error('shutting down'));
    expect(await pending).toEqual({ code: 'thrown', message: 'shutting down', attempts: ['aborted'] });
    await fake().idle();
  });

  it('reuses its connections', async () => {
    const judge = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completionBody('own', '{"result": "yes"}', 10)));
      });
    });
    try {
      const c = client({ baseUrl: judge.url });
      for (let i = 0; i < 5; i++) await Promise.all([c.complete(ask), c.complete(ask)]);
      expect(judge.connections()).toBe(2);
    } finally {
      await close(judge.server);
    }
  });

  it('reads a gzip-compressed answer', async () => {
    const judge = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(completionBody('own', '{"result": "yes"}', 10))));
    });
    try {
      expect(await outcome(client({ baseUrl: judge.url }))).toMatchObject({ answer: { result: 'yes' }, model: 'own', attempts: ['ok'] });
    } finally {
      await close(judge.server);
    }
  });

  it('retries an answer cut short or a judge that cannot be reached, as connection errors', async () => {
    const judge = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id": "chatcmpl-cut", "choi');
      setTimeout(() => res.destroy(), 10);
    });
    const cut = await outcome(client({ baseUrl: judge.url }));
    await close(judge.server);
    expect(cut).toMatchObject({ code: 'JUDGE_TRANSIENT', attempts: ['transient', 'transient'] });
    // The port is closed now: nobody answers there.
    const refused = await outcome(client({ baseUrl: judge.url }));
    expect(refused).toMatchObject({ code: 'JUDGE_TRANSIENT', attempts: ['transient', 'transient'] });
    expect(refused.message).toContain('connection error');
  });
});
