/**
 * TensorFlow.js's tangent kernel on the bench's problem, by Jacobian contraction in float32: TensorFlow.js
 * has no vmap, so each example's gradient is one `tf.grad` of its output with respect to the flat parameter
 * tensor (the model compiled by src/frameworks/, same layout and multipliers as ours), the N gradients are
 * stacked into J and K = J J^T is one matMul. Runs as a bench experiment in a child process of its own.
 *
 * @module
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { compileTfjs, loadTfjs, matrixToTfjs, paramsToTfjs } from '../src/frameworks/index.js';
import { kernelProblem, type KERNEL_SIZES } from './problems.js';
import type { RowOptions } from './rows.js';
import { measure, peakRssMiB, type BenchRow } from './timing.js';

/** The TensorFlow.js row for a kernel problem (float32 throughout). */
export async function tfjsKernelRow(size: keyof typeof KERNEL_SIZES, o: RowOptions): Promise<BenchRow> {
  const p = kernelProblem(size, o.seed);
  const runtime = await loadTfjs();
  const { tf } = runtime;
  const tm = compileTfjs(tf, p.model);
  const params = paramsToTfjs(tf, p.w);
  const X = matrixToTfjs(tf, p.X);
  const N = p.X.rows;
  const kernel = (): Float32Array => {
    const K = tf.tidy(() => {
      const rows: Tensor1D[] = [];
      for (let i = 0; i < N; i++) {
        // d f(x_i) / d params: the gradient of example i's (1 x 1) output.
        const xi = tf.slice(X, [i, 0], [1, p.X.cols]) as Tensor2D;
        rows.push(tf.grad((w: Tensor) => tf.sum(tm.apply(w as Tensor1D, xi)))(params) as Tensor1D);
      }
      const J = tf.stack(rows) as Tensor2D;
      return tf.matMul(J, J, false, true);
    });
    const values = K.dataSync() as Float32Array;
    K.dispose();
    return values;
  };
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  const big = size === 'big';
  const { ms, cpuMs, times, value } = measure(kernel, big ? 3 : 5, 1);
  return {
    id: `tk.${size}.tfjs`,
    name: `TensorFlow.js per-example tf.grad + J J^T (float32, ${runtime.backend} backend)`,
    ms,
    cpuMs,
    times,
    repeats: times.length,
    peakRssMiB: peakRssMiB(),
    startRssMiB,
    note: `TensorFlow.js ${runtime.version}, ${runtime.backend} backend (${runtime.reason})`,
    digest: Array.from(value),
  };
}
