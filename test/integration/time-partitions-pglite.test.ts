/** Time partitions and retention on PGlite (time-partitions-suite.ts). */
import { timePartitions } from './time-partitions-suite.ts';

timePartitions('pglite');
