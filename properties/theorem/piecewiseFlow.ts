/**
 * The gradient flow of a ReLU network integrated piece by piece between its kinks (the times at which a ReLU
 * pre-activation at a training point or a query crosses 0), for the ReLU property of Theorem 1
 * (properties/theorem/relu.property.ts). From each piece's start a scan integrates w alone (dense) over a
 * window ahead, the first kink is located on it by a grid and bisection, and the flow with its path integrals
 * runs up to that kink; the next piece starts there. On each piece the vector field is smooth. A scan that
 * runs out of steps before any kink is stuck on a kink surface (a sliding mode: the classical flow ends); the
 * path is then integrated up to where it meets the surface, and the integration stops.
 *
 * @module
 */
import { gradientFlow, type PathQuantities } from '../../src/kernels/index.js';
import type { Matrix } from '../../src/core/index.js';
import type { Model } from '../../src/models/index.js';
import { FLOW_ATOL, FLOW_RTOL } from '../arbitraries/flowTolerance.js';
import { describeFlowCase, type FlowCase } from '../arbitraries/problems.js';
import { SEED } from '../arbitraries/config.js';

// Step budgets: a flow that slides along a kink surface chatters in steps as short as rounding allows, so
// the budgets end it; the smooth pieces of these small flows take tens of steps.
const PIECE_MAX_STEPS = 400;
// The scans integrate w alone (no path integrals) over a window ahead of the piece.
const SCAN_MAX_STEPS = 400;
// Kinks are looked for on a grid of max(KINK_GRID_MIN, 4 x the scan's accepted steps) times: between grid
// times a unit that crosses 0 twice is missed (its piece then holds a kink, which the check would show as
// an error above its bound).
const KINK_GRID_MIN = 256;
// Bisection of a kink time on the dense output, to about 2^-50 of the grid cell.
const KINK_BISECTIONS = 50;
// A piece reads its units' signs from this fraction of the time left on: it starts at a kink, where one
// pre-activation is 0 to rounding (the bisection leaves it within 2^-50 of a cell of the crossing).
const START_OFFSET = 1e-9;
// A pre-activation within this fraction of the largest at the start is on its kink surface (a sliding flow
// holds it there to about 1e-12 while it chatters; a flow that only passes by crosses it within a grid cell).
const SLIDING_BAND = 1e-6;
// More crossings than this: they accumulate (the onset of a sliding mode); the path is checked up to there.
const MAX_PIECES = 8;

/** Every ReLU pre-activation at the rows of X, concatenated. */
function preActivations(model: Model, w: Float64Array, X: Matrix): Float64Array {
  const parts = model.trace(w, X).tape.inputsOf('relu');
  const out = new Float64Array(parts.reduce((s, p) => s + p.data.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p.data, o);
    o += p.data.length;
  }
  return out;
}

