// @ts-check
/**
 * Mutation testing of the rules that decide correctness (`npm run mutate`): small changes are made
 * to the code and the unit tests must notice each one. Scope and accepted survivors: README,
 * "Development". The score is recorded in bench/results.json (`mutation`).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  // The rules that decide correctness, in modules that need no database: coordinated sampling,
  // canonical JSON (dataset identity), the filter language and its compilation to SQL (compiled
  // without a database), monitor config validation, the monitor run window, feedback keys, who may
  // call the API (auth), dataset merge rules, evaluation metrics, and how judge answers and failures
  // are read. The code around them that runs SQL or reads requests is covered by the integration
  // suite (test/integration, test/api) instead: too slow to run per mutant on two cores.
  mutate: [
    'src/domain/sampling.ts',
    'src/domain/canonical-json.ts',
    'src/domain/filter/**/*.ts',
    'src/domain/monitor-config.ts',
    'src/domain/monitor-window.ts',
    'src/domain/feedback-key.ts',
    'src/domain/access.ts',
    'src/storage/trace-filter-sql.ts',
    'src/domain/dataset-merge.ts',
    'src/domain/evaluation-metrics.ts',
    'src/scorers/judge-output.ts',
    'src/scorers/judge-failure.ts',
  ],
  coverageAnalysis: 'perTest',
  // Mutants in module-level constants (keyword tables, patterns) would rerun every test for each one;
  // they are left out of the score and covered by the same tests as everything else.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  // Later runs re-test only mutants whose code or covering tests changed (`npx stryker run --force`
  // for a full run).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
