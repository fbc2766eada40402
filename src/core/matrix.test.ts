import { describe, expect, it } from 'vitest';
import { matmul, matmulNaive, matmulTransA, matmulTransB, matrix, transpose, fromRows, selectRows, stackRows } from './matrix.js';
import { rng } from './rng.js';
import { compare } from './close.js';
import { gamma } from './tolerance.js';

function random(rows: number, cols: number, seed: number) {
  const r = rng(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => r.normal()));
}

// The blocked products sum the same k products in another order than the triple loop: at most 2 gamma(k)
// sum |a_ip b_pj|; with standard normal entries that sum is about k, so an absolute bound 2 gamma(k) k * 4.
const productTol = (k: number) => ({ rtol: 0, atol: 8 * gamma(k) * k });

describe('matrix products', () => {
  it('the blocked product equals the triple loop to rounding, across block edges', () => {
    for (const [n, k, m] of [[1, 1, 1], [3, 70, 5], [65, 130, 67], [128, 64, 1]] as const) {
      const a = random(n, k, n + k);
      const b = random(k, m, m);
      const c = compare(matmul(a, b), matmulNaive(a, b), productTol(k));
      expect(c.ok, `n ${n} k ${k} m ${m}: ${c.maxAbsError}`).toBe(true);
    }
  });

  it('A B^T and A^T B agree with the product of explicit transposes', () => {
    const a = random(33, 300, 1);
    const b = random(17, 300, 2);
    expect(compare(matmulTransB(a, b), matmulNaive(a, transpose(b)), productTol(300)).ok).toBe(true);
    const c = random(300, 9, 3);
    expect(compare(matmulTransA(a.rows === 33 ? random(300, 33, 4) : a, c), matmulNaive(transpose(random(300, 33, 4)), c), productTol(300)).ok).toBe(true);
  });

  it('shapes that do not chain are refused with both shapes in the message', () => {
    expect(() => matmul(matrix(2, 3), matrix(4, 2))).toThrow(/\[2, 3\] x \[4, 2\]/);
    expect(() => matrix(2, 2, [1, 2, 3])).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => fromRows([[1, 2], [3]])).toThrow(/row 1 has 1 values/);
  });

  it('row selection and stacking keep rows in order', () => {
    const a = fromRows([[1, 2], [3, 4], [5, 6]]);
    expect(Array.from(selectRows(a, [2, 0]).data)).toEqual([5, 6, 1, 2]);
    expect(Array.from(stackRows(a, a).data.subarray(6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => selectRows(a, [3])).toThrow(/index 3 outside 0..2/);
  });
});
