/**
 * Dense float64 matrices, row-major. Every quantity of the engine (batches of inputs, weights, Jacobians,
 * kernels) is one of these; a vector is a Float64Array.
 *
 * @module
 */

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

// Block edge for the cache-blocked products: three 64x64 float64 tiles (96 KiB) stay in L2.
const BLOCK = 64;

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
 * of a Gram matrix J1 J2^T and of a dense layer h W^T. Unrolled by four rows of B for register reuse.
 */
export function matmulTransB(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new RangeError(`matmulTransB: [${a.rows}, ${a.cols}] x [${b.rows}, ${b.cols}]^T do not chain`);
  const n = a.rows;
  const m = b.rows;
  const k = a.cols;
  const out = matrix(n, m);
  const A = a.data;
  const B = b.data;
  const C = out.data;
  for (let kk = 0; kk < k; kk += 4 * BLOCK) {
    const kEnd = Math.min(kk + 4 * BLOCK, k);
    for (let i = 0; i < n; i++) {
      const ai = i * k;
      let j = 0;
      for (; j + 3 < m; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = kk; p < kEnd; p++) {
          const x = A[ai + p]!;
          s0 += x * B[b0 + p]!;
          s1 += x * B[b1 + p]!;
          s2 += x * B[b2 + p]!;
          s3 += x * B[b3 + p]!;
        }
        const ci = i * m + j;
        C[ci]! += s0;
        C[ci + 1]! += s1;
        C[ci + 2]! += s2;
        C[ci + 3]! += s3;
      }
      for (; j < m; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = kk; p < kEnd; p++) s += A[ai + p]! * B[bj + p]!;
        C[i * m + j]! += s;
      }
    }
  }
  return out;
}

/** C = A^T B. */
export function matmulTransA(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`matmulTransA: [${a.rows}, ${a.cols}]^T x [${b.rows}, ${b.cols}] do not chain`);
  const out = matrix(a.cols, b.cols);
  const n = a.cols;
  const m = b.cols;
  const A = a.data;
  const B = b.data;
  const C = out.data;
  for (let p = 0; p < a.rows; p++) {
    for (let i = 0; i < n; i++) {
      const api = A[p * n + i]!;
      if (api === 0) continue;
      const ci = i * m;
      const bp = p * m;
      for (let j = 0; j < m; j++) C[ci + j]! += api * B[bp + j]!;
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
