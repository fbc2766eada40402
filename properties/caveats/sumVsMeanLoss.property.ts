/**
 * caveat.sum-vs-mean-loss — the paper's loss is a SUM over examples. With the mean, L = (1/m) sum_i L_i, every
 * L'_i carries a factor 1/m, which is the same as running the sum's flow with time rescaled by 1/m:
 * dw/dt = -(1/m) grad L_sum, so w_mean(t) = w_sum(t / m). Theorem 1's identity y_T = y_0 - sum_i K^lp(x, x_i)
 * holds within either convention, as long as L' in K^lp is the one that drove the flow; mixing the path of
 * one with the L' of the other scales the predicted change by exactly m (or 1/m).
 *
 * The mixed integrals are measured, not derived: a separate solve carries w along one convention's flow and
 * integrates K^g(x, x_i) L'_i with the other convention's L'_i.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { matrix, type Matrix } from '../../src/core/index.js';
import { DOP853, solve } from '../../src/flow/index.js';
import { gradientFlow, lossGradient, tangentKernel, type FlowResult, type PathQuantities, type TrainingProblem } from '../../src/kernels/index.js';
import { lossDerivatives, type Reduction } from '../../src/losses/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';

const FILE = 'properties/caveats/sumVsMeanLoss.property.ts';

// Flows that stiffen are skipped (fc.pre), not waited for; smooth small cases take tens of steps.
const MAX_STEPS = 2000;
// The flows of (a) are compared in w itself, whose integration error is grown by the flow's expansion (and,
// with many steps, is rounding as much as truncation), so no fixed multiple of rtol bounds it for every
// generated case. The bound is measured instead: each flow is integrated twice, at rtol and rtol/100, and the
// two spreads (the integration errors of these very paths) set the scale. The mean's flow may differ from
// the sum's by IDENTITY_RTOL of max(|w|, 1) plus ten times the spreads; a wrong time scale (1/m^2 instead of
// 1/m, or none) moves w by O(|dw/dt| T), orders of magnitude more.
const PATH_RTOL = IDENTITY_RTOL;
const SPREAD_FACTOR = 10;
// (a) runs four flows per case: stiff ones are skipped sooner.
const PATH_MAX_STEPS = 500;

function withReduction(c: FlowCase, reduction: Reduction): TrainingProblem {
  return { ...c.problem, reduction };
}

/** Entry-wise error of y_T = y_0 - sum_i K^lp relative to |y_0| + |y_T| + sum_i |K^lp| (Theorem 1's scale). */
function identityError(q: PathQuantities): { rel: number; abs: number } {
  const m = q.lossWeightedKernel.cols;
  let rel = 0;
  let abs = 0;
  for (let r = 0; r < q.fT.data.length; r++) {
    let predicted = q.f0.data[r]!;
    let scale = Math.abs(q.f0.data[r]!) + Math.abs(q.fT.data[r]!);
    for (let i = 0; i < m; i++) {
      predicted -= q.lossWeightedKernel.data[r * m + i]!;
      scale += Math.abs(q.lossWeightedKernel.data[r * m + i]!);
    }
    const d = Math.abs(predicted - q.fT.data[r]!);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(scale, 1e-300));
  }
  return { rel, abs };
}

/**
 * Along the flow of `path` (its own reduction), integrate K^lp(x, x_i) = int K^g(x, x_i) L'_i dt with L'_i in
 * the reduction `lossConvention`; returns K^lp ((n O) x m) and w(T). A solve of its own, independent of
 * gradientFlow's state layout.
 */
function mixedLossWeightedKernel(path: TrainingProblem, lossConvention: Reduction, queries: Matrix, w0: Float64Array, T: number): { klp: Matrix; wT: Float64Array; ok: boolean } {
  const { model, loss, xTrain, yTrain } = path;
  const d = model.paramCount;
  const O = model.outputDim;
  const m = xTrain.rows;
  const rows = queries.rows * O;
  const y0 = new Float64Array(d + rows * m);
  y0.set(w0);
  const sol = solve(
    (_t, state, out) => {
      const w = state.subarray(0, d);
      const { gradient } = lossGradient(path, w);
      for (let j = 0; j < d; j++) out[j] = -gradient[j]!;
      const Lp = lossDerivatives(loss, model.forward(w, xTrain), yTrain, lossConvention);
      const K = tangentKernel(model, w, queries, xTrain);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < m; i++) {
          let acc = 0;
          for (let k = 0; k < O; k++) acc += K.data[r * m * O + i * O + k]! * Lp.data[i * O + k]!;
          out[d + r * m + i] = acc;
        }
      }
    },
    0,
    T,
    y0,
    { method: DOP853, controller: { kind: 'pid', rtol: FLOW_RTOL, atol: FLOW_ATOL }, maxSteps: MAX_STEPS },
  );
  return { klp: matrix(rows, m, sol.y.slice(d)), wT: sol.y.slice(0, d), ok: sol.status === 'success' };
}

