/**
 * A whole Assay API over a fresh test database, for route tests through `app.inject`.
 * `queue: 'bullmq'` uses the local Redis under a unique prefix.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../config/index.ts';
import { buildApp } from '../../src/api/app.ts';
import { createContext, type AppContext } from '../../src/services/context.ts';
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.ts';
import { BullmqQueue } from '../../src/queue/bullmq-queue.ts';
import { InProcessQueue } from '../../src/queue/in-process-queue.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createToken, type Role } from '../../src/storage/token-repository.ts';
import { createTestDatabase, REDIS_URL, testQueuePrefix, type TestDbKind, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  database: TestDatabase;
  /** Creates a token with the role and returns headers that carry it. */
  tokenHeaders(role: Role, name?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  db?: TestDbKind;
  queue?: 'in-process' | 'bullmq';
  env?: Record<string, string>;
  /** Another API over this test's database (not dropped by `close` of the new app). */
  reuseDatabase?: TestDatabase;
  /** The app's logger (default: silent, or ASSAY_TEST_LOG); a test that reads the logs passes its own. */
  log?: Logger;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.reuseDatabase ?? (await createTestDatabase(options.db ?? 'postgres'));
  const prefix = testQueuePrefix();
  const config: Config = loadConfig({
    ASSAY_LOG_LEVEL: 'silent',
    ASSAY_OFFLINE_JUDGE: 'true',
    ...(options.queue === 'bullmq' ? { REDIS_URL } : {}),
    ASSAY_QUEUE_PREFIX: prefix,
    ...options.env,
  });
  // ASSAY_TEST_LOG=debug (or info, …) prints the app's logs while a test runs.
  const log = options.log ?? (process.env.ASSAY_TEST_LOG ? createLogger(process.env.ASSAY_TEST_LOG) : silentLogger);
  const queue: JobQueue = options.queue === 'bullmq' ? new BullmqQueue(REDIS_URL, prefix, log) : new InProcessQueue(log);
  const ctx = createContext({ config, db: database.db, dbKind: database.kind, queue, log });
  const app = await buildApp(ctx);
  await app.ready();
  let counter = 0;
  return {
    app,
    ctx,
    database,
    async tokenHeaders(role, name) {
      counter += 1;
      const { token } = await createToken(database.db, name ?? `${role}-${counter}`, role);
      return { authorization: `Bearer ${token}` };
    },
    async close() {
      await app.close();
      if (queue instanceof BullmqQueue) await queue.obliterate().catch(() => {});
      await queue.close();
      if (!options.reuseDatabase) await database.drop();
    },
  };
}
