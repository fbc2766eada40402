/**
 * One step's continuous extension: y(t) for t in [t0, t0 + h] from the coefficients r1..rq of the nested
 * form of src/flow/tableau.ts. Holding one object per step is what "recording dense output" costs: memory
 * grows with the steps only when the caller asks for the whole path.
 *
 * @module
 */

/** The interpolant of one accepted step. */
export interface StepInterpolant {
  readonly t0: number;
  readonly t1: number;
  /** y at t in [t0, t1] (theta = (t - t0) / h), written into `out`. */
  evaluateInto(t: number, out: Float64Array): void;
  /** y at t, in a new array. */
  evaluate(t: number): Float64Array;
  /** The same interpolant for components [start, end) only (copies them, so the full state can go). */
  restrict(start: number, end: number): StepInterpolant;
}

/** The interpolant from its coefficient vectors [y0, Delta, r3, r4, ...]. */
export function stepInterpolant(t0: number, t1: number, coeffs: readonly Float64Array[]): StepInterpolant {
  const h = t1 - t0;
  const n = coeffs[0]!.length;
  const evaluateInto = (t: number, out: Float64Array): void => {
    const theta = h === 0 ? 0 : (t - t0) / h;
    const th1 = 1 - theta;
    // Horner-like evaluation from the innermost coefficient outwards, alternating theta and 1 - theta.
    const q = coeffs.length;
    for (let i = 0; i < n; i++) {
      let acc = coeffs[q - 1]![i]!;
      for (let k = q - 2; k >= 1; k--) acc = coeffs[k]![i]! + (k % 2 === 1 ? th1 : theta) * acc;
      out[i] = coeffs[0]![i]! + theta * acc;
    }
  };
  return {
    t0,
    t1,
    evaluateInto,
    evaluate: (t) => {
      const out = new Float64Array(n);
      evaluateInto(t, out);
      return out;
    },
    restrict: (start, end) => stepInterpolant(t0, t1, coeffs.map((c) => c.slice(start, end))),
  };
}

/** A recorded path: the interpolants of every step, for y(t) anywhere in [t0, t1]. */
export interface DenseSolution {
  readonly t0: number;
  readonly t1: number;
  /** Number of steps recorded. */
  readonly steps: number;
  evaluate(t: number): Float64Array;
}

/** A dense solution from the interpolants of consecutive steps. */
export function denseSolution(pieces: readonly StepInterpolant[]): DenseSolution {
  const t0 = pieces[0]?.t0 ?? NaN;
  const t1 = pieces.at(-1)?.t1 ?? NaN;
  return {
    t0,
    t1,
    steps: pieces.length,
    evaluate: (t) => {
      if (!(t >= Math.min(t0, t1) && t <= Math.max(t0, t1))) throw new RangeError(`dense output: t = ${t} outside [${t0}, ${t1}]`);
      // Binary search for the step containing t (steps are ordered by time).
      let lo = 0;
      let hi = pieces.length - 1;
      const forward = t1 >= t0;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const end = pieces[mid]!.t1;
        if (forward ? t <= end : t >= end) hi = mid;
        else lo = mid + 1;
      }
      return pieces[lo]!.evaluate(t);
    },
  };
}
