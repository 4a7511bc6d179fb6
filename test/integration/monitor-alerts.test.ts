/** Alert rules end to end on the BullMQ queue (monitor-alerts-suite.ts). */
import { monitorAlerts } from './monitor-alerts-suite.ts';

monitorAlerts('bullmq');
