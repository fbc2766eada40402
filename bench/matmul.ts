/**
 * Float64 matrix products: the blocked product and the A B^T product against the naive triple loop, in
 * GFLOP/s (2 n k m floating-point operations per product).
 *
 * @module
 */
import { matmul, matmulNaive, matmulTransB, matrix, rng } from '../src/core/index.js';
import { timeIt, type BenchRow } from './timing.js';

/** GFLOP/s of each product on n x n matrices. */
export function benchMatmul(n: number, seed: number): { rows: BenchRow[]; gflops: Record<string, number> } {
  const r = rng(seed);
  const a = matrix(n, n, Array.from({ length: n * n }, () => r.normal()));
  const b = matrix(n, n, Array.from({ length: n * n }, () => r.normal()));
  const flops = 2 * n ** 3;
  const naive = timeIt(`naive triple loop ${n}x${n}`, () => matmulNaive(a, b), 3, true);
  const blocked = timeIt(`blocked A B ${n}x${n}`, () => matmul(a, b), 3, true);
  const transB = timeIt(`A B^T ${n}x${n}`, () => matmulTransB(a, b), 3, true);
  const g = (ms: number) => flops / (ms * 1e6);
  return {
    rows: [naive.row, blocked.row, transB.row],
    gflops: { naive: g(naive.row.ms), blocked: g(blocked.row.ms), transB: g(transB.row.ms) },
  };
}
