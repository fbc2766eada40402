import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults, defineConfig } from 'vitest/config';

// A random seed is drawn once here, in the main process, so that every worker and the report share it.
if (process.env['PATHKERNEL_SEED'] === 'random') process.env['PATHKERNEL_SEED'] = String(Math.floor(Math.random() * 2 ** 31));
process.env['PATHKERNEL_SEED'] ??= '20201201';
const DEEP = process.env['PATHKERNEL_DEEP'] === '1' || process.env['PATHKERNEL_DEEP'] === 'true';

// Under mutation testing (`npm run mutants` sets PATHKERNEL_MUTANT_SAMPLE for Stryker's test runners) a
// mutant's run stops at its first failing test, so the order decides the cost, not the outcome: unit tests
// first, then files that failed on an earlier mutant, then the shortest. vitest's own order (projects by
// name, the longest file first) would run the properties, minutes long, before the unit tests that kill most
// mutants in seconds.
class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const key = (f: TestSpecification) => `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`;
    const rank = (f: TestSpecification) => {
      const state = cache.getFileTestResults(key(f));
      return [f.project.name === 'unit' ? 0 : 1, state?.failed ? 0 : 1, state?.duration ?? cache.getFileStats(key(f))?.size ?? 0] as const;
    };
    return [...files].sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
    });
  }
}
const MUTATION_RUN = process.env['PATHKERNEL_MUTANT_SAMPLE'] !== undefined;
// `npm run mutants -- --light` leaves the slowest law files out of the mutation run (the list and its reason are
// in scripts/mutants/sample.mjs); the score it reports is then a lower bound.
const MUTANT_EXCLUDE = (process.env['PATHKERNEL_MUTANT_EXCLUDE'] ?? '').split(',').filter((f) => f !== '');

// Two projects: unit tests beside their sources in src/, and the argument (fast-check properties, one file
// per claim of the paper) in properties/.
export default defineConfig({
  test: {
    // Every core: vitest's own default for a run is one worker fewer than the cores (1 of 2 here).
    maxWorkers: availableParallelism(),
    ...(MUTATION_RUN ? { sequence: { sequencer: FastFirstSequencer } } : {}),
    // The JSON report feeds .ci/run's closing "N passed, N failed" line (and later the argument's reporter).
    // The argument reporter prints the claims in the paper's order and writes build/argument.json.
    reporters: ['default', ['json', { outputFile: 'build/vitest-results.json' }], './src/report/argumentReporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          // Unit tests check values, never time. Vitest's default 5 s limit failed Stryker's instrumented dry run
          // (per-test coverage counts every statement) on the 2000-sweep replicate test under load; 30 s leaves
          // room for instrumentation and a busy machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'properties',
          include: ['properties/**/*.property.ts', 'properties/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...MUTANT_EXCLUDE],
          environment: 'node',
          // Deep mode runs five times the cases on bigger models: its slowest property (Theorem 1's) takes
          // about 5 minutes on 2 cores, so it gets 15; the default run keeps 2 minutes per property. Under
          // mutation testing the instrumented suite runs on one runner with per-test coverage: P2's property ran
          // past 2 minutes in Stryker's dry run on a busy machine (src/flow, src/autodiff, src/models at 9bde4eb),
          // so it gets 10; a mutant that loops is ended by Stryker's own timeout (timeoutFactor, timeoutMS).
          testTimeout: DEEP ? 900_000 : MUTATION_RUN ? 600_000 : 120_000,
        },
      },
    ],
  },
});
