/**
 * The offline judge: an OpenAI-compatible HTTP server (`POST /v1/chat/completions`) that answers
 * Assay's prompts with the deterministic heuristics in `offline-heuristics.ts`, recognising the asker
 * by the prompt's marker line. Used by `npm run demo` when no judge endpoint is configured, and in tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageText, readJsonBody, sendCompletion, sendError, sendJson } from './openai-http.ts';
import { OFFLINE_MODEL, offlineHandlers } from './offline-heuristics.ts';
import { markerOf, parseSections } from './prompt.ts';

export { OFFLINE_MODEL, registerOfflineHandler, type OfflineHandler, type OfflinePrompt } from './offline-heuristics.ts';

export interface OfflineJudge {
  /** Base URL for an OpenAI client (ends in /v1). */
  url: string;
  close(): Promise<void>;
}

/** Answers one chat-completions request. */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (req.method === 'GET' && path.endsWith('/models')) {
    return sendJson(res, 200, { object: 'list', data: [{ id: OFFLINE_MODEL, object: 'model', owned_by: 'assay' }] });
  }
  if (req.method !== 'POST' || !path.endsWith('/chat/completions')) return sendError(res, 404, `no route ${req.method} ${path}`);
  const body = await readJsonBody(req);
  if (!body) return sendError(res, 400, 'the body must be a JSON chat completion request');
  const system = messageText(body, 'system');
  const user = messageText(body, 'user');
  const marker = markerOf(system) ?? markerOf(user);
  const handler = marker ? offlineHandlers.get(marker) : undefined;
  if (!marker || !handler) {
    // A 400 makes a prompt the offline judge cannot answer fail loudly instead of getting a made-up verdict.
    return sendError(res, 400, `${OFFLINE_MODEL}: no heuristic for ${marker ? `judge '${marker}'` : 'a prompt without an [assay-judge: …] marker'}`);
  }
  const answer = handler({ marker, system, user, sections: parseSections(user) });
  sendCompletion(res, OFFLINE_MODEL, JSON.stringify(answer), system.length + user.length);
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
