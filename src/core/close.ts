/**
 * Closeness of numbers, vectors and matrices, with both a relative and an absolute tolerance, and a report of
 * the worst entry that names both errors (so a failure message says how far off, not only that it is).
 *
 * Relative error follows the project's convention: |a - b| / max(|a|, |b|, scale), with the scale named by
 * the caller (for a kernel, the largest diagonal entry; for outputs, the output's magnitude).
 *
 * @module
 */
import type { Matrix } from './matrix.js';

/** Tolerances: a pair (a, b) is close when |a - b| <= atol + rtol * max(|a|, |b|). */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** The worst entry of a comparison. */
export interface Comparison {
  /** max |a - b| over entries. */
  readonly maxAbsError: number;
  /** max |a - b| / max(|a|, |b|, scale) over entries. */
  readonly maxRelError: number;
  /** Index of the entry with the largest tolerance ratio (or -1 for empty input). */
  readonly worstIndex: number;
  /** The two values at that index. */
  readonly worst: readonly [number, number];
  /** Whether every entry satisfies the tolerance. */
  readonly ok: boolean;
  /** Number of entries compared. */
  readonly count: number;
}

/** Relative error |a - b| / max(|a|, |b|, scale); 0 when both are 0 and scale is 0. */
export function relativeError(a: number, b: number, scale = 0): number {
  const d = Math.abs(a - b);
  if (d === 0) return 0;
  const denom = Math.max(Math.abs(a), Math.abs(b), scale);
  return denom === 0 ? Infinity : d / denom;
}

/** Whether |a - b| <= atol + rtol * max(|a|, |b|); NaN is never close to anything. */
export function isClose(a: number, b: number, tol: Tolerance): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (a === b) return true;
  return Math.abs(a - b) <= tol.atol + tol.rtol * Math.max(Math.abs(a), Math.abs(b));
}

/** Compare two arrays (or matrices of the same shape) entry by entry. */
export function compare(
  a: Float64Array | Matrix | readonly number[],
  b: Float64Array | Matrix | readonly number[],
  tol: Tolerance,
  scale = 0,
): Comparison {
  const x = 'data' in a ? a.data : a;
  const y = 'data' in b ? b.data : b;
  if ('rows' in a && 'rows' in b && (a.rows !== b.rows || a.cols !== b.cols)) {
    throw new RangeError(`compare: shapes [${a.rows}, ${a.cols}] and [${b.rows}, ${b.cols}] differ`);
  }
  if (x.length !== y.length) throw new RangeError(`compare: lengths ${x.length} and ${y.length} differ`);
  let maxAbsError = 0;
  let maxRelError = 0;
  let worstIndex = -1;
  let worstRatio = -1;
  let ok = true;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    const d = Math.abs(p - q);
    const allowed = tol.atol + tol.rtol * Math.max(Math.abs(p), Math.abs(q));
    const bad = Number.isNaN(d) || d > allowed;
    if (bad) ok = false;
    const ratio = Number.isNaN(d) ? Infinity : allowed === 0 ? (d === 0 ? 0 : Infinity) : d / allowed;
    maxAbsError = Math.max(maxAbsError, Number.isNaN(d) ? Infinity : d);
    maxRelError = Math.max(maxRelError, Number.isNaN(d) ? Infinity : relativeError(p, q, scale));
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstIndex = i;
    }
  }
  const worst: readonly [number, number] = worstIndex >= 0 ? [x[worstIndex]!, y[worstIndex]!] : [0, 0];
  return { maxAbsError, maxRelError, worstIndex, worst, ok, count: x.length };
}

/** A one-line account of a comparison for failure messages: relative and absolute error and the worst entry. */
export function describeComparison(c: Comparison, what: string, tol: Tolerance): string {
  return (
    `${what}: max relative error ${c.maxRelError.toExponential(3)}, max absolute error ${c.maxAbsError.toExponential(3)} ` +
    `(rtol ${tol.rtol.toExponential(1)}, atol ${tol.atol.toExponential(1)}); worst entry #${c.worstIndex}: ` +
    `${c.worst[0]} vs ${c.worst[1]} over ${c.count} entries`
  );
}
