/** What every route module receives: the process's shared components. */
import type { Config } from '../../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { JobQueue } from '../queue/queue.ts';
import type { Db } from '../storage/connect.ts';
import type { Role } from '../storage/token-repository.ts';

export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly dbKind: 'postgres' | 'pglite';
  readonly queue: JobQueue;
  readonly log: Logger;
  /** Flips to true when shutdown starts; /readyz answers 503 from then on. */
  readonly lifecycle: { shuttingDown: boolean };
  /** Shared per-process services created lazily (the judge client), keyed by name. */
  readonly services: Map<string, unknown>;
}

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