/** Every ReLU pre-activation at the training points, then at the queries. */
function allPreActivations(c: FlowCase, w: Float64Array): Float64Array {
  const a = preActivations(c.model, w, c.problem.xTrain);
  const b = preActivations(c.model, w, c.queries);
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The first time in (0, T] at which a ReLU pre-activation changes sign along w(t) (grid of `grid` cells,
 * then bisection), or null. Signs are read from t = START_OFFSET T on: a piece starts at the kink that ended
 * the last one, where that unit's pre-activation is 0 to rounding.
 */
function firstKink(c: FlowCase, wOf: (t: number) => Float64Array, T: number, grid: number): number | null {
  let prevT = START_OFFSET * T;
  let prev = allPreActivations(c, wOf(prevT));
  for (let g = 1; g <= grid; g++) {
    // (T g) / grid can round one ulp past T, outside the dense output.
    const t = g === grid ? T : (T * g) / grid;
    const cur = allPreActivations(c, wOf(t));
    let first: number | null = null;
    for (let u = 0; u < cur.length; u++) {
      if (Math.sign(prev[u]!) * Math.sign(cur[u]!) >= 0) continue;
      let [lo, hi] = [prevT, t];
      const sign = Math.sign(prev[u]!);
      for (let it = 0; it < KINK_BISECTIONS; it++) {
        const mid = (lo + hi) / 2;
        if (Math.sign(allPreActivations(c, wOf(mid))[u]!) === sign) lo = mid;
        else hi = mid;
      }
      first = Math.min(first ?? hi, hi);
    }
    if (first !== null) return first;
    prevT = t;
    prev = cur;
  }
  return null;
}

/**
 * The first time some pre-activation comes within SLIDING_BAND of 0 (relative to the largest at the start),
 * on a scan that got stuck on a kink surface: the flow approaches the surface at a finite rate, so up to
 * there it is smooth. 0 when a pre-activation starts on its kink.
 */
function slidingOnset(c: FlowCase, wOf: (t: number) => Float64Array, T: number): number {
  const scale = Math.max(...Array.from(allPreActivations(c, wOf(0)), Math.abs));
  const near = (t: number) => allPreActivations(c, wOf(t)).some((v) => Math.abs(v) <= SLIDING_BAND * scale);
  if (near(0)) return 0;
  let last = 0;
  for (let g = 1; g <= KINK_GRID_MIN; g++) {
    const t = g === KINK_GRID_MIN ? T : (T * g) / KINK_GRID_MIN;
    if (near(t)) {
      // The first contact with the band, by bisection between the last grid time outside it and this one.
      let [lo, hi] = [last, t];
      for (let it = 0; it < KINK_BISECTIONS; it++) {
        const mid = (lo + hi) / 2;
        if (near(mid)) hi = mid;
        else lo = mid;
      }
      return lo;
    }
    last = t;
  }
  return last;
}

/** Residuals r = y_0 - sum_i K^lp - y_T and scales |y_0| + |y_T| + sum_i |K^lp| per output entry. */
export function residuals(q: PathQuantities): { r: Float64Array; scale: Float64Array } {
  const m = q.lossWeightedKernel.cols;
  const r = new Float64Array(q.fT.data.length);
  const scale = new Float64Array(q.fT.data.length);
  for (let k = 0; k < r.length; k++) {
    let y = q.f0.data[k]!;
    let s = Math.abs(q.f0.data[k]!) + Math.abs(q.fT.data[k]!);
    for (let i = 0; i < m; i++) {
      y -= q.lossWeightedKernel.data[k * m + i]!;
      s += Math.abs(q.lossWeightedKernel.data[k * m + i]!);
    }
    r[k] = y - q.fT.data[k]!;
    scale[k] = s;
  }
  return { r, scale };
}

export const worstRelative = (r: Float64Array, scale: Float64Array) => r.reduce((mx, v, k) => Math.max(mx, Math.abs(v) / Math.max(scale[k]!, Number.MIN_VALUE)), 0);

/** The integrator's tolerances for the scans and the pieces (FLOW_RTOL and FLOW_ATOL unless given). */
export interface PiecewiseTolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** What the piecewise integration found. */
export interface Piecewise {
  readonly r: Float64Array;
  readonly scale: Float64Array;
  /** The time up to which the path was integrated (T, or the onset of a sliding mode). */
  readonly reached: number;
  readonly crossings: number;
  /** Why the integration stopped short of T, if it did. */
  readonly ending: 'T' | 'sliding' | 'stiff' | 'accumulating crossings';
}

/**
 * The flow integrated piece by piece between kinks: from each piece's start, the flow of w alone (dense) up
 * to T, its first kink located, then the flow with its path integrals up to that kink; the next piece starts
 * there. A scan that exhausts its step budget before any kink, with a pre-activation held at 0, is a sliding
 * mode (the flow chatters on a kink surface): the piece ends where the flow meets the surface, and the
 * integration stops; without such a contact the flow is stiff, and it stops at the piece's start.
 */
export function piecewise(c: FlowCase, tolerance: PiecewiseTolerance = { rtol: FLOW_RTOL, atol: FLOW_ATOL }): Piecewise {
  const { rtol, atol } = tolerance;
  // DOP853 is of order 8: a tolerance q times smaller takes about q^(1/8) times the steps.
  const budget = Math.ceil(Math.max(1, (FLOW_RTOL / rtol) ** (1 / 8)));
  const rows = (c.queries.rows + c.problem.xTrain.rows) * c.model.outputDim;
  const m = c.problem.xTrain.rows;
  const klp = new Float64Array(rows * m);
  const scale = new Float64Array(rows);
  let f0: Float64Array | null = null;
  let fT: Float64Array | null = null;
  let w = c.w0;
  let t = 0;
  let crossings = 0;
  let ending: Piecewise['ending'] = 'T';
  let window = c.T / 8;
  while (t < c.T && crossings <= MAX_PIECES) {
    const rest = c.T - t;
    // Scan a window ahead (widened fourfold while it holds no kink), so that a path with many kinks is not
    // scanned to T again from every one of them.
    let kink: number | null = null;
    let stuck = false;
    let stuckScan: ReturnType<typeof gradientFlow> | null = null;
    let lastScan: ReturnType<typeof gradientFlow> | null = null;
    for (let span = Math.min(window, rest); ; span = Math.min(4 * span, rest)) {
      const scan = gradientFlow(c.problem, w, {}, { T: span, rtol, atol, dense: true, maxSteps: budget * SCAN_MAX_STEPS });
      if (scan.status !== 'success' && scan.status !== 'max-steps') throw new Error(`scan ended ${scan.status}: ${scan.message}; ${describeFlowCase(c)}; seed ${SEED}`);
      // The scan's dense output up to the time it reached: a scan that ran out of steps past a kink still
      // locates it; one that ran out before any is stuck on a kink surface.
      lastScan = scan;
      kink = scan.T > 0 ? firstKink(c, scan.w!, scan.T, Math.max(KINK_GRID_MIN, 4 * scan.stats.acceptedSteps)) : null;
      if (kink === null && scan.status !== 'success') {
        stuck = true;
        stuckScan = scan;
      }
      if (kink !== null || stuck || span >= rest) break;
    }
    let dt = kink ?? rest;
    if (stuck) {
      // Out of steps with no kink crossed: on a kink surface it does not leave (a pre-activation within
      // SLIDING_BAND of 0 where the scan stopped: it chatters there), integrate up to where the flow meets
      // the surface and stop; otherwise the flow is stiff, and the path is checked up to the piece's start.
      const scale = Math.max(...Array.from(allPreActivations(c, stuckScan!.w!(0)), Math.abs));
      const onSurface = allPreActivations(c, stuckScan!.w!(stuckScan!.T)).some((v) => Math.abs(v) <= SLIDING_BAND * scale);
      ending = onSurface ? 'sliding' : 'stiff';
      if (!onSurface) break;
      dt = slidingOnset(c, stuckScan!.w!, stuckScan!.T);
      if (!(dt > 0)) break;
    }
    window = Math.max(2 * dt, c.T / 64);
    let p = gradientFlow(c.problem, w, { queries: c.queries, trainTrain: true }, { T: dt, rtol, atol, maxSteps: budget * PIECE_MAX_STEPS });
    if (p.status !== 'success' && !stuck && lastScan) {
      // The piece reached the kink surface a little before the scan did and chatters there (a sliding mode
      // begins at this kink): end it where the scan first comes within SLIDING_BAND of the surface, and stop.
      stuck = true;
      ending = 'sliding';
      dt = slidingOnset(c, lastScan.w!, dt);
      if (!(dt > 0)) break;
      p = gradientFlow(c.problem, w, { queries: c.queries, trainTrain: true }, { T: dt, rtol, atol, maxSteps: budget * PIECE_MAX_STEPS });
    }
    if (p.status !== 'success') {
      if (ending === 'T') ending = 'stiff';
      break;
    }
    const parts = [p.queries!, p.train!];
    f0 ??= Float64Array.from(parts.flatMap((q) => Array.from(q.f0.data)));
    fT = Float64Array.from(parts.flatMap((q) => Array.from(q.fT.data)));
    let o = 0;
    for (const q of parts) {
      q.lossWeightedKernel.data.forEach((v, k) => (klp[o * m + k]! += v));
      residuals(q).scale.forEach((v, k) => (scale[o + k]! += v));
      o += q.fT.data.length;
    }
    w = p.wT;
    t = stuck ? t + dt : kink === null ? c.T : t + kink;
    if (stuck) break;
    if (kink !== null) crossings++;
  }
  if (crossings > MAX_PIECES) ending = 'accumulating crossings';
  if (!f0 || !fT) return { r: new Float64Array(0), scale: new Float64Array(0), reached: t, crossings, ending };
  const r = f0.map((y0, k) => {
    let y = y0;
    for (let i = 0; i < m; i++) y -= klp[k * m + i]!;
    return y - fT![k]!;
  });
  return { r, scale, reached: t, crossings, ending };
}

