import { describe, expect, it } from 'vitest';
import { matmul, matmulNaive, matmulTransA, matmulTransATypeScript, matmulTransB, matmulTransBTypeScript, matrix, transpose, fromRows, selectRows, stackRows } from './matrix.js';
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

  it('A B^T and A^T B agree with the product of explicit transposes, by either kernel', () => {
    const a = random(33, 300, 1);
    const b = random(17, 300, 2);
    const c = random(300, 9, 3);
    const d = random(300, 33, 4);
    for (const [name, transB, transA] of [['dispatch', matmulTransB, matmulTransA], ['TypeScript', matmulTransBTypeScript, matmulTransATypeScript]] as const) {
      const ab = compare(transB(a, b), matmulNaive(a, transpose(b)), productTol(300));
      expect(ab.ok, `${name} A B^T: ${ab.maxAbsError}`).toBe(true);
      const dc = compare(transA(d, c), matmulNaive(transpose(d), c), productTol(300));
      expect(dc.ok, `${name} A^T B: ${dc.maxAbsError}`).toBe(true);
    }
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
