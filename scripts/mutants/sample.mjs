// The seeded sample of mutants that `npm run mutants` tests. Every mutant Stryker would make in the listed
// folders is enumerated by Stryker's own instrumenter (same mutators, same `// Stryker disable` comments);
// within each folder the mutants are ranked by a seeded hash of their key (file, location, mutator,
// replacement) and the first SAMPLE_SIZE are kept (all of them where a folder has fewer). The rule depends on
// nothing but the seed and the code, so a rerun on unchanged code draws the same sample, and the sample is
// a uniform random draw without replacement from each folder's mutants.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Instrumenter } from '@stryker-mutator/instrumenter';

/** The folders whose mutation score is measured. */
export const FOLDERS = ['src/kernels', 'src/flow', 'src/autodiff', 'src/train', 'src/losses', 'src/models', 'src/laws'];

/** Mutants drawn per folder: at least 150 tested once the few shown equivalent (ignored) are set aside. */
export const SAMPLE_SIZE = 160;

/**
 * The property files that `--light` leaves out: the five slowest (20-100 s each unmutated, 400 s in all for the
 * suite), all law files whose many flows evaluate every gradient through the autodiff and the models. With every
 * expression of those folders instrumented, Stryker's dry run alone ran past 20 minutes and each surviving mutant
 * reruns every covering test. Leaving tests out can only lose kills (a mutant killed by a subset of the suite is
 * killed by the suite), so a light run's score is a lower bound on the full suite's.
 */
export const LIGHT_EXCLUDE = [
  'properties/regimes/regimes.property.ts',
  'properties/theorem/gradientFlowLimit.property.ts',
  'properties/discrete/sgdDeviation.property.ts',
  'properties/theorem/relu.property.ts',
  'properties/discrete/errorLaws.property.ts',
];

/** The default seed of the sample (the paper's arXiv date, as for the suite). */
export const SAMPLE_SEED = 20201201;

/** The source files of a folder that Stryker mutates (tests excluded). */
export function sourceFiles(folders = FOLDERS) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path.split(sep).join('/'));
    }
  };
  folders.forEach(walk);
  return out;
}

/** A mutant's key: where it is and what it does, with the file relative to the project (from "src/" on). */
export function mutantKey(m) {
  const file = m.fileName.split(sep).join('/');
  const rel = file.slice(file.lastIndexOf('/src/') >= 0 ? file.lastIndexOf('/src/') + 1 : 0);
  const { start, end } = m.location;
  return `${rel}@${start.line}:${start.column}-${end.line}:${end.column}#${m.mutatorName}#${m.replacement}`;
}

const rank = (seed, key) => createHash('sha256').update(`${seed}\n${key}`).digest('hex');

const noop = () => {};
const quiet = { isTraceEnabled: () => false, isDebugEnabled: () => false, isInfoEnabled: () => false, isWarnEnabled: () => true, isErrorEnabled: () => true, isFatalEnabled: () => true, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, fatal: console.error };

/** Enumerate every mutant of the folders and draw the sample. */
export async function drawSample({ seed = SAMPLE_SEED, size = SAMPLE_SIZE, folders = FOLDERS } = {}) {
  const files = sourceFiles(folders);
  const { mutants } = await new Instrumenter(quiet).instrument(
    files.map((name) => ({ name, content: readFileSync(name, 'utf8'), mutate: true })),
    { plugins: null, excludedMutations: [], ignorers: [] },
  );
  const perFolder = {};
  const keys = [];
  for (const folder of folders) {
    const mine = mutants.filter((m) => mutantKey(m).startsWith(`${folder}/`));
    const ranked = mine.map((m) => ({ key: mutantKey(m), r: rank(seed, mutantKey(m)), ignored: m.status === 'Ignored' })).sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0));
    const drawn = ranked.slice(0, size);
    perFolder[folder] = { total: mine.length, sampled: drawn.length, ignoredInSample: drawn.filter((d) => d.ignored).length };
    keys.push(...drawn.map((d) => d.key));
  }
  return { seed, size, rule: `per folder, the ${size} mutants with the lowest sha256("<seed>\\n<key>") (all where a folder has fewer); key = file@line:col-line:col#mutator#replacement`, perFolder, keys };
}
