/**
 * The other frameworks' rows: PyTorch's functorch Jacobian contraction (bench/torch_kernel.py under
 * Debian's /usr/bin/python3, one thread, float64) and TensorFlow.js (float32), each on the same model,
 * parameters and inputs as our rows; skipped with a note when the framework is missing.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { kernelProblem, type KERNEL_SIZES } from './problems.js';
import { skippedRow, type BenchRow } from './timing.js';

const PYTHON = '/usr/bin/python3';

function rows(X: { rows: number; cols: number; data: Float64Array }): number[][] {
  return Array.from({ length: X.rows }, (_, i) => Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)));
}

/** PyTorch's kernel row and its K (for the agreement check), or a skipped row. */
export function torchRow(size: keyof typeof KERNEL_SIZES, seed: number, repeats: number): { row: BenchRow; K: number[] | null } {
  const id = `tk.${size}.torch`;
  const name = 'PyTorch functorch vmap(jacrev) + contraction (float64, 1 thread)';
  if (!existsSync(PYTHON)) return { row: skippedRow(id, name, `${PYTHON} not found`), K: null };
  const p = kernelProblem(size, seed);
  const input = JSON.stringify({ sizes: p.sizes, X: rows(p.X), w: Array.from(p.w), repeats, threads: 1 });
  // One thread, as in the anchors: torch.set_num_threads(1) alone leaves the BLAS library its own threads.
  const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const run = spawnSync(PYTHON, [new URL('./torch_kernel.py', import.meta.url).pathname], { input, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) {
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    const hint = /No module named 'torch'|No module named 'functorch'/.test(last) ? ' (apt-get install python3-torch gives Debian\'s torch)' : '';
    return { row: skippedRow(id, name, `skipped: ${last}${hint}`), K: null };
  }
  const out = JSON.parse(run.stdout) as { torch: string; threads: number; ms: number; cpuMs: number; times: number[]; rssBeforeMiB: number; peakRssMiB: number; K: number[][] };
  return {
    row: {
      id,
      name,
      ms: out.ms,
      cpuMs: out.cpuMs,
      times: out.times,
      repeats: out.times.length,
      peakRssMiB: out.peakRssMiB,
      startRssMiB: out.rssBeforeMiB,
      note: `torch ${out.torch}, ${out.threads} thread(s); RSS includes Python and torch`,
    },
    K: out.K.flat(),
  };
}

/**
 * TensorFlow.js (float32) on the same kernel, when src/frameworks/ provides it. The adapter is being written
 * separately (issue 6); until it exists the row is a marked skip.
 */
export function tfjsRow(size: keyof typeof KERNEL_SIZES): BenchRow {
  const id = `tk.${size}.tfjs`;
  const name = 'TensorFlow.js Jacobian contraction (float32)';
  if (!existsSync(new URL('../src/frameworks/tfjsModel.ts', import.meta.url))) {
    return skippedRow(id, name, 'SKIPPED: src/frameworks/ (the TensorFlow.js adapter) does not exist yet in this tree');
  }
  return skippedRow(id, name, 'SKIPPED: src/frameworks/tfjsModel.ts exists but the bench has no hook into it yet');
}
