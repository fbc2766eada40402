import { describe, expect, it } from 'vitest';
import { matrix, rng } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel, jacobian, type Model } from '../models/index.js';
import { lossGradient, train, type OptimizerSpec, type StepRecord, type TrainingProblem } from '../train/index.js';
import { discretePath, type DiscretePathOptions, type DiscreteRepresentation } from './discretePath.js';

/** Sums of a few hundred products of O(1) terms, reordered: well inside 1e-12 of their magnitudes. */
const REORDER_RTOL = 1e-12;

const xTrain = matrix(3, 2, [0.5, -1, 1, 0.2, -0.3, 0.8]);
const yTrain = matrix(3, 2, [0.3, -0.2, 0.5, 0.1, -0.4, 0.6]);
const queries = matrix(2, 2, [0.1, 0.7, -0.9, 0.4]);
const mlp = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 4, activation: 'tanh' }] });
// A model linear in w: its Jacobian phi(x) does not depend on w, so every node of a step's quadrature sees it.
const linear = compileModel({ kind: 'features', inputDim: 2, outputDim: 2, featureMap: { type: 'identity' }, bias: true });

interface Run {
  readonly rep: DiscreteRepresentation;
  readonly records: StepRecord[];
}

function run(model: Model, optimizer: OptimizerSpec, options: DiscretePathOptions = {}, extra: Partial<TrainingProblem> = {}, steps = 4): Run {
  const problem: TrainingProblem = { model, loss: squared, xTrain, yTrain, ...extra };
  const w0 = model.init(rng(11).stream('init'));
  const acc = discretePath(problem, queries, w0, options);
  const records: StepRecord[] = [];
  const { wS } = train(problem, w0, {
    optimizer,
    eps: 0.2,
    steps,
    batches: { kind: 'explicit', batches: [[0, 1], [2], [1, 2], [0, 2]] },
    onStep: (step) => {
      records.push({ ...step, w: step.w.slice(), update: step.update.slice() });
      acc.onStep(step);
    },
  });
  return { rep: acc.result(wS), records };
}

const rowSum = (rep: DiscreteRepresentation, r: number) => {
  const m = xTrain.rows;
  let s = 0;
  for (let i = 0; i < m; i++) s += rep.contributions!.data[r * m + i]!;
  return s;
};

