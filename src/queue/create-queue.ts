import type { Config } from '../../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { InProcessQueue } from './in-process-queue.ts';
import type { JobQueue } from './queue.ts';

/**
 * BullMQ when Redis is configured, otherwise the in-process queue. BullMQ (with ioredis and its
 * codecs) is imported only when used: the embedded mode starts without loading it.
 */
export async function createQueue(config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'jobLockMs'>, log: Logger): Promise<JobQueue> {
  if (!config.redisUrl) return new InProcessQueue(log);
  const { BullmqQueue } = await loadQueueModule();
  return new BullmqQueue(config.redisUrl, config.queuePrefix, log, config.jobLockMs);
}

/** Imports BullMQ's queue module (with ioredis): only where Redis is configured. */
export function loadQueueModule(): Promise<typeof import('./bullmq-queue.ts')> {
  return import('./bullmq-queue.ts');
}
