import { defineConfig } from 'vitest/config';

// Two projects: unit tests beside their sources in src/, and the argument (fast-check properties, one file
// per claim of the paper) in properties/.
export default defineConfig({
  test: {
    // The JSON report feeds .ci/run's closing "N passed, N failed" line (and later the argument's reporter).
    reporters: ['default', ['json', { outputFile: 'build/vitest-results.json' }]],
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
          testTimeout: 120_000,
        },
      },
    ],
  },
});
