import { eigs } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { matmulTransB, matrix, toRows } from './matrix.js';
import { rng } from './rng.js';
import { symmetricEigenvalues } from './eigen.js';
import { gamma } from './tolerance.js';

describe('eigenvalues of symmetric matrices', () => {
  it('Jacobi agrees with mathjs eigs on random symmetric matrices to a few u ||A|| n', () => {
    for (const n of [1, 2, 5, 12, 30]) {
      const r = rng(n);
      const a = matrix(n, n, Array.from({ length: n * n }, () => r.normal()));
      const s = matrix(n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s.data[i * n + j] = a.data[i * n + j]! + a.data[j * n + i]!;
      const ours = Array.from(symmetricEigenvalues(s));
      const theirs = (eigs(toRows(s)).values as number[]).slice().sort((x, y) => x - y);
      const norm = Math.max(...ours.map(Math.abs));
      // Both methods are backward stable: each eigenvalue is within c n u ||A|| of the exact one.
      ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!)).toBeLessThan(64 * gamma(n) * norm + 1e-300));
    }
  });

  it('a Gram matrix of rank 2 has exactly two eigenvalues above rounding', () => {
    const r = rng(9);
    const J = matrix(6, 2, Array.from({ length: 12 }, () => r.normal()));
    const eig = symmetricEigenvalues(matmulTransB(J, J));
    const top = eig[5]!;
    expect(eig.filter((e) => e > 1e-12 * top).length).toBe(2);
    expect(eig[0]!).toBeGreaterThan(-1e-13 * top);
  });

  it('a non-square matrix is refused', () => {
    expect(() => symmetricEigenvalues(matrix(2, 3))).toThrow(/not square/);
  });
});

describe('eigenvectors and matrix functions', () => {
  it('A V = V diag(lambda) with V orthogonal, to a few u ||A|| n', async () => {
    const { symmetricEigen, symmetricFunction } = await import('./eigen.js');
    const { matmul, transpose, identity } = await import('./matrix.js');
    const n = 9;
    const r = rng(11);
    const a = matrix(n, n, Array.from({ length: n * n }, () => r.normal()));
    const s = matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s.data[i * n + j] = a.data[i * n + j]! + a.data[j * n + i]!;
    const { values, vectors } = symmetricEigen(s);
    const norm = Math.max(...Array.from(values, Math.abs));
    const AV = matmul(s, vectors);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) expect(Math.abs(AV.data[i * n + k]! - vectors.data[i * n + k]! * values[k]!)).toBeLessThan(64 * gamma(n) * norm);
    const VtV = matmul(transpose(vectors), vectors);
    const I = identity(n);
    VtV.data.forEach((v, i) => expect(Math.abs(v - I.data[i]!)).toBeLessThan(64 * gamma(n)));
    // f = identity reconstructs A.
    const back = symmetricFunction(s, (x) => x);
    back.data.forEach((v, i) => expect(Math.abs(v - s.data[i]!)).toBeLessThan(64 * gamma(n) * norm));
  });
});
