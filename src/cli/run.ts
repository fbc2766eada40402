/**
 * One run of the command line, as a pure function of the spec: validate, assemble, train (the flow or a
 * discrete method) and report the representation at the test points. No files, no process: the command
 * (main.ts) reads the spec and writes the result; tests call {@link runSpec} directly.
 *
 * @module
 */
import packageJson from '../../package.json' with { type: 'json' };
import type { Matrix } from '../core/matrix.js';
import { prepareRun, type PreparedRun } from './problem.js';
import type { RunProgress } from './progress.js';
import { rowsOf, type CommonResult, type RunResult } from './result.js';
import { runDiscrete } from './runDiscrete.js';
import { runFlow } from './runFlow.js';
import { parseRunSpec, specToJson } from './spec.js';

function outputsAt(run: PreparedRun, w: Float64Array): CommonResult['f0'] {
  const at = (x: Matrix) => rowsOf(run.model.forward(w, x));
  return { test: at(run.xTest), train: at(run.problem.xTrain) };
}

/**
 * Run a spec (parsed JSON, not yet validated) and return the result as JSON-ready data. Throws
 * {@link SpecError} for bad input (naming the field) and {@link RunError} for a run that fails (naming the
 * step, or the flow's time).
 *
 * @param input - the spec as parsed from JSON; see docs/cli.md.
 * @param progress - optional progress sink (steps for discrete methods, tenths of T for the flow).
 */
export function runSpec(input: unknown, progress?: RunProgress): RunResult {
  const spec = parseRunSpec(input);
  const run = prepareRun(spec);
  const { training } = spec;
  let outcome;
  try {
    outcome = training.method === 'flow' ? runFlow(run, training.T, spec.options, progress) : runDiscrete(run, training, spec.options, progress);
  } finally {
    progress?.stop();
  }
  const common: CommonResult = {
    versions: { pathkernel: packageJson.version, node: process.versions.node },
    method: training.method,
    seeds: run.seeds,
    data: run.data,
    layout: run.model.layout.map(({ name, rows, cols, offset }) => ({ name, rows, cols, offset })),
    params: { initial: Array.from(run.w0), final: Array.from(outcome.wT) },
    f0: outputsAt(run, run.w0),
    fT: outputsAt(run, outcome.wT),
    losses: outcome.losses,
    spec: specToJson(spec),
  };
  // The echoed spec goes last, after the numbers a reader looks for first.
  const { spec: echoed, ...rest } = common;
  return { ...rest, ...outcome.part, spec: echoed };
}
