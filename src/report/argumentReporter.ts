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
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { buildArgument, formatArgument } from './argument.js';
import type { CaseAccount, Evidence } from '../claims/index.js';
import type { Series, TestOutcome } from './status.js';

const require = createRequire(import.meta.url);

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Prints the argument and writes build/argument.json (path configurable). A run of only some test files
 * writes build/argument-partial.json instead, so that the docs keep describing the last complete run.
 */
export default class ArgumentReporter implements Reporter {
  private vitest: Vitest | null = null;

  constructor(private readonly options: { outputFile?: string; quiet?: boolean } = {}) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    const all = this.vitest ? (await this.vitest.globTestSpecifications()).length : testModules.length;
    const complete = testModules.length >= all;
    const outcomes: TestOutcome[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const meta = test.meta() as { claims?: string[]; figures?: Record<string, number | string>; claimFigures?: Record<string, Record<string, number | string>>; series?: Series[]; evidence?: Record<string, Evidence[]>; accounts?: CaseAccount[] };
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
          evidence: meta.evidence ?? {},
          accounts: meta.accounts ?? [],
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
    // PATHKERNEL_ARGUMENT_FILE lets a seed sweep keep each run's report apart (scripts/seeds.ts).
    const full = this.options.outputFile ?? process.env['PATHKERNEL_ARGUMENT_FILE'] ?? 'build/argument.json';
    const file = complete ? full : full.replace(/\.json$/, '-partial.json');
    mkdirSync(file.replace(/\/[^/]*$/, '') || '.', { recursive: true });
    writeFileSync(file, JSON.stringify(report, null, 1) + '\n');
    if (!this.options.quiet && !complete) {
      const touched = report.sections.flatMap((sec) => sec.claims).filter((c) => c.tests.length > 0);
      console.log(`\npartial run: ${touched.map((c) => `${c.id} ${c.status}`).join(', ') || 'no claim checked'}`);
      console.log(`(written to ${file}; ${full} keeps the last complete run)`);
    } else if (!this.options.quiet) {
      console.log('\n' + formatArgument(report));
      console.log(`(written to ${file}${complete ? '' : `: a partial run of ${testModules.length} of ${all} test files, so ${full} is left as it was`})`);
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
