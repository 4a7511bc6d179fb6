import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first-sequencer.ts';

/** Migrates the template databases once per run; test databases are copies of them. */
const databases = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in a few forks; each file isolates itself with its own database and queue prefix.
    pool: 'forks',
    maxWorkers: 3,
    reporters: ['default'],
    // Slowest files first (test/file-durations.json): see the sequencer.
    sequence: { sequencer: SlowFirstSequencer },
    // Loading the sources again for every file was half of a file's time. A worker keeps its imported
    // modules from one file to the next: each file still has its own database, queue prefix, app and
    // servers and closes them; the one state the sources keep per process, the Prometheus registry,
    // is reset before each file. The browser tests do the same (a fresh process per file cost them
    // 176 CPU-seconds where this costs 157).
    isolate: false,
    // One project for browser, database and unit files, so the forks and their loaded modules serve
    // all of them (three projects replaced each fork twice).
    include: ['test/e2e/**/*.test.ts', 'test/api/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/unit/**/*.test.ts'],
    globalSetup: databases,
    setupFiles: ['test/support/fresh-metrics.ts'],
  },
});
