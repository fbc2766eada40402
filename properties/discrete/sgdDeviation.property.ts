/**
 * sgd.deviation — SGD's output differs from GD's, and the seed-to-seed spread of f_T(x) grows like
 * sqrt(eps) and shrinks like B^(-1/2), the scale sqrt(eps T / B) of the sampling noise integrated over
 * [0, T]. Measured over 48 batch seeds on a fixed problem: a tanh MLP 2-8-1 with the mean squared loss on 32
 * teacher-generated points, T = 1, batches drawn with replacement. The full-batch path-kernel machine cannot
 * see this spread; the masked exact kernel reproduces each run (properties/discrete/exactPathKernel).
 */
import { describe, expect } from 'vitest';
import { matrix, rng, type Matrix } from '../../src/core/index.js';
import { fitLogLog } from '../../src/laws/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { train, type TrainingProblem } from '../../src/train/index.js';
import { claimTest, recordFigure, recordSeries } from '../arbitraries/claims.js';
import { DEEP, SEED } from '../arbitraries/config.js';

// 48 seeds estimate a standard deviation to about 1/sqrt(2 * 48) = 10% (0.1 in log), so a slope fitted over
// a factor-8 range has a standard error near 0.05; the interval allows three of those around 1/2.
const SEEDS = DEEP ? 192 : 48;
const SLOPE_HALF_WIDTH = 0.15;
const T = 1;

function setup(): { problem: TrainingProblem; w0: Float64Array; queries: Matrix } {
  const r = rng(SEED);
  const model = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 8, activation: 'tanh' }] });
  const teacher = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 4, activation: 'sin' }] });
  const data = r.stream('data');
  const m = 32;
  const xTrain = matrix(m, 2, Array.from({ length: 2 * m }, () => data.normal()));
  const yTrain = teacher.forward(teacher.init(r.stream('teacher')), xTrain);
  const queries = matrix(4, 2, Array.from({ length: 8 }, () => data.normal()));
  return { problem: { model, loss: squared, xTrain, yTrain, reduction: 'mean' }, w0: model.init(r.stream('init')), queries };
}

function spread(eps: number, B: number): number {
  const { problem, w0, queries } = setup();
  const S = Math.round(T / eps);
  const outs = Array.from({ length: SEEDS }, (_, seed) => problem.model.forward(train(problem, w0, { optimizer: { kind: 'gd' }, eps, steps: S, batches: { kind: 'seeded', size: B, seed, replacement: true } }).wS, queries).data);
  // Standard deviation over seeds, averaged over the query outputs.
  let total = 0;
  for (let q = 0; q < outs[0]!.length; q++) {
    const mean = outs.reduce((s, o) => s + o[q]!, 0) / SEEDS;
    total += Math.sqrt(outs.reduce((s, o) => s + (o[q]! - mean) ** 2, 0) / (SEEDS - 1));
  }
  return total / outs[0]!.length;
}

describe('SGD deviates from GD by sampling noise', () => {
  claimTest(['sgd.deviation'], 'the seed-to-seed spread of f_T(x) grows like eps^(1/2) and shrinks like B^(-1/2)', (ctx) => {
    const epsList = [0.04, 0.02, 0.01, 0.005];
    const byEps = epsList.map((eps) => spread(eps, 4));
    const fitEps = fitLogLog(epsList, byEps);
    const batchList = [1, 2, 4, 8];
    const byBatch = batchList.map((B) => spread(0.02, B));
    const fitB = fitLogLog(batchList, byBatch);
    // The constant C in spread = C sqrt(eps T / B), from all eight points.
    const ratios = [...epsList.map((e, i) => byEps[i]! / Math.sqrt((e * T) / 4)), ...batchList.map((B, i) => byBatch[i]! / Math.sqrt((0.02 * T) / B))];
    recordFigure(ctx, 'slope against eps', `${fitEps.slope.toFixed(3)} +- ${fitEps.slopeHalfWidth95.toFixed(3)}`);
    recordFigure(ctx, 'slope against B', `${fitB.slope.toFixed(3)} +- ${fitB.slopeHalfWidth95.toFixed(3)}`);
    recordFigure(ctx, 'C in spread = C sqrt(eps T / B) (min .. max)', `${Math.min(...ratios).toFixed(3)} .. ${Math.max(...ratios).toFixed(3)}`);
    recordFigure(ctx, 'seeds', SEEDS);
    recordSeries(ctx, { name: 'spread against eps (B = 4)', xLabel: 'eps', yLabel: 'std over seeds of f_T(x)', x: epsList, y: byEps, fit: { slope: fitEps.slope, intercept: fitEps.intercept, halfWidth95: fitEps.slopeHalfWidth95 } });
    recordSeries(ctx, { name: 'spread against batch size (eps = 0.02)', xLabel: 'batch size B', yLabel: 'std over seeds of f_T(x)', x: batchList, y: byBatch, fit: { slope: fitB.slope, intercept: fitB.intercept, halfWidth95: fitB.slopeHalfWidth95 } });
    expect(Math.abs(fitEps.slope - 0.5), `spreads ${byEps}`).toBeLessThan(SLOPE_HALF_WIDTH);
    expect(Math.abs(fitB.slope + 0.5), `spreads ${byBatch}`).toBeLessThan(SLOPE_HALF_WIDTH);
  });
});
