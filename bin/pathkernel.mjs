#!/usr/bin/env node
// The pathkernel command line. The sources are TypeScript run through tsx (a dev dependency of this
// repository): its ESM loader is registered programmatically with the project's tsconfig, whatever the
// working directory, and then the entry's main() runs in this same process (no second node process).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
