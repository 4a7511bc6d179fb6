/**
 * What the scheduler does for time partitions on every tick: create the days ahead for every
 * retention class in use, then drop the partitions past retention (ASSAY_RETENTION_DAYS for class
 * 0, an experiment's retention_days for its class). Both are idempotent and serialised in Postgres,
 * so several scheduler replicas may run them at once; when nothing is due they cost a catalog read.
 */
import type { AppContext } from './context.ts';
import { dropExpiredPartitions, ensurePartitions } from '../storage/partitions.ts';

export async function maintainPartitions(ctx: Pick<AppContext, 'db' | 'config' | 'log'>, now = new Date()): Promise<{ created: string[]; dropped: string[] }> {
  const created = await ensurePartitions(ctx.db, { now });
  const { dropped } = await dropExpiredPartitions(ctx.db, { now, globalDays: ctx.config.retentionDays });
  if (created.length > 0) ctx.log.info({ partitions: created }, 'trace partitions created');
  if (dropped.length > 0) ctx.log.info({ partitions: dropped }, 'trace partitions past retention dropped');
  return { created, dropped };
}
