/**
 * Bearer-token authentication, role checks and the Host-header check.
 *
 * Open mode (no token needed, every caller acts as the admin 'anonymous') is allowed only while the
 * API is bound to loopback, and then only while no token has ever been created, or when the operator
 * says `ASSAY_OPEN=true`. Once a token has existed, revoking every token never reopens the API: it
 * is checked on every request, not only at start, and a network-bound API is never open.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allowedHostNames, bearerToken, hostAllowed, hostName, isLoopbackHost, isOpenMode, roleReaches, touchDue, type Role } from '../domain/access.ts';
import { AssayError } from '../domain/errors.ts';
import { anyTokenEver, findActiveToken, touchToken } from '../storage/token-repository.ts';
import type { AppContext, Principal } from './context.ts';

export const ANONYMOUS: Principal = { name: 'anonymous', role: 'admin' };

/** A token's last use is written at most this often, so reads stay reads. */
const TOUCH_EVERY_MS = 60_000;

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

export function createAuthenticator(ctx: AppContext, options: { bindHost: string }): Authenticator {
  const loopback = isLoopbackHost(options.bindHost);
  // Sticky: once a token has been seen, this process never asks again.
  let tokenSeen = false;
  const lastTouch = new Map<string, number>();

  async function isOpen(): Promise<boolean> {
    // The token table is read only while it can still change the answer.
    if (loopback && !ctx.config.open && !tokenSeen) tokenSeen = await anyTokenEver(ctx.db);
    return isOpenMode({ loopback, openConfigured: ctx.config.open, tokenEverExisted: tokenSeen });
  }

  async function authenticateHeader(header: string | undefined): Promise<Principal> {
    if (!header) {
      if (await isOpen()) return ANONYMOUS;
      throw new AssayError('UNAUTHENTICATED', 'authorization: missing bearer token');
    }
    const token = bearerToken(header);
    if (!token) throw new AssayError('UNAUTHENTICATED', "authorization: expected 'Bearer <token>'");
    const principal = await findActiveToken(ctx.db, token);
    if (!principal) throw new AssayError('UNAUTHENTICATED', 'authorization: unknown or revoked token');
    tokenSeen = true;
    const now = Date.now();
    if (touchDue(now, lastTouch.get(principal.name) ?? 0, TOUCH_EVERY_MS)) {
      lastTouch.set(principal.name, now);
      // Best effort: a failed write of the last use must not fail the request.
      await touchToken(ctx.db, principal.name, TOUCH_EVERY_MS).catch((err: unknown) => ctx.log.warn({ err }, 'recording token use failed'));
    }
    return { name: principal.name, role: principal.role };
  }

  const authenticate = (request: FastifyRequest) => authenticateHeader(request.headers.authorization);

  // Decided from configuration alone, so /readyz can answer 503 while the database is down.
  const allowedHosts = allowedHostNames(ctx.config.allowedHosts, loopback);

  async function checkHost(request: FastifyRequest): Promise<void> {
    const header = request.headers.host ?? '';
    if (!hostAllowed(allowedHosts, header)) {
      throw new AssayError(
        'PERMISSION_DENIED',
        `host: '${hostName(header)}' is not a name this API answers to; add it to ASSAY_ALLOWED_HOSTS`,
      );
    }
  }

  return { authenticate, authenticateHeader, isOpen, checkHost };
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
  if (!roleReaches(principal.role, needed)) {
    throw new AssayError('PERMISSION_DENIED', `token '${principal.name}' has role '${principal.role}'; this needs '${needed}'`);
  }
}
