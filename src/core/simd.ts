/**
 * The WebAssembly matrix-product kernel: C += A B^T with 128-bit float64 SIMD (two lanes per instruction,
 * separate multiply and add: the widest WebAssembly has without the relaxed-SIMD extension's fused
 * multiply-add), compiled from src/core/assembly/products.ts. `matmulTransB` uses it when the runtime validates the module and the
 * operands fit the size cap; otherwise, or with `PATHKERNEL_SIMD=0`, the TypeScript kernel runs. Both compute
 * every entry by a fixed sequence of operations, so either is deterministic; they differ from each other by
 * rounding only (the SIMD kernel sums even and odd indices separately).
 *
 * @module
 */
import { PRODUCTS_WASM } from './productsWasm.js';

// The few WebAssembly JS API members used here (the ES2022 lib this project compiles against has none).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

interface ProductsExports {
  readonly memory: WasmMemory;
  readonly transB: (A: number, B: number, C: number, n: number, m: number, k: number, upper: number) => void;
}

const PAGE = 65536;

/**
 * Operands and result above this many float64 values (128 MiB) stay in TypeScript: they would be copied into
 * linear memory, which never shrinks, doubling the memory of the largest Jacobians.
 */
export const SIMD_MAX_VALUES = 2 ** 24;

function load(): ProductsExports | null {
  if (process.env['PATHKERNEL_SIMD'] === '0') return null;
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = Buffer.from(PRODUCTS_WASM, 'base64');
  if (!wasm || !wasm.validate(bytes)) return null;
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { abort: () => { throw new Error('products.wasm: abort'); } } });
  return instance.exports as unknown as ProductsExports;
}

const kernel = load();

/** Which matrix-product kernel this process uses: 'wasm-simd', or 'typescript' (disabled or not supported). */
export function productKernel(): 'wasm-simd' | 'typescript' {
  return kernel ? 'wasm-simd' : 'typescript';
}

/** Whether {@link transBSimdInto} will take an n x k by m x k product: the kernel is in use and within the size cap. */
export function simdAccepts(n: number, m: number, k: number, upper: boolean): boolean {
  return kernel !== null && n * k + (upper ? 0 : m * k) + n * m <= SIMD_MAX_VALUES;
}

/**
 * C = A B^T (A n x k, B m x k, C n x m, row-major) by the WebAssembly kernel, written into `C`; with `upper`
 * (B is A) only the entries on and above the diagonal are computed. Returns false, leaving C untouched, when the
 * kernel is not in use or the operands exceed {@link SIMD_MAX_VALUES}.
 */
export function transBSimdInto(A: Float64Array, B: Float64Array, n: number, m: number, k: number, upper: boolean, C: Float64Array): boolean {
  if (!kernel || !simdAccepts(n, m, k, upper)) return false;
  const values = n * k + (upper ? 0 : m * k) + n * m;
  const bytes = 8 * values;
  const memory = kernel.memory;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
  const heap = new Float64Array(memory.buffer, 0, values);
  const offA = 0;
  const offB = upper ? offA : n * k;
  const offC = offB + (upper ? n * k : m * k);
  heap.set(A.subarray(0, n * k), offA);
  if (!upper) heap.set(B.subarray(0, m * k), offB);
  heap.fill(0, offC, offC + n * m);
  kernel.transB(8 * offA, 8 * offB, 8 * offC, n, m, k, upper ? 1 : 0);
  C.set(heap.subarray(offC, offC + n * m));
  return true;
}
