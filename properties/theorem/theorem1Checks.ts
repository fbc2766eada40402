/**
 * The checks of Theorem 1's properties (properties/theorem/theorem1.property.ts): P8's residual against the
 * same residual at a coarser tolerance, the reweighting of P9-P11 to rounding, and the spread of a_i(x) and
 * b(x) over the queries of one flow.
 *
 * @module
 */
import { gamma, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { kernelMachine, kernelMachineOffset, lossWeightedPredict, type PathQuantities } from '../../src/kernels/index.js';
import { jacobian, type Model } from '../../src/models/index.js';
import { replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';

const FILE = 'properties/theorem/theorem1.property.ts';

// The second integration's tolerance: 1000 times looser (DOP853's steps scale as rtol^(-1/8): 1000^(1/8), about
// 2.4 times fewer).
export const COARSE_RTOL = 1000 * FLOW_RTOL;
export const COARSE_ATOL = 1000 * FLOW_ATOL;
// How far P8's residual must fall from COARSE_RTOL to FLOW_RTOL. Integration error falls with the tolerance:
// in proportion for a tolerance-proportional method (a factor 1000), and by at least 10 for any error that
// decreases as rtol^(1/3) or faster. A wrong rate or a wrong kernel leaves a residual that does not depend
// on the tolerance (a ratio near 1), so the ratio tells integration error from a formula error.
export const CONVERGENCE_SHARE = 0.1;
// The residual's rounding floor relative to its terms |f0| + |fT| + sum_i |K^lp|, below which nothing can fall
// further: the m-term sum of K^lp and the subtraction, gamma(m + 2); the two forward passes, each output rounded
// to gamma(d + m + 2) (|f(x)| + sum_j |df(x)/dw_j| |w_j|) (the magnitudes inside the network, which a
// cancellation can make far larger than |f(x)|); and the integrated state's own rounding, each step adding
// h sum_l b_l k_l (gamma(s + 1) B1 relative to the integral over the whole path, B1 = sum_l |b_l|, 12.9 for
// DOP853) and rounding the sum by u (N u over N steps). ROUNDING_SAFETY covers the constants of these
// first-order bounds.
export const ROUNDING_SAFETY = 4;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);

/** The flow a block of path quantities came from: its model, end points and accepted steps. */
export interface FlowEnds {
  readonly model: Model;
  readonly w0: Float64Array;
  readonly wT: Float64Array;
  readonly steps: number;
}

/** The rounding floor of P8's residual at each entry of a block, relative to its terms (see ROUNDING_SAFETY). */
export function roundingFloors(q: PathQuantities, flow: FlowEnds): Float64Array {
  const { model, w0, wT, steps } = flow;
  const d = model.paramCount;
  const m = q.lossWeightedKernel.cols;
  const g = gamma(d + m + 2);
  const inside = (w: Float64Array) => {
    const J = jacobian(model, w, q.x);
    return Float64Array.from({ length: J.rows }, (_, r) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.abs(J.data[r * d + j]! * w[j]!);
      return s;
    });
  };
  const [at0, atT] = [inside(w0), inside(wT)];
  const terms = p8Terms(q);
  const integration = gamma(DOP853.b.length + 1) * B1 + steps * UNIT_ROUNDOFF_F64;
  return Float64Array.from(terms, (scale, r) => ROUNDING_SAFETY * (gamma(m + 2) + integration + (g * (scale + at0[r]! + atT[r]!)) / Math.max(scale, Number.MIN_VALUE)));
}

/** The terms of P8 per entry, |f0| + |fT| + |reg| + sum_i |K^lp(x, x_i)|. */
function p8Terms(q: PathQuantities): Float64Array {
  const m = q.lossWeightedKernel.cols;
  return Float64Array.from(q.fT.data, (_, r) => {
    let scale = Math.abs(q.f0.data[r]!) + Math.abs(q.fT.data[r]!) + Math.abs(q.regulariserTerm.data[r]!);
    for (let i = 0; i < m; i++) scale += Math.abs(q.lossWeightedKernel.data[r * m + i]!);
    return scale;
  });
}

/** P8's residual per entry, |b(x) - sum_i K^lp(x, x_i) - f_{w(T)}(x)|, relative to its terms. */
export function p8Residuals(q: PathQuantities): Float64Array {
  const y = lossWeightedPredict(q.lossWeightedKernel, kernelMachineOffset(q));
  const terms = p8Terms(q);
  return Float64Array.from(y.data, (v, r) => Math.abs(v - q.fT.data[r]!) / Math.max(terms[r]!, Number.MIN_VALUE));
}

/** What one P8 comparison of a fine and a coarse integration showed. */
export interface Convergence {
  /** The worst fine residual (relative to the terms). */
  readonly fine: number;
  /** The worst fine residual over its tolerance, the rounding floor plus CONVERGENCE_SHARE of the coarse one. */
  readonly overTolerance: number;
  /** The largest fine / coarse ratio among entries above the rounding floor (0 when none is). */
  readonly ratio: number;
  /** Entries whose fine residual is at the rounding floor (nothing left to fall). */
  readonly atRounding: number;
  readonly entries: number;
}

/**
 * Check that P8's residual at FLOW_RTOL is at most CONVERGENCE_SHARE of the one at COARSE_RTOL plus the
 * rounding floor, entry by entry, and below IDENTITY_RTOL, the ceiling the other flow properties use.
 */
