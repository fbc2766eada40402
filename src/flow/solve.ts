/**
 * The integrator: explicit Runge-Kutta steps read from a tableau, accepted or rejected by a controller, with
 * what to record chosen by the caller. It returns a status instead of throwing: a caller (the gradient flow
 * of src/kernels) reports "max-steps" or "nonfinite" as a finding, not as a crash.
 *
 * Memory is the state, the stages and what `saveAt` asks for: nothing grows with the number of steps unless
 * `saveAt.dense` or `saveAt.steps` is set.
 *
 * @module
 */
import { controllerProblem, pidFactor, type Controller } from './controller.js';
import { denseSolution, stepInterpolant, type DenseSolution, type StepInterpolant } from './dense.js';
import type { ButcherTableau } from './tableau.js';
import { DOP853 } from './tableaux/dop853.js';
import type { VectorField } from './vectorField.js';

/** What to record. */
export interface SaveAt {
  /** Times in [t0, t1] (any order) at which to record y, from the dense output. */
  readonly ts?: readonly number[];
  /** Record (t, y) after every accepted step. */
  readonly steps?: boolean;
  /** Keep every step's interpolant, so that y(t) can be evaluated anywhere afterwards. */
  readonly dense?: boolean;
}

/** How a solve ended. */
export type SolveStatus = 'success' | 'max-steps' | 'step-size-underflow' | 'nonfinite';

/** Work done by a solve. */
export interface SolveStats {
  readonly rhsEvaluations: number;
  readonly acceptedSteps: number;
  readonly rejectedSteps: number;
}

/** The result of a solve. */
export interface Solution {
  readonly status: SolveStatus;
  /** Why the solve stopped early, or '' on success. */
  readonly message: string;
  readonly method: string;
  /** The time reached (t1 on success). */
  readonly t: number;
  /** y at the time reached. */
  readonly y: Float64Array;
  /** The requested `saveAt.ts`, sorted, and y at each (only those reached). */
  readonly ts: readonly number[];
  readonly ys: readonly Float64Array[];
  /** (t, y) after each accepted step, when `saveAt.steps`. */
  readonly steps: readonly { readonly t: number; readonly y: Float64Array }[];
  /** The whole path, when `saveAt.dense`. */
  readonly dense: DenseSolution | null;
  readonly stats: SolveStats;
}

/** Options of {@link solve}. */
export interface SolveOptions {
  /** The stepping method (default DOP853). */
  readonly method?: ButcherTableau;
  readonly controller: Controller;
  readonly saveAt?: SaveAt;
  /** Accepted plus rejected steps allowed (default 1,000,000). */
  readonly maxSteps?: number;
  /** Called after each accepted step with its interpolant (for streaming consumers). */
  readonly onStep?: (step: StepInterpolant) => void;
}

const U = 2 ** -53;

function rmsScaled(v: Float64Array, sc: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! / sc[i]!) ** 2;
  return Math.sqrt(s / Math.max(v.length, 1));
}

function allFinite(v: Float64Array): boolean {
  for (const x of v) if (!Number.isFinite(x)) return false;
  return true;
}

