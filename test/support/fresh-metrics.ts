/**
 * Runs before each test file of a worker that keeps its modules between files (vitest.config.ts):
 * the process's Prometheus counters and gauges start from nothing, as they would in a fresh process,
 * so no file sees another's figures in `/metrics`.
 */
import { registry } from '../../src/observability/metrics.ts';

registry.resetMetrics();