function sumRows(klp: Matrix): Float64Array {
  const out = new Float64Array(klp.rows);
  for (let r = 0; r < klp.rows; r++) for (let i = 0; i < klp.cols; i++) out[r]! += klp.data[r * klp.cols + i]!;
  return out;
}

const casesWithSeveralPoints = (): fc.Arbitrary<FlowCase> => flowCaseArb({ maxQueries: 2, horizons: [0.5, 1] }).filter((c) => c.problem.xTrain.rows >= 2);

describe('caveat.sum-vs-mean-loss: a mean loss rescales time by 1/m', () => {
  claimTest(['caveat.sum-vs-mean-loss', 'step.loss-additivity'], 'the flow of the mean loss to time T is the flow of the sum loss to time T/m', (ctx) => {
    let worst = 0;
    let worstSpread = 0;
    let cases = 0;
    fc.assert(
      fc.property(casesWithSeveralPoints(), (c) => {
        const m = c.problem.xTrain.rows;
        const fractions = [0.25, 0.5];
        const options = { atol: FLOW_ATOL, maxSteps: PATH_MAX_STEPS };
        const run = (reduction: Reduction, T: number, rtol: number) => gradientFlow(withReduction(c, reduction), c.w0, {}, { ...options, rtol, T, ts: fractions.map((f) => f * T) });
        const flows = [run('mean', c.T, FLOW_RTOL), run('mean', c.T, FLOW_RTOL / 100), run('sum', c.T / m, FLOW_RTOL), run('sum', c.T / m, FLOW_RTOL / 100)];
        fc.pre(flows.every((f) => f.status === 'success'));
        const at = (res: FlowResult): Float64Array[] => [res.wT, ...res.ws];
        const [mean, meanFine, sum, sumFine] = flows.map(at) as [Float64Array[], Float64Array[], Float64Array[], Float64Array[]];
        const whens = ['T', ...fractions.map((f) => `${f} T`)];
        whens.forEach((when, j) => {
          const a = mean[j]!;
          const b = sum[j]!;
          let scale = 1;
          let diff = 0;
          let spread = 0;
          for (let k = 0; k < a.length; k++) {
            scale = Math.max(scale, Math.abs(a[k]!), Math.abs(b[k]!));
            diff = Math.max(diff, Math.abs(a[k]! - b[k]!));
            spread = Math.max(spread, Math.abs(a[k]! - meanFine[j]![k]!) + Math.abs(b[k]! - sumFine[j]![k]!));
          }
          worst = Math.max(worst, diff / scale);
          worstSpread = Math.max(worstSpread, spread / scale);
          const allowed = PATH_RTOL * scale + SPREAD_FACTOR * spread;
          if (diff > allowed) {
            throw new Error(`w_mean(${when}) vs w_sum(${when} / m), m = ${m}: absolute ${diff.toExponential(3)}, relative ${(diff / scale).toExponential(3)} > ${allowed.toExponential(3)} (integration spread ${spread.toExponential(3)}); ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        });
        cases++;
      }),
      propertyParameters(10),
    );
    recordFigure(ctx, 'worst relative difference of w_mean(t) and w_sum(t/m)', worst);
    recordFigure(ctx, 'worst relative integration spread (rtol vs rtol/100, both flows)', worstSpread);
    recordFigure(ctx, 'cases', cases);
  });

  claimTest(['caveat.sum-vs-mean-loss', 'step.integrate', 'rem.loss-weighted-kernel'], 'within each convention y_T = y_0 - sum_i K^lp(x, x_i), with L\' taken in the convention of the flow', (ctx) => {
    const worst: Record<Reduction, number> = { sum: 0, mean: 0 };
    fc.assert(
      fc.property(casesWithSeveralPoints(), (c) => {
        for (const reduction of ['sum', 'mean'] as const) {
          const res = gradientFlow(withReduction(c, reduction), c.w0, { queries: c.queries, trainTrain: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: MAX_STEPS });
          fc.pre(res.status === 'success');
          for (const [where, q] of [['test', res.queries!], ['train', res.train!]] as const) {
            const e = identityError(q);
            worst[reduction] = Math.max(worst[reduction], e.rel);
            if (e.rel > IDENTITY_RTOL) {
              throw new Error(`${reduction} loss, ${where} points: y_T vs y_0 - sum K^lp: relative ${e.rel.toExponential(3)}, absolute ${e.abs.toExponential(3)} > ${IDENTITY_RTOL}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        }
      }),
      propertyParameters(5),
    );
    recordFigure(ctx, 'worst relative error, sum loss', worst.sum);
    recordFigure(ctx, 'worst relative error, mean loss', worst.mean);
  });

  claimTest(
    ['caveat.sum-vs-mean-loss', 'thm.kernel-machine'],
    'mixing conventions scales the predicted change by exactly m: on the mean loss\'s path, y_T - y_0 = -(1/m) sum_i K^lp with the sum\'s L\' (the mixed formula is off by (m - 1)/m of its change), and on the sum loss\'s path the mean\'s L\' predicts 1/m of the change',
    (ctx) => {
      let worstFactor = 0;
      let worstFraction = 0;
      let measured = '';
      fc.assert(
        fc.property(casesWithSeveralPoints(), (c) => {
          const m = c.problem.xTrain.rows;
          const yT = (w: Float64Array) => c.model.forward(w, c.queries).data;
          const y0 = c.model.forward(c.w0, c.queries).data;
          // A: the mean loss's path, the sum's L'. B: the sum loss's path, the mean's L'. The expected factor of
          // the mixed predicted change over the true one: m for A, 1/m for B.
          for (const [path, lossConvention, factor] of [['mean', 'sum', m], ['sum', 'mean', 1 / m]] as const) {
            const mixed = mixedLossWeightedKernel(withReduction(c, path), lossConvention, c.queries, c.w0, c.T);
            fc.pre(mixed.ok);
            const predicted = sumRows(mixed.klp);
            const after = yT(mixed.wT);
            for (let r = 0; r < after.length; r++) {
              const change = after[r]! - y0[r]!;
              const mixedChange = -predicted[r]!;
              let scale = Math.abs(y0[r]!) + Math.abs(after[r]!);
              for (let i = 0; i < m; i++) scale += Math.abs(mixed.klp.data[r * m + i]!) / Math.max(factor, 1);
              // The mixed change is factor * (the true change), to the identity's tolerance scaled by the factor.
              const err = Math.abs(mixedChange - factor * change);
              worstFactor = Math.max(worstFactor, err / (Math.max(factor, 1) * scale));
              if (err > IDENTITY_RTOL * Math.max(factor, 1) * scale) {
                throw new Error(`path of the ${path} loss with the ${lossConvention}'s L': mixed change ${mixedChange} vs ${factor} x true change ${change}: absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              }
              // The part of the mixed formula's change that is wrong: (m - 1)/m for A; for B the miss is
              // (m - 1)/m of the true change. Measured where the change is well above the identity's noise.
              if (Math.abs(change) > 1e3 * IDENTITY_RTOL * scale) {
                const fraction = path === 'mean' ? (mixedChange - change) / mixedChange : (change - mixedChange) / change;
                worstFraction = Math.max(worstFraction, Math.abs(fraction - (m - 1) / m));
                if (measured === '') measured = `m = ${m}: ${fraction.toFixed(12)} (expected ${((m - 1) / m).toFixed(12)})`;
              }
            }
          }
        }),
        propertyParameters(6),
      );
      recordFigure(ctx, 'worst relative deviation of the mixed change from m (or 1/m) times the true change', worstFactor);
      recordFigure(ctx, 'worst |measured wrong fraction - (m - 1)/m|', worstFraction);
      recordFigure(ctx, 'example', measured);
    },
  );
});
