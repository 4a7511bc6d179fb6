/**
 * The judge's HTTP transport: a `fetch` for the `openai` package built on `node:http`/`node:https`
 * with keep-alive agents. A judge call is one small JSON request and one small JSON answer, tens of
 * them in flight for hours; undici's fetch spent most of the judging worker's CPU on machinery
 * (web streams, per-request dispatch) that such calls never use, and that CPU is latency added to
 * every call once the event loop is busy.
 *
 * It behaves as the global `fetch` does for what the package sends: the caller's signal aborts the
 * request with the signal's reason, a network failure rejects with `TypeError('fetch failed')` and
 * the cause, compressed answers are decompressed, idle connections are dropped before the server's
 * `Keep-Alive: timeout` ends them. It resolves once the whole answer is read, with what the package
 * reads of a `Response`. Anything else (a `Request`, a streamed or form body) goes to the global
 * `fetch`. test/integration/scorers/judge-http.test.ts holds both to the same outcomes.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/** A `fetch` for the judge endpoint, reusing its connections. */
export function createJudgeFetch(): typeof fetch {
  // LIFO: under a steady load the warmest sockets are reused and surplus ones time out idle.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
    const body = init?.body;
    const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    const protocol = url?.startsWith('https:') ? 'https:' : url?.startsWith('http:') ? 'http:' : null;
    if (url === null || protocol === null || !plainBody) return fetch(input, init);
    return send(url, agents[protocol], protocol, init ?? {}, body);
  };
}

function send(url: string, agent: http.Agent, protocol: 'http:' | 'https:', init: RequestInit, body: string | Uint8Array | null | undefined) {
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason);
    const headers = headerRecord(init.headers);
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    const request = (protocol === 'https:' ? https : http).request(url, { method: init.method ?? 'GET', headers, agent });
    const onAbort = () => {
      request.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    const fail = (error: unknown) => {
      done();
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      const stream = decoded(response);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', fail);
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new Error('the connection closed before the answer was complete'));
      });
      stream.on('end', () => {
        done();
        try {
          resolve(toResponse(url, response, Buffer.concat(chunks)));
        } catch (error) {
          reject(new TypeError('fetch failed', { cause: error }));
        }
      });
    });
    request.end(body ?? undefined);
  });
}

/** The request headers as lower-cased names (the `openai` package sends a `Headers`). */
function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  const pairs = headers instanceof Headers ? headers.entries() : Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of pairs as Iterable<[string, string]>) record[name.toLowerCase()] = value;
  return record;
}

/** The answer's body, decompressed as `fetch` would. */
function decoded(response: http.IncomingMessage): NodeJS.ReadableStream {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return response.pipe(zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
  if (encoding === 'deflate') return response.pipe(zlib.createInflate());
  if (encoding === 'br') return response.pipe(zlib.createBrotliDecompress());
  return response;
}

/**
 * The answer, read in full: what the `openai` package reads of a `Response` (status, headers, `text`,
 * `json`), without the web stream a `Response` wraps around its body. `body` is null: there is
 * nothing left to stream or cancel.
 */
class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  readonly body = null;
  bodyUsed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  private consume(): Buffer {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.bodyUsed = true;
    return this.bytes;
  }

  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString('utf8')) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): BufferedResponse {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.bytes);
  }
}

function toResponse(url: string, response: http.IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return new BufferedResponse(url, response.statusCode ?? 0, response.statusMessage ?? '', headers, body) as unknown as Response;
}
