/**
 * disc.superposition: section 3, the weights are a superposition of the training examples in gradient space,
 * w_T - w_0 = -int_0^T sum_i L'_i grad f(x_i) dt. Checked on generated problems (one and several outputs, every
 * loss that fits):
 * - against a second implementation: the flow integrated with the per-example integrals S_i = int L'_i grad f(x_i)
 *   dt as separate ODE state whose rates come from per-example gradients built in forward mode (JVPs, no
 *   reverse pass), while w's rate is the engine's VJP gradient. The two rates share no summation (only L' and
 *   each primitive's local derivative rule, which P5 checks against differences), so
 *   sum_i S_i(T) = w_0 - w_T holds to rounding only if the VJP's sum over examples equals the per-example
 *   terms at every stage (the integrator's error cancels: a linear invariant of the combined field);
 * - the engine's own superposition state (`superposition: true`) sums to w0 - w(T): by construction (its rows
 *   are the same VJP stages as w's rate, split by example), to rounding;
 * - each row is example i's own contribution: for a model linear in fixed features grad f(x_i) is constant,
 *   so row i must be (int L'_i dt) [phi(x_i), 1] per output, parallel to example i's gradient, with the
 *   coefficient that the loss-weighted kernel K^lp(x, x_i) = (phi(x) . phi(x_i) + 1) int L'_i dt (separate ODE
 *   state, integrated from the structured kernel) implies.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, norm2, selectRows, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { DOP853, solve } from '../../src/flow/index.js';
import { gradientFlow, lossGradient, type TrainingProblem } from '../../src/kernels/index.js';
import { jacobian } from '../../src/models/index.js';
import { byConstruction, claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_MAX_STEPS, FLOW_RTOL } from '../arbitraries/flowTolerance.js';
import { jacobianByJvp } from '../arbitraries/forwardMode.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { featuresSpecArb, mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';

const FILE = 'properties/discussion/superposition.property.ts';

// Without layer norm, whose 1/sqrt(var + eps) slopes make some flows stiff (thousands of steps, each paying d
// JVPs here); the claim is about any differentiable model, and P3-P8 check layer norm.
const specs = () => mlpSpecArb({ maxDepth: 2, maxWidth: 5, layerNorm: false });

// The separate integration's tolerance: the identity it checks is a linear invariant of the combined field,
// which every Runge-Kutta step preserves whatever its step size, so a loose tolerance (few steps) suffices.
const SEPARATE_RTOL = 1e-6;
const SEPARATE_ATOL = 1e-9;

// Rounding of an integrated linear invariant: each step adds h sum_l b_l k_l, rounding the stage sum by
// gamma(s + 1) h sum_l |b_l| |k_l| and the addition by u |y|; over N steps and a horizon T that is
// (gamma(s + 1) B1 T max|k| + N u max|y|) per integrated term (B1 = sum_l |b_l|, 12.9 for DOP853), for each of
// the m + 1 terms (w and the S_i). Where the rates differ by rounding (VJP against JVPs: 4 gamma(d + m O)
// times the sizes that flow through the tape, as in P5), B1 T times that. ROUNDING_SAFETY covers the
// constants of these first-order bounds and, for the engine's rows, maxima taken at SAMPLES recorded times.
// They are worst-case bounds (every rounding at full size and aligned); observed errors, roundings of both
// signs adding like a random walk, sit well below them (the worst ratio is a recorded figure).
const ROUNDING_SAFETY = 4;
const SAMPLES = 9;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);
const STAGE_ROUNDING = gamma(DOP853.b.length + 1) * B1;

/** The flow with the per-example integrals as separate state, their rates from forward mode. */
function separateSuperposition(problem: TrainingProblem, w0: Float64Array, T: number) {
  const { model, xTrain } = problem;
  const d = model.paramCount;
  const O = model.outputDim;
  const m = xTrain.rows;
  // Per component, the largest over all stages of: a rate (|L'| |J| summed over examples), the sizes behind
  // the rates' rounding (|L'_r| times row r's largest gradient entry), and the state.
  const maxRate = new Float64Array(d);
  const maxTape = new Float64Array(d);
  const field = (_t: number, y: Float64Array, out: Float64Array) => {
    const w = y.subarray(0, d);
    const { gradient, lossDerivatives: Lp } = lossGradient(problem, w);
    const J = jacobianByJvp(model, w, xTrain);
    out.fill(0);
    let tape = 0;
    for (let r = 0; r < m * O; r++) {
      let rowMax = 0;
      for (let j = 0; j < d; j++) rowMax = Math.max(rowMax, Math.abs(J.data[r * d + j]!));
      tape += Math.abs(Lp.data[r]!) * rowMax;
    }
    for (let j = 0; j < d; j++) {
      out[j] = -gradient[j]!;
      let rate = 0;
      for (let i = 0; i < m; i++) {
        let acc = 0;
        for (let k = 0; k < O; k++) acc += Lp.data[i * O + k]! * J.data[(i * O + k) * d + j]!;
        out[d + i * d + j] = acc;
        for (let k = 0; k < O; k++) rate += Math.abs(Lp.data[i * O + k]! * J.data[(i * O + k) * d + j]!);
      }
      maxRate[j] = Math.max(maxRate[j]!, rate);
      maxTape[j] = Math.max(maxTape[j]!, tape);
    }
  };
  const y0 = new Float64Array(d * (m + 1));
  y0.set(w0);
  const sol = solve(field, 0, T, y0, { method: DOP853, controller: { kind: 'pid', rtol: SEPARATE_RTOL, atol: SEPARATE_ATOL }, maxSteps: FLOW_MAX_STEPS });
  return { sol, maxRate, maxTape };
}

