import type { Config } from '../../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { BullmqQueue } from './bullmq-queue.ts';
import { InProcessQueue } from './in-process-queue.ts';
import type { JobQueue } from './queue.ts';

/** BullMQ when Redis is configured, otherwise the in-process queue. */
export function createQueue(config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'jobLockMs'>, log: Logger): JobQueue {
  return config.redisUrl
    ? new BullmqQueue(config.redisUrl, config.queuePrefix, log, config.jobLockMs)
    : new InProcessQueue(log);
}
