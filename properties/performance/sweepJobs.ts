/**
 * Jobs for the sweep property (properties/performance/sweep.property.ts), in a module of their own so that
 * worker threads can import them: one SGD run of the sgd.deviation problem per (eps, batch size, batch seed),
 * returning f_T at the queries.
 *
 * @module
 */
import { matrix, rng } from '../../src/core/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { train } from '../../src/train/index.js';

/** One run of the sweep: learning rate, batch size, the batch schedule's seed, the problem's seed. */
export interface SgdJob {
  readonly eps: number;
  readonly batchSize: number;
  readonly batchSeed: number;
  readonly problemSeed: number;
  /** Horizon T = eps * steps. */
  readonly T: number;
}

/** f_T(x) at four queries after SGD with replacement on a tanh MLP 2-8-1 (mean squared loss, 32 teacher points). */
export function sgdRun(job: SgdJob): Float64Array {
  const r = rng(job.problemSeed);
  const model = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 8, activation: 'tanh' }] });
  const teacher = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 4, activation: 'sin' }] });
  const data = r.stream('data');
  const m = 32;
  const xTrain = matrix(m, 2, Array.from({ length: 2 * m }, () => data.normal()));
  const yTrain = teacher.forward(teacher.init(r.stream('teacher')), xTrain);
  const queries = matrix(4, 2, Array.from({ length: 8 }, () => data.normal()));
  const w0 = model.init(r.stream('init'));
  const steps = Math.round(job.T / job.eps);
  const { wS } = train({ model, loss: squared, xTrain, yTrain, reduction: 'mean' }, w0, {
    optimizer: { kind: 'gd' },
    eps: job.eps,
    steps,
    batches: { kind: 'seeded', size: job.batchSize, seed: job.batchSeed, replacement: true },
  });
  return model.forward(wS, queries).data;
}

/** A job that fails, to check that a sweep reports which job failed. */
export function failingRun(job: { readonly index: number }): number {
  if (job.index === 2) throw new Error('job 2 refuses');
  return job.index;
}

/** A job that does nothing: a sweep of these measures the workers' start-up (thread, tsx, module loading). */
export function echo(job: number): number {
  return job;
}
