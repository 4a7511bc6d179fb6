/** Run counters on the BullMQ queue (monitor-run-counts-suite.ts). */
import { runCounters } from './monitor-run-counts-suite.ts';

runCounters('bullmq');