export function checkP8(fine: PathQuantities, coarse: PathQuantities, flow: FlowEnds, where: string): Convergence {
  const rf = p8Residuals(fine);
  const rc = p8Residuals(coarse);
  const floors = roundingFloors(fine, flow);
  let worst = 0;
  let ratio = 0;
  let atRounding = 0;
  let overTolerance = 0;
  rf.forEach((e, r) => {
    const floor = floors[r]!;
    worst = Math.max(worst, e);
    overTolerance = Math.max(overTolerance, e / (CONVERGENCE_SHARE * rc[r]! + floor));
    if (e <= floor) {
      atRounding++;
      return;
    }
    ratio = Math.max(ratio, e / rc[r]!);
    if (!(e <= CONVERGENCE_SHARE * rc[r]! + floor && e <= IDENTITY_RTOL)) {
      throw new Error(`P8 at ${where}, entry ${r}: residual ${e.toExponential(3)} (relative to its terms) at rtol ${FLOW_RTOL}, ${rc[r]!.toExponential(3)} at rtol ${COARSE_RTOL}: it does not fall with the integrator's tolerance (share ${CONVERGENCE_SHARE}, ceiling ${IDENTITY_RTOL}, rounding floor ${floor.toExponential(3)}); seed ${SEED}; replay: ${replayCommand(FILE)}`);
    }
  });
  return { fine: worst, overTolerance, ratio, atRounding, entries: rf.length };
}

/**
 * sum_i a_i(x) K^p(x, x_i) + b(x) against b(x) - sum_i K^lp(x, x_i) to rounding: each a_i(x) solves the O x O
 * block K^p(x, x_i) a_i = -K^lp(x, x_i) by elimination with partial pivoting, whose backward error is
 * gamma(3 O) |L| |U| |a_i| and |L| |U| at most the growth factor 2^(O - 1) times |K^p| (Wilkinson's bound for
 * partial pivoting), and the two sums round by gamma(m O + 2) of their terms. Returns the worst error over its
 * bound; throws when one is over.
 */
export function checkReweighting(q: PathQuantities, where: string): { theorem: number; blocks: number } {
  const { a, b, y } = kernelMachine(q);
  const yP8 = lossWeightedPredict(q.lossWeightedKernel, b);
  const O = b.cols;
  const m = a.cols;
  const cols = m * O;
  const growth = 2 ** (O - 1);
  let theorem = 0;
  let blocks = 0;
  for (let r = 0; r < y.data.length; r++) {
    const x = Math.floor(r / O);
    let terms = Math.abs(b.data[r]!);
    for (let i = 0; i < m; i++) {
      let product = 0;
      let size = 0;
      for (let kk = 0; kk < O; kk++) {
        const t = q.pathKernel.data[r * cols + i * O + kk]! * a.data[(x * O + kk) * m + i]!;
        product += t;
        size += Math.abs(t);
      }
      const klp = q.lossWeightedKernel.data[r * m + i]!;
      // P9-P10: a_i K^p = -K^lp, the division undone.
      const blockBound = ROUNDING_SAFETY * growth * gamma(3 * O + 2) * (size + Math.abs(klp)) + Number.MIN_VALUE;
      const blockErr = Math.abs(product + klp);
      blocks = Math.max(blocks, blockErr / blockBound);
      if (!(blockErr <= blockBound)) throw new Error(`P9-P10 at ${where}, row ${r}, example ${i}: a_i K^p = ${product} vs -K^lp = ${-klp}: absolute ${blockErr.toExponential(3)}, bound ${blockBound.toExponential(3)}; seed ${SEED}`);
      terms += size + Math.abs(klp);
    }
    const bound = ROUNDING_SAFETY * (growth * gamma(3 * O + 2) + gamma(cols + 2)) * terms + Number.MIN_VALUE;
    const err = Math.abs(y.data[r]! - yP8.data[r]!);
    theorem = Math.max(theorem, err / bound);
    if (!(err <= bound)) throw new Error(`Theorem 1 at ${where}, entry ${r}: sum_i a_i K^p + b = ${y.data[r]} vs b - sum_i K^lp = ${yP8.data[r]}: absolute ${err.toExponential(3)}, rounding bound ${bound.toExponential(3)}; seed ${SEED}`);
  }
  return { theorem, blocks };
}

/** (max - min) / max |.| of some values (0 for values that are all 0). */
function spread(values: readonly number[]): number {
  const size = Math.max(...values.map(Math.abs));
  return size > 0 ? (Math.max(...values) - Math.min(...values)) / size : 0;
}

/** The largest relative spread of a_i(x) over the n queries, over examples i and outputs k (a is (n O) x m). */
export function weightSpread(a: Matrix, n: number, O: number): number {
  let worst = 0;
  for (let k = 0; k < O; k++) for (let i = 0; i < a.cols; i++) worst = Math.max(worst, spread(Array.from({ length: n }, (_, x) => a.data[(x * O + k) * a.cols + i]!)));
  return worst;
}

/** The largest relative spread of b(x) over the n queries, over outputs k (b is n x O). */
export function offsetSpread(b: Matrix): number {
  let worst = 0;
  for (let k = 0; k < b.cols; k++) worst = Math.max(worst, spread(Array.from({ length: b.rows }, (_, x) => b.data[x * b.cols + k]!)));
  return worst;
}

/** The median of some values (NaN for none). */
export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

