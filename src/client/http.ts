/**
 * The client's transport: JSON over `fetch` to an Assay server, with a bearer token. Errors carry
 * the API's own `error_code` and message, which names the field and the reason.
 */

/** A non-2xx answer from the Assay API. */
export class AssayApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'AssayApiError';
  }
}

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:5050`. */
  url: string;
  /** API token (sent as a bearer token); none for a loopback server without tokens. */
  token?: string | undefined;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
}

export interface Response<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** Sends one request; `body` is sent as JSON. */
export async function request<T>(options: ClientOptions, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const url = new URL(path.replace(/^\//, ''), base);
  const all: Record<string, string> = { accept: 'application/json', ...headers };
  if (options.token) all.authorization = `Bearer ${options.token}`;
  if (body !== undefined) all['content-type'] = 'application/json';
  const response = await (options.fetch ?? fetch)(url, { method, headers: all, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const err = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { error_code?: string; message?: string };
    throw new AssayApiError(response.status, err.error_code ?? 'HTTP_ERROR', `${method} ${path}: ${response.status} ${err.error_code ?? ''}: ${err.message ?? text}`);
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** A query string from defined values. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