describe('the exact discrete path kernel, unit by unit', () => {
  it('Nesterov momentum with beta = 0 is SGD: its structured per-example split equals plain GD\'s', () => {
    // beta = 0 makes the update -eps (0 M + 1 g): the combination is carried by `direct`, not by `mix` as GD's.
    const gd = run(mlp, { kind: 'gd' }).rep;
    const nesterov = run(mlp, { kind: 'momentum', beta: 0, nesterov: true }).rep;
    const scale = Math.max(...Array.from(gd.splitMagnitude!.data));
    gd.contributions!.data.forEach((v, k) => expect(Math.abs(nesterov.contributions!.data[k]! - v)).toBeLessThan(REORDER_RTOL * scale));
    expect(Math.max(...Array.from(gd.contributions!.data, Math.abs))).toBeGreaterThan(1e6 * REORDER_RTOL * scale);
  });

  it('with momentum and weight decay, on two queries, each row\'s shares and the regulariser add up to f(w_S) - f(w_0)', () => {
    const { rep } = run(mlp, { kind: 'momentum', beta: 0.9 }, {}, { weightDecay: 0.3 });
    for (let r = 0; r < queries.rows * 2; r++) {
      const moved = rep.exact.data[r]! - rep.f0.data[r]!;
      const split = rowSum(rep, r) + rep.regulariserContribution!.data[r]!;
      expect(Math.abs(split - moved)).toBeLessThan(REORDER_RTOL * (rep.splitMagnitude!.data[r]! + rep.splitRoundingScale!.data[r]!));
      // The regulariser's share is not negligible here, so a share moved to the wrong row would show.
      expect(Math.abs(rep.regulariserContribution!.data[r]!)).toBeGreaterThan(1e6 * REORDER_RTOL * rep.splitMagnitude!.data[r]!);
    }
  });

  it('the rebuild allowance of the general split is sum_s sum_j |Gbar_rj| (eps sum_r |c_r| G_r + |Delta w_j|), G_r = max_j sum_i |g_ij|', () => {
    // Heavy-ball momentum on the linear model: Gbar = phi(x), c_r = beta^(s-r), and g_i = phi(x_i)^T L'_i.
    const beta = 0.9;
    const { rep, records } = run(linear, { kind: 'momentum', beta });
    const phi = jacobian(linear, records[0]!.w, queries);
    const d = linear.paramCount;
    const expected = new Float64Array(queries.rows * 2);
    let carried = 0;
    for (const step of records) {
      const Jb = jacobian(linear, step.w, matrix(step.batch.length, 2, step.batch.flatMap((i) => [xTrain.data[2 * i]!, xTrain.data[2 * i + 1]!])));
      let G = 0;
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let row = 0; row < step.batch.length * 2; row++) sum += Math.abs(Jb.data[row * d + j]! * step.lossDerivatives.data[row]!);
        G = Math.max(G, sum);
      }
      carried = beta * carried + G;
      for (let r = 0; r < expected.length; r++) for (let j = 0; j < d; j++) expected[r]! += Math.abs(phi.data[r * d + j]!) * (step.eps * carried + Math.abs(step.update[j]!));
    }
    expected.forEach((v, r) => expect(Math.abs(rep.splitRoundingScale!.data[r]! - v)).toBeLessThan(REORDER_RTOL * v));
    // The left-point scale weights the same bracket by |J(w_s)|, which on a linear model is |Gbar| too.
    expected.forEach((v, r) => expect(Math.abs(rep.leftRoundingScale!.data[r]! - v)).toBeLessThan(REORDER_RTOL * v));
    // On a network the Jacobian moves along a segment, and the two scales part.
    const net = run(mlp, { kind: 'momentum', beta }).rep;
    expect(net.leftRoundingScale!.data[0]).not.toBe(net.splitRoundingScale!.data[0]);
    expect(net.leftRoundingScale!.data[0]! / net.splitRoundingScale!.data[0]!).toBeCloseTo(1, 0);
  });

  it('the full-batch comparison under momentum adds Gbar (-eps grad L(w_s)) at every step\'s own point', () => {
    const { rep, records } = run(linear, { kind: 'momentum', beta: 0.5 }, { fullBatchComparison: true });
    const problem: TrainingProblem = { model: linear, loss: squared, xTrain, yTrain };
    const phi = jacobian(linear, records[0]!.w, queries);
    const d = linear.paramCount;
    const expected = Float64Array.from(rep.f0.data);
    for (const step of records) {
      const { gradient } = lossGradient(problem, step.w);
      for (let r = 0; r < expected.length; r++) for (let j = 0; j < d; j++) expected[r]! += phi.data[r * d + j]! * -step.eps * gradient[j]!;
    }
    expected.forEach((v, r) => expect(Math.abs(rep.fullBatch!.data[r]! - v)).toBeLessThan(REORDER_RTOL * (1 + Math.abs(v))));
    // Momentum's points are not the full-batch GD run's: the comparison differs from the exact value.
    expect(Math.abs(rep.fullBatch!.data[0]! - rep.exact.data[0]!)).toBeGreaterThan(1e-3);
  });

  it('counts every adaptive leaf stopped at the depth cap above its tolerance', () => {
    // maxDepth 1: each step's interval is halved once, and both halves are leaves at the cap.
    const capped = run(mlp, { kind: 'gd' }, { nodes: 1, adaptive: { tol: 1e-300, maxDepth: 1 } }).rep;
    expect(capped.unconvergedSegments).toBe(2 * capped.steps);
    const loose = run(mlp, { kind: 'gd' }, { nodes: 1, adaptive: { tol: 1, maxDepth: 1 } }).rep;
    expect(loose.unconvergedSegments).toBe(0);
  });

  it('refuses a momentum step after steps split without a carried combination (an optimiser changed mid-run)', () => {
    const problem: TrainingProblem = { model: mlp, loss: squared, xTrain, yTrain };
    const w0 = mlp.init(rng(12).stream('init'));
    const acc = discretePath(problem, queries, w0);
    const first = train(problem, w0, { optimizer: { kind: 'gd' }, eps: 0.1, steps: 2, onStep: acc.onStep });
    expect(() => train(problem, first.wS, { optimizer: { kind: 'momentum', beta: 0.9 }, eps: 0.1, steps: 1, onStep: acc.onStep })).toThrow(
      /step 0 carries a momentum combination after steps split without one/,
    );
  });
});

