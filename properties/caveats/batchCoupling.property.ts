/**
 * caveat.batch-coupling — with batch normalisation in training mode, y_i depends on the other examples of the
 * batch, so the "per-example" gradient grad_w y_i changes when a third example changes; layer normalisation,
 * which normalises within one example, does not couple.
 *
 * Theorem 1 under batch coupling: the chain rule still gives dy_j/dt = -sum_i L'_i K^g(x_j, x_i) when K^g is
 * built from TOTAL derivatives through the batch statistics (our Jacobian of a batch-coupled model; the
 * tangent kernel falls back to Jacobian contraction), so the identity survives on the training batch, but
 * K^g(x_1, x_2) is then a function of the whole batch, not of the two points. The naive per-example form,
 * whose derivatives hold the batch mean and variance fixed (spec option batchNormGradients: 'per-example'),
 * does not represent the trained model: its representation error is measured along the true flow.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { expect } from 'vitest';
import { matrix, maxAbs, norm2, type Matrix } from '../../src/core/index.js';
import { gradientFlow, pathQuantitiesAt, tangentKernel, type PathQuantities, type TrainingProblem } from '../../src/kernels/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel, jacobian, type ModelSpecInput } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { matrixArb } from '../arbitraries/models.js';
import { rng } from '../../src/core/index.js';

const FILE = 'properties/caveats/batchCoupling.property.ts';

// Rounding in two evaluations of the same gradient: gamma-size relative error on entries of size |grad|.
const SAME_GRADIENT_RTOL = 1e-13;
// A change of the third example by O(1) moves the batch statistics by O(1/N) and the gradient of y_0 by a
// comparable amount; 1e-6 of |grad| is far above rounding and far below what coupling produces.
const COUPLING_MIN_RELATIVE_CHANGE = 1e-6;

function gradientOfFirst(spec: ModelSpecInput, w: Float64Array, X: Matrix): Float64Array {
  const model = compileModel(spec);
  const J = jacobian(model, w, X);
  return J.data.slice(0, model.paramCount);
}

function spec(norm: 'batch' | 'layer', width: number): ModelSpecInput {
  return { kind: 'mlp', inputDim: 2, layers: [{ width, activation: 'tanh', norm }] };
}

describe('batch normalisation couples the examples of a batch', () => {
  claimTest(['caveat.batch-coupling'], 'with batch norm the gradient of y_0 changes when another example changes; with layer norm it does not', (ctx) => {
    let smallestChange = Infinity;
    fc.assert(
      fc.property(matrixArb(4, 2), matrixArb(1, 2), fc.integer({ min: 2, max: 5 }), fc.nat(), (X, replacement, width, seed) => {
        const moved = matrix(4, 2, X.data.slice());
        moved.data.set(replacement.data, 2 * 3);
        // Skip draws where the replacement equals the original row, or where batch statistics degenerate.
        fc.pre(Math.abs(moved.data[6]! - X.data[6]!) + Math.abs(moved.data[7]! - X.data[7]!) > 0.1);
        const bn = compileModel(spec('batch', width));
        const w = bn.init(rng(seed).stream('init'));
        const g1 = gradientOfFirst(spec('batch', width), w, X);
        const g2 = gradientOfFirst(spec('batch', width), w, moved);
        const change = maxAbs(g1.map((v, i) => v - g2[i]!)) / Math.max(norm2(g1), 1e-300);
        smallestChange = Math.min(smallestChange, change);
        if (!(change > COUPLING_MIN_RELATIVE_CHANGE)) throw new Error(`batch norm: grad y_0 moved only ${change.toExponential(3)} when example 3 changed; seed ${SEED}`);
        const lnW = compileModel(spec('layer', width)).init(rng(seed).stream('init'));
        const l1 = gradientOfFirst(spec('layer', width), lnW, X);
        const l2 = gradientOfFirst(spec('layer', width), lnW, moved);
        const lchange = maxAbs(l1.map((v, i) => v - l2[i]!));
        if (lchange > SAME_GRADIENT_RTOL * Math.max(norm2(l1), 1)) throw new Error(`layer norm: grad y_0 moved ${lchange.toExponential(3)} when another example changed; seed ${SEED}`);
      }),
      propertyParameters(40),
    );
    recordFigure(ctx, 'smallest relative change of grad y_0 under batch norm', smallestChange);
  });

  claimTest(['caveat.batch-coupling', 'def.tangent-kernel'], 'with batch norm K^g(x_1, x_2) on the batch changes when a third point x_3 changes; with layer norm it does not', (ctx) => {
    let smallest = Infinity;
    let largest = 0;
    fc.assert(
      fc.property(matrixArb(4, 2), matrixArb(1, 2), fc.integer({ min: 2, max: 5 }), fc.nat(), (X, replacement, width, seed) => {
        const moved = matrix(4, 2, X.data.slice());
        moved.data.set(replacement.data, 2 * 2);
        fc.pre(Math.abs(moved.data[4]! - X.data[4]!) + Math.abs(moved.data[5]! - X.data[5]!) > 0.1);
        for (const norm of ['batch', 'layer'] as const) {
          const model = compileModel(spec(norm, width));
          const w = model.init(rng(seed).stream('init'));
          const K = tangentKernel(model, w, X);
          const Kmoved = tangentKernel(model, w, moved);
          // K^g(x_1, x_2) relative to sqrt(K^g(x_1, x_1) K^g(x_2, x_2)), the scale of an entry of a Gram matrix.
          const scale = Math.sqrt(K.data[0]! * K.data[5]!);
          const change = Math.abs(K.data[1]! - Kmoved.data[1]!) / Math.max(scale, 1e-300);
          if (norm === 'batch') {
            smallest = Math.min(smallest, change);
            largest = Math.max(largest, change);
            if (!(change > COUPLING_MIN_RELATIVE_CHANGE)) throw new Error(`batch norm: K^g(x_1, x_2) moved only ${change.toExponential(3)} when x_3 changed; width ${width}, paramSeed ${seed}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          } else if (change > SAME_GRADIENT_RTOL * 10) {
            // Two evaluations of the same inner products (rounding of 2 gradients of relative error 1e-13 each).
            throw new Error(`layer norm: K^g(x_1, x_2) moved ${change.toExponential(3)} when x_3 changed; width ${width}, paramSeed ${seed}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
      }),
      propertyParameters(30),
    );
    recordFigure(ctx, 'smallest relative change of K^g(x_1, x_2) when x_3 changes (batch norm)', smallest);
    recordFigure(ctx, 'largest relative change of K^g(x_1, x_2) when x_3 changes (batch norm)', largest);
  });

  claimTest(
    ['caveat.batch-coupling', 'thm.kernel-machine', 'step.integrate'],
    'with batch norm Theorem 1 survives on the training batch with total derivatives (y_T = y_0 - sum_i K^lp), and the naive per-example form misses by far more than the integrator\'s tolerance',
    (ctx) => {
      const totals: number[] = [];
      const naives: number[] = [];
      fc.assert(
        fc.property(batchNormCaseArb(), (c) => {
          const naiveModel = compileModel({ ...c.spec, batchNormGradients: 'per-example' } as ModelSpecInput);
          // The per-example variant computes the same function; only its derivatives differ.
          expect(Array.from(naiveModel.forward(c.w0, c.problem.xTrain).data)).toEqual(Array.from(c.problem.model.forward(c.w0, c.problem.xTrain).data));
          const flow = gradientFlow(c.problem, c.w0, { trainTrain: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true, maxSteps: MAX_STEPS });
          fc.pre(flow.status === 'success');
          const total = representationError(flow.train!);
          totals.push(total.rel);
          if (total.rel > IDENTITY_RTOL) {
            throw new Error(`total derivatives: y_T vs y_0 - sum K^lp on the batch: relative ${total.rel.toExponential(3)}, absolute ${total.abs.toExponential(3)} > ${IDENTITY_RTOL}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
          // The naive kernel's loss-weighted integral along the same (true) path: a second solve on the dense
          // output, with the per-example model's Jacobian (statistics frozen) at each w(t).
          const naiveProblem: TrainingProblem = { ...c.problem, model: naiveModel };
          const naive = representationError(pathQuantitiesAt(naiveProblem, flow, c.problem.xTrain, { rtol: FLOW_RTOL, atol: FLOW_ATOL }));
          naives.push(naive.relToChange);
          if (!(naive.relToChange > NAIVE_MIN_ERROR)) {
            throw new Error(`per-example derivatives: |y_T - y_0 + sum K^lp_naive| / |y_T - y_0| = ${naive.relToChange.toExponential(3)} (absolute ${naive.abs.toExponential(3)}), not above ${NAIVE_MIN_ERROR}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }),
        propertyParameters(8),
      );
      const sorted = naives.slice().sort((a, b) => a - b);
      recordFigure(ctx, 'worst relative error of the identity with total derivatives', Math.max(...totals));
      recordFigure(ctx, 'naive representation error |y_T - y_0 + sum K^lp_naive| / |y_T - y_0|: min', sorted[0]!);
      recordFigure(ctx, 'naive representation error: median', sorted[Math.floor(sorted.length / 2)]!);
      recordFigure(ctx, 'naive representation error: max', sorted.at(-1)!);
      recordFigure(ctx, 'cases', naives.length);
    },
  );
});

// Flows whose batch statistics nearly degenerate (a column with variance ~ eps) stiffen; they are skipped.
const MAX_STEPS = 2000;
// The naive form's miss, relative to the change y_T - y_0 it should explain. It is a modelling error (the
// derivative through the statistics is dropped), of the size of that derivative's share of K^g, O(1/m) to
// O(1); 1e-3 is six orders above IDENTITY_RTOL (the identity's noise), so a miss of that size is not
// integration error.
const NAIVE_MIN_ERROR = 1e-3;

interface BatchNormCase {
  readonly spec: ModelSpecInput;
  readonly problem: TrainingProblem;
  readonly paramSeed: number;
  readonly w0: Float64Array;
  readonly T: number;
}

/** One hidden layer with batch norm (smooth activation), 3-5 training points in [-1.5, 1.5]^2, squared loss. */
function batchNormCaseArb(): fc.Arbitrary<BatchNormCase> {
  return fc
    .record({
      width: fc.integer({ min: 2, max: 4 }),
      activation: fc.constantFrom('tanh', 'sin', 'softplus', 'sigmoid', 'gelu'),
      m: fc.integer({ min: 3, max: 5 }),
      paramSeed: fc.nat({ max: 2 ** 31 - 1 }),
      T: fc.constantFrom(0.5, 1),
    })
    .chain(({ width, activation, m, paramSeed, T }) =>
      fc.tuple(matrixArb(m, 2, 1.5), matrixArb(m, 1, 1)).map(([xTrain, yTrain]): BatchNormCase => {
        const spec: ModelSpecInput = { kind: 'mlp', inputDim: 2, layers: [{ width, activation, norm: 'batch' }] } as ModelSpecInput;
        const model = compileModel(spec);
        return { spec, problem: { model, loss: squared, xTrain, yTrain }, paramSeed, w0: model.init(rng(paramSeed).stream('init')), T };
      }),
    );
}

