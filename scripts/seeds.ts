// `npm run seeds -- N`: run the whole suite on N random seeds (one run at a time, each on every core), keep
// each run's argument report under build/seeds/, and write the pass-rate table: build/seeds.md and
// docs/results/seeds.json (the committed summary the docs show). Options: --seeds 1,2,3 (explicit seeds),
// --reuse (summarise the reports already under build/seeds/ for those seeds), --deep (PATHKERNEL_DEEP=1; writes build/seeds-deep.md and docs/results/seeds-deep.json instead).
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ArgumentReport } from '../src/report/argument.js';
import { seedSweepMarkdown, summariseSeeds } from '../src/report/seeds.js';

const args = process.argv.slice(2);
const explicit = args.includes('--seeds') ? args[args.indexOf('--seeds') + 1]!.split(',').map(Number) : null;
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const deep = args.includes('--deep');
const seeds = explicit ?? Array.from({ length: n }, () => randomInt(1, 2 ** 31));
if (seeds.some((s) => !Number.isInteger(s))) throw new Error(`seeds: --seeds wants integers, got ${args[args.indexOf('--seeds') + 1]}`);
mkdirSync('build/seeds', { recursive: true });
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
const reports: ArgumentReport[] = [];
const lost: { seed: number; reason: string }[] = [];
for (const [k, seed] of seeds.entries()) {
  const file = `build/seeds/${seed}.json`;
  const started = Date.now();
  // --reuse: a seed whose report is already under build/seeds/ is summarised again, not run again.
  if (args.includes('--reuse') && existsSync(file)) {
    reports.push(JSON.parse(readFileSync(file, 'utf8')) as ArgumentReport);
    continue;
  }
  const env = { ...process.env, PATHKERNEL_SEED: String(seed), PATHKERNEL_ARGUMENT_FILE: file, ...(deep ? { PATHKERNEL_DEEP: '1' } : {}) };
  const run = spawnSync('npx', ['vitest', 'run', '--reporter=dot', '--reporter=json', '--reporter=./src/report/argumentReporter.ts', `--outputFile.json=build/seeds/${seed}-vitest.json`], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (!existsSync(file)) {
    lost.push({ seed, reason: `no report (exit ${run.status}${run.signal ? `, ${run.signal}` : ''})` });
    console.log(`seed ${seed} (${k + 1}/${seeds.length}): no report, exit ${run.status}, ${seconds} s`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as ArgumentReport;
  reports.push(report);
  const misses = report.sections.flatMap((s) => s.claims).filter((c) => !['verified', 'law-consistent', 'caveat-found', 'caveat-pinned', 'by-construction'].includes(c.status));
  console.log(`seed ${seed} (${k + 1}/${seeds.length}): exit ${run.status}, ${seconds} s; ${misses.length ? misses.map((c) => `${c.id} ${c.status}`).join(', ') : 'every claim passed'}`);
}
const sweep = summariseSeeds(reports, { date: new Date().toISOString(), commit, deep, seeds, lost });
const name = deep ? 'seeds-deep' : 'seeds';
writeFileSync(`build/${name}.md`, seedSweepMarkdown(sweep));
mkdirSync('docs/results', { recursive: true });
writeFileSync(`docs/results/${name}.json`, JSON.stringify(sweep, null, 1) + '\n');
const short = sweep.claims.filter((c) => c.passes < c.runs);
console.log(`\n${sweep.claims.length} claims over ${seeds.length} seeds: ${sweep.claims.length - short.length} passed on every seed${short.length ? `; fewer: ${short.map((c) => `${c.id} ${c.passes}/${c.runs}`).join(', ')}` : ''}`);
console.log(`written: build/${name}.md, docs/results/${name}.json (commit it for the docs)`);
