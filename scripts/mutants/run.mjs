// `npm run mutants`: mutation testing with Stryker over the seeded sample of scripts/mutants/sample.mjs.
//   1. draw the sample (build/mutants/sample.json);
//   2. run the default suite once, unmutated, for the baseline of law verdicts (build/mutants/baseline.json);
//   3. run Stryker (scripts/mutants/stryker.config.mjs) with the sample checker and the verdict baseline;
//   4. write the summary (docs/results/mutation.md and mutation.json; commit them with the incremental file).
// Options: --seed N, --size N, --folders src/losses,src/train (a subset), --reuse-baseline, --fresh (forget the
// incremental results of the folders in this run and test their sampled mutants again from scratch),
// --light (leave out the slowest law files, LIGHT_EXCLUDE in sample.mjs: the score is then a lower bound),
// --whole-folders (instrument every mutant of the folders, not only the sampled spans),
// --retest-survivors (forget only their survived and uncovered results: those mutants are tested again, the
// killed ones are reused where Stryker finds their killing test unchanged).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { drawSample, FOLDERS, LIGHT_EXCLUDE, SAMPLE_SEED, SAMPLE_SIZE } from './sample.mjs';
import { NOT_SAMPLED } from './sampleChecker.mjs';
import { writeSummary } from './summary.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seed = Number(opt('--seed', SAMPLE_SEED));
const size = Number(opt('--size', SAMPLE_SIZE));
const folders = opt('--folders', FOLDERS.join(',')).split(',');
const unknown = folders.filter((f) => !FOLDERS.includes(f));
if (unknown.length) throw new Error(`mutants: --folders: ${unknown.join(', ')} not among ${FOLDERS.join(', ')}`);
mkdirSync('build/mutants', { recursive: true });
const light = args.includes('--light');
const suiteEnv = light ? { PATHKERNEL_MUTANT_EXCLUDE: LIGHT_EXCLUDE.join(',') } : {};
if (light) console.log(`mutants: --light: ${LIGHT_EXCLUDE.join(', ')} left out; the score is a lower bound`);
const started = Date.now();

const sample = await drawSample({ seed, size, folders });
writeFileSync('build/mutants/sample.json', JSON.stringify(sample, null, 1) + '\n');
console.log(`mutants: sample of ${sample.keys.length} (seed ${seed}): ${Object.entries(sample.perFolder).map(([f, p]) => `${f} ${p.sampled}/${p.total}`).join(', ')}`);

// A light run's verdict baseline is the light suite's (the claims of the files it leaves out are untested there):
// kept apart, so that --reuse-baseline never compares a light run with a full baseline or the reverse.
const baseline = resolve(light ? 'build/mutants/baseline-light.json' : 'build/mutants/baseline.json');
if (!(args.includes('--reuse-baseline') && existsSync(baseline))) {
  console.log('mutants: the unmutated suite, for the baseline of law verdicts');
  const run = spawnSync('npx', ['vitest', 'run', '--reporter=dot', '--reporter=json', '--reporter=./src/report/argumentReporter.ts', `--outputFile.json=build/mutants/baseline${light ? '-light' : ''}-vitest.json`], { stdio: 'inherit', env: { ...process.env, ...suiteEnv, PATHKERNEL_ARGUMENT_FILE: baseline } });
  if (run.status !== 0) throw new Error(`mutants: the unmutated suite fails (exit ${run.status}): mutation testing needs a green baseline`);
}

