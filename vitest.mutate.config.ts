/**
 * The tests `npm run mutate` runs against each mutant: the unit tests of the domain rules (no
 * database, no queue), so the mutation run finishes in minutes on two cores. The main suite keeps
 * its own config (vitest.config.ts). The CLI command table test is left out: it loads every command
 * module inside a test, so each module-level table (entity names, keyword sets, zod shapes) would
 * count as covered by that one test alone and be tried against it alone, instead of being left out
 * of the score as a static mutant (stryker.config.mjs, `ignoreStatic`).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/web/**', 'test/unit/cli-commands.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
