/**
 * The CLI's HTTP client for the Assay API: `config.client.url` with `config.client.token` as a
 * bearer token. Errors carry the API's own message, which names the field and the reason.
 */
import { loadConfig } from '../../config/index.ts';

/** A non-2xx answer from the API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Sends one JSON request and returns the parsed JSON answer (undefined for an empty body). */
export async function apiRequest<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const { client } = loadConfig();
  // Relative to the base URL, so an API served under a path prefix keeps it.
  const url = new URL(path.replace(/^\//, ''), client.url.endsWith('/') ? client.url : `${client.url}/`);
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    throw new Error(`cannot reach the Assay API at ${client.url} (ASSAY_URL): ${(error as Error).message}`, { cause: error });
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const err = (parsed ?? {}) as { error_code?: string; message?: string };
    throw new ApiError(response.status, err.error_code ?? 'HTTP_ERROR', `${response.status} ${err.error_code ?? ''}: ${err.message ?? text}`.trim());
  }
  return parsed as T;
}
