/**
 * The one policy for HTTP requests that a user's input points somewhere (evaluation targets, and
 * anything later such as alert webhooks). The judge endpoint, set by the operator, is outside it.
 *
 * - ASSAY_OUTBOUND_ALLOW unset: any http(s) URL whose address is public; private, loopback,
 *   link-local, carrier-grade NAT, multicast and cloud-metadata addresses are refused.
 * - ASSAY_OUTBOUND_ALLOW set: only its origins, private ones included.
 *
 * The address is checked where the connection is made (inside the DNS lookup the socket uses), so a
 * name that resolves to a public address when checked and a private one when connecting cannot pass.
 * Redirects are followed by hand, each hop checked again; bodies are read up to a size cap.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { originOf, type Config } from '../../config/index.ts';
import { AssayError } from '../domain/errors.ts';

const MAX_REDIRECTS = 5;

/** Addresses no user-pointed request may reach unless its origin is listed in ASSAY_OUTBOUND_ALLOW. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is one the default policy refuses (IPv4 inside IPv6 forms included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const lower = address.toLowerCase();
  // ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64) carry an IPv4 address: judge that one.
  const embedded = embeddedIpv4(lower);
  if (embedded) return PRIVATE.check(embedded, 'ipv4');
  // 6to4 (2002::/16) embeds an IPv4 address in its next 32 bits.
  if (lower.startsWith('2002:')) {
    const [, a = '0', b = '0'] = lower.split(':');
    const n = (parseInt(a, 16) << 16) | parseInt(b, 16);
    return PRIVATE.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), 'ipv4');
  }
  return PRIVATE.check(lower, 'ipv6');
}

function embeddedIpv4(v6: string): string | undefined {
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!hex?.[1] || !hex[2]) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export const outboundRefused = (url: string, reason: string) =>
  new AssayError('INVALID_PARAMETER_VALUE', `${url}: ${reason}`, { details: { outbound: 'refused' } });

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** Whole body, never longer than the cap. */
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface OutboundHttpOptions {
  allow: readonly string[] | undefined;
  maxResponseBytes: number;
}

export class OutboundHttp {
  private readonly allow: ReadonlySet<string> | undefined;
  readonly maxResponseBytes: number;

  constructor(options: OutboundHttpOptions) {
    this.allow = options.allow ? new Set(options.allow) : undefined;
    this.maxResponseBytes = options.maxResponseBytes;
  }

  static fromConfig(config: Config): OutboundHttp {
    return new OutboundHttp({ allow: config.outbound.allow, maxResponseBytes: config.outbound.maxResponseBytes });
  }

  /**
   * What can be judged without connecting: the scheme, the allow-list, and a literal address.
   * Throws a 400-mapped error naming the URL; a name's address is checked again when connecting.
   */
  check(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw outboundRefused(url, 'not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw outboundRefused(url, 'only http and https are allowed');
    if (parsed.username || parsed.password) throw outboundRefused(url, 'credentials in the URL are not allowed; use api_key_env');
    const origin = originOf(url) ?? '';
    if (this.allow) {
      if (!this.allow.has(origin)) throw outboundRefused(url, `origin ${origin} is not listed in ASSAY_OUTBOUND_ALLOW`);
      return parsed;
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && isPrivateAddress(host)) throw refusedAddress(url);
    // A name is judged by the address it resolves to, when connecting (see `once`).
    return parsed;
  }

  /** One request, redirects followed (and checked) hop by hop, the body read up to the cap. */
  async request(url: string, init: OutboundRequest = {}): Promise<OutboundResponse> {
    let current = url;
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const headers = { ...init.headers };
    for (let hop = 0; ; hop += 1) {
      const target = this.check(current);
      const response = await this.once(target, { method, headers, body, signal: init.signal });
      const location = response.statusCode && response.statusCode >= 300 && response.statusCode < 400 ? response.headers.location : undefined;
      if (!location) return { status: response.statusCode ?? 0, headers: flatHeaders(response), body: await this.readCapped(response, current), url: current };
      response.resume();
      if (hop >= MAX_REDIRECTS) throw new AssayError('TARGET_ERROR', `${url}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current);
      // A redirect elsewhere must not carry the credentials meant for the first origin.
      if (next.origin !== target.origin) {
        for (const name of Object.keys(headers)) {
          if (['authorization', 'cookie', 'x-api-key', 'api-key', 'proxy-authorization'].includes(name.toLowerCase())) delete headers[name];
        }
      }
      if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        for (const name of Object.keys(headers)) if (['content-type', 'content-length'].includes(name.toLowerCase())) delete headers[name];
      }
      current = next.toString();
    }
  }

  /** A `fetch` with this policy, for clients that take one (the `openai` package). */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((value, name) => {
      headers[name] = value;
    });
    const rawBody = init?.body;
    let body: string | Buffer | undefined;
    if (typeof rawBody === 'string') body = rawBody;
    else if (rawBody instanceof ArrayBuffer || ArrayBuffer.isView(rawBody)) body = Buffer.from(rawBody as ArrayBuffer);
    else if (rawBody != null) body = Buffer.from(await new Response(rawBody).arrayBuffer());
    const answer = await this.request(url, { method: init?.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}), ...(init?.signal ? { signal: init.signal } : {}) });
    const status = answer.status;
    const nullBody = status === 204 || status === 205 || status === 304;
    return new Response(nullBody ? null : new Uint8Array(answer.body), { status, headers: answer.headers });
  };

  private once(target: URL, init: Required<Pick<OutboundRequest, 'method' | 'headers'>> & OutboundRequest): Promise<IncomingMessage> {
    const allowed = this.allow !== undefined;
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, '', 0);
        const usable = allowed ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
        if (usable.length === 0) return callback(refusedAddress(target.toString()), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      });
    };
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(target, {
        method: init.method,
        headers: init.body !== undefined ? { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) } : init.headers,
        lookup,
        signal: init.signal,
        // No agent: a kept-alive socket would skip the address check of a new lookup.
        agent: false,
      });
      request.on('response', resolve);
      request.on('error', (error) => reject(error instanceof AssayError ? error : connectError(target, error)));
      if (init.body !== undefined) request.write(init.body);
      request.end();
    });
  }

  private readCapped(response: IncomingMessage, url: string): Promise<Buffer> {
    const cap = this.maxResponseBytes;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        reject(error);
        response.destroy();
      };
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > cap) return fail(tooLarge(url, cap));
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > cap) return fail(tooLarge(url, cap));
        chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        resolve(Buffer.concat(chunks));
      });
      response.on('error', (error) => fail(connectError(new URL(url), error)));
      response.on('aborted', () => fail(connectError(new URL(url), new Error('connection closed early'))));
    });
  }
}

function refusedAddress(url: string): AssayError {
  return outboundRefused(
    url,
    'refused by the outbound policy: private, loopback, link-local and metadata addresses are reached only when their origin is listed in ASSAY_OUTBOUND_ALLOW',
  );
}

function tooLarge(url: string, cap: number): AssayError {
  return new AssayError('TARGET_ERROR', `${url}: the answer is larger than ${cap} bytes (ASSAY_OUTBOUND_MAX_RESPONSE_BYTES)`);
}

/** A network failure as a short reason: the error's code, never a body. */
function connectError(target: URL, error: Error): Error {
  if (error.name === 'AbortError') return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new AssayError('TARGET_ERROR', `${target.origin}: ${code ?? error.message}`, { cause: error });
}

function flatHeaders(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
