/**
 * A process's shared components, opened in order and closed in the reverse order:
 * stop intake → drain jobs → close Redis → close the database → flush logs.
 */
import type { Config } from '../../config/index.ts';
import { modeOf, redactConfig } from '../../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { assayVersion } from '../observability/version.ts';
import { createQueue, loadQueueModule } from '../queue/create-queue.ts';
import { createContext, type AppContext } from '../services/context.ts';
import { connectDatabase, type DatabaseHandle } from '../storage/connect.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { ensurePartitions } from '../storage/partitions.ts';

export interface Runtime {
  readonly ctx: AppContext;
  /**
   * Registers a step to run at shutdown, before the queue and database close. Runs newest first,
   * except that steps marked `intake` (listeners that take requests) all run before the others, so
   * intake stops before jobs drain whatever order the roles started in; `done` is logged when it
   * has finished, so the order can be read from the log.
   */
  onShutdown(done: string, step: () => Promise<void>, options?: { intake?: boolean }): void;
  /**
   * Resolves when what the start left running has finished (embedded: making sure the days' trace
   * partitions exist); rejects with its failure. Roles await it once they listen.
   */
  started(): Promise<void>;
  /** The ordered, idempotent shutdown. */
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  /** Apply pending migrations first. Default true. */
  migrate?: boolean;
  /** Embedded mode: serve the database on ASSAY_SQL_PORT (unless off). Default false. */
  serveSql?: boolean;
}

export async function openRuntime(config: Config, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  // BullMQ is loaded before 'starting' is logged, as when it was imported statically: the signal
  // handlers come after openRuntime, and a stop sent right after 'starting' must find them.
  if (config.redisUrl) await loadQueueModule();
  log.info({ version: assayVersion(), config: redactConfig(config), mode: modeOf(config) }, 'starting');
  const database: DatabaseHandle = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let partitionsAhead: Promise<void> = Promise.resolve();
  if (options.migrate ?? true) {
    const embedded = database.kind === 'pglite';
    const applied = await migrateToLatest(database.db, { partitions: !embedded });
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    // Embedded, the partition check runs while the API starts instead of before: PGlite is one
    // backend and the check holds it from its first query to its last, so a request that arrives
    // meanwhile waits behind it and never writes before its day's partition exists.
    if (embedded) {
      partitionsAhead = database.db.connection().execute(async (db) => void (await ensurePartitions(db)));
      partitionsAhead.catch((err: unknown) => log.error({ err }, 'cannot make the trace partitions ahead'));
    }
  }
  const queue = await createQueue(config, log.child({ component: 'queue' }));
  const ctx = createContext({ config, db: database.db, dbKind: database.kind, queue, log });
  if (ctx.judge.offline) log.info('no judge endpoint configured: using the offline heuristic judge');
  const steps: Array<{ done: string; step: () => Promise<void>; intake?: boolean }> = [];
  if (options.serveSql && database.embedded && config.sqlPort !== undefined) {
    try {
      const port = await serveSql(database.embedded, config.sqlPort);
      steps.push({ done: 'sql port closed', step: () => port.close() });
      log.info({ url: port.url }, 'sql port listening (psql, pg, BI tools)');
    } catch (error) {
      await queue.close();
      await database.close();
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    ctx,
    started: () => partitionsAhead,
    onShutdown: (done, step, stepOptions) => steps.push({ done, step, intake: stepOptions?.intake ?? false }),
    shutdown: () => {
      closing ??= (async () => {
        ctx.lifecycle.shuttingDown = true;
        log.info('shutting down');
        const run = async (done: string, step: () => Promise<void>) => {
          try {
            await step();
            log.info(done);
          } catch (err) {
            log.error({ err }, `shutdown step failed before '${done}'`);
          }
        };
        const newestFirst = [...steps].reverse();
        for (const { done, step } of [...newestFirst.filter((s) => s.intake), ...newestFirst.filter((s) => !s.intake)]) await run(done, step);
        // Active jobs get most of the stop deadline; what is left closes Redis and the database.
        await run('jobs drained', () => queue.stopWorker(Math.min(10_000, Math.floor(config.shutdownTimeoutMs * 0.6))));
        await run('queue closed', () => queue.close());
        await run('database closed', () => database.close());
        log.info('stopped');
        log.flush?.();
      })();
      return closing;
    },
  };
}

async function serveSql(embedded: NonNullable<DatabaseHandle['embedded']>, port: number) {
  // Imported here: only the embedded server needs the socket code.
  const { startSqlPort } = await import('../storage/sql-port.ts');
  try {
    return await startSqlPort(embedded.pglite, embedded.gate, { host: '127.0.0.1', port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the port is in use (another Assay?)' : (error as Error).message;
    throw new Error(`cannot serve SQL on 127.0.0.1:${port} (ASSAY_SQL_PORT): ${reason}; set ASSAY_SQL_PORT to another port, or to off`, { cause: error });
  }
}

/**
 * Runs `shutdown` on SIGTERM/SIGINT. A stop always ends the process within ASSAY_SHUTDOWN_TIMEOUT_MS,
 * even when Redis or the database cannot be reached to close cleanly (a job not finished by then
 * goes back to the queue when its lock expires); a second signal ends it at once.
 */
export function handleSignals(runtime: Runtime, log: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal: exiting now');
      log.flush?.();
      process.exit(1);
    }
    signalled = true;
    log.info({ signal }, 'signal received');
    const timeoutMs = runtime.ctx.config.shutdownTimeoutMs;
    setTimeout(() => {
      log.error({ timeout_ms: timeoutMs }, 'shutdown did not finish in time (ASSAY_SHUTDOWN_TIMEOUT_MS): exiting now');
      log.flush?.();
      process.exit(1);
    }, timeoutMs).unref();
    void runtime.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
