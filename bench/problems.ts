/**
 * The problems the bench measures, built from one seed so that every row (and the PyTorch child) sees the
 * same model, parameters and inputs.
 *
 * @module
 */
import { matrix, rng, type Matrix } from '../src/core/index.js';
import { squared } from '../src/losses/index.js';
import { compileModel, type Model } from '../src/models/index.js';
import type { TrainingProblem } from '../src/train/index.js';

/** A tangent-kernel problem: a tanh MLP inputDim-widths-1 at its initialisation, on N standard normal inputs. */
export interface KernelProblem {
  readonly model: Model;
  readonly w: Float64Array;
  readonly X: Matrix;
  /** Layer sizes [inputDim, ...widths, 1]. */
  readonly sizes: readonly number[];
  readonly label: string;
}

/** The two kernel problems: the issue's (MLP 16-256-256-256-1, N = 128) and the anchors' small one. */
export const KERNEL_SIZES = {
  big: { inputDim: 16, widths: [256, 256, 256], points: 128 },
  small: { inputDim: 16, widths: [64, 64], points: 64 },
} as const;

/**
 * The multiply-adds the structured tangent kernel of a one-output MLP cannot avoid, as floating-point
 * operations: the forward pass (2 N sum of in * out over the layers), the backward pass of delta (the same
 * below the last layer, none through the first) and, per layer, the upper triangles of the two Gram matrices
 * of its inputs and of its deltas (N (N + 1) / 2 pairs, 2 (in + out) each). Activations and bias terms excluded.
 */
export function structuredKernelFlops(sizes: readonly number[], N: number): number {
  const layers = sizes.slice(1).map((out, l) => ({ fanIn: sizes[l]!, out }));
  const forward = layers.reduce((s, { fanIn, out }) => s + 2 * N * fanIn * out, 0);
  const backward = layers.slice(1).reduce((s, { fanIn, out }) => s + 2 * N * fanIn * out, 0);
  const grams = layers.reduce((s, { fanIn, out }) => s + N * (N + 1) * (fanIn + out), 0);
  return forward + backward + grams;
}

/** Build a kernel problem of the given size from the seed. */
export function kernelProblem(size: keyof typeof KERNEL_SIZES, seed: number): KernelProblem {
  const { inputDim, widths, points } = KERNEL_SIZES[size];
  const model = compileModel({ kind: 'mlp', inputDim, layers: widths.map((width) => ({ width, activation: 'tanh' })) });
  const r = rng(seed);
  const w = model.init(r.stream('init'));
  const data = r.stream('data');
  const X = matrix(points, inputDim, Array.from({ length: points * inputDim }, () => data.normal()));
  const sizes = [inputDim, ...widths, 1];
  return { model, w, X, sizes, label: `MLP ${sizes.join('-')} tanh, N = ${points}, d = ${model.paramCount}` };
}

/**
 * The reference training problem of issue 7: MLP 8-64-64-1 tanh, m = 64 training points (standard normal
 * inputs, targets sin(x_1) + x_2 / 2), n = 32 test points, squared loss summed over the examples (the paper's
 * convention).
 */
export interface ReferenceProblem {
  readonly problem: TrainingProblem;
  readonly w0: Float64Array;
  readonly queries: Matrix;
  readonly label: string;
}

/** The reference problem with m training points (64 unless the scalability rows vary it). */
export function referenceProblem(seed: number, m = 64): ReferenceProblem {
  const model = compileModel({ kind: 'mlp', inputDim: 8, layers: [{ width: 64, activation: 'tanh' }, { width: 64, activation: 'tanh' }] });
  const r = rng(seed);
  const w0 = model.init(r.stream('init'));
  const data = r.stream('data');
  const queries = matrix(32, 8, Array.from({ length: 32 * 8 }, () => data.normal()));
  const xTrain = matrix(m, 8, Array.from({ length: m * 8 }, () => data.normal()));
  const yTrain = matrix(m, 1, Array.from({ length: m }, (_, i) => Math.sin(xTrain.data[i * 8]!) + 0.5 * xTrain.data[i * 8 + 1]!));
  return { problem: { model, loss: squared, xTrain, yTrain }, w0, queries, label: `MLP 8-64-64-1 tanh, m = ${m}, n = 32, summed squared loss` };
}

/** The flow's horizon and tolerance (issue 7), and the GD run of the discrete rows. */
export const FLOW = { T: 10, rtol: 1e-10 } as const;
/**
 * 1,000 GD steps at eps = 1e-3 (T = 1): the largest eigenvalue of the initial tangent kernel on the 64
 * training points is about 560, so eps lambda_max is about 0.56, well inside GD's stability limit 2.
 */
export const GD = { eps: 1e-3, steps: 1000, nodes: 8 } as const;
