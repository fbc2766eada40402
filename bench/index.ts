/**
 * `npm run bench`: measures the engine side by side in one process and writes build/bench.json and
 * build/bench.md. Headline figures are ratios between rows of the same run.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { benchFlowVsScipy, flowTable } from './flowVsScipy.js';
import { benchKernels } from './kernels.js';
import { benchMatmul } from './matmul.js';
import { markdownTable } from './timing.js';

const SEED = Number(process.env['PATHKERNEL_SEED'] ?? 20201201);

function main(): void {
  console.log(`pathkernel bench: seed ${SEED}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);
  const mm = benchMatmul(256, SEED);
  console.log(`matmul 256: naive ${mm.gflops['naive']!.toFixed(2)} GFLOP/s, blocked ${mm.gflops['blocked']!.toFixed(2)}, A B^T ${mm.gflops['transB']!.toFixed(2)}`);
  // Warm the JIT on a small model so the measured run is not the first compilation.
  benchKernels({ inputDim: 16, widths: [64, 64], points: 32, seed: SEED });
  const small = benchKernels({ inputDim: 16, widths: [64, 64], points: 64, seed: SEED });
  const big = benchKernels({ inputDim: 16, widths: [256, 256, 256], points: 128, seed: SEED });
  const structuredName = big.rows[0]!.name;
  const jacobianMs = big.rows[1]!.ms;
  const speedup = jacobianMs / big.rows[0]!.ms;
  const kvpRatio = big.rows[2]!.ms / big.rows[0]!.ms;
  const flow = benchFlowVsScipy(SEED);
  const result = {
    seed: SEED,
    cores: availableParallelism(),
    node: process.version,
    date: new Date().toISOString(),
    matmul: mm,
    kernels: { small, big },
    flowVsScipy: flow,
    headline: {
      'structured speed-up over Jacobian contraction (MLP 16-256-256-256-1, N = 128)': speedup,
      'kernel-vector products time / structured time': kvpRatio,
      'blocked matmul / naive (GFLOP/s ratio)': mm.gflops['blocked']! / mm.gflops['naive']!,
    },
  };
  mkdirSync('build', { recursive: true });
  writeFileSync('build/bench.json', JSON.stringify(result, null, 2));
  const md = [
    `# pathkernel bench (seed ${SEED}, ${result.cores} cores, ${result.date})`,
    '',
    '## Tangent kernel, three ways (ratios to the structured method)',
    '',
    markdownTable(big.rows, structuredName),
    '',
    markdownTable(small.rows, small.rows[0]!.name),
    '',
    `Agreement (max |difference| / max diagonal): ${Object.entries(big.agreement).map(([k, v]) => `${k} ${v.toExponential(2)}`).join('; ')}`,
    '',
    '## Float64 matrix products (ratios to the naive triple loop)',
    '',
    markdownTable(mm.rows, mm.rows[0]!.name),
    '',
    `GFLOP/s: ${Object.entries(mm.gflops).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
    '',
    '## Gradient flow: right-hand-side evaluations against scipy (MLP 4-16-16-1 tanh, m = 16, T = 5, atol = rtol / 100)',
    '',
    flowTable(flow.rows),
    '',
    flow.note,
  ].join('\n');
  writeFileSync('build/bench.md', md + '\n');
  console.log(md);
  console.log(`\nstructured tangent kernel: ${speedup.toFixed(1)}x faster than Jacobian contraction in this run`);
}

main();
