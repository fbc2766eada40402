/**
 * The vitest reporter that prints the argument in the paper's order after a run and writes
 * build/argument.json. Tests attach the claims they check and their figures in their metadata
 * (properties/arbitraries/claims.ts).
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { buildArgument, formatArgument } from './argument.js';
import type { Series, TestOutcome } from './status.js';

const require = createRequire(import.meta.url);

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Prints the argument and writes build/argument.json (path configurable). */
export default class ArgumentReporter implements Reporter {
  constructor(private readonly options: { outputFile?: string; quiet?: boolean } = {}) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const outcomes: TestOutcome[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const meta = test.meta() as { claims?: string[]; figures?: Record<string, number | string>; claimFigures?: Record<string, Record<string, number | string>>; series?: Series[] };
        const result = test.result();
        const diagnostic = test.diagnostic();
        const firstError = result.state === 'failed' ? (result.errors?.[0]?.message ?? 'failed').split('\n').find((l) => l.trim() !== '') ?? 'failed' : null;
        outcomes.push({
          name: test.name,
          file: relative(process.cwd(), mod.moduleId),
          state: result.state,
          durationMs: diagnostic?.duration ?? 0,
          claims: meta.claims ?? [],
          figures: meta.figures ?? {},
          claimFigures: meta.claimFigures ?? {},
          series: meta.series ?? [],
          error: firstError,
        });
      }
    }
    const report = buildArgument(outcomes, {
      seed: Number(process.env['PATHKERNEL_SEED'] ?? 20201201),
      deep: process.env['PATHKERNEL_DEEP'] === '1' || process.env['PATHKERNEL_DEEP'] === 'true',
      versions: { pathkernel: readOwnVersion(), node: process.version, vitest: version('vitest'), 'fast-check': version('fast-check') },
    });
    const file = this.options.outputFile ?? 'build/argument.json';
    mkdirSync(file.replace(/\/[^/]*$/, '') || '.', { recursive: true });
    writeFileSync(file, JSON.stringify(report, null, 1) + '\n');
    if (!this.options.quiet) {
      console.log('\n' + formatArgument(report));
      console.log(`(written to ${file})`);
    }
  }
}

function readOwnVersion(): string {
  try {
    return (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
