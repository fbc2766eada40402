/**
 * sec.linear-models (the path-kernel part) — section 2: for a model linear in fixed features,
 * f_w(x) = W phi(x) (+ b), the tangent kernel is phi(x) . phi(x') (+ 1 with a bias) at every w, so
 * - on the reference flow, K^p(x, x') = T (phi(x) . phi(x') + bias) times the identity on outputs, under any
 *   loss (the kernel does not depend on the path the loss chooses);
 * - the perceptron-style discrete statement: plain GD with ANY finite step eps (no limit eps -> 0) satisfies
 *   f(x; w_S) = f(x; w_0) - eps sum_s sum_i L'_{i,s} (phi(x) . phi(x_i) + bias) exactly, that is to float64
 *   rounding, because a model linear in w changes by exactly grad f . (w_{s+1} - w_s) in a step. Checked with
 *   the GD loop written here on lossGradient, for every loss and for steps large enough to diverge.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, selectRows, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { gradientFlow, lossGradient } from '../../src/kernels/index.js';
import { featureMap, jacobian, parseModelSpec, type FeaturesSpec } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, SMALL_FLOW_STEP_BUDGET, checkStepBudget } from '../arbitraries/flowTolerance.js';
import { featuresSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';

const FILE = 'properties/section2/linearPathKernel.property.ts';

// The flow integrates the constant c = K^g(x, x_i): any Runge-Kutta method integrates a constant exactly
// (sum_l b_l = 1), so the integrator's error (FLOW_RTOL) does not enter and only rounding remains. Per step the
// stage sum h sum_l b_l c rounds to within gamma(s + 1) h B1 |c| (B1 = sum_l |b_l|, 12.9 for DOP853) and the
// addition to u |K^p|; over N steps (gamma(s + 1) B1 + N u) T |c|. The engine's c and the one formed here
// from phi are the same length-D inner product summed in possibly different orders: 2 gamma(D + 1) times
// sum_j |phi_j(x) phi_j(x_i)| + bias. ROUNDING_SAFETY covers the constants of both bounds.
const ROUNDING_SAFETY = 4;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);

// GD: the two sides differ by the rounding of each update w_{s+1} = w_s - eps g_s (u |w_{s+1}| per component,
// seen through grad f(x): u sum_s |grad f(x)| . |w_{s+1}|) and of the sums each side forms (gradients, the
// forward pass, the kernel-side sum of S m terms), each at most gamma(n) times the sum of the absolute values
// of its terms, n <= S m + D + 2.
const GD_SAFETY = 4;

/** phi(x) . phi(x') + bias for rows of X1 and X2, with the sum of the absolute products. */
function linearKernel(spec: FeaturesSpec, X1: Matrix, X2: Matrix): { K: Float64Array; Kabs: Float64Array } {
  const phi = featureMap(spec);
  const F1 = phi(X1);
  const F2 = phi(X2);
  const D = phi.featureCount;
  const bias = spec.bias ? 1 : 0;
  const K = new Float64Array(X1.rows * X2.rows);
  const Kabs = new Float64Array(X1.rows * X2.rows);
  for (let a = 0; a < X1.rows; a++) {
    for (let b = 0; b < X2.rows; b++) {
      let acc = bias;
      let abs = bias;
      for (let j = 0; j < D; j++) {
        const p = F1.data[a * D + j]! * F2.data[b * D + j]!;
        acc += p;
        abs += Math.abs(p);
      }
      K[a * X2.rows + b] = acc;
      Kabs[a * X2.rows + b] = abs;
    }
  }
  return { K, Kabs };
}

