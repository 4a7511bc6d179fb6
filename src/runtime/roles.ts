/** The three roles a process can play: api, worker, scheduler (and all of them at once). */
import { isLoopbackHost } from '../domain/access.ts';
import { anyActiveToken } from '../storage/token-repository.ts';
import type { Runtime } from './runtime.ts';

export type ProcessRole = 'api' | 'worker' | 'scheduler';

/**
 * Starts loading the modules needed to listen without waiting, so their imports overlap the
 * database's start instead of following it. Only the API's (or, without the API, the worker's and
 * scheduler's): with the API in the process, the worker and the scheduler load once it listens.
 */
export function preloadRoles(roles: readonly ProcessRole[]): void {
  const loading: Array<Promise<unknown>> = [];
  if (roles.includes('api')) {
    loading.push(import('../api/app.ts'));
  } else {
    if (roles.includes('worker')) loading.push(import('../../workers/index.ts'));
    if (roles.includes('scheduler')) loading.push(import('../services/monitor-scheduler.ts'));
  }
  // A failure here surfaces again, with its context, when startRoles imports the same module.
  for (const promise of loading) promise.catch(() => {});
}

export async function startRoles(runtime: Runtime, roles: readonly ProcessRole[]): Promise<{ url?: string }> {
  const { ctx } = runtime;
  let url: string | undefined;
  // Checked before anything starts, so a refused API leaves no worker running half-configured.
  if (roles.includes('api') && ctx.config.open && !isLoopbackHost(ctx.config.host)) {
    throw new Error(`refusing to listen on ${ctx.config.host}: ASSAY_OPEN=true is for loopback only (ASSAY_HOST=127.0.0.1)`);
  }
  if (roles.includes('api') && !isLoopbackHost(ctx.config.host) && !(await anyActiveToken(ctx.db))) {
    throw new Error(
      `refusing to listen on ${ctx.config.host}: no API token exists, so the API would be open to the network. ` +
        'Create one with `assay tokens create --name NAME --role admin`, or listen on 127.0.0.1.',
    );
  }
  // The API serves /metrics on its own port; a process without it gets a small listener of its own,
  // started first so that a port already taken stops the process before it takes any job.
  if (!roles.includes('api') && ctx.config.metrics) {
    const { startMetricsServer } = await import('./metrics-server.ts');
    const metrics = await startMetricsServer(ctx, ctx.config.metrics);
    runtime.onShutdown('metrics closed', () => metrics.close());
    ctx.log.info({ url: metrics.url }, 'metrics listening');
  }
  // The API listens first: it is what a user (and a health check) waits for. Jobs enqueued before
  // the worker starts wait in the queue, and the scheduler's first tick is a cron tick away anyway.
  if (roles.includes('api')) {
    const { buildApp } = await import('../api/app.ts');
    const app = await buildApp(ctx);
    url = await app.listen({ host: ctx.config.host, port: ctx.config.port });
    runtime.onShutdown('api closed', () => app.close(), { intake: true });
    ctx.log.info({ url }, 'api listening');
    if (ctx.config.otlpGrpcPort !== null) {
      const { startOtlpGrpcServer } = await import('../api/otlp-grpc.ts');
      const grpc = await startOtlpGrpcServer(ctx, ctx.config.host, ctx.config.otlpGrpcPort);
      runtime.onShutdown('otlp grpc closed', () => grpc.close(Math.min(5_000, Math.floor(ctx.config.shutdownTimeoutMs * 0.2))), { intake: true });
      ctx.log.info({ host: ctx.config.host, port: grpc.port }, 'otlp grpc listening');
    }
  }
  await runtime.started();
  // A stop that arrived while the API was starting: nothing more starts, so nothing outlives it.
  if (ctx.lifecycle.shuttingDown) return url ? { url } : {};
  // Each role loads only its own modules: a worker does not need the HTTP stack in memory.
  if (roles.includes('worker')) {
    const { jobHandlers } = await import('../../workers/index.ts');
    await ctx.queue.startWorker(jobHandlers(ctx), { concurrency: ctx.config.workerConcurrency });
    ctx.log.info({ concurrency: ctx.config.workerConcurrency, queue: ctx.queue.kind }, 'worker started');
    ctx.judge.judge.prepare().catch((err: unknown) => ctx.log.warn({ err }, 'cannot load the judge client ahead of its first call'));
  }
  if (roles.includes('scheduler') && !ctx.lifecycle.shuttingDown) {
    const { startScheduler } = await import('../services/monitor-scheduler.ts');
    if (ctx.lifecycle.shuttingDown) return url ? { url } : {};
    const scheduler = await startScheduler(ctx);
    runtime.onShutdown('scheduler stopped', () => scheduler.stop());
    ctx.log.info({ cron: ctx.config.schedulerCron }, 'scheduler started');
  }
  return url ? { url } : {};
}