/** Integrate dy/dt = f(t, y) from (t0, y0) to t1 > t0. */
export function solve(f: VectorField, t0: number, t1: number, y0: Float64Array, options: SolveOptions): Solution {
  const tab = options.method ?? DOP853;
  const ctrl = options.controller;
  const problem = controllerProblem(ctrl);
  if (problem) throw new RangeError(problem);
  if (!(t1 > t0)) throw new RangeError(`solve: t1 = ${t1} must exceed t0 = ${t0}`);
  const n = y0.length;
  const s = tab.b.length;
  const stages = Array.from({ length: s + 1 + tab.dense.extraStages.c.length }, () => new Float64Array(n));
  const ytmp = new Float64Array(n);
  const y1 = new Float64Array(n);
  const sc = new Float64Array(n);
  const errVec = new Float64Array(n);
  let y = y0.slice();
  let k0 = new Float64Array(n);
  let rhs = 0;
  const evalF = (t: number, yy: Float64Array, out: Float64Array) => {
    rhs++;
    f(t, yy, out);
  };
  const saveTs = [...(options.saveAt?.ts ?? [])].sort((a, b) => a - b);
  for (const ts of saveTs) if (!(ts >= t0 && ts <= t1)) throw new RangeError(`saveAt.ts: ${ts} is outside [${t0}, ${t1}]`);
  const ys: Float64Array[] = [];
  let nextSave = 0;
  while (nextSave < saveTs.length && saveTs[nextSave] === t0) {
    ys.push(y.slice());
    nextSave++;
  }
  const stepsOut: { t: number; y: Float64Array }[] = [];
  const pieces: StepInterpolant[] = [];
  let accepted = 0;
  let rejected = 0;
  let t = t0;
  const finish = (status: SolveStatus, message: string): Solution => ({
    status,
    message,
    method: tab.name,
    t,
    y,
    ts: saveTs.slice(0, ys.length),
    ys,
    steps: stepsOut,
    dense: options.saveAt?.dense ? denseSolution(pieces) : null,
    stats: { rhsEvaluations: rhs, acceptedSteps: accepted, rejectedSteps: rejected },
  });

  evalF(t, y, k0);
  if (!allFinite(k0)) return finish('nonfinite', `f(t0, y0) is not finite at t = ${t0}`);
  const hMax = ctrl.kind === 'pid' ? (ctrl.hMax ?? t1 - t0) : t1 - t0;
  let h = ctrl.kind === 'constant' ? ctrl.h : (ctrl.h0 ?? initialStep(evalF, t0, y, k0, tab.order, ctrl.rtol, ctrl.atol, hMax));
  let errPrev = 1e-4;
  let lastRejected = false;
  const maxSteps = options.maxSteps ?? 1_000_000;
  const wantDense = () => options.saveAt?.dense === true || options.onStep !== undefined;

  while (t < t1) {
    if (accepted + rejected >= maxSteps) return finish('max-steps', `stopped after ${maxSteps} steps at t = ${t}`);
    // Land exactly on t1; avoid a sliver of a last step by stretching the one before.
    const landing = t + h >= t1 || t + 1.01 * h >= t1;
    if (landing) h = t1 - t;
    if (h < 16 * U * Math.max(Math.abs(t), 1e-300)) return finish('step-size-underflow', `step ${h} below rounding at t = ${t}`);
    stages[0]!.set(k0);
    for (let j = 1; j < s; j++) {
      const row = tab.a[j]!;
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let l = 0; l < j; l++) acc += row[l]! * stages[l]![i]!;
        ytmp[i] = y[i]! + h * acc;
      }
      evalF(t + tab.c[j]! * h, ytmp, stages[j]!);
    }
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let l = 0; l < s; l++) acc += tab.b[l]! * stages[l]![i]!;
      y1[i] = y[i]! + h * acc;
    }
    let err = 0;
    if (ctrl.kind === 'pid') {
      for (let i = 0; i < n; i++) sc[i] = ctrl.atol + ctrl.rtol * Math.max(Math.abs(y[i]!), Math.abs(y1[i]!));
      err = errorNorm(tab, stages, h, sc, errVec);
      if (!Number.isFinite(err) || !allFinite(y1)) err = Infinity;
    } else if (!allFinite(y1)) {
      return finish('nonfinite', `the state became non-finite in the step from t = ${t} (h = ${h})`);
    }
    if (err > 1) {
      rejected++;
      lastRejected = true;
      const k = tab.errorOrder + 1;
      h *= Number.isFinite(err) ? Math.max(ctrl.kind === 'pid' ? (ctrl.minFactor ?? 0.2) : 0.2, 0.9 * err ** (-1 / k)) : 0.1;
      continue;
    }
    // Accepted: f(t1, y1) is the last stage of an FSAL method, otherwise one more evaluation.
    const kEnd = tab.fsal ? stages[s - 1]! : stages[s]!;
    if (!tab.fsal) evalF(t + h, y1, kEnd);
    // A landing step (h = t1 - t) ends on t1 even where t + (t1 - t) rounds to t1 less an ulp; otherwise the
    // next step would be that ulp, below rounding.
    const tNew = landing || t + h >= t1 ? t1 : t + h;
    const needDense = wantDense() || (nextSave < saveTs.length && saveTs[nextSave]! <= tNew);
    if (needDense) {
      const interp = buildInterpolant(tab, evalF, t, tNew, h, y, y1, stages, kEnd);
      while (nextSave < saveTs.length && saveTs[nextSave]! <= tNew) ys.push(interp.evaluate(saveTs[nextSave++]!));
      if (options.saveAt?.dense) pieces.push(interp);
      options.onStep?.(interp);
    }
    t = tNew;
    y = y1.slice();
    k0.set(kEnd);
    accepted++;
    if (options.saveAt?.steps) stepsOut.push({ t, y: y.slice() });
    if (!allFinite(k0)) return finish('nonfinite', `f is not finite at t = ${t}`);
    if (ctrl.kind === 'pid') {
      let factor = pidFactor(ctrl, tab.errorOrder, err, errPrev);
      if (lastRejected) factor = Math.min(factor, 1);
      h = Math.min(h * factor, hMax);
      errPrev = Math.max(err, 1e-4);
    }
    lastRejected = false;
  }
  return finish('success', '');
}

