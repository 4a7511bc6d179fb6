/**
 * The dependencies every use case receives, declared here where they are used; the composition
 * root (src/runtime) builds them once per process and owns every connection in them.
 */
import type { Config } from '../../config/index.ts';
import { recordJudgeAttempt } from '../observability/judge-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import type { JobQueue } from '../queue/queue.ts';
import { openJudge, type OpenJudge } from '../scorers/open-judge.ts';
import type { Db } from '../storage/connect.ts';

export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly dbKind: 'postgres' | 'pglite';
  readonly queue: JobQueue;
  readonly log: Logger;
  /** Flips to true when shutdown starts; /readyz answers 503 from then on. */
  readonly lifecycle: { shuttingDown: boolean };
  /** The judge: the configured endpoint, or the offline heuristics answering in-process. */
  readonly judge: OpenJudge;
}

/** Builds a context; the judge's rate limit shares the queue's Redis connection when there is one. */
export function createContext(parts: Pick<AppContext, 'config' | 'db' | 'dbKind' | 'queue' | 'log'>): AppContext {
  const judge = openJudge(parts.config, {
    redis: parts.queue.redis,
    logger: parts.log.child({ component: 'judge' }),
    onAttempt: recordJudgeAttempt,
  });
  return { ...parts, lifecycle: { shuttingDown: false }, judge };
}
