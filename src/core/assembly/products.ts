// AssemblyScript source of pathkernel's WebAssembly matrix-product kernel (compiled by `npm run build:wasm`
// into src/core/productsWasm.ts; src/core/simd.test.ts checks that the committed binary is this file's).
//
// C (n x m) += A (n x k) B (m x k)^T, all row-major float64 in linear memory at byte offsets A, B, C. The same
// shape as the TypeScript kernel in src/core/matrix.ts (every entry an inner product of two contiguous rows),
// with two columns of k per 128-bit lane pair: a 2 x 4 tile of C lives in eight f64x2 accumulators, each the
// even-index and odd-index partial sums of one entry, added at the end of each 256-wide slice of k. Every entry
// is computed by the same sequence of operations whatever its tile, and a_i . a_j and a_j . a_i multiply the
// same pairs in the same order, so with `upper` (a Gram matrix, B = A) the caller may mirror the upper
// triangle bit for bit.

const DEPTH: i32 = 256;

@inline function laneSum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline function addTo(at: usize, x: f64): void {
  store<f64>(at, load<f64>(at) + x);
}

// sum over p in [k0, k1) of a[p] b[p], two lanes then the odd tail: the order every entry of a tile uses.
function dot(a: usize, b: usize, k0: i32, k1: i32): f64 {
  const even = k0 + ((k1 - k0) & ~1);
  let s = f64x2.splat(0);
  for (let p = <usize>k0 << 3; p < (<usize>even << 3); p += 16) s = f64x2.add(s, f64x2.mul(v128.load(a + p), v128.load(b + p)));
  let r = laneSum(s);
  if (even < k1) r += load<f64>(a + (<usize>even << 3)) * load<f64>(b + (<usize>even << 3));
  return r;
}

// One slice [k0, k1) of C += A B^T; with `upper`, only the tiles that reach the diagonal or above.
function slice(A: usize, B: usize, C: usize, n: i32, m: i32, k: i32, k0: i32, k1: i32, upper: bool): void {
  const rowBytes = <usize>k << 3;
  const start = <usize>k0 << 3;
  const even = k0 + ((k1 - k0) & ~1);
  const stop = <usize>even << 3;
  const tail = <usize>even << 3;
  const odd = even < k1;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = A + <usize>i * rowBytes;
    const a1 = a0 + rowBytes;
    let j = upper ? i - (i & 3) : 0;
    for (; j + 3 < m; j += 4) {
      const b0 = B + <usize>j * rowBytes;
      const b1 = b0 + rowBytes;
      const b2 = b1 + rowBytes;
      const b3 = b2 + rowBytes;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
      let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
      for (let p = start; p < stop; p += 16) {
        const x0 = v128.load(a0 + p);
        const x1 = v128.load(a1 + p);
        let y = v128.load(b0 + p);
        s00 = f64x2.add(s00, f64x2.mul(x0, y));
        s10 = f64x2.add(s10, f64x2.mul(x1, y));
        y = v128.load(b1 + p);
        s01 = f64x2.add(s01, f64x2.mul(x0, y));
        s11 = f64x2.add(s11, f64x2.mul(x1, y));
        y = v128.load(b2 + p);
        s02 = f64x2.add(s02, f64x2.mul(x0, y));
        s12 = f64x2.add(s12, f64x2.mul(x1, y));
        y = v128.load(b3 + p);
        s03 = f64x2.add(s03, f64x2.mul(x0, y));
        s13 = f64x2.add(s13, f64x2.mul(x1, y));
      }
      let r00 = laneSum(s00), r01 = laneSum(s01), r02 = laneSum(s02), r03 = laneSum(s03);
      let r10 = laneSum(s10), r11 = laneSum(s11), r12 = laneSum(s12), r13 = laneSum(s13);
      if (odd) {
        const x0 = load<f64>(a0 + tail), x1 = load<f64>(a1 + tail);
        const y0 = load<f64>(b0 + tail), y1 = load<f64>(b1 + tail), y2 = load<f64>(b2 + tail), y3 = load<f64>(b3 + tail);
        r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
        r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
      }
      const c0 = C + ((<usize>i * m + j) << 3);
      const c1 = c0 + (<usize>m << 3);
      addTo(c0, r00); addTo(c0 + 8, r01); addTo(c0 + 16, r02); addTo(c0 + 24, r03);
      addTo(c1, r10); addTo(c1 + 8, r11); addTo(c1 + 16, r12); addTo(c1 + 24, r13);
    }
    for (; j < m; j++) {
      const bj = B + <usize>j * rowBytes;
      addTo(C + ((<usize>i * m + j) << 3), dot(a0, bj, k0, k1));
      addTo(C + ((<usize>(i + 1) * m + j) << 3), dot(a1, bj, k0, k1));
    }
  }
  // The last row when n is odd.
  if (i < n) {
    const ai = A + <usize>i * rowBytes;
    for (let j = upper ? i - (i & 3) : 0; j < m; j++) addTo(C + ((<usize>i * m + j) << 3), dot(ai, B + <usize>j * rowBytes, k0, k1));
  }
}

/** C += A B^T slice by slice of k (256 columns each, so that the rows a tile walks stay in cache). */
export function transB(A: usize, B: usize, C: usize, n: i32, m: i32, k: i32, upper: bool): void {
  for (let k0 = 0; k0 < k; k0 += DEPTH) slice(A, B, C, n, m, k, k0, min(k0 + DEPTH, k), upper);
}
