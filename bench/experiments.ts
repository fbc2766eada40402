/**
 * The bench's experiments that produce a table rather than one timing, each run in a child process like a
 * row (bench/child.ts):
 *
 * - `scalability` (disc.scalability, in wall-clock; the property file counts the same operations): at one
 *   new query, the trained model's evaluation against the exact discrete path-kernel machine's (replaying
 *   the S recorded GD steps with every one of the m training points), and against training itself, as m and
 *   S grow, with fitted log-log slopes.
 * - `sweep`: the sgd.deviation sweep (properties/performance/sweepJobs.ts) on one thread and on every core,
 *   checked bit for bit.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { selectRows } from '../src/core/index.js';
import { discretePath } from '../src/kernels/index.js';
import { fitLogLog, sweep, sweepTask } from '../src/laws/index.js';
import { train, type StepRecord } from '../src/train/index.js';
import type { SgdJob } from '../properties/performance/sweepJobs.js';
import { GD, referenceProblem } from './problems.js';
import type { RowOptions } from './rows.js';
import { tfjsKernelRow } from './tfjsKernel.js';
import { measure, peakRssMiB } from './timing.js';

/** One (m, S) point of the scalability table, times in ms. */
export interface ScalabilityPoint {
  readonly m: number;
  readonly S: number;
  readonly modelMs: number;
  readonly machineMs: number;
  readonly trainingMs: number;
}

/** The scalability table with its fitted slopes. */
export interface ScalabilityResult {
  readonly byM: ScalabilityPoint[];
  readonly byS: ScalabilityPoint[];
  readonly slopes: Record<string, number>;
  readonly peakRssMiB: number;
}

// GD on the summed loss is stable while eps lambda_max < 2, and lambda_max grows like m (about 560 at
// m = 64): eps = 0.064 / m keeps eps lambda_max near 0.56 at every m. The cost of a step does not depend on eps.
const epsFor = (m: number) => 0.064 / m;

function scalabilityPoint(seed: number, m: number, S: number): ScalabilityPoint {
  const ref = referenceProblem(seed, m);
  const query = selectRows(ref.queries, [0]);
  const steps: StepRecord[] = [];
  const training = measure(() => train(ref.problem, ref.w0, { optimizer: { kind: 'gd' }, eps: epsFor(m), steps: S, onStep: (s) => steps.push(s) }), 1, 0);
  const wS = training.value.wS;
  // One forward pass at one row takes microseconds: time batches of a thousand and divide.
  const model = measure(() => {
    for (let k = 0; k < 1000; k++) ref.problem.model.forward(wS, query);
  }, 7, 2);
  const machine = measure(() => {
    const acc = discretePath(ref.problem, query, ref.w0, { nodes: GD.nodes, errorEstimate: false });
    steps.forEach(acc.onStep);
    return acc.result(wS);
  }, 1, 0);
  return { m, S, modelMs: model.ms / 1000, machineMs: machine.ms, trainingMs: training.ms };
}

async function scalability(o: RowOptions): Promise<ScalabilityResult> {
  const mList = o.quick ? [16, 64, 256] : [16, 64, 256, 1024];
  const sList = o.quick ? [25, 50, 100] : [50, 100, 200, 400];
  const sFixed = o.quick ? 25 : 100;
  // Warm the JIT on a small point first, so that the first measured point is not the first compilation.
  scalabilityPoint(o.seed, 16, 20);
  const byM = mList.map((m) => scalabilityPoint(o.seed, m, sFixed));
  const byS = sList.map((S) => scalabilityPoint(o.seed, 64, S));
  const slope = (xs: number[], ys: number[]) => fitLogLog(xs, ys).slope;
  return {
    byM,
    byS,
    slopes: {
      'model: slope in m': slope(mList, byM.map((p) => p.modelMs)),
      'model: slope in S': slope(sList, byS.map((p) => p.modelMs)),
      'kernel machine: slope in m': slope(mList, byM.map((p) => p.machineMs)),
      'kernel machine: slope in S': slope(sList, byS.map((p) => p.machineMs)),
      'training: slope in m': slope(mList, byM.map((p) => p.trainingMs)),
      'training: slope in S': slope(sList, byS.map((p) => p.trainingMs)),
    },
    peakRssMiB: peakRssMiB(),
  };
}

/** The sweep timing: one thread against every core, with the bit-identity check. */
export interface SweepResult {
  readonly jobs: number;
  readonly workers: number;
  readonly singleMs: number;
  readonly parallelMs: number;
  /** A sweep of one empty job per worker: starting the threads and loading the TypeScript modules. */
  readonly startupMs: number;
  readonly identical: boolean;
  readonly peakRssMiB: number;
}

async function sweepBench(o: RowOptions): Promise<SweepResult> {
  const task = sweepTask<SgdJob, Float64Array>(new URL('../properties/performance/sweepJobs.ts', import.meta.url), 'sgdRun');
  // The sgd.deviation measurement in its deep mode: 4 learning rates at B = 4 and 4 batch sizes at
  // eps = 0.02, 192 seeds each (a few seconds on one thread, so that the workers' start-up is amortised).
  const seeds = o.quick ? 24 : 192;
  const configs = [...[0.04, 0.02, 0.01, 0.005].map((eps) => ({ eps, batchSize: 4 })), ...[1, 2, 4, 8].map((batchSize) => ({ eps: 0.02, batchSize }))];
  const jobs: SgdJob[] = configs.flatMap((c) => Array.from({ length: seeds }, (_, batchSeed) => ({ ...c, batchSeed, problemSeed: o.seed, T: 1 })));
  const workers = availableParallelism();
  let t0 = performance.now();
  const single = await sweep(task, jobs, { workers: 1 });
  const singleMs = performance.now() - t0;
  t0 = performance.now();
  const parallel = await sweep(task, jobs, { workers });
  const parallelMs = performance.now() - t0;
  const identical = single.every((a, i) => a.every((v, q) => Object.is(v, parallel[i]![q])));
  t0 = performance.now();
  await sweep(sweepTask<number, number>(task.module, 'echo'), Array.from({ length: workers }, (_, i) => i), { workers });
  const startupMs = performance.now() - t0;
  return { jobs: jobs.length, workers, singleMs, parallelMs, startupMs, identical, peakRssMiB: peakRssMiB() };
}

/** Experiments by id. */
export const EXPERIMENTS: Record<string, (o: RowOptions) => Promise<unknown>> = {
  scalability,
  sweep: sweepBench,
  'tk.big.tfjs': (o) => tfjsKernelRow('big', o),
  'tk.small.tfjs': (o) => tfjsKernelRow('small', o),
};
