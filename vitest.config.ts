import { defineConfig } from 'vitest/config';

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
    // Pure rules and route tests through `app.inject` leave nothing behind that outlives their file, so
    // a worker keeps its imported modules from one of their files to the next instead of loading them
    // again (most of such a file's time). Workers, schedulers, spawned processes and browsers get a
    // fresh process per file.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      { extends: true, test: { name: 'api', include: ['test/api/**/*.test.ts'], isolate: false, globalSetup: databases } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'], globalSetup: databases },
      },
    ],
  },
});
