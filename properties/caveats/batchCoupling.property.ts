/**
 * caveat.batch-coupling — with batch normalisation in training mode, y_i depends on the other examples of the
 * batch, so the "per-example" gradient grad_w y_i changes when a third example changes; layer normalisation,
 * which normalises within one example, does not couple.
 *
 * The evidence is a search over generated batch-norm models in the default run: every pair (x_i, x_j) of a
 * batch whose K^g(x_i, x_j) changes when a third point x_k changes is a hit, counted out of the pairs
 * searched; the same model with layer norm in place of batch norm is the control (no pair may move beyond
 * rounding).
 *
 * Theorem 1 under batch coupling: the chain rule still gives dy_j/dt = -sum_i L'_i K^g(x_j, x_i) when K^g is
 * built from TOTAL derivatives through the batch statistics (our Jacobian of a batch-coupled model; the
 * tangent kernel falls back to Jacobian contraction), so the identity survives on the training batch (an
 * identity: y_T by a forward pass against y_0 - sum_i K^lp from the ODE state), but K^g(x_1, x_2) is then a
 * function of the whole batch, not of the two points. The naive per-example form, whose derivatives hold the
 * batch mean and variance fixed (spec option batchNormGradients: 'per-example'), does not represent the
 * trained model: its representation error is measured along the true flow, and the cases where it misses
 * are counted.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { matrix, rng, type Matrix } from '../../src/core/index.js';
import { gradientFlow, pathQuantitiesAt, tangentKernel, type PathQuantities, type TrainingProblem } from '../../src/kernels/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel, jacobian, type ModelSpecInput } from '../../src/models/index.js';
import { caveatFound, claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { matrixArb } from '../arbitraries/models.js';

const FILE = 'properties/caveats/batchCoupling.property.ts';

// The control's tolerance: none. With layer norm each example's forward and backward passes involve that
// example alone, and a batch of the same size repeats the same operations in the same order for every
// unmoved example, so their kernel entries are bit-for-bit equal; any difference is coupling.
const SAME_KERNEL_RTOL = 0;
// A hit: K^g(x_i, x_j) moves by more than this fraction of sqrt(K(x_i, x_i) K(x_j, x_j)) when x_k moves by
// O(1). Moving one of B examples shifts the batch mean by O(1/B) and the variance by a comparable amount, and
// the derivatives through them by as much; 1e-6 is seven orders above SAME_KERNEL_RTOL's rounding and far
// below what coupling produces.
const COUPLING_MIN_RELATIVE_CHANGE = 1e-6;
// The third point moves by at least this much (a uniform draw in [-2, 2]^inputDim otherwise).
const MIN_MOVE = 0.1;
const SMOOTH = ['tanh', 'sin', 'softplus', 'sigmoid', 'gelu'] as const;

/** A batch-norm MLP and its layer-norm twin (the control), with a batch and a third point to move. */
interface CouplingCase {
  readonly spec: ModelSpecInput;
  readonly twin: ModelSpecInput;
  readonly X: Matrix;
  /** The index of the point that moves, and where it moves. */
  readonly k: number;
  readonly moved: Matrix;
  readonly paramSeed: number;
}

/**
 * One or two hidden layers of width 2..4 on 1..3 inputs, batch norm on a drawn layer, smooth activations,
 * a batch of 3..6 points in [-2, 2]; the twin puts layer norm where the batch norm was. The moved point is
 * drawn, then pushed away from where it was if it landed within MIN_MOVE (constructive: nothing filtered).
 */
function couplingCaseArb(): fc.Arbitrary<CouplingCase> {
  const layer = fc.record({ width: fc.integer({ min: 2, max: 4 }), activation: fc.constantFrom(...SMOOTH) });
  return fc
    .record({
      inputDim: fc.integer({ min: 1, max: 3 }),
      layers: fc.array(layer, { minLength: 1, maxLength: 2 }),
      normAt: fc.nat({ max: 1 }),
      parametrisation: fc.constantFrom('standard' as const, 'ntk' as const, 'mup' as const),
      bias: fc.boolean(),
      B: fc.integer({ min: 3, max: 6 }),
      paramSeed: fc.nat({ max: 2 ** 31 - 1 }),
    })
    .chain((r) =>
      fc.record({ X: matrixArb(r.B, r.inputDim, 2), replacement: matrixArb(1, r.inputDim, 2), k: fc.nat({ max: r.B - 1 }) }).map(({ X, replacement, k }): CouplingCase => {
        const at = r.normAt % r.layers.length;
        const make = (norm: 'batch' | 'layer') => ({ kind: 'mlp', inputDim: r.inputDim, layers: r.layers.map((l, j) => ({ ...l, norm: j === at ? norm : 'none' })), parametrisation: r.parametrisation, bias: r.bias }) as ModelSpecInput;
        const moved = matrix(X.rows, X.cols, X.data.slice());
        const old = X.data.subarray(k * X.cols, (k + 1) * X.cols);
        const distance = Math.hypot(...Array.from(replacement.data, (v, j) => v - old[j]!));
        // Too close: move by MIN_MOVE along the first axis instead, away from the old value.
        const row = distance >= MIN_MOVE ? Array.from(replacement.data) : Array.from(old, (v, j) => (j === 0 ? v + (v > 0 ? -MIN_MOVE : MIN_MOVE) : v));
        moved.data.set(row, k * X.cols);
        return { spec: make('batch'), twin: make('layer'), X, k, moved, paramSeed: r.paramSeed };
      }),
    );
}

