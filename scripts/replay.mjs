// Prints the command that replays each failing claim's tests, from build/argument.json (the seed of the run
// and the test file); a failing property's own message adds the PATHKERNEL_PATH of its shrunk counterexample.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'build/argument.json', 'utf8'));
const failing = report.sections.flatMap((s) => s.claims).filter((c) => c.status === 'failing');
if (failing.length === 0) console.log(`no failing claim (seed ${report.seed})`);
for (const c of failing) {
  for (const t of c.tests.filter((x) => x.state === 'failed')) {
    console.log(`${c.id}: ${t.name}\n  ${t.error ?? ''}\n  replay: PATHKERNEL_SEED=${report.seed}${report.deep ? ' PATHKERNEL_DEEP=1' : ''} npx vitest run ${t.file}`);
  }
}
