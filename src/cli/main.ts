/**
 * The command line: `pathkernel run SPEC.json [--out RESULT.json] [--quiet]`.
 *
 * Exit codes: 0 on success; 2 for bad input (a missing or malformed spec file, a bad field, a bad command
 * line) or a run that failed (training diverged, the flow's integrator stopped), with ONE line
 * `pathkernel: <field or step>: <problem>` on stderr; 1 for an internal error (a bug). The result goes to
 * --out (written to a temporary file in the same folder, then renamed, so that a failed run leaves no
 * result and never half of one) or to stdout; a progress bar and a summary line go to stderr unless --quiet.
 *
 * @module
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { SpecError } from '../core/specError.js';
import { formatJson } from './formatJson.js';
import { progressBar } from './progressBar.js';
import type { RunResult } from './result.js';
import { runSpec } from './run.js';
import { RunError } from './runError.js';
import { problemOf } from './zodIssue.js';

/** Exit codes of the command line. */
export const EXIT = { ok: 0, internal: 1, badInput: 2 } as const;

/** An expected failure: bad input or a failed run, reported in one line with exit code 2. */
class Failure extends Error {}

function fail(where: string, problem: string): never {
  throw new Failure(`${where}: ${problem}`);
}

function readSpec(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(path, 'no such file');
    if (code === 'EISDIR') fail(path, 'is a folder, not a spec file');
    fail(path, `cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 says "... in JSON at position 57" (Node 20) or adds "(line 3 column 5)" (Node 22): report line:column.
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const problem = message.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of the file');
    if (!position) fail(path, `malformed JSON: ${problem}`);
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    fail(`${path}:${line}:${column}`, `malformed JSON: ${problem}`);
  }
}

// Check --out before the run, so that a long run is not wasted on an unwritable path.
function checkOut(out: string): void {
  const folder = dirname(resolve(out));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) fail('--out', `folder ${folder} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) fail('--out', `${out} is a folder, not a file`);
}

function writeAtomically(out: string, text: string): void {
  const target = resolve(out);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    fail('--out', `cannot write ${out} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function summary(result: RunResult, destination: string): string {
  const identity =
    result.kind === 'flow'
      ? `kernel machine error ${result.kernelMachineError.toExponential(2)}`
      : `exact representation error ${result.exactError.toExponential(2)}, left-point error ${result.leftPointError.toExponential(2)}`;
  return `pathkernel: ${result.method} run written to ${destination}; ${identity}\n`;
}

interface RunFlags {
  readonly out?: string;
  readonly quiet?: boolean;
}

function runCommand(specPath: string, flags: RunFlags): void {
  const spec = readSpec(specPath);
  if (flags.out !== undefined) checkOut(flags.out);
  let result: RunResult;
  try {
    result = runSpec(spec, flags.quiet ? undefined : progressBar(process.stderr));
  } catch (error) {
    if (error instanceof SpecError) fail(error.field || specPath, problemOf(error));
    if (error instanceof RunError || error instanceof RangeError) throw new Failure(error.message);
    throw error;
  }
  const text = `${formatJson(result)}\n`;
  if (flags.out !== undefined) writeAtomically(flags.out, text);
  else process.stdout.write(text);
  if (!flags.quiet) process.stderr.write(summary(result, flags.out ?? 'stdout'));
}

function program(): Command {
  const root = new Command()
    .name('pathkernel')
    .description('Every model learned by gradient descent is approximately a kernel machine: check it on your model and data.')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`pathkernel: ${text.replace(/^error: /, '')}`) });
  root
    .command('run')
    .description('train the model of SPEC (flow or a discrete method) and report its path-kernel representation')
    .argument('<spec>', 'the run spec, a JSON file (see docs/cli.md)')
    .option('-o, --out <file>', 'write the result JSON here (default: stdout)')
    .option('-q, --quiet', 'no progress bar and no summary line on stderr')
    .action((specPath: string, flags: RunFlags) => runCommand(specPath, flags));
  return root;
}

// One line, always: a message with a newline (an unusual library error) is folded.
function oneLine(text: string): string {
  return `pathkernel: ${text.replace(/\s*\n\s*/g, ' ')}\n`;
}

/** Run the command line on `argv` (as process.argv: node, script, arguments); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    // Commander has printed its own message (help, version, or a usage error through outputError).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    if (error instanceof Failure) {
      process.stderr.write(oneLine(error.message));
      return EXIT.badInput;
    }
    process.stderr.write(oneLine(`internal error: ${error instanceof Error ? error.message : String(error)}`));
    return EXIT.internal;
  }
}

// Run directly (node --import tsx src/cli/main.ts run ...) as well as through bin/pathkernel.mjs.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv);
}
