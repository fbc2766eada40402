/**
 * The committed PyTorch float64 fixtures (fixtures/torch/, fixtures/torch/optim/; written by generate.py and
 * generate_optim.py) as our engine's objects: the model compiled from the fixture's spec, the explicit w_0 in
 * our flat layout, the training problem with the fixture's loss, reduction and weight decay, and the batch
 * schedule. Shared by torch.property.ts (forward passes, kernels, GD) and torchOptim.property.ts (torch.optim
 * trajectories).
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fromRows } from '../../src/core/index.js';
import { lossByName, type Reduction } from '../../src/losses/index.js';
import { checkParams, compileModel, type Model, type ModelSpecInput } from '../../src/models/index.js';
import type { BatchSpec, OptimizerSpec, TrainingProblem } from '../../src/train/index.js';
import { maxAbs, maxAbsDiff } from '../arbitraries/lawCases.js';

const OPTIM_DIR = new URL('../../fixtures/torch/optim/', import.meta.url);

/** One torch.optim trajectory, as generate_optim.py writes it. */
export interface OptimFixture {
  readonly name: string;
  readonly provenance: Readonly<Record<string, string | number>>;
  readonly spec: ModelSpecInput;
  readonly layout: readonly { name: string; rows: number; cols: number; offset: number }[];
  readonly loss: { readonly name: string; readonly delta?: number };
  readonly reduction: Reduction;
  /** PyTorch's call, for example `torch.optim.SGD([w], lr=0.05, momentum=0.9)`. */
  readonly torch: string;
  /** The same optimiser in our spec. */
  readonly optimizer: OptimizerSpec;
  /** The L2 weight decay of SGD and Adam (our problem's lambda); AdamW's is in `optimizer`. */
  readonly weightDecay: number;
  readonly eps: number;
  readonly steps: number;
  /** The batch of each step, or null for the full batch. */
  readonly batches: readonly (readonly number[])[] | null;
  readonly params: readonly number[];
  readonly inputs: readonly (readonly number[])[];
  readonly targets: readonly (readonly number[])[];
  /** w_0..w_S as torch.optim produced them. */
  readonly path: readonly (readonly number[])[];
  /** The batch loss at w_s before step s. */
  readonly losses: readonly number[];
}

/** A fixture as our engine's objects. */
export interface LoadedOptim {
  readonly fx: OptimFixture;
  readonly model: Model;
  readonly problem: TrainingProblem;
  readonly w0: Float64Array;
  readonly batches: BatchSpec;
  /** PyTorch's iterates as Float64Array. */
  readonly path: readonly Float64Array[];
}

/** Every optimiser fixture, sorted by name. */
export function optimFixtures(): OptimFixture[] {
  return readdirSync(OPTIM_DIR)
    .flatMap((f) => (f.endsWith('.json') ? [f] : []))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, OPTIM_DIR), 'utf8')) as OptimFixture);
}

/** The fixture's model, problem, w_0, batch schedule and PyTorch path. */
export function loadOptim(fx: OptimFixture): LoadedOptim {
  const model = compileModel(fx.spec);
  const loss = lossByName(fx.loss.name, fx.loss.delta === undefined ? {} : { delta: fx.loss.delta });
  const problem: TrainingProblem = { model, loss, xTrain: fromRows(fx.inputs), yTrain: fromRows(fx.targets), reduction: fx.reduction, weightDecay: fx.weightDecay };
  const batches: BatchSpec = fx.batches ? { kind: 'explicit', batches: fx.batches } : { kind: 'full' };
  return { fx, model, problem, w0: checkParams(model, fx.params, `${fx.name}.params`), batches, path: fx.path.map((w) => Float64Array.from(w)) };
}

/** The optimiser family of a fixture, for figures: sgd, momentum, nesterov, adam, adamw. */
export function family(spec: OptimizerSpec): string {
  if (spec.kind === 'momentum') return spec.nesterov ? 'nesterov' : 'momentum';
  return spec.kind === 'gd' ? 'sgd' : spec.kind;
}

/** The largest entries and gaps, shared with the law cases. */
export { maxAbs, maxAbsDiff };

/** max |ours - torch| / max |torch|: the norm-wise relative gap of one quantity. */
export function relativeGap(ours: ArrayLike<number>, torch: ArrayLike<number>): number {
  return maxAbsDiff(ours, torch) / Math.max(maxAbs(torch), Number.MIN_VALUE);
}
