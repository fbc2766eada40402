/**
 * Every row of the bench by id: what it runs, how often, and what it hands back for the agreement checks.
 * The parent (bench/index.ts) runs each row in a child process of its own (bench/child.ts), so that each
 * row's peak memory is its own and no row inherits another's JIT state or garbage.
 *
 * @module
 */
import { matmul, matmulNaive, matmulTransA, matmulTransB, matmulTransBTypeScript, matrix, productKernel, rng } from '../src/core/index.js';
import { discretePath, gradientFlow, tangentKernelJacobian, tangentKernelKvp, tangentKernelStructured } from '../src/kernels/index.js';
import { train } from '../src/train/index.js';
import { FLOW, GD, kernelProblem, referenceProblem, structuredKernelFlops } from './problems.js';

/** What a row runs. */
export interface RowPlan {
  readonly name: string;
  readonly run: () => unknown;
  /** Timed runs (the median is reported). */
  readonly repeats: number;
  /** Untimed runs first (JIT warm-up). */
  readonly warmup: number;
  /** A JSON-able digest of the last run's value, for agreement checks in the parent. */
  readonly digest?: (value: unknown) => unknown;
  /** Floating-point operations of one run, for GFLOP/s. */
  readonly flops?: number;
}

/** Options every row receives. */
export interface RowOptions {
  readonly seed: number;
  /** Shorter flows and fewer steps (for a routine check of the bench itself). */
  readonly quick: boolean;
}

const kernelDigest = (value: unknown) => Array.from((value as { data: Float64Array }).data);

function kernelRow(method: 'structured' | 'jacobian' | 'kvp', size: 'big' | 'small') {
  return (o: RowOptions): RowPlan => {
    const p = kernelProblem(size, o.seed);
    const fn = method === 'structured' ? tangentKernelStructured : method === 'jacobian' ? tangentKernelJacobian : tangentKernelKvp;
    const cheap = method === 'structured' || size === 'small';
    const products = productKernel() === 'wasm-simd' ? 'WebAssembly SIMD products' : 'TypeScript products';
    return {
      name: `${method === 'kvp' ? 'kernel-vector products' : method === 'jacobian' ? 'Jacobian contraction' : 'structured'} (ours, float64, ${products})`,
      ...(method === 'structured' ? { flops: structuredKernelFlops(p.sizes, p.X.rows) } : {}),
      run: () => fn(p.model, p.w, p.X),
      repeats: cheap ? 9 : method === 'jacobian' ? 3 : 1,
      // Enough untimed runs for V8 to optimise the hot loops (the first ten or so calls of a product run
      // unoptimised code at half speed or less).
      warmup: cheap ? (size === 'small' ? 20 : 5) : method === 'jacobian' ? 1 : 0,
      digest: kernelDigest,
    };
  };
}

function matmulRow(kind: 'naive' | 'blocked' | 'transB' | 'transA' | 'transBTypeScript') {
  return (o: RowOptions): RowPlan => {
    const n = 256;
    const r = rng(o.seed);
    const a = matrix(n, n, Array.from({ length: n * n }, () => r.normal()));
    const b = matrix(n, n, Array.from({ length: n * n }, () => r.normal()));
    const runs = { naive: () => matmulNaive(a, b), blocked: () => matmul(a, b), transB: () => matmulTransB(a, b), transA: () => matmulTransA(a, b), transBTypeScript: () => matmulTransBTypeScript(a, b) };
    const run = runs[kind];
    const via = productKernel() === 'wasm-simd' ? 'WebAssembly f64x2 SIMD' : 'TypeScript';
    const names = {
      naive: 'naive triple loop A B (TypeScript)',
      blocked: `blocked A B (transpose, then the A B^T kernel: ${via})`,
      transB: `A B^T (2 x 4 register tile: ${via})`,
      transA: `A^T B (${via})`,
      transBTypeScript: 'A B^T (2 x 4 register tile: TypeScript)',
    };
    return { name: `${names[kind]}, ${n} x ${n}`, run, repeats: 9, warmup: 10, flops: 2 * n ** 3 };
  };
}

