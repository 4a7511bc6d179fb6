/**
 * Bearer-token authentication, role checks and the Host-header check.
 *
 * Open mode (no token needed, every caller acts as the admin 'anonymous') is allowed only while the
 * API is bound to loopback, and then only while no token has ever been created, or when the operator
 * says `ASSAY_OPEN=true`. Once a token has existed, revoking every token never reopens the API: it
 * is checked on every request, not only at start, and a network-bound API is never open.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AssayError } from '../domain/errors.ts';
import { anyTokenEver, findActiveToken, touchToken, type Role } from '../storage/token-repository.ts';
import type { AppContext, Principal } from './context.ts';

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

export const ANONYMOUS: Principal = { name: 'anonymous', role: 'admin' };

/** A token's last use is written at most this often, so reads stay reads. */
const TOUCH_EVERY_MS = 60_000;

/** Host names a browser uses for a loopback API; the only ones a loopback-bound API answers by default. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface Authenticator {
  /** The caller of a request, or an UNAUTHENTICATED error. */
  authenticate(request: FastifyRequest): Promise<Principal>;
  /** The caller behind an `authorization` value (HTTP header or gRPC metadata), or an UNAUTHENTICATED error. */
  authenticateHeader(header: string | undefined): Promise<Principal>;
  /** Whether a request without a token would be let in right now. */
  isOpen(): Promise<boolean>;
  /** A PERMISSION_DENIED error when the Host header is not one this API answers to. */
  checkHost(request: FastifyRequest): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export function createAuthenticator(ctx: AppContext, options: { bindHost: string }): Authenticator {
  const loopback = isLoopbackHost(options.bindHost);
  // Sticky: once a token has been seen, this process never asks again.
  let tokenSeen = false;
  const lastTouch = new Map<string, number>();

  async function isOpen(): Promise<boolean> {
    if (!loopback) return false;
    if (ctx.config.open) return true;
    if (tokenSeen) return false;
    tokenSeen = await anyTokenEver(ctx.db);
    return !tokenSeen;
  }

  async function authenticateHeader(header: string | undefined): Promise<Principal> {
    if (!header) {
      if (await isOpen()) return ANONYMOUS;
      throw new AssayError('UNAUTHENTICATED', 'authorization: missing bearer token');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AssayError('UNAUTHENTICATED', "authorization: expected 'Bearer <token>'");
    const principal = await findActiveToken(ctx.db, match[1]);
    if (!principal) throw new AssayError('UNAUTHENTICATED', 'authorization: unknown or revoked token');
    tokenSeen = true;
    const now = Date.now();
    if (now - (lastTouch.get(principal.name) ?? 0) >= TOUCH_EVERY_MS) {
      lastTouch.set(principal.name, now);
      // Best effort: a failed write of the last use must not fail the request.
      await touchToken(ctx.db, principal.name, TOUCH_EVERY_MS).catch((err: unknown) => ctx.log.warn({ err }, 'recording token use failed'));
    }
    return { name: principal.name, role: principal.role };
  }

  const authenticate = (request: FastifyRequest) => authenticateHeader(request.headers.authorization);

  // Decided from configuration alone, so /readyz can answer 503 while the database is down.
  const allowedHosts = ctx.config.allowedHosts ?? (loopback ? LOOPBACK_NAMES : undefined);

  async function checkHost(request: FastifyRequest): Promise<void> {
    const allowed = allowedHosts;
    if (!allowed) return;
    const host = hostName(request.headers.host ?? '');
    if (!allowed.includes(host) && !allowed.includes('*')) {
      throw new AssayError(
        'PERMISSION_DENIED',
        `host: '${host}' is not a name this API answers to; add it to ASSAY_ALLOWED_HOSTS`,
      );
    }
  }

  return { authenticate, authenticateHeader, isOpen, checkHost };
}

/** The host part of a Host header, lower-cased, without the port (IPv6 keeps its brackets). */
function hostName(header: string): string {
  const lower = header.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

export function registerAuth(app: FastifyInstance, ctx: AppContext): Authenticator {
  const auth = createAuthenticator(ctx, { bindHost: ctx.config.host });
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    await auth.checkHost(request);
    const needed = request.routeOptions.config?.role ?? 'reader';
    // Unknown paths answer 404 or the console's page, neither of which reveals data.
    if (needed === 'public' || request.is404) return;
    request.principal = await auth.authenticate(request);
    requireRole(request.principal, needed);
  });
  return auth;
}

/** A PERMISSION_DENIED error unless the caller's role reaches `needed`. */
export function requireRole(principal: Principal, needed: Role): void {
  if (RANK[principal.role] < RANK[needed]) {
    throw new AssayError('PERMISSION_DENIED', `token '${principal.name}' has role '${principal.role}'; this needs '${needed}'`);
  }
}
