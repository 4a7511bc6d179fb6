/** What every route module receives: the process's shared components, and who is asking. */
import type { Role } from '../domain/access.ts';

export type { AppContext } from '../services/context.ts';

export interface Principal {
  readonly name: string;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Least role a route needs; 'public' needs none. Default 'reader'. */
    role?: Role | 'public';
  }
}
