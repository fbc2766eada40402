/**
 * disc.superposition — section 3: the weights are a superposition of the training examples in gradient space,
 * w_T - w_0 = -int_0^T sum_i L'_i grad f(x_i) dt. Checked on the reference flow with `superposition: true`,
 * which carries row i = int L'_i grad f(x_i) dt (summed over outputs) as ODE state:
 * - the rows sum to w0 - w(T) on generated problems (one and several outputs, every loss that fits). Both
 *   sides integrate the same stage values (w's rate is minus the sum of the rows' rates), so the integrator's
 *   error cancels and the check is to rounding; the largest single example's share of the total is recorded;
 * - each row is example i's own contribution: for a model linear in fixed features grad f(x_i) is constant,
 *   so row i must be (int L'_i dt) [phi(x_i), 1] per output, parallel to example i's gradient, with the
 *   coefficient that the loss-weighted kernel K^lp(x, x_i) = (phi(x) . phi(x_i) + 1) int L'_i dt implies.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, norm2, selectRows, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { gradientFlow, lossGradient } from '../../src/kernels/index.js';
import { jacobian } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL, SMALL_FLOW_STEP_BUDGET, checkStepBudget } from '../arbitraries/flowTolerance.js';
import { featuresSpecArb, mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';

const FILE = 'properties/discussion/superposition.property.ts';

// Layer norm over one or two units is left out of the generated MLPs: a constant or a smoothed sign function
// whose 1/sqrt(normEps) slopes make the flow stiff and slow without adding to the claim.
const specs = () => mlpSpecArb({ maxDepth: 2, maxWidth: 5 }).filter((s) => s.kind === 'mlp' && s.layers.every((l) => l.norm !== 'layer' || l.width >= 3));

// Both checks compare integrals over the SAME integrator stages (w's rate is minus the sum of the rows' rates;
// on a linear model row i's stage values are L'_i(t_s) g_i with g_i constant and K^lp's are L'_i(t_s) c(x, x_i)),
// so the integrator's error cancels and only rounding remains: (gamma(s + 1) B1 + N u) times T max|integrand|
// over N steps (B1 = sum_l |b_l|, 12.9 for DOP853), plus gamma(n) for the sums formed here. ROUNDING_SAFETY
// covers the constants and the maxima of the integrands taken at SAMPLES recorded times only.
const ROUNDING_SAFETY = 4;
const SAMPLES = 9;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);

describe('section 3: the weights are a superposition of the training examples', () => {
  claimTest(['disc.superposition'], 'w_T - w_0 = -sum_i int L\'_i grad f(x_i) dt: the rows of the superposition sum to w0 - w(T)', (ctx) => {
    let stiff = 0;
    let worst = 0;
    let worstAbs = 0;
    let worstRatio = 0;
    let largestShare = 0;
    let largestNormShare = 0;
    let cases = 0;
    fc.assert(
      fc.property(flowCaseArb({}, specs()), (c) => {
        const where = describeFlowCase(c);
        const ts = Array.from({ length: SAMPLES }, (_, k) => (c.T * k) / (SAMPLES - 1));
        const res = gradientFlow(c.problem, c.w0, { superposition: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: SMALL_FLOW_STEP_BUDGET, ts });
        if (res.status === 'max-steps') {
          stiff++;
          return;
        }
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        const S = res.superposition!;
        const d = c.model.paramCount;
        const O = c.model.outputDim;
        const m = S.rows;
        // Size of the integrands per component: max_t sum_(i,k) |L'_ik| |d f_k(x_i) / d w_j|.
        const rates = new Float64Array(d);
        for (const w of res.ws) {
          const Lp = lossGradient(c.problem, w).lossDerivatives;
          const J = jacobian(c.model, w, c.problem.xTrain);
          for (let j = 0; j < d; j++) {
            let r = 0;
            for (let ik = 0; ik < m * O; ik++) r += Math.abs(Lp.data[ik]!) * Math.abs(J.data[ik * d + j]!);
            rates[j] = Math.max(rates[j]!, r);
          }
        }
        // The batch gradient (w's rate) and the per-example gradients (the rows' rates) sum the same products
        // in different orders through the backward pass: gamma(m O + number of layers) relative to that size.
        const integration = gamma(DOP853.b.length + 1) * B1 + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64 + gamma(m * O + c.model.layout.length);
        const moved = res.w0.map((v, j) => v - res.wT[j]!);
        for (let j = 0; j < d; j++) {
          let sum = 0;
          let scale = Math.abs(res.w0[j]!) + Math.abs(res.wT[j]!);
          for (let i = 0; i < m; i++) {
            sum += S.data[i * d + j]!;
            scale += Math.abs(S.data[i * d + j]!);
          }
          const err = Math.abs(sum - moved[j]!);
          const bound = ROUNDING_SAFETY * (integration * c.T * rates[j]! + gamma(m + 2) * scale);
          const rel = err / Math.max(scale, Number.MIN_VALUE);
          worst = Math.max(worst, rel);
          worstAbs = Math.max(worstAbs, err);
          worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / bound);
          if (!(err <= bound)) {
            throw new Error(`component ${j}: sum_i int L'_i grad f(x_i) dt = ${sum} vs w0 - w(T) = ${moved[j]}: absolute ${err.toExponential(3)}, relative ${rel.toExponential(3)}, rounding bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
        // Shares: |row i| / sum_j |row j| (how much one example carries), and |row i| / |w0 - w(T)| (can
        // exceed 1 when examples pull in opposite directions).
        const norms = Array.from({ length: m }, (_, i) => norm2(S.data.subarray(i * d, (i + 1) * d)));
        const total = norms.reduce((a, b) => a + b, 0);
        const movedNorm = norm2(moved);
        for (const n of norms) {
          if (m < 2) break;
          if (total > 0) largestShare = Math.max(largestShare, n / total);
          if (movedNorm > 0) largestNormShare = Math.max(largestNormShare, n / movedNorm);
        }
        cases++;
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'cases left out (over the step budget)', stiff);
    checkStepBudget(stiff, propertyParameters(15).numRuns, SEED, replayCommand(FILE));
    recordFigure(ctx, 'worst relative error', worst);
    recordFigure(ctx, 'worst absolute error', worstAbs);
    recordFigure(ctx, 'worst error over its rounding bound', worstRatio);
    recordFigure(ctx, 'largest single-example share (m >= 2) |S_i| / sum_j |S_j|', largestShare);
    recordFigure(ctx, 'largest |S_i| / |w0 - w(T)| (above 1: examples pull against each other)', largestNormShare);
    recordFigure(ctx, 'cases', cases);
  });

  claimTest(['disc.superposition', 'rem.loss-weighted-kernel'], 'for a linear model row i is (int L\'_i dt) grad f(x_i), consistent with K^lp(x, x_i)', (ctx) => {
    let stiff = 0;
    let worstParallel = 0;
    let worstKernel = 0;
    fc.assert(
      fc.property(flowCaseArb({}, featuresSpecArb()), (c) => {
        const where = describeFlowCase(c);
        const ts = Array.from({ length: SAMPLES }, (_, k) => (c.T * k) / (SAMPLES - 1));
        const res = gradientFlow(c.problem, c.w0, { queries: c.queries, superposition: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: SMALL_FLOW_STEP_BUDGET, ts });
        if (res.status === 'max-steps') {
          stiff++;
          return;
        }
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        const S = res.superposition!;
        const d = c.model.paramCount;
        const O = c.model.outputDim;
        const m = S.rows;
        // max_t |L'_ik(t)| over the recorded times: the size of the integrands.
        const Lmax = new Float64Array(m * O);
        for (const w of res.ws) {
          const Lp = lossGradient(c.problem, w).lossDerivatives;
          for (let r = 0; r < m * O; r++) Lmax[r] = Math.max(Lmax[r]!, Math.abs(Lp.data[r]!));
        }
        const q = res.queries!;
        const rounding = gamma(DOP853.b.length + 1) * B1 + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64 + gamma(d + 2);
        const Jtrain = jacobian(c.model, c.w0, c.problem.xTrain);
        for (let i = 0; i < m; i++) {
          const row = S.data.subarray(i * d, (i + 1) * d);
          // Row i = sum_k (int L'_ik dt) g_ik with g_ik = grad f_k(x_i); the g_ik of different outputs occupy
          // disjoint parameter blocks (plus one bias each), so the coefficient of output k is a projection.
          for (let k = 0; k < O; k++) {
            const g = Jtrain.data.subarray((i * O + k) * d, (i * O + k + 1) * d);
            const gg = g.reduce((acc, v) => acc + v * v, 0);
            if (gg === 0) continue;
            const coefficient = row.reduce((acc, v, p) => acc + v * g[p]!, 0) / gg;
            // Parallel: row restricted to g's support equals coefficient g.
            for (let p = 0; p < d; p++) {
              if (g[p] === 0) continue;
              const err = Math.abs(row[p]! - coefficient * g[p]!);
              const bound = ROUNDING_SAFETY * rounding * (c.T * Math.abs(g[p]!) * Lmax[i * O + k]! + Math.abs(row[p]!));
              worstParallel = Math.max(worstParallel, err / Math.max(Math.abs(row[p]!), Number.MIN_VALUE));
              if (!(err <= bound)) {
                throw new Error(`row ${i} is not (int L'_${i},${k} dt) grad f_${k}(x_${i}) at parameter ${p}: ${row[p]} vs ${coefficient * g[p]!}: absolute ${err.toExponential(3)}, relative ${(err / Math.abs(row[p]!)).toExponential(3)}, bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              }
            }
            // K^lp((x, k), i) = (grad f_k(x) . g_ik) int L'_ik dt for every query x.
            for (let x = 0; x < q.x.rows; x++) {
              const gx = jacobian(c.model, c.w0, selectRows(q.x, [x])).data.subarray(k * d, (k + 1) * d);
              let kernel = 0;
              let kernelAbs = 0;
              for (let p = 0; p < d; p++) {
                kernel += gx[p]! * g[p]!;
                kernelAbs += Math.abs(gx[p]! * g[p]!);
              }
              const klp = q.lossWeightedKernel.data[(x * O + k) * m + i]!;
              const predicted = kernel * coefficient;
              const err = Math.abs(klp - predicted);
              const bound = ROUNDING_SAFETY * rounding * kernelAbs * (c.T * Lmax[i * O + k]! + Math.abs(coefficient));
              worstKernel = Math.max(worstKernel, err / Math.max(Math.abs(klp), Number.MIN_VALUE));
              if (!(err <= bound)) {
                throw new Error(`K^lp((x_${x}, ${k}), x_${i}) = ${klp} vs (grad f(x) . grad f(x_${i})) int L' dt = ${predicted}: absolute ${err.toExponential(3)}, relative ${(err / Math.abs(klp)).toExponential(3)}, bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              }
            }
          }
        }
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'cases left out (over the step budget)', stiff);
    checkStepBudget(stiff, propertyParameters(15).numRuns, SEED, replayCommand(FILE));
    recordFigure(ctx, 'worst relative deviation of a row from its example\'s gradient direction', worstParallel);
    recordFigure(ctx, 'worst relative disagreement with K^lp', worstKernel);
  });
});
