/**
 * Dense float64 matrices, row-major. Every quantity of the engine (batches of inputs, weights, Jacobians,
 * kernels) is one of these; a vector is a Float64Array.
 *
 * @module
 */

import { simdAccepts, transBSimdInto } from './simd.js';

/** A row-major float64 matrix: entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A matrix of the given shape; zero-filled unless `data` (of length rows * cols) is given. */
export function matrix(rows: number, cols: number, data?: Float64Array | readonly number[]): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix: shape [${rows}, ${cols}] is not a pair of non-negative integers`);
  }
  if (data === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix: ${data.length} values do not fill shape [${rows}, ${cols}]`);
  }
  return { rows, cols, data: data instanceof Float64Array ? data : Float64Array.from(data) };
}

/** A matrix from nested rows; every row must have the same length. */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const out = matrix(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`fromRows: row ${i} has ${row.length} values, row 0 has ${cols}`);
    out.data.set(row, i * cols);
  });
  return out;
}

/** The nested-array form of a matrix (for JSON output and readable failure messages). */
export function toRows(a: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.rows; i++) out.push(Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
  return out;
}

/** Entry (i, j). */
export function at(a: Matrix, i: number, j: number): number {
  return a.data[i * a.cols + j]!;
}

/** Row i as a view (no copy). */
export function row(a: Matrix, i: number): Float64Array {
  return a.data.subarray(i * a.cols, (i + 1) * a.cols);
}

/** The rows listed in `indices`, copied, in that order. */
export function selectRows(a: Matrix, indices: readonly number[]): Matrix {
  const out = matrix(indices.length, a.cols);
  indices.forEach((idx, i) => {
    if (idx < 0 || idx >= a.rows) throw new RangeError(`selectRows: index ${idx} outside 0..${a.rows - 1}`);
    out.data.set(row(a, idx), i * a.cols);
  });
  return out;
}

/** Rows of `a` followed by rows of `b`. */
export function stackRows(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new RangeError(`stackRows: widths ${a.cols} and ${b.cols} differ`);
  const out = matrix(a.rows + b.rows, a.cols);
  out.data.set(a.data, 0);
  out.data.set(b.data, a.data.length);
  return out;
}

/** A copy. */
export function clone(a: Matrix): Matrix {
  return { rows: a.rows, cols: a.cols, data: a.data.slice() };
}

/** The transpose. */
export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return out;
}

/** The identity of size n. */
export function identity(n: number): Matrix {
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  return out;
}

// Depth of one pass of the register-blocked kernel: two rows of A and four rows of B, 256 float64 values
// each (12 KiB), stay in L1 while the eight running sums stay in registers.
const DEPTH = 256;

/**
 * C = A B. B is transposed first (O(k m), small next to the O(n k m) product) so that every entry is an
 * inner product of two contiguous rows, computed by {@link matmulTransB}'s register-blocked kernel.
 */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`matmul: [${a.rows}, ${a.cols}] x [${b.rows}, ${b.cols}] do not chain`);
  return matmulTransB(a, transpose(b));
}

/**
 * C = A B^T (both operands row-major, so every inner product reads two contiguous rows). This is the shape
 * of a Gram matrix J1 J2^T and of a dense layer h W^T.
 *
 * Runs the WebAssembly SIMD kernel of {@link transBSimdInto} where it is in use (same tiling, two columns of
 * k per instruction), else the TypeScript kernel described here ({@link matmulTransBTypeScript}).
 * Register-blocked: a 2 x 4 tile of C is accumulated in eight scalars while the kernel walks 256 columns
 * of two rows of A and four rows of B, so each value loaded feeds two or four multiply-adds. Every entry is
 * the same left-to-right sum over each 256-wide slice of k whatever the tile, so the result does not depend
 * on the tiling. A Gram matrix (`b === a`) computes only the tiles on and above the diagonal and mirrors
 * them: a_i . a_j and a_j . a_i are the same products in the same order, so the mirror is bit-identical.
 */
export function matmulTransB(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new RangeError(`matmulTransB: [${a.rows}, ${a.cols}] x [${b.rows}, ${b.cols}]^T do not chain`);
  const out = matrix(a.rows, b.rows);
  const gram = a === b;
  if (!transBSimdInto(a.data, b.data, a.rows, b.rows, a.cols, gram, out.data)) transBInto(a, b, gram, out);
  if (gram) {
    const n = a.rows;
    const C = out.data;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) C[j * n + i] = C[i * n + j]!;
  }
  return out;
}

