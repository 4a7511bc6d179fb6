/** Alert rules end to end on the in-process queue (monitor-alerts-suite.ts). */
import { monitorAlerts } from './monitor-alerts-suite.ts';

monitorAlerts('in-process');