function flowRow(withKernels: boolean) {
  return (o: RowOptions): RowPlan => {
    const ref = referenceProblem(o.seed);
    const T = o.quick ? 1 : FLOW.T;
    return {
      name: `gradient flow T = ${T}, rtol ${FLOW.rtol}${withKernels ? ', with K^p, K^lp at the 32 test points' : ' alone'}`,
      run: () => gradientFlow(ref.problem, ref.w0, withKernels ? { queries: ref.queries } : {}, { T, rtol: FLOW.rtol }),
      repeats: 1,
      warmup: 0,
      digest: (v) => (v as { stats: unknown }).stats,
    };
  };
}

function gdRow(path: 'none' | 'exact' | 'exact-no-estimate') {
  return (o: RowOptions): RowPlan => {
    const ref = referenceProblem(o.seed);
    const steps = o.quick ? 100 : GD.steps;
    const run = () => {
      const acc = path === 'none' ? null : discretePath(ref.problem, ref.queries, ref.w0, { nodes: GD.nodes, errorEstimate: path === 'exact' });
      const res = train(ref.problem, ref.w0, { optimizer: { kind: 'gd' }, eps: GD.eps, steps, ...(acc ? { onStep: acc.onStep } : {}) });
      return acc ? acc.result(res.wS) : res;
    };
    const label = path === 'none' ? 'alone' : path === 'exact' ? `+ exact discrete path kernel (${GD.nodes} Gauss nodes, per-example split, 2n-node error estimate)` : `+ exact discrete path kernel (${GD.nodes} Gauss nodes, per-example split, no error estimate)`;
    return {
      name: `${steps} GD steps (eps ${GD.eps}) ${label}`,
      run,
      repeats: path === 'none' ? 5 : 1,
      warmup: path === 'none' ? 1 : 0,
      digest: (v) => {
        const rep = v as { exact?: { data: Float64Array }; fS?: { data: Float64Array }; contributions?: { data: Float64Array } | null };
        if (!rep.exact || !rep.fS) return null;
        // The exact representation's and the per-example split's worst error against f(x; w_S).
        let exactErr = 0;
        let splitErr = 0;
        const m = ref.problem.xTrain.rows;
        const f0 = (rep as unknown as { f0: { data: Float64Array } }).f0.data;
        rep.fS.data.forEach((f, r) => {
          exactErr = Math.max(exactErr, Math.abs(rep.exact!.data[r]! - f));
          let s = f0[r]!;
          for (let i = 0; i < m; i++) s += rep.contributions!.data[r * m + i]!;
          splitErr = Math.max(splitErr, Math.abs(s - f));
        });
        return { exactErr, splitErr };
      },
    };
  };
}

/** Every row by id. */
export const ROWS: Record<string, (o: RowOptions) => RowPlan> = {
  'tk.big.structured': kernelRow('structured', 'big'),
  'tk.big.jacobian': kernelRow('jacobian', 'big'),
  'tk.big.kvp': kernelRow('kvp', 'big'),
  'tk.small.structured': kernelRow('structured', 'small'),
  'tk.small.jacobian': kernelRow('jacobian', 'small'),
  'tk.small.kvp': kernelRow('kvp', 'small'),
  'mm.naive': matmulRow('naive'),
  'mm.blocked': matmulRow('blocked'),
  'mm.transB': matmulRow('transB'),
  'mm.transA': matmulRow('transA'),
  'mm.transB.typescript': matmulRow('transBTypeScript'),
  'flow.plain': flowRow(false),
  'flow.kernels': flowRow(true),
  'gd.plain': gdRow('none'),
  'gd.exact': gdRow('exact'),
  'gd.exactNoEstimate': gdRow('exact-no-estimate'),
};
