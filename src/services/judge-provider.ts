/**
 * One judge client per process, created on first use: the configured endpoint, or the offline
 * heuristic judge when none is configured. With Redis, the rate limit is shared by every worker.
 */
import type { AppContext } from '../api/context.ts';
import type { BullmqQueue } from '../queue/bullmq-queue.ts';
import { openJudge, type OpenJudge } from '../scorers/open-judge.ts';

const KEY = 'judge';

export async function getJudge(ctx: AppContext): Promise<OpenJudge> {
  let pending = ctx.services.get(KEY) as Promise<OpenJudge> | undefined;
  if (!pending) {
    // By kind, not instanceof: importing BullMQ's class would load it in the embedded mode too.
    const redis = ctx.queue.kind === 'bullmq' ? (ctx.queue as BullmqQueue).redis : undefined;
    pending = openJudge(ctx.config, { redis, logger: ctx.log.child({ component: 'judge' }) });
    ctx.services.set(KEY, pending);
    const opened = await pending;
    if (opened.offline) ctx.log.info('no judge endpoint configured: using the offline heuristic judge');
  }
  return pending;
}

/** Stops the offline judge if this process started one. */
export async function closeJudge(ctx: AppContext): Promise<void> {
  const pending = ctx.services.get(KEY) as Promise<OpenJudge> | undefined;
  ctx.services.delete(KEY);
  if (pending) await (await pending).close();
}
