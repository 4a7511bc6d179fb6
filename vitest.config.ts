import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Migrates the template databases once per run; test databases are copies of them.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in a few forks; each file isolates itself with its own database and queue prefix.
    pool: 'forks',
    maxWorkers: 3,
    reporters: ['default'],
  },
});
