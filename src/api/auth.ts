/**
 * Bearer-token authentication and role checks. With no active token in the database, Assay runs
 * open (it then refuses to listen beyond loopback; see `src/runtime/roles.ts`) and every caller
 * acts as the admin 'anonymous'.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AssayError } from '../domain/errors.ts';
import { anyActiveToken, findActiveToken, type Role } from '../storage/token-repository.ts';
import type { AppContext, Principal } from './context.ts';

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

export const ANONYMOUS: Principal = { name: 'anonymous', role: 'admin' };

export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config?.role ?? 'reader';
    // Unknown paths answer 404 or the console's page, neither of which reveals data.
    if (needed === 'public' || request.is404) return;
    request.principal = await authenticate(ctx, request);
    if (RANK[request.principal.role] < RANK[needed]) {
      throw new AssayError(
        'PERMISSION_DENIED',
        `token '${request.principal.name}' has role '${request.principal.role}'; this needs '${needed}'`,
      );
    }
  });
}

async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) {
    if (!(await anyActiveToken(ctx.db))) return ANONYMOUS;
    throw new AssayError('UNAUTHENTICATED', 'authorization: missing bearer token');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new AssayError('UNAUTHENTICATED', "authorization: expected 'Bearer <token>'");
  const principal = await findActiveToken(ctx.db, match[1]);
  if (!principal) throw new AssayError('UNAUTHENTICATED', 'authorization: unknown or revoked token');
  return principal;
}
