// `npm run readme`: write the README's generated block from build/argument.json. With --check, write nothing
// and exit 1 when the committed README differs from what the last complete run gives (CI runs this).
import { readFileSync, writeFileSync } from 'node:fs';
import type { ArgumentReport } from '../src/report/argument.js';
import { spliceReadme } from '../src/report/readme.js';

const check = process.argv.includes('--check');
const file = process.argv.find((a) => a.endsWith('.json')) ?? 'build/argument.json';
const report = JSON.parse(readFileSync(file, 'utf8')) as ArgumentReport;
const readme = readFileSync('README.md', 'utf8');
const next = spliceReadme(readme, report);
// The README quotes the default run (seed 20201201, not deep): another run has nothing to compare.
const DEFAULT_SEED = 20201201;
if (check && (report.seed !== DEFAULT_SEED || report.deep)) {
  console.log(`readme: ${file} is a run with seed ${report.seed}${report.deep ? ' in deep mode' : ''}, not the default run the README quotes: nothing to check`);
} else if (check) {
  if (next !== readme) {
    const a = readme.split('\n');
    const b = next.split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    console.error(`readme: README.md's generated block is stale against ${file} (first difference at line ${i + 1}):\n  committed: ${a[i] ?? ''}\n  this run:  ${b[i] ?? ''}\nRun \`npm run readme\` after a complete default run and commit README.md.`);
    process.exit(1);
  }
  console.log(`readme: the generated block matches ${file}`);
} else {
  writeFileSync('README.md', next);
  console.log(`readme: generated block written from ${file}`);
}
