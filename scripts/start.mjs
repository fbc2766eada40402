// `npm start`: run the argument (every claim of the paper, printed in the paper's order), then build the docs
// from it. The docs are built even when a claim fails, so that the failure can be read there; the exit code
// is the test run's.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: false }).status ?? 1;
const tests = run('npx', ['vitest', 'run', '--reporter=dot', '--reporter=./src/report/argumentReporter.ts']);
const docs = run('npm', ['run', '--silent', 'docs']);
process.exit(tests !== 0 ? tests : docs);