describe('section 3: the weights are a superposition of the training examples', () => {
  claimTest(['disc.superposition'], "w_T - w_0 = -sum_i int L'_i grad f(x_i) dt: per-example integrals carried as separate state (forward-mode gradients) against the flow's weights, and the engine's superposition rows", (ctx) => {
    const ledger = caseLedger(ctx, 'generated flows', FILE);
    let worstSeparate = 0;
    let worstEngine = 0;
    let worstRel = 0;
    let largestShare = 0;
    let largestNormShare = 0;
    fc.assert(
      fc.property(flowCaseArb({}, specs()), (c) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const d = c.model.paramCount;
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        // The second implementation: w and the S_i in one state, rates from two differentiation modes.
        const { sol, maxRate, maxTape } = separateSuperposition(c.problem, c.w0, c.T);
        if (sol.status === 'max-steps') ledger.skip(`stiff: over ${FLOW_MAX_STEPS} integrator steps`);
        if (sol.status !== 'success') throw new Error(`separate integration ${sol.status}: ${sol.message}; ${where}; seed ${SEED}`);
        const N = sol.stats.acceptedSteps;
        for (let j = 0; j < d; j++) {
          const w0j = c.w0[j]!;
          const wTj = sol.y[j]!;
          let sum = 0;
          let state = Math.abs(w0j) + Math.abs(wTj);
          for (let i = 0; i < m; i++) {
            sum += sol.y[d + i * d + j]!;
            state += Math.abs(sol.y[d + i * d + j]!);
          }
          const bound = ROUNDING_SAFETY * ((m + 1) * (STAGE_ROUNDING * c.T * maxRate[j]! + N * UNIT_ROUNDOFF_F64 * state) + B1 * c.T * 4 * gamma(d + m * O) * maxTape[j]! + gamma(m + 2) * state) + Number.MIN_VALUE;
          const err = Math.abs(sum - (w0j - wTj));
          worstSeparate = Math.max(worstSeparate, err / bound);
          worstRel = Math.max(worstRel, err / Math.max(state, Number.MIN_VALUE));
          if (!(err <= bound)) throw new Error(`component ${j}: sum_i S_i(T) = ${sum} (forward-mode rates) vs w0 - w(T) = ${w0j - wTj} (VJP rate): absolute ${err.toExponential(3)}, relative ${(err / state).toExponential(3)}, rounding bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        }
        // The engine's superposition state, at the reference tolerance.
        const ts = Array.from({ length: SAMPLES }, (_, k) => (c.T * k) / (SAMPLES - 1));
        const res = gradientFlow(c.problem, c.w0, { superposition: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: FLOW_MAX_STEPS, ts });
        if (res.status === 'max-steps') ledger.skip(`stiff: over ${FLOW_MAX_STEPS} integrator steps`);
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        const S = res.superposition!;
        const rates = new Float64Array(d);
        for (const w of res.ws) {
          const Lp = lossGradient(c.problem, w).lossDerivatives;
          const J = jacobian(c.model, w, c.problem.xTrain);
          for (let j = 0; j < d; j++) {
            let r = 0;
            for (let ik = 0; ik < m * O; ik++) r += Math.abs(Lp.data[ik]! * J.data[ik * d + j]!);
            rates[j] = Math.max(rates[j]!, r);
          }
        }
        const moved = res.w0.map((v, j) => v - res.wT[j]!);
        for (let j = 0; j < d; j++) {
          let sum = 0;
          let state = Math.abs(res.w0[j]!) + Math.abs(res.wT[j]!);
          for (let i = 0; i < m; i++) {
            sum += S.data[i * d + j]!;
            state += Math.abs(S.data[i * d + j]!);
          }
          // The same VJP stages split by example: the batch VJP and the per-example ones sum the same products
          // in different orders, gamma(m O + layers) of the rates' size.
          const bound = ROUNDING_SAFETY * ((m + 1) * (STAGE_ROUNDING * c.T * rates[j]! + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64 * state) + B1 * c.T * gamma(m * O + c.model.layout.length) * rates[j]! + gamma(m + 2) * state) + Number.MIN_VALUE;
          const err = Math.abs(sum - moved[j]!);
          worstEngine = Math.max(worstEngine, err / bound);
          if (!(err <= bound)) throw new Error(`component ${j}: the engine's rows sum to ${sum} vs w0 - w(T) = ${moved[j]}: absolute ${err.toExponential(3)}, rounding bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
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
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'separate state (forward mode): worst error over its rounding bound', worstSeparate);
    recordFigure(ctx, 'separate state (forward mode): worst error relative to |w0| + |w(T)| + sum_i |S_i|', worstRel);
    recordFigure(ctx, "engine's rows: worst error over its rounding bound", worstEngine);
    recordFigure(ctx, 'largest single-example share (m >= 2) |S_i| / sum_j |S_j|', largestShare);
    recordFigure(ctx, 'largest |S_i| / |w0 - w(T)| (above 1: examples pull against each other)', largestNormShare);
  }, {
    evidence: {
      'disc.superposition': [
        verifiedAgainst('second implementation', "w_0 - w_T (w's rate: the engine's VJP gradient) against sum_i S_i(T), S_i = int L'_i grad f(x_i) dt carried as separate ODE state with forward-mode per-example gradients (d JVPs per stage): to the rounding of a linear invariant. The two rates share L' and each primitive's local derivative rule (checked against differences in P5), not the accumulation or the sum over examples"),
        byConstruction("the engine's superposition rows (per-example VJPs of the same stages as w's rate) sum to w_0 - w_T to rounding"),
      ],
    },
  });

  claimTest(['disc.superposition', 'rem.loss-weighted-kernel'], 'for a linear model row i is (int L\'_i dt) grad f(x_i), consistent with K^lp(x, x_i)', (ctx) => {
    const ledger = caseLedger(ctx, 'flows of linear models', FILE);
    let worstParallel = 0;
    let worstKernel = 0;
    fc.assert(
      fc.property(flowCaseArb({}, featuresSpecArb()), (c) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const ts = Array.from({ length: SAMPLES }, (_, k) => (c.T * k) / (SAMPLES - 1));
        const res = gradientFlow(c.problem, c.w0, { queries: c.queries, superposition: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: FLOW_MAX_STEPS, ts });
        if (res.status === 'max-steps') ledger.skip(`stiff: over ${FLOW_MAX_STEPS} integrator steps`);
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
        // Row i and K^lp are integrals over the same stages whose values are L'_i(t_s) times constants, so only
        // rounding separates them (see ROUNDING_SAFETY), plus gamma(d + 2) for the inner products formed here.
        const rounding = STAGE_ROUNDING + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64 + gamma(d + 2);
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
    recordFigure(ctx, 'worst relative deviation of a row from its example\'s gradient direction', worstParallel);
    recordFigure(ctx, 'worst relative disagreement with K^lp', worstKernel);
  }, {
    evidence: {
      'disc.superposition': verifiedAgainst('closed form', "on models linear in fixed features grad f(x_i) = [phi(x_i), 1] is constant, so row i of the engine's superposition state must be (int L'_i dt) grad f(x_i): parallel to it, to rounding"),
      'rem.loss-weighted-kernel': verifiedAgainst('second implementation', "K^lp(x, x_i) (ODE state integrated from the structured kernel times L') against (grad f(x) . grad f(x_i)) int L'_i dt with the coefficient read off the superposition row (ODE state integrated from per-example VJPs)"),
    },
  });
});
