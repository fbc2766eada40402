import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matrix, matmulNaive, matmulTransB, matmulTransBTypeScript, transpose, type Matrix } from './matrix.js';
import { productKernel, SIMD_MAX_VALUES, transBSimdInto } from './simd.js';
import { rng } from './rng.js';
import { gamma } from './tolerance.js';
// @ts-expect-error: a plain ES module script without type declarations
import { compile, TARGET } from '../../scripts/buildWasm.mjs';

function random(rows: number, cols: number, seed: number): Matrix {
  const r = rng(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => r.normal()));
}

function simd(a: Matrix, b: Matrix, upper = false): Matrix {
  const out = matrix(a.rows, b.rows);
  expect(transBSimdInto(a.data, b.data, a.rows, b.rows, a.cols, upper, out.data)).toBe(true);
  return out;
}

// Each entry of either kernel is a sum of k products in some fixed order: two such sums differ by at most
// 2 gamma(k) sum_p |a_ip b_jp| (Higham, Section 3.1), checked entry by entry with that entry's own sum.
function withinSummationBound(x: Matrix, y: Matrix, a: Matrix, b: Matrix): { ok: boolean; worst: number } {
  let worst = 0;
  const k = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let abs = 0;
      for (let p = 0; p < k; p++) abs += Math.abs(a.data[i * k + p]! * b.data[j * k + p]!);
      const bound = 2 * gamma(k) * abs;
      const err = Math.abs(x.data[i * b.rows + j]! - y.data[i * b.rows + j]!);
      worst = Math.max(worst, bound === 0 ? (err === 0 ? 0 : Infinity) : err / bound);
    }
  }
  return { ok: worst <= 1, worst };
}

describe('the WebAssembly SIMD product kernel', () => {
  it('is in use on this runtime unless PATHKERNEL_SIMD=0 turns it off', () => {
    expect(productKernel()).toBe(process.env['PATHKERNEL_SIMD'] === '0' ? 'typescript' : 'wasm-simd');
  });

  it.skipIf(productKernel() !== 'wasm-simd')('agrees with the TypeScript kernel and the triple loop within the summation bound, across tile, lane and slice edges', () => {
    // Odd k (the scalar tail of the lane pairs), k past one 256-wide slice, odd n and m (the 1-row and 1-column edges).
    for (const [n, m, k] of [[1, 1, 1], [2, 4, 2], [3, 5, 7], [7, 9, 257], [33, 17, 300], [64, 64, 513], [5, 3, 0]] as const) {
      const a = random(n, k, n * 31 + k);
      const b = random(m, k, m * 17 + k);
      const fast = simd(a, b);
      for (const [name, ref] of [['TypeScript', matmulTransBTypeScript(a, b)], ['triple loop', matmulNaive(a, transpose(b))]] as const) {
        const c = withinSummationBound(fast, ref, a, b);
        expect(c.ok, `n ${n} m ${m} k ${k} vs ${name}: worst error / bound ${c.worst}`).toBe(true);
      }
    }
  });

  it.skipIf(productKernel() !== 'wasm-simd')('computes a Gram matrix\'s upper triangle bit for bit as the full product does, and the mirror makes it exactly symmetric', () => {
    for (const [n, k] of [[1, 3], [6, 9], [37, 300]] as const) {
      const a = random(n, k, n + k);
      const upper = simd(a, a, true);
      const full = simd(a, matrix(n, k, a.data.slice()));
      const gram = matmulTransB(a, a);
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          expect(upper.data[i * n + j], `(${i}, ${j})`).toBe(full.data[i * n + j]);
          expect(gram.data[j * n + i], `(${j}, ${i}) mirrors (${i}, ${j})`).toBe(gram.data[i * n + j]);
          expect(gram.data[i * n + j]).toBe(full.data[i * n + j]);
        }
      }
    }
  });

  it.skipIf(productKernel() !== 'wasm-simd')('gives the same bits on a second call after a larger one grew its memory', () => {
    const a = random(9, 40, 1);
    const b = random(11, 40, 2);
    const first = simd(a, b);
    simd(random(200, 300, 3), random(150, 300, 4));
    expect(Array.from(simd(a, b).data)).toEqual(Array.from(first.data));
  });

  it('declines operands over its size cap, leaving the output to the TypeScript kernel', () => {
    const out = new Float64Array(4);
    const n = Math.ceil(Math.sqrt(SIMD_MAX_VALUES)) + 1;
    // The cap is checked before any value is read, so tiny arrays stand in for the oversized shape.
    expect(transBSimdInto(new Float64Array(1), new Float64Array(1), n, 2, n, false, out)).toBe(false);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });

  it('is committed as the compiled form of its AssemblyScript source (npm run build:wasm)', () => {
    expect(readFileSync(TARGET, 'utf8')).toBe(compile());
  }, 60_000);
});