// The incremental file keeps every mutant's last result, also the "not in the sample" of mutants outside an
// earlier sample; Stryker would reuse those for a mutant that this sample draws. They are dropped first.
const incremental = 'docs/results/stryker-incremental.json';
// Stryker writes back only the files this run mutates; the other folders' results are kept aside and merged
// in again afterwards, so that each folder's next run is incremental too.
const inRun = (name) => folders.some((f) => name.replace(/\\/g, '/').includes(`${f}/`));
let keptFiles = {};
if (existsSync(incremental)) {
  const report = JSON.parse(readFileSync(incremental, 'utf8'));
  keptFiles = Object.fromEntries(Object.entries(report.files ?? {}).filter(([name]) => !inRun(name)));
  // --fresh: Stryker 9's incremental mode was seen to keep a "survived" result after new tests that kill the
  // mutant were added (src/laws at 883d004: 10 such mutants, each red by hand on the new tests).
  if (args.includes('--fresh')) {
    for (const name of Object.keys(report.files ?? {})) if (inRun(name)) delete report.files[name];
    console.log(`mutants: --fresh: the incremental results of ${folders.join(', ')} forgotten`);
  }
  if (args.includes('--retest-survivors')) {
    let forgotten = 0;
    for (const [name, file] of Object.entries(report.files ?? {})) {
      if (!inRun(name)) continue;
      const kept = file.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage');
      forgotten += file.mutants.length - kept.length;
      file.mutants = kept;
    }
    console.log(`mutants: --retest-survivors: ${forgotten} survived or uncovered results forgotten`);
  }
  let dropped = 0;
  for (const file of Object.values(report.files ?? {})) {
    const kept = file.mutants.filter((m) => !(m.status === 'CompileError' && m.statusReason === NOT_SAMPLED));
    dropped += file.mutants.length - kept.length;
    file.mutants = kept;
  }
  writeFileSync(incremental, JSON.stringify(report));
  console.log(`mutants: ${dropped} "not in the sample" results dropped from ${incremental}`);
}

// Stryker instruments only the sampled mutants' spans (file:line:col-line:col, lines 1-based in the pattern,
// 0-based in the key), not whole folders: a mutant switch in every expression of the autodiff's and the models'
// hot loops made the instrumented suite 18x slower (regime.feature-learning past 10 minutes in the dry run).
// A span also holds the mutants nested inside it; the sample checker sets those aside as before, so the tested
// set and the score are those of the sample either way.
const spans = [...new Set(sample.keys.map((key) => {
  const m = /^(.*)@(\d+):(\d+)-(\d+):(\d+)#/.exec(key);
  if (!m) throw new Error(`mutants: cannot read the span of sampled mutant ${key}`);
  return `${m[1]}:${Number(m[2]) + 1}:${m[3]}-${Number(m[4]) + 1}:${m[5]}`;
}))];
const mutate = args.includes('--whole-folders') ? folders.flatMap((f) => [`${f}/**/*.ts`, `!${f}/**/*.test.ts`]).join(',') : spans.join(',');
const stryker = spawnSync('npx', ['stryker', 'run', 'scripts/mutants/stryker.config.mjs', '--mutate', mutate], { stdio: 'inherit', env: { ...process.env, ...suiteEnv, PATHKERNEL_MUTANT_SAMPLE: resolve('build/mutants/sample.json'), PATHKERNEL_VERDICT_BASELINE: baseline } });
if (stryker.status !== 0) throw new Error(`mutants: stryker exited with ${stryker.status}`);
if (existsSync(incremental)) {
  const report = JSON.parse(readFileSync(incremental, 'utf8'));
  for (const [name, file] of Object.entries(keptFiles)) report.files[name] ??= file;
  writeFileSync(incremental, JSON.stringify(report));
}

const version = JSON.parse(readFileSync('node_modules/@stryker-mutator/core/package.json', 'utf8')).version;
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
const s = writeSummary('build/mutants/mutation.json', 'build/mutants/sample.json', { date: new Date().toISOString(), commit, stryker: version, minutes: Math.round((Date.now() - started) / 60000), cores: cpus().length, ...(light ? { leftOut: LIGHT_EXCLUDE } : {}) });
for (const f of s.folders) console.log(`${f.folder}: ${f.tested} tested, score ${(100 * (f.score ?? 0)).toFixed(1)}%, strict ${(100 * (f.strictScore ?? 0)).toFixed(1)}%, ${f.survivors.length} survivors`);
console.log('written: docs/results/mutation.md, docs/results/mutation.json');
