import { describe, expect, it } from 'vitest';
import { matrix, type Matrix } from '../core/matrix.js';
import { rng } from '../core/rng.js';
import { teacher } from './teacher.js';

// A nonlinear teacher with two outputs: (tanh(x_0 + x_1), x_0 x_2).
const twoOutputs = (X: Matrix): Matrix => {
  const out = matrix(X.rows, 2);
  for (let i = 0; i < X.rows; i++) {
    const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
    out.data[2 * i] = Math.tanh(x[0]! + x[1]!);
    out.data[2 * i + 1] = x[0]! * x[2]!;
  }
  return out;
};

describe('teacher', () => {
  it("reproduces the teacher's outputs exactly when the noise is 0", () => {
    const set = teacher({ teacher: twoOutputs, m: 25, d: 3, noise: 0 }, rng(5).stream('data'));
    expect(Array.from(set.y.data)).toEqual(Array.from(twoOutputs(set.x).data));
    expect([set.y.rows, set.y.cols]).toEqual([25, 2]);
  });

  it('keeps the same inputs when only the noise level changes, and the noise moves the targets', () => {
    const quiet = teacher({ teacher: twoOutputs, m: 25, d: 3, noise: 0 }, rng(5).stream('data'));
    const noisy = teacher({ teacher: twoOutputs, m: 25, d: 3, noise: 0.5 }, rng(5).stream('data'));
    expect(Array.from(noisy.x.data)).toEqual(Array.from(quiet.x.data));
    expect(Array.from(noisy.y.data)).not.toEqual(Array.from(quiet.y.data));
  });

  it('draws inputs with mean near 0 and variance near 1 (N(0, I_d))', () => {
    const set = teacher({ teacher: twoOutputs, m: 4000, d: 3 }, rng(6).stream('data'));
    const n = set.x.data.length;
    const mean = set.x.data.reduce((a, b) => a + b, 0) / n;
    const variance = set.x.data.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    // 12000 draws: the sample mean has std 1/sqrt(12000) = 0.009 and the variance about sqrt(2/12000) = 0.013;
    // 5 standard deviations keep a false alarm below 1e-6.
    expect(Math.abs(mean)).toBeLessThan(5 * 0.0092);
    expect(Math.abs(variance - 1)).toBeLessThan(5 * 0.013);
  });

  it('rejects a teacher that returns the wrong number of rows, or is missing', () => {
    const wrong = (X: Matrix): Matrix => matrix(X.rows - 1, 1);
    expect(() => teacher({ teacher: wrong, m: 4 }, rng(1))).toThrow('teacher: the teacher function returned 3 rows for 4 inputs');
    expect(() => teacher({} as never, rng(1))).toThrow('teacher.teacher: expected a function from inputs (m x d) to targets (m x O)');
  });

  it('rejects a teacher whose outputs are not finite', () => {
    const bad = (X: Matrix): Matrix => matrix(X.rows, 1, new Float64Array(X.rows).fill(Number.NaN));
    expect(() => teacher({ teacher: bad, m: 3 }, rng(1))).toThrow('teacher: the targets hold a non-finite value');
  });
});
