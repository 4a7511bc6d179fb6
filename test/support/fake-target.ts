/**
 * A fake application for evaluation tests: an HTTP server that answers both as an OpenAI-compatible
 * chat endpoint (`…/chat/completions`, with token usage) and as a plain HTTP target (any other
 * path: the row's inputs as a JSON POST). It records every call with the question it carried, so
 * tests count how often each row's target was called.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from '../../src/domain/trace.ts';
import { textOf } from '../../src/scorers/text-of.ts';

/** What the target answers: text (sent as the shape the endpoint speaks) or a raw HTTP reply. */
export type TargetReply = string | { status: number; body: string; contentType?: string };

export interface TargetCall {
  kind: 'chat' | 'http';
  question: string;
  body: JsonValue;
  authorization: string | null;
}

export interface FakeTargetOptions {
  /** Delay before every answer, ms. Default 0. */
  latencyMs?: number;
  /** Answer per question. Default `Answer: <question>`. */
  answer?: (question: string) => TargetReply;
  /** Token usage reported by chat answers. Default 10 prompt, 5 completion. */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface FakeTarget {
  /** Base URL: `${url}/v1` for openai_chat, `${url}/answer` for http. */
  url: string;
  calls: TargetCall[];
  /** Calls whose question was this one. */
  callsFor(question: string): number;
  setAnswer(answer: (question: string) => TargetReply): void;
  close(): Promise<void>;
}

export async function startFakeTarget(options: FakeTargetOptions = {}): Promise<FakeTarget> {
  let answer = options.answer ?? ((q: string) => `Answer: ${q}`);
  const usage = options.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
  const calls: TargetCall[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as JsonValue;
    const isChat = (req.url ?? '').endsWith('/chat/completions');
    const question = isChat ? textOf(body && typeof body === 'object' && !Array.isArray(body) ? (body.messages ?? null) : null, 'request') : textOf(body, 'request');
    calls.push({ kind: isChat ? 'chat' : 'http', question, body, authorization: req.headers.authorization ?? null });
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const reply = answer(question);
    if (typeof reply !== 'string') {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
      return res.end(reply.body);
    }
    const payload = isChat
      ? {
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'fake-app',
          choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }
      : { content: reply };
    const text = JSON.stringify(payload);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsFor: (question) => calls.filter((c) => c.question === question).length,
    setAnswer(next) {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
