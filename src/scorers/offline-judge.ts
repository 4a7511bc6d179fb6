/**
 * The offline judge: answers Assay's prompts OpenAI-style (`POST /v1/chat/completions`) with the
 * deterministic heuristics in `offline-heuristics.ts`, recognising the asker by the prompt's marker
 * line. A process without a judge endpoint calls it in-process through `offlineFetch`;
 * `startOfflineJudge` serves the same answers over HTTP for clients outside the process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  completionBody,
  errorBody,
  messageText,
  parseChatBody,
  readJsonBody,
  sendError,
  sendJson,
  type ChatRequestBody,
} from './openai-http.ts';
import { OFFLINE_MODEL, offlineHandlers } from './offline-heuristics.ts';
import { markerOf, parseSections } from './prompt.ts';

export { OFFLINE_MODEL, registerOfflineHandler, type OfflineHandler, type OfflinePrompt } from './offline-heuristics.ts';

export interface OfflineJudge {
  /** Base URL for an OpenAI client (ends in /v1). */
  url: string;
  close(): Promise<void>;
}

/** An answer of the offline judge: a status and an OpenAI-shaped JSON body. */
export interface OfflineAnswer {
  status: number;
  body: unknown;
}

/** Answers one request (`GET …/models` or `POST …/chat/completions`) without any I/O. */
export function answerOffline(method: string, path: string, body: ChatRequestBody | null): OfflineAnswer {
  if (method === 'GET' && path.endsWith('/models')) {
    return { status: 200, body: { object: 'list', data: [{ id: OFFLINE_MODEL, object: 'model', owned_by: 'assay' }] } };
  }
  if (method !== 'POST' || !path.endsWith('/chat/completions')) return { status: 404, body: errorBody(`no route ${method} ${path}`) };
  if (!body) return { status: 400, body: errorBody('the body must be a JSON chat completion request') };
  const system = messageText(body, 'system');
  const user = messageText(body, 'user');
  const marker = markerOf(system) ?? markerOf(user);
  const handler = marker ? offlineHandlers.get(marker) : undefined;
  if (!marker || !handler) {
    // A 400 makes a prompt the offline judge cannot answer fail loudly instead of getting a made-up verdict.
    return {
      status: 400,
      body: errorBody(`${OFFLINE_MODEL}: no heuristic for ${marker ? `judge '${marker}'` : 'a prompt without an [assay-judge: …] marker'}`),
    };
  }
  const answer = handler({ marker, system, user, sections: parseSections(user) });
  return { status: 200, body: completionBody(OFFLINE_MODEL, JSON.stringify(answer), system.length + user.length) };
}

/**
 * The offline judge as a `fetch` function, so a process without a judge endpoint asks it in-process
 * (no socket, no server to start or stop).
 */
export const offlineFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  let body: ChatRequestBody | null = null;
  if (typeof init?.body === 'string') body = parseChatBody(init.body);
  const answer = answerOffline(method, url.pathname, body);
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
};

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0] ?? '';
  const body = req.method === 'POST' ? await readJsonBody(req) : null;
  const answer = answerOffline(req.method ?? 'GET', path, body);
  sendJson(res, answer.status, answer.body);
}

/** Starts the offline judge on 127.0.0.1 (`port` 0 or absent: any free port). */
export async function startOfflineJudge(options: { port?: number; host?: string } = {}): Promise<OfflineJudge> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 500, `${OFFLINE_MODEL}: ${String(error)}`));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}/v1`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      })),
  };
}
