import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// A random seed is drawn once here, in the main process, so that every worker and the report share it.
if (process.env['PATHKERNEL_SEED'] === 'random') process.env['PATHKERNEL_SEED'] = String(Math.floor(Math.random() * 2 ** 31));
process.env['PATHKERNEL_SEED'] ??= '20201201';
const DEEP = process.env['PATHKERNEL_DEEP'] === '1' || process.env['PATHKERNEL_DEEP'] === 'true';

// Two projects: unit tests beside their sources in src/, and the argument (fast-check properties, one file
// per claim of the paper) in properties/.
export default defineConfig({
  test: {
    // Every core: vitest's own default for a run is one worker fewer than the cores (1 of 2 here).
    maxWorkers: availableParallelism(),
    // The JSON report feeds .ci/run's closing "N passed, N failed" line (and later the argument's reporter).
    // The argument reporter prints the claims in the paper's order and writes build/argument.json.
    reporters: ['default', ['json', { outputFile: 'build/vitest-results.json' }], './src/report/argumentReporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'properties',
          include: ['properties/**/*.property.ts', 'properties/**/*.test.ts'],
          environment: 'node',
          // Deep mode runs five times the cases on bigger models: its slowest property (Theorem 1's) takes
          // about 5 minutes on 2 cores, so it gets 15; the default run keeps 2 minutes per property.
          testTimeout: DEEP ? 900_000 : 120_000,
        },
      },
    ],
  },
});
