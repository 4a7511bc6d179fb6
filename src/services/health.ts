/**
 * Liveness, readiness and the Prometheus scrape, the same for every role: the API serves them on
 * its port, worker and scheduler processes on ASSAY_METRICS_PORT.
 */
import { queueDepth, registry } from '../observability/metrics.ts';
import { pingDatabase } from '../storage/connect.ts';
import type { AppContext } from './context.ts';

export type Readiness =
  | { ok: true; body: { status: 'ready'; database: string; queue: string } }
  | { ok: false; body: { status: 'shutting_down' | 'database_unreachable' } };

/** Ready unless shutting down or the database does not answer. */
export async function readiness(ctx: AppContext): Promise<Readiness> {
  if (ctx.lifecycle.shuttingDown) return { ok: false, body: { status: 'shutting_down' } };
  try {
    await pingDatabase(ctx.db);
  } catch {
    return { ok: false, body: { status: 'database_unreachable' } };
  }
  return { ok: true, body: { status: 'ready', database: ctx.dbKind, queue: ctx.queue.kind } };
}

/** The process's metrics in Prometheus text format, queue depth refreshed first. */
export async function metricsText(ctx: AppContext): Promise<{ contentType: string; text: string }> {
  try {
    const counts = await ctx.queue.counts();
    for (const [state, n] of Object.entries(counts)) queueDepth.set({ state }, n);
  } catch {
    // The queue being unreachable must not hide every other metric.
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
