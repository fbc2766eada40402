// Stryker for `npm run mutants` (scripts/mutants/run.mjs draws the sample and sets the environment it reads).
import { FOLDERS } from './sample.mjs';

export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', './scripts/mutants/sampleChecker.mjs'],
  checkers: ['sample'],
  mutate: FOLDERS.flatMap((f) => [`${f}/**/*.ts`, `!${f}/**/*.test.ts`]),
  // Per-test coverage: a mutant runs only the tests that reach it, and bails at the first failure.
  coverageAnalysis: 'perTest',
  // vitest does not type-check, so no file needs Stryker's `// @ts-nocheck` (which would also break the test
  // that compares the committed WebAssembly kernel with its generator's output).
  disableTypeChecks: false,
  // Only changed code and changed tests are tested again; the file is committed with the summary.
  incremental: true,
  incrementalFile: 'docs/results/stryker-incremental.json',
  concurrency: 2,
  // The suite's own timings vary with the load of the machine: a mutant times out only well past them.
  timeoutFactor: 3,
  timeoutMS: 20_000,
  // The unmutated, instrumented suite runs on one core with per-test coverage: about 4 minutes on a quiet
  // machine, more under load (Stryker's default limit is 5).
  dryRunTimeoutMinutes: 30,
  reporters: ['json', 'html', 'progress'],
  jsonReporter: { fileName: 'build/mutants/mutation.json' },
  htmlReporter: { fileName: 'build/mutants/mutation.html' },
  tempDirName: 'build/stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