const describeCoupling = (c: CouplingCase) => `spec ${JSON.stringify(c.spec)}, batch ${JSON.stringify(Array.from(c.X.data))}, point ${c.k} moved to ${JSON.stringify(Array.from(c.moved.data.subarray(c.k * c.X.cols, (c.k + 1) * c.X.cols)))}, paramSeed ${c.paramSeed}`;

/** For every pair i <= j with i, j != k: |K(x_i, x_j) - K'(x_i, x_j)| / sqrt(K(x_i, x_i) K(x_j, x_j)). */
function pairChanges(K: Matrix, Kmoved: Matrix, k: number): number[] {
  const B = K.rows;
  const out: number[] = [];
  for (let i = 0; i < B; i++) {
    for (let j = i; j < B; j++) {
      if (i === k || j === k) continue;
      const scale = Math.sqrt(K.data[i * B + i]! * K.data[j * B + j]!);
      out.push(Math.abs(K.data[i * B + j]! - Kmoved.data[i * B + j]!) / Math.max(scale, Number.MIN_VALUE));
    }
  }
  return out;
}

describe('batch normalisation couples the examples of a batch', () => {
  claimTest(['caveat.batch-coupling'], 'a search over generated batch-norm models finds K^g(x_i, x_j) changing when a third point x_k changes; with layer norm in its place no pair moves', (ctx) => {
    const ledger = caseLedger(ctx, 'batch-norm models searched', FILE);
    let pairs = 0;
    let hits = 0;
    let smallest = Infinity;
    let largest = 0;
    let worstControl = 0;
    let gradientMoves = 0;
    fc.assert(
      fc.property(couplingCaseArb(), (c) => {
        ledger.draw();
        const bn = compileModel(c.spec);
        const w = bn.init(rng(c.paramSeed).stream('init'));
        const changes = pairChanges(tangentKernel(bn, w, c.X), tangentKernel(bn, w, c.moved), c.k);
        pairs += changes.length;
        for (const ch of changes) {
          if (ch > COUPLING_MIN_RELATIVE_CHANGE) hits++;
          smallest = Math.min(smallest, ch);
          largest = Math.max(largest, ch);
        }
        // The per-example gradient of the first unmoved point moves too (the kernel's entries are its dot products).
        const first = c.k === 0 ? 1 : 0;
        const d = bn.paramCount;
        const g = jacobian(bn, w, c.X).data.subarray(first * d, (first + 1) * d);
        const gMoved = jacobian(bn, w, c.moved).data.subarray(first * d, (first + 1) * d);
        if (Math.max(...Array.from(g, (v, j) => Math.abs(v - gMoved[j]!))) > COUPLING_MIN_RELATIVE_CHANGE * Math.hypot(...g)) gradientMoves++;
        // The control: layer norm normalises within one example, so no entry moves beyond rounding.
        const ln = compileModel(c.twin);
        const wl = ln.init(rng(c.paramSeed).stream('init'));
        const control = Math.max(...pairChanges(tangentKernel(ln, wl, c.X), tangentKernel(ln, wl, c.moved), c.k));
        worstControl = Math.max(worstControl, control);
        if (!(control <= SAME_KERNEL_RTOL)) throw new Error(`layer norm: K^g(x_i, x_j) moved by ${control.toExponential(3)} of the Gram scale when x_${c.k} changed; ${describeCoupling(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      }),
      propertyParameters(40),
    );
    expect(hits, `no pair's K^g moved when a third point moved, over ${pairs} pairs of ${ledger.drawn} batch-norm models; seed ${SEED}; replay: ${replayCommand(FILE)}`).toBeGreaterThan(0);
    recordEvidence(ctx, 'caveat.batch-coupling', caveatFound(pairs, hits, `pairs (x_i, x_j) of a batch whose K^g moved by more than ${COUPLING_MIN_RELATIVE_CHANGE} of sqrt(K(x_i, x_i) K(x_j, x_j)) when a third point moved, over ${ledger.drawn} generated batch-norm MLPs (1-2 hidden layers, batch norm on one, batches of 3-6); the layer-norm twins moved by at most ${worstControl.toExponential(1)}`));
    recordFigure(ctx, 'pairs searched', pairs);
    recordFigure(ctx, 'pairs whose K^g changed (the caveat)', hits);
    recordFigure(ctx, 'smallest relative change of K^g(x_i, x_j) (batch norm)', smallest);
    recordFigure(ctx, 'largest relative change of K^g(x_i, x_j) (batch norm)', largest);
    recordFigure(ctx, 'models whose per-example gradient of an unmoved point moved', `${gradientMoves} of ${ledger.drawn}`);
    recordFigure(ctx, 'largest relative change with layer norm (the control)', worstControl);
  });

  claimTest(
    ['caveat.batch-coupling', 'step.integrate'],
    'with batch norm Theorem 1 survives on the training batch with total derivatives (y_T = y_0 - sum_i K^lp), and the naive per-example form misses by far more than the integrator\'s tolerance',
    (ctx) => {
      const ledger = caseLedger(ctx, 'batch-norm flows', FILE);
      const totals: number[] = [];
      const naives: number[] = [];
      let misses = 0;
      fc.assert(
        fc.property(batchNormCaseArb(), (c) => {
          ledger.draw();
          const naiveModel = compileModel({ ...c.spec, batchNormGradients: 'per-example' } as ModelSpecInput);
          // The per-example variant computes the same function; only its derivatives differ.
          expect(Array.from(naiveModel.forward(c.w0, c.problem.xTrain).data)).toEqual(Array.from(c.problem.model.forward(c.w0, c.problem.xTrain).data));
          const flow = gradientFlow(c.problem, c.w0, { trainTrain: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true, maxSteps: MAX_STEPS });
          if (flow.status !== 'success') return ledger.skip(`flow ended ${flow.status} (over ${MAX_STEPS} steps)`);
          const total = representationError(flow.train!);
          totals.push(total.rel);
          // IDENTITY_RTOL is the integrator's bound (100 rtol on the terms); the measured residual sits orders
          // below it because y_T and K^lp are integrated with the same stages, so their errors cancel to first
          // order. A wrong derivative (the per-example form below) misses by 1e-2 and more.
          if (!(total.rel <= IDENTITY_RTOL)) {
            throw new Error(`total derivatives: y_T vs y_0 - sum K^lp on the batch: relative ${total.rel.toExponential(3)}, absolute ${total.abs.toExponential(3)} > ${IDENTITY_RTOL}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
          // The naive kernel's loss-weighted integral along the same (true) path: a second solve on the dense
          // output, with the per-example model's Jacobian (statistics frozen) at each w(t).
          const naiveProblem: TrainingProblem = { ...c.problem, model: naiveModel };
          const naive = representationError(pathQuantitiesAt(naiveProblem, flow, c.problem.xTrain, { rtol: FLOW_RTOL, atol: FLOW_ATOL }));
          naives.push(naive.relToChange);
          if (naive.relToChange > NAIVE_MIN_ERROR) misses++;
          else ledger.find(`per-example derivatives within ${NAIVE_MIN_ERROR} of the change (coupling too weak to show)`);
        }),
        propertyParameters(FLOWS),
      );
      const sorted = naives.slice().sort((a, b) => a - b);
      const worstTotal = Math.max(...totals);
      const identity = `y_T by a forward pass at the integrated w(T) against y_0 - sum_i K^lp(x_j, x_i) carried as ODE state with total derivatives through the batch statistics, on the training batch of ${totals.length} generated batch-norm flows: worst relative ${worstTotal.toExponential(2)}`;
      recordEvidence(ctx, 'step.integrate', verifiedAgainst('second implementation', identity));
      recordEvidence(ctx, 'caveat.batch-coupling', verifiedAgainst('second implementation', identity));
      if (misses > 0) recordEvidence(ctx, 'caveat.batch-coupling', caveatFound(naives.length, misses, `the naive per-example form (statistics held fixed) misses |y_T - y_0 + sum K^lp_naive| / |y_T - y_0| > ${NAIVE_MIN_ERROR} on ${misses} of ${naives.length} flows`));
      recordFigure(ctx, 'worst relative error of the identity with total derivatives', worstTotal);
      recordFigure(ctx, 'naive representation error |y_T - y_0 + sum K^lp_naive| / |y_T - y_0|: min', sorted[0]!);
      recordFigure(ctx, 'naive representation error: median', sorted[Math.floor(sorted.length / 2)]!);
      recordFigure(ctx, 'naive representation error: max', sorted.at(-1)!);
      recordFigure(ctx, 'flows where the naive form misses', `${misses} of ${naives.length}`);
    },
  );
});

// Flows whose batch statistics nearly degenerate (a column with variance ~ eps) stiffen. The cap bounds the
// cost of one case, not its accuracy (the identity is checked at the same tolerance however many steps it
// took): most drawn flows take 20-80 steps, one on seed 814059142 took 2183 (softplus, width 4, inputs with
// near-zero coordinates) and met the identity; a case over the cap is a counted skip. One on seed 1025697528
// ran past 20000 steps (23 s) without finishing: the cap is 5000, above every flow that has finished.
const MAX_STEPS = 5_000;
// Generated batch-norm flows per run (x5 in deep mode): 30, so that one stiff flow over the cap (1 of 160 in a
// 20-seed sweep at 8 per run: seed 1025697528) stays within the 5% cap on skipped cases.
const FLOWS = 30;
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
