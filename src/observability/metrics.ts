/** Prometheus metrics, one registry per process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { assayVersion } from './version.ts';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'assay_' });

/** Always 1: its labels say which Assay (and Node.js) a process runs, e.g. across a rolling upgrade. */
export const buildInfo = new Gauge({
  name: 'assay_build_info',
  help: 'Always 1, labelled with the running Assay version and Node.js version',
  labelNames: ['version', 'nodejs'] as const,
  registers: [registry],
  collect() {
    this.set({ version: assayVersion(), nodejs: process.version }, 1);
  },
});

export const httpRequests = new Counter({
  name: 'assay_http_requests_total',
  help: 'HTTP requests by route and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const tracesIngested = new Counter({
  name: 'assay_traces_ingested_total',
  help: 'Traces written by ingest, by protocol',
  labelNames: ['protocol'] as const,
  registers: [registry],
});

export const spansIngested = new Counter({
  name: 'assay_spans_ingested_total',
  help: 'Spans written by ingest, by protocol',
  labelNames: ['protocol'] as const,
  registers: [registry],
});

export const ingestRejected = new Counter({
  name: 'assay_ingest_rejected_total',
  help: 'Ingest requests rejected, by protocol and error code',
  labelNames: ['protocol', 'code'] as const,
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: 'assay_queue_jobs',
  help: 'Jobs in the queue by state',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const jobsProcessed = new Counter({
  name: 'assay_jobs_processed_total',
  help: 'Jobs processed by name and outcome',
  labelNames: ['job', 'outcome'] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'assay_job_duration_seconds',
  help: 'Job duration by name',
  labelNames: ['job'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
  registers: [registry],
});
