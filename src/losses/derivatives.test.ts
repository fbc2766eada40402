import { describe, expect, it } from 'vitest';
import { compare, describeComparison, type Tolerance } from '../core/close.js';
import { at, transpose } from '../core/matrix.js';
import { UNIT_ROUNDOFF_F64 } from '../core/tolerance.js';
import { binaryLogistic } from './binaryLogistic.js';
import { lossDerivativesByDifferences } from './lossDerivativesByDifferences.js';
import { huber } from './huber.js';
import type { Loss } from './loss.js';
import { negLogProb } from './negLogProb.js';
import { softmaxCrossEntropy } from './softmaxCrossEntropy.js';
import { squared } from './squared.js';

// The closed-form L' and L'' of every loss against an independent oracle: central differences of L (for L')
// and of L' (for L'') with one Richardson step (lossDerivativesByDifferences.ts).
//
// Tolerance. With step h, the Richardson error is about h^4 |f^(5)| / 480 (truncation) plus 3 u |f| / h
// (rounding, u = 2^-53 per evaluation; we allow 2u for the few operations inside a loss). The test points
// below keep |f| <= F_BOUND = 10 (values of L and of L') and |f^(5)| <= D5_BOUND = 1e4 (the largest is
// negLogProb's L' = -1/y at y = 0.5, whose fifth derivative is 120 / y^6 = 7680). With h = 1e-3 that is
// 2.1e-11 + 1.3e-11; a safety factor of 10 covers what the estimate leaves out (the rounding of x +- h).
// Huber is piecewise quadratic, so its points stay more than h from the kinks |r| = delta.
const FD_STEP = 1e-3;
const F_BOUND = 10;
const D5_BOUND = 1e4;
const FD_SAFETY = 10;
const FD_ATOL = FD_SAFETY * ((FD_STEP ** 4 * D5_BOUND) / 480 + (3 * 2 * UNIT_ROUNDOFF_F64 * F_BOUND) / FD_STEP);
const FD_TOLERANCE: Tolerance = { rtol: 0, atol: FD_ATOL };

interface Case {
  readonly loss: Loss;
  readonly points: readonly (readonly [readonly number[], readonly number[]])[];
}

const CASES: readonly Case[] = [
  { loss: squared, points: [[[0.3], [-1.2]], [[1.5, -0.7, 2.2], [0.1, 0.4, -1]], [[-2, 3], [-2, 3]]] },
  { loss: binaryLogistic, points: [[[0.7], [1]], [[-2.3], [0]], [[4], [1]], [[-3.5], [1]], [[0], [0]]] },
  {
    loss: softmaxCrossEntropy,
    points: [[[0.2, -1.1], [0]], [[1.3, -0.4, 2.1], [1]], [[-2, 0.5, 0.1, 3], [3]], [[0, 0, 0], [2]]],
  },
  { loss: huber(1), points: [[[0.3], [-0.2]], [[2.5, -0.1, -3], [0, 0.4, 0]], [[-1.6, 0.9], [0.2, 0.1]]] },
  { loss: huber(0.25), points: [[[0.1, 1.2], [0, 0]], [[-0.6], [-0.5]]] },
  { loss: negLogProb, points: [[[0.5], [0]], [[0.9], [1]], [[1.7], [0]]] },
];

const f64 = (v: readonly number[]): Float64Array => Float64Array.from(v);

describe.each(CASES)('$loss.name', ({ loss, points }) => {
  it.each(points)("L' at y = %j agrees with Richardson differences of L", (y, yStar) => {
    const fd = lossDerivativesByDifferences(loss, f64(y), f64(yStar), FD_STEP);
    const c = compare(loss.derivative(f64(y), f64(yStar)), fd.derivative, FD_TOLERANCE);
    expect(c.ok, describeComparison(c, `${loss.name} L' at y = ${JSON.stringify(y)}`, FD_TOLERANCE)).toBe(true);
  });

  it.each(points)("L'' at y = %j agrees with Richardson differences of L'", (y, yStar) => {
    const fd = lossDerivativesByDifferences(loss, f64(y), f64(yStar), FD_STEP);
    const c = compare(loss.secondDerivative(f64(y), f64(yStar)), fd.secondDerivative, FD_TOLERANCE);
    expect(c.ok, describeComparison(c, `${loss.name} L'' at y = ${JSON.stringify(y)}`, FD_TOLERANCE)).toBe(true);
  });

  it.each(points)("L'' at y = %j is symmetric", (y, yStar) => {
    const H = loss.secondDerivative(f64(y), f64(yStar));
    expect(Array.from(H.data)).toEqual(Array.from(transpose(H).data));
  });

  it.each(points)("the test point y = %j keeps |L| and |L'| within the tolerance's bound F_BOUND", (y, yStar) => {
    expect(Math.abs(loss.value(f64(y), f64(yStar)))).toBeLessThanOrEqual(F_BOUND);
    for (const d of loss.derivative(f64(y), f64(yStar))) expect(Math.abs(d)).toBeLessThanOrEqual(F_BOUND);
    const H = loss.secondDerivative(f64(y), f64(yStar));
    for (let k = 0; k < H.rows; k++) expect(Math.abs(at(H, k, k))).toBeLessThanOrEqual(F_BOUND);
  });
});

describe('the finite-difference tolerance', () => {
  it('is far below the size of the errors it must catch (a wrong sign or a missing term of order 1e-3)', () => {
    expect(FD_ATOL).toBeLessThan(1e-9);
  });
});
