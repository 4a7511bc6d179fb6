/**
 * The tests `npm run mutate` runs against each mutant: the unit tests of the domain rules (no
 * database, no queue), so the mutation run finishes in minutes on two cores. The main suite keeps
 * its own config (vitest.config.ts).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/web/**'],
    testTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