describe('section 2: linear models, the path kernel and the perceptron', () => {
  claimTest(['sec.linear-models', 'def.path-kernel'], "for a linear-in-features model K^p(x, x') = T (phi(x) . phi(x') + bias) under any loss", (ctx) => {
    let stiff = 0;
    let worst = 0;
    let worstRatio = 0;
    const losses = new Set<string>();
    fc.assert(
      fc.property(flowCaseArb({}, featuresSpecArb()), (c: FlowCase) => {
        const res = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: SMALL_FLOW_STEP_BUDGET });
        if (res.status === 'max-steps') {
          stiff++;
          return;
        }
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${describeFlowCase(c)}; seed ${SEED}`);
        const spec = parseModelSpec(c.spec) as FeaturesSpec;
        const D = featureMap(spec).featureCount;
        const { K, Kabs } = linearKernel(spec, c.queries, c.problem.xTrain);
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        const Kp = res.queries!.pathKernel;
        const integration = gamma(DOP853.b.length + 1) * B1 + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64;
        for (let x = 0; x < c.queries.rows; x++) {
          for (let i = 0; i < m; i++) {
            const cxi = K[x * m + i]!;
            const bound = ROUNDING_SAFETY * c.T * (integration * Math.abs(cxi) + 2 * gamma(D + 1) * Kabs[x * m + i]!);
            for (let k = 0; k < O; k++) {
              for (let kk = 0; kk < O; kk++) {
                const expected = k === kk ? c.T * cxi : 0;
                const got = Kp.data[(x * O + k) * m * O + i * O + kk]!;
                const err = Math.abs(got - expected);
                const rel = err / Math.max(c.T * Kabs[x * m + i]!, Number.MIN_VALUE);
                worst = Math.max(worst, rel);
                worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / bound);
                if (!(err <= bound)) {
                  throw new Error(`K^p((x_${x}, ${k}), (x_${i}, ${kk})) = ${got}, T (phi . phi' + bias) = ${expected}: absolute ${err.toExponential(3)}, relative ${rel.toExponential(3)}, bound ${bound.toExponential(3)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
                }
              }
            }
          }
        }
        losses.add(c.lossName);
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'cases left out (over the step budget)', stiff);
    checkStepBudget(stiff, propertyParameters(15).numRuns, SEED, replayCommand(FILE));
    recordFigure(ctx, 'worst relative error (scale T sum |phi_j phi\'_j| + bias)', worst);
    recordFigure(ctx, 'worst error over its rounding bound', worstRatio);
    recordFigure(ctx, 'losses', [...losses].sort().join(', '));
  });

  claimTest(['sec.linear-models'], "GD with any finite step on a linear model: f(x; w_S) = f(x; w_0) - eps sum_s sum_i L'_{i,s} (phi(x) . phi(x_i) + bias) exactly", (ctx) => {
    let worst = 0;
    let worstRatio = 0;
    let largestOutput = 0;
    const epsSeen = new Set<number>();
    fc.assert(
      fc.property(flowCaseArb({}, featuresSpecArb()), fc.constantFrom(1e-3, 0.05, 0.3, 1), fc.integer({ min: 1, max: 30 }), (c, eps, S) => {
        const where = `${describeFlowCase(c)}, eps ${eps}, S ${S}`;
        const spec = parseModelSpec(c.spec) as FeaturesSpec;
        const D = featureMap(spec).featureCount;
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        const d = c.model.paramCount;
        // The GD loop, recording L'_{i,s} at each step.
        let w = c.w0.slice();
        const ws: Float64Array[] = [];
        const Lps: Matrix[] = [];
        for (let s = 0; s < S; s++) {
          const { gradient, lossDerivatives } = lossGradient(c.problem, w);
          Lps.push(lossDerivatives);
          const next = new Float64Array(d);
          for (let j = 0; j < d; j++) next[j] = w[j]! - eps * gradient[j]!;
          w = next;
          ws.push(w);
        }
        const { K, Kabs } = linearKernel(spec, c.queries, c.problem.xTrain);
        const f0 = c.model.forward(c.w0, c.queries);
        const fS = c.model.forward(w, c.queries);
        for (let x = 0; x < c.queries.rows; x++) {
          // grad_w f_k(x), constant in w: only used for the size of the rounding of the updates.
          const J = jacobian(c.model, c.w0, selectRows(c.queries, [x]));
          for (let k = 0; k < O; k++) {
            let y = f0.data[x * O + k]!;
            let kernelTerms = 0;
            for (let s = 0; s < S; s++) {
              for (let i = 0; i < m; i++) {
                const l = Lps[s]!.data[i * O + k]!;
                y -= eps * l * K[x * m + i]!;
                kernelTerms += eps * Math.abs(l) * Kabs[x * m + i]!;
              }
            }
            let updates = 0;
            for (const ws1 of ws) for (let p = 0; p < d; p++) updates += Math.abs(J.data[k * d + p]!) * Math.abs(ws1[p]!);
            let forward = 0;
            for (let p = 0; p < d; p++) forward += Math.abs(J.data[k * d + p]! * w[p]!);
            const got = fS.data[x * O + k]!;
            const err = Math.abs(got - y);
            const scale = Math.abs(f0.data[x * O + k]!) + kernelTerms + forward;
            const bound = GD_SAFETY * (UNIT_ROUNDOFF_F64 * updates + gamma(S * m + D + 2) * scale);
            const rel = err / Math.max(scale, Number.MIN_VALUE);
            worst = Math.max(worst, rel);
            worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / bound);
            largestOutput = Math.max(largestOutput, Math.abs(got));
            if (!(err <= bound)) {
              throw new Error(`f(x_${x}; w_S)_${k} = ${got} vs the kernel sum ${y}: absolute ${err.toExponential(3)}, relative ${rel.toExponential(3)}, rounding bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        }
        epsSeen.add(eps);
      }),
      propertyParameters(40),
    );
    recordFigure(ctx, 'worst relative error', worst);
    recordFigure(ctx, 'worst error over its rounding bound', worstRatio);
    recordFigure(ctx, 'largest |f(x; w_S)| (divergent steps included)', largestOutput);
    recordFigure(ctx, 'step sizes', [...epsSeen].sort((a, b) => a - b).join(', '));
  });
});