/** C = A B^T by the TypeScript kernel alone (what {@link matmulTransB} runs without WebAssembly SIMD). */
export function matmulTransBTypeScript(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new RangeError(`matmulTransBTypeScript: [${a.rows}, ${a.cols}] x [${b.rows}, ${b.cols}]^T do not chain`);
  const out = matrix(a.rows, b.rows);
  transBInto(a, b, false, out);
  return out;
}

function transBInto(a: Matrix, b: Matrix, upper: boolean, out: Matrix): void {
  for (let kk = 0; kk < a.cols; kk += DEPTH) transBSlice(a.data, b.data, out.data, a.rows, b.rows, a.cols, kk, Math.min(kk + DEPTH, a.cols), upper);
}

// C += A[:, k0:k1] B[:, k0:k1]^T, tile by tile; with `upper`, only tiles that reach the diagonal or above.
function transBSlice(A: Float64Array, B: Float64Array, C: Float64Array, n: number, m: number, k: number, k0: number, k1: number, upper: boolean): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    let j = upper ? i - (i % 4) : 0;
    for (; j + 3 < m; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let p = k0; p < k1; p++) {
        const x0 = A[a0 + p]!;
        const x1 = A[a1 + p]!;
        const y0 = B[b0 + p]!;
        const y1 = B[b1 + p]!;
        const y2 = B[b2 + p]!;
        const y3 = B[b3 + p]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      const c0 = i * m + j;
      const c1 = c0 + m;
      C[c0]! += s00;
      C[c0 + 1]! += s01;
      C[c0 + 2]! += s02;
      C[c0 + 3]! += s03;
      C[c1]! += s10;
      C[c1 + 1]! += s11;
      C[c1 + 2]! += s12;
      C[c1 + 3]! += s13;
    }
    for (; j < m; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let p = k0; p < k1; p++) {
        const y = B[bj + p]!;
        s0 += A[a0 + p]! * y;
        s1 += A[a1 + p]! * y;
      }
      C[i * m + j]! += s0;
      C[i * m + m + j]! += s1;
    }
  }
  // The last row when n is odd (a single query, a single example): 1 x 4 tiles.
  if (i < n) {
    const ai = i * k;
    let j = upper ? i - (i % 4) : 0;
    for (; j + 3 < m; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = k0; p < k1; p++) {
        const x = A[ai + p]!;
        s0 += x * B[b0 + p]!;
        s1 += x * B[b1 + p]!;
        s2 += x * B[b2 + p]!;
        s3 += x * B[b3 + p]!;
      }
      const c = i * m + j;
      C[c]! += s0;
      C[c + 1]! += s1;
      C[c + 2]! += s2;
      C[c + 3]! += s3;
    }
    for (; j < m; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = k0; p < k1; p++) s += A[ai + p]! * B[bj + p]!;
      C[i * m + j]! += s;
    }
  }
}

/**
 * C = A^T B (A is N x n, B is N x m): the shape of a dense layer's weight gradient g^T h. The same 2 x 4
 * register tile as {@link matmulTransB}, walking the N rows of both operands; every entry is the plain
 * left-to-right sum over the rows, so the result does not depend on the tiling. Where the WebAssembly SIMD
 * kernel is in use, both operands are transposed and its A B^T runs instead.
 */
export function matmulTransA(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`matmulTransA: [${a.rows}, ${a.cols}]^T x [${b.rows}, ${b.cols}] do not chain`);
  const out = matrix(a.cols, b.cols);
  // With WebAssembly SIMD, A^T B = (A^T)(B^T)^T: two transposes (O(N (n + m))) feed the faster kernel. Thin or
  // small products stay in TypeScript, where the transposes and copies cost more than the kernel saves
  // (measured: N = 64, n = 64, m = 1 takes 28 us that way against 9 us directly; N = n = m = 64, 87 against 227 us).
  const worthTransposing = Math.min(a.cols, b.cols) >= 8 && a.rows * a.cols * b.cols >= 65536;
  if (worthTransposing && simdAccepts(a.cols, b.cols, a.rows, false) && transBSimdInto(transpose(a).data, transpose(b).data, a.cols, b.cols, a.rows, false, out.data)) return out;
  return matmulTransATypeScript(a, b);
}