function describeCase(c: BatchNormCase): string {
  return `spec ${JSON.stringify(c.spec)}, m ${c.problem.xTrain.rows}, T ${c.T}, paramSeed ${c.paramSeed}, xTrain ${JSON.stringify(Array.from(c.problem.xTrain.data))}, yTrain ${JSON.stringify(Array.from(c.problem.yTrain.data))}`;
}

/**
 * r = y_T - y_0 + sum_i K^lp(x_j, x_i) on the batch: `rel` relative to |y_0| + |y_T| + sum_i |K^lp| (the
 * identity's scale, worst entry), `relToChange` as |r|_2 / |y_T - y_0|_2 (how much of the change is missed).
 */
function representationError(q: PathQuantities): { rel: number; abs: number; relToChange: number } {
  const m = q.lossWeightedKernel.cols;
  let rel = 0;
  let abs = 0;
  let r2 = 0;
  let change2 = 0;
  for (let r = 0; r < q.fT.data.length; r++) {
    let residual = q.fT.data[r]! - q.f0.data[r]!;
    let scale = Math.abs(q.f0.data[r]!) + Math.abs(q.fT.data[r]!);
    for (let i = 0; i < m; i++) {
      residual += q.lossWeightedKernel.data[r * m + i]!;
      scale += Math.abs(q.lossWeightedKernel.data[r * m + i]!);
    }
    abs = Math.max(abs, Math.abs(residual));
    rel = Math.max(rel, Math.abs(residual) / Math.max(scale, 1e-300));
    r2 += residual * residual;
    change2 += (q.fT.data[r]! - q.f0.data[r]!) ** 2;
  }
  return { rel, abs, relToChange: Math.sqrt(r2 / Math.max(change2, 1e-300)) };
}
