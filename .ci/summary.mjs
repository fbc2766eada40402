// Prints the closing line CI reads: "tests: N passed, N failed" (", N skipped" when any), from vitest's JSON
// report. Exits 1 when the report is missing, so a run that produced no report cannot pass silently.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'build/vitest-results.json';
if (!existsSync(file)) {
  console.error(`summary: ${file} not found (did the test run start?)`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (r.numTotalTests === 0) process.exit(1);