/** C = A^T B by the TypeScript kernel alone (what {@link matmulTransA} runs without WebAssembly SIMD). */
export function matmulTransATypeScript(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`matmulTransATypeScript: [${a.rows}, ${a.cols}]^T x [${b.rows}, ${b.cols}] do not chain`);
  const N = a.rows;
  const n = a.cols;
  const m = b.cols;
  const out = matrix(n, m);
  const A = a.data;
  const B = b.data;
  const C = out.data;
  for (let i = 0; i < n; i += 2) {
    const pair = i + 1 < n;
    let j = 0;
    for (; j + 3 < m; j += 4) {
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let p = 0; p < N; p++) {
        const ap = p * n + i;
        const bp = p * m + j;
        const x0 = A[ap]!;
        // The second row of the tile reads a zero past the last column of A (its sums are then discarded).
        const x1 = pair ? A[ap + 1]! : 0;
        const y0 = B[bp]!;
        const y1 = B[bp + 1]!;
        const y2 = B[bp + 2]!;
        const y3 = B[bp + 3]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      const c0 = i * m + j;
      C[c0] = s00;
      C[c0 + 1] = s01;
      C[c0 + 2] = s02;
      C[c0 + 3] = s03;
      if (pair) {
        C[c0 + m] = s10;
        C[c0 + m + 1] = s11;
        C[c0 + m + 2] = s12;
        C[c0 + m + 3] = s13;
      }
    }
    for (; j < m; j++) {
      let s0 = 0;
      let s1 = 0;
      for (let p = 0; p < N; p++) {
        const y = B[p * m + j]!;
        s0 += A[p * n + i]! * y;
        if (pair) s1 += A[p * n + i + 1]! * y;
      }
      C[i * m + j] = s0;
      if (pair) C[i * m + m + j] = s1;
    }
  }
  return out;
}

/** The reference triple loop (i-j-k, strided reads of B): the baseline the benchmarks measure against. */
export function matmulNaive(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`matmulNaive: [${a.rows}, ${a.cols}] x [${b.rows}, ${b.cols}] do not chain`);
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let p = 0; p < a.cols; p++) s += a.data[i * a.cols + p]! * b.data[p * b.cols + j]!;
      out.data[i * b.cols + j] = s;
    }
  }
  return out;
}

/** Entrywise a + b. */
export function add(a: Matrix, b: Matrix): Matrix {
  assertSameShape(a, b, 'add');
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = a.data[i]! + b.data[i]!;
  return out;
}

/** Entrywise a - b. */
export function sub(a: Matrix, b: Matrix): Matrix {
  assertSameShape(a, b, 'sub');
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = a.data[i]! - b.data[i]!;
  return out;
}

/** c * a. */
export function scale(a: Matrix, c: number): Matrix {
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = c * a.data[i]!;
  return out;
}

/** Entrywise (Hadamard) product. */
export function hadamard(a: Matrix, b: Matrix): Matrix {
  assertSameShape(a, b, 'hadamard');
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = a.data[i]! * b.data[i]!;
  return out;
}

/** a += c * b, in place on `a`. */
export function axpyInto(c: number, b: Matrix, a: Matrix): void {
  assertSameShape(a, b, 'axpyInto');
  for (let i = 0; i < a.data.length; i++) a.data[i]! += c * b.data[i]!;
}

/** Frobenius norm. */
export function frobenius(a: Matrix): number {
  return norm2(a.data);
}

/** Largest absolute entry. */
export function maxAbs(a: Matrix | Float64Array): number {
  const d = a instanceof Float64Array ? a : a.data;
  let m = 0;
  for (const v of d) m = Math.max(m, Math.abs(v));
  return m;
}

/** Inner product of two vectors of the same length. */
export function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new RangeError(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm. */
export function norm2(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

/** Whether two matrices have the same shape. */
export function sameShape(a: Matrix, b: Matrix): boolean {
  return a.rows === b.rows && a.cols === b.cols;
}

function assertSameShape(a: Matrix, b: Matrix, where: string): void {
  if (!sameShape(a, b)) throw new RangeError(`${where}: shapes [${a.rows}, ${a.cols}] and [${b.rows}, ${b.cols}] differ`);
}

/** Whether every entry is finite (no NaN, no Infinity). */
export function allFinite(a: Matrix | Float64Array): boolean {
  const d = a instanceof Float64Array ? a : a.data;
  for (const v of d) if (!Number.isFinite(v)) return false;
  return true;
}
