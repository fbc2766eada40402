/**
 * sec.linear-models (the path-kernel part) — section 2: for a model linear in fixed features,
 * f_w(x) = W phi(x) (+ b), the tangent kernel is phi(x) . phi(x') (+ 1 with a bias) at every w, so
 * - on the reference flow, K^p(x, x') = T (phi(x) . phi(x') + bias) times the identity on outputs, under any
 *   loss (the kernel does not depend on the path the loss chooses);
 * - the perceptron-style discrete statement: plain GD with ANY finite step eps (no limit eps -> 0) satisfies
 *   f(x; w_S) = f(x; w_0) - eps sum_s sum_i L'_{i,s} (phi(x) . phi(x_i) + bias) exactly, that is to float64
 *   rounding, because a model linear in w changes by exactly grad f . (w_{s+1} - w_s) in a step. Checked with
 *   the GD loop written here on lossGradient, for every loss and for steps large enough to diverge;
 * - the closed-form oracle (./linearClosedForm.ts): under the squared loss the flow is
 *   w(t) = w* + e^{-tA}(w0 - w*), so w(T), f_{w(T)}(x), K^p, K^lp and Theorem 1's kernel machine all have
 *   closed forms, and the reference flow reproduces each to the integrator's tolerance.
 *
 * What stands on the other side: phi(x) . phi(x') + bias from the feature map itself (not from any kernel
 * code), and the closed forms, which use only forward passes and an eigendecomposition.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, selectRows, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { kernelMachine, lossGradient } from '../../src/kernels/index.js';
import { featureMap, jacobian, parseModelSpec, type FeaturesSpec } from '../../src/models/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { featuresSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { runSmallFlow } from '../arbitraries/smallFlows.js';
import { linearJacobian, linearSquaredFlow } from './linearClosedForm.js';

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
    let worst = 0;
    let worstRatio = 0;
    const losses = new Set<string>();
    const ledger = caseLedger(ctx, 'generated linear flows', FILE);
    fc.assert(
      fc.property(flowCaseArb({}, featuresSpecArb()), (c: FlowCase) => {
        ledger.draw();
        const res = runSmallFlow(ledger, c.problem, c.w0, { queries: c.queries }, { T: c.T, where: describeFlowCase(c), file: FILE });
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
    recordFigure(ctx, 'worst relative error (scale T sum |phi_j phi\'_j| + bias)', worst);
    recordFigure(ctx, 'worst error over its rounding bound', worstRatio);
    recordFigure(ctx, 'losses', [...losses].sort().join(', '));
  }, {
    evidence: {
      'sec.linear-models': verifiedAgainst('closed form', "K^p(x, x') from the reference flow against T (phi(x) . phi(x') + bias) formed from the feature map, under every loss"),
      'def.path-kernel': verifiedAgainst('closed form', 'the path kernel of a constant tangent kernel is T K^g: the integrated ODE state against T (phi . phi\' + bias)'),
    },
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
  }, {
    evidence: {
      'sec.linear-models': verifiedAgainst('closed form', "f(x; w_S) by the forward pass after S GD steps against f(x; w_0) - eps sum_s sum_i L'_{i,s} (phi(x) . phi(x_i) + bias), the kernel formed from the feature map, at any eps"),
    },
  });

  claimTest(['sec.linear-models', 'thm.kernel-machine'], "under the squared loss the flow of a linear model is w* + e^{-tA}(w0 - w*), and w(T), f_{w(T)}, K^p, K^lp and Theorem 1's machine match their closed forms", (ctx) => {
    let worstW = 0;
    let worstMachine = 0;
    let worstKernels = 0;
    const ledger = caseLedger(ctx, 'generated linear flows, squared loss', FILE);
    fc.assert(
      fc.property(flowCaseArb({ losses: ['squared'] }, featuresSpecArb()), (c: FlowCase) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const res = runSmallFlow(ledger, c.problem, c.w0, { queries: c.queries }, { T: c.T, where, file: FILE });
        const cf = linearSquaredFlow(c.problem, c.w0, c.T);
        const d = c.model.paramCount;
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        // The size of what the flow integrates: |w(t)| <= |w0| + t |g0| componentwise (|dw/dt| only
        // decreases on this flow), so the integrator's error in w is IDENTITY_RTOL of that (flowTolerance.ts).
        const wSize = c.w0.reduce((a, v) => Math.max(a, Math.abs(v)), 0) + c.T * cf.rate;
        const wTol = IDENTITY_RTOL * wSize + cf.rounding;
        for (let p = 0; p < d; p++) {
          const err = Math.abs(res.wT[p]! - cf.wT[p]!);
          worstW = Math.max(worstW, err / wTol);
          if (!(err <= wTol)) throw new Error(`w(T)_${p} = ${res.wT[p]} vs closed form ${cf.wT[p]}: absolute ${err.toExponential(3)}, relative ${(err / wSize).toExponential(3)}, bound ${wTol.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        }
        const q = res.queries!;
        const Jx = linearJacobian(c.model, c.queries);
        const { y: machine } = kernelMachine(q);
        for (let r = 0; r < c.queries.rows * O; r++) {
          let fCf = 0;
          let jAbs = 0;
          for (let p = 0; p < d; p++) {
            fCf += Jx.data[r * d + p]! * cf.wT[p]!;
            jAbs += Math.abs(Jx.data[r * d + p]!);
          }
          // f_{w(T)}(x) and Theorem 1's kernel machine sum_i a_i K^p(x, x_i) + b against J(x) w(T) in closed form.
          const fTol = jAbs * wTol + 2 * gamma(d + 1) * jAbs * wSize;
          for (const [name, got] of [['f_{w(T)}(x)', q.fT.data[r]!], ["Theorem 1's kernel machine", machine.data[r]!]] as const) {
            const err = Math.abs(got - fCf);
            if (name !== 'f_{w(T)}(x)') worstMachine = Math.max(worstMachine, err / fTol);
            if (!(err <= fTol)) throw new Error(`${name} at query row ${r} = ${got} vs closed form J(x) w(T) = ${fCf}: absolute ${err.toExponential(3)}, relative ${(err / Math.max(jAbs * wSize, Number.MIN_VALUE)).toExponential(3)}, bound ${fTol.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
          // K^p = T J(x) Phi^T and K^lp(x, x_i) = sum_k' K^g_{(x,k),(i,k')} int L'_{i,k'} dt in closed form.
          for (let i = 0; i < m; i++) {
            let klp = 0;
            let klpSize = 0;
            for (let kk = 0; kk < O; kk++) {
              let kg = 0;
              let kgAbs = 0;
              for (let p = 0; p < d; p++) {
                kg += Jx.data[r * d + p]! * cf.Phi.data[(i * O + kk) * d + p]!;
                kgAbs += Math.abs(Jx.data[r * d + p]! * cf.Phi.data[(i * O + kk) * d + p]!);
              }
              const kpErr = Math.abs(q.pathKernel.data[r * m * O + i * O + kk]! - c.T * kg);
              const kpTol = ROUNDING_SAFETY * c.T * ((gamma(DOP853.b.length + 1) * B1 + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64) * Math.abs(kg) + 2 * gamma(d + 1) * kgAbs) + Number.MIN_VALUE;
              worstKernels = Math.max(worstKernels, kpErr === 0 ? 0 : kpErr / kpTol);
              if (!(kpErr <= kpTol)) throw new Error(`K^p((x, ${r}), (x_${i}, ${kk})) = ${q.pathKernel.data[r * m * O + i * O + kk]} vs T J(x) J(x_i)^T = ${c.T * kg}: absolute ${kpErr.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              klp += kg * cf.intLossDerivatives.data[i * O + kk]!;
              // |L'_{i,k'}(t)| <= |L'(0)| + |Phi_{i,k'}|_1 t |g0|: the integrand's size over the path.
              let phiAbs = 0;
              let l0 = -c.problem.yTrain.data[i * O + kk]!;
              for (let p = 0; p < d; p++) {
                phiAbs += Math.abs(cf.Phi.data[(i * O + kk) * d + p]!);
                l0 += cf.Phi.data[(i * O + kk) * d + p]! * c.w0[p]!;
              }
              klpSize += kgAbs * c.T * (Math.abs(l0) + phiAbs * c.T * cf.rate) + kgAbs * phiAbs * (wTol * c.T);
            }
            const got = q.lossWeightedKernel.data[r * m + i]!;
            const err = Math.abs(got - klp);
            const tol = IDENTITY_RTOL * klpSize + 2 * gamma(d + O + 2) * klpSize;
            worstKernels = Math.max(worstKernels, err / tol);
            if (!(err <= tol)) throw new Error(`K^lp((x, ${r}), x_${i}) = ${got} vs closed form ${klp}: absolute ${err.toExponential(3)}, relative ${(err / klpSize).toExponential(3)}, bound ${tol.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
      }),
      propertyParameters(12),
    );
    recordFigure(ctx, 'worst error of w(T) over its bound', worstW);
    recordFigure(ctx, "worst error of Theorem 1's machine over its bound", worstMachine);
    recordFigure(ctx, 'worst error of K^p, K^lp over their bounds', worstKernels);
  }, {
    evidence: {
      'sec.linear-models': verifiedAgainst('closed form', "the reference flow's w(T), K^p and K^lp against w* + e^{-tA}(w0 - w*), T J(x) Phi^T and K^g int L' dt from the eigendecomposition of A = Phi^T Phi"),
      'thm.kernel-machine': verifiedAgainst('closed form', "for linear models under the squared loss: sum_i a_i K^p(x, x_i) + b from the flow's integrals against J(x) w(T) with w(T) in closed form"),
    },
  });
});
