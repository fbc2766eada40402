// A Stryker checker that lets through only the mutants of the seeded sample (scripts/mutants/sample.mjs,
// written to the file named by PATHKERNEL_MUTANT_SAMPLE); every other mutant is reported as a compile error
// with the reason "not in the sample", which leaves it out of the score.
import { readFileSync } from 'node:fs';
import { CheckStatus } from '@stryker-mutator/api/check';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';
import { mutantKey } from './sample.mjs';

export const NOT_SAMPLED = 'not in the sample';

class SampleChecker {
  keys = new Set();

  async init() {
    const file = process.env.PATHKERNEL_MUTANT_SAMPLE;
    if (!file) throw new Error('PATHKERNEL_MUTANT_SAMPLE is not set: run `npm run mutants`, which draws the sample first');
    this.keys = new Set(JSON.parse(readFileSync(file, 'utf8')).keys);
  }

  async check(mutants) {
    return Object.fromEntries(mutants.map((m) => [m.id, this.keys.has(mutantKey(m)) ? { status: CheckStatus.Passed } : { status: CheckStatus.CompileError, reason: NOT_SAMPLED }]));
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Checker, 'sample', SampleChecker)];
