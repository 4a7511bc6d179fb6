/**
 * Small pieces shared by Assay's OpenAI-compatible HTTP servers (the offline judge, and the test
 * fake): reading a chat request and writing a chat completion or an error in OpenAI's JSON shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  response_format?: { type?: string };
  [key: string]: unknown;
}

/** Reads and parses a JSON request body (null when it is not JSON). */
export async function readJsonBody(req: IncomingMessage): Promise<ChatRequestBody | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return parseChatBody(Buffer.concat(chunks).toString('utf8'));
}

/** Parses a JSON chat request (null when it is not a JSON object). */
export function parseChatBody(text: string): ChatRequestBody | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as ChatRequestBody) : null;
  } catch {
    return null;
  }
}

/** The text of the first message with `role` (string content or text parts). */
export function messageText(body: ChatRequestBody, role: string): string {
  const message = body.messages?.find((m) => m.role === role);
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String(p.text) : '')).join('');
  }
  return '';
}

/** Writes a chat completion whose assistant message is `content`. */
export function sendCompletion(res: ServerResponse, model: string, content: string, promptChars: number): void {
  sendJson(res, 200, completionBody(model, content, promptChars));
}

/** A chat completion whose assistant message is `content`, tokens estimated at four characters each. */
export function completionBody(model: string, content: string, promptChars: number): unknown {
  const prompt_tokens = Math.ceil(promptChars / 4);
  const completion_tokens = Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
  };
}

/** Writes an error in OpenAI's shape. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: { param?: string; headers?: Record<string, string> } = {},
): void {
  sendJson(res, status, errorBody(message, extra.param), extra.headers);
}

/** An error body in OpenAI's shape. */
export function errorBody(message: string, param?: string): unknown {
  return { error: { message, type: 'invalid_request_error', param: param ?? null, code: null } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