function errorNorm(tab: ButcherTableau, stages: readonly Float64Array[], h: number, sc: Float64Array, out: Float64Array): number {
  const n = out.length;
  const est = tab.error;
  if (est.kind === 'embedded') {
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let l = 0; l < est.e.length; l++) acc += est.e[l]! * stages[l]![i]!;
      out[i] = h * acc;
    }
    return rmsScaled(out, sc);
  }
  let s5 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    let a5 = 0;
    let a3 = 0;
    for (let l = 0; l < est.e5.length; l++) {
      a5 += est.e5[l]! * stages[l]![i]!;
      a3 += est.e3[l]! * stages[l]![i]!;
    }
    s5 += (a5 / sc[i]!) ** 2;
    s3 += (a3 / sc[i]!) ** 2;
  }
  const deno = s5 + 0.01 * s3 > 0 ? s5 + 0.01 * s3 : 1;
  return (Math.abs(h) * s5) / Math.sqrt(deno * n);
}

function buildInterpolant(
  tab: ButcherTableau,
  evalF: VectorField,
  t: number,
  tNew: number,
  h: number,
  y: Float64Array,
  y1: Float64Array,
  stages: Float64Array[],
  kEnd: Float64Array,
): StepInterpolant {
  const n = y.length;
  const s = tab.b.length;
  // The stage list of the dense output: method stages, f(t1, y1) unless FSAL, then the extra stages.
  const list = stages.slice(0, s);
  if (!tab.fsal) list.push(kEnd);
  const { c, a } = tab.dense.extraStages;
  const tmp = new Float64Array(n);
  c.forEach((cj, e) => {
    const row = a[e]!;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let l = 0; l < row.length; l++) acc += row[l]! * list[l]![i]!;
      tmp[i] = y[i]! + h * acc;
    }
    const k = stages[list.length] ?? new Float64Array(n);
    evalF(t + cj * h, tmp, k);
    list.push(k);
  });
  const delta = new Float64Array(n);
  const r3 = new Float64Array(n);
  const r4 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    delta[i] = y1[i]! - y[i]!;
    r3[i] = h * list[0]![i]! - delta[i]!;
    r4[i] = delta[i]! - h * kEnd[i]! - r3[i]!;
  }
  const coeffs = [y.slice(), delta, r3, r4];
  for (const dq of tab.dense.d) {
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let l = 0; l < dq.length; l++) if (dq[l] !== 0) acc += dq[l]! * list[l]![i]!;
      r[i] = h * acc;
    }
    coeffs.push(r);
  }
  return stepInterpolant(t, tNew, coeffs);
}

// Hairer's starting step (Solving ODEs I, section II.4): from the sizes of y0, f(y0) and a difference
// estimate of the second derivative.
function initialStep(evalF: VectorField, t0: number, y0: Float64Array, f0: Float64Array, order: number, rtol: number, atol: number, hMax: number): number {
  const n = y0.length;
  const sc = Float64Array.from(y0, (v) => atol + rtol * Math.abs(v));
  const d0 = rmsScaled(y0, sc);
  const d1 = rmsScaled(f0, sc);
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  h0 = Math.min(h0, hMax);
  const y1 = new Float64Array(n);
  for (let i = 0; i < n; i++) y1[i] = y0[i]! + h0 * f0[i]!;
  const f1 = new Float64Array(n);
  evalF(t0 + h0, y1, f1);
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) diff[i] = f1[i]! - f0[i]!;
  const d2 = rmsScaled(diff, sc) / h0;
  const m = Math.max(d1, d2);
  const h1 = m <= 1e-15 || !Number.isFinite(m) ? Math.max(1e-6, h0 * 1e-3) : (0.01 / m) ** (1 / order);
  return Math.min(100 * h0, h1, hMax);
}
