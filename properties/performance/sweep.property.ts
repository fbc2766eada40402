/**
 * Sweeps on worker threads give the single-thread run's bits. A sweep of the sgd.deviation problem (SGD with
 * replacement on a tanh MLP 2-8-1, one job per learning rate, batch size and batch seed) runs once in the
 * calling thread and once on two workers; every f_T(x) must be equal bit for bit, in job order, and so must
 * the seed-to-seed spreads computed from them. Workers change where a job runs, never its inputs (the seeds
 * travel with the job), so any difference would be a defect: no tolerance applies.
 *
 * An engine check, not a claim of the paper: it shows nothing about how the spread scales (that is
 * sgd.deviation's law, properties/discrete/sgdDeviation.property.ts), so it cites no claim and records no
 * fitted slope.
 */
import { describe, expect, it } from 'vitest';
import { sweep, sweepTask } from '../../src/laws/index.js';
import { recordFigure } from '../arbitraries/claims.js';
import { DEEP, SEED } from '../arbitraries/config.js';
import type { SgdJob } from './sweepJobs.js';

const JOBS_MODULE = new URL('./sweepJobs.ts', import.meta.url);
const EPS = [0.04, 0.02, 0.01];
const BATCH = 2;
const SEEDS = DEEP ? 24 : 8;
const T = 0.5;

function jobs(): SgdJob[] {
  return EPS.flatMap((eps) => Array.from({ length: SEEDS }, (_, batchSeed) => ({ eps, batchSize: BATCH, batchSeed, problemSeed: SEED, T })));
}

function spreads(outputs: readonly Float64Array[]): number[] {
  return EPS.map((_, e) => {
    const runs = outputs.slice(e * SEEDS, (e + 1) * SEEDS);
    let total = 0;
    for (let q = 0; q < runs[0]!.length; q++) {
      const mean = runs.reduce((s, o) => s + o[q]!, 0) / SEEDS;
      total += Math.sqrt(runs.reduce((s, o) => s + (o[q]! - mean) ** 2, 0) / (SEEDS - 1));
    }
    return total / runs[0]!.length;
  });
}

describe('sweeps on worker threads', () => {
  it('an SGD spread sweep on two worker threads returns the single-thread run bit for bit, in job order', async (ctx) => {
    const task = sweepTask<SgdJob, Float64Array>(JOBS_MODULE, 'sgdRun');
    const all = jobs();
    const single = await sweep(task, all, { workers: 1 });
    const parallel = await sweep(task, all, { workers: 2 });
    expect(parallel.length).toBe(all.length);
    let differing = 0;
    all.forEach((job, i) => {
      const a = single[i]!;
      const b = parallel[i]!;
      expect(b).toBeInstanceOf(Float64Array);
      for (let q = 0; q < a.length; q++) {
        if (!Object.is(a[q], b[q])) {
          differing++;
          throw new Error(`job ${i} (eps ${job.eps}, batch seed ${job.batchSeed}), output ${q}: ${a[q]} on one thread, ${b[q]} on two workers; seed ${SEED}`);
        }
      }
    });
    const bySingle = spreads(single);
    const byParallel = spreads(parallel);
    expect(byParallel).toEqual(bySingle);
    recordFigure(ctx, 'jobs', all.length);
    recordFigure(ctx, 'outputs differing between 1 and 2 workers', differing);
  });

  it('a job that throws fails the sweep with its index and message', async () => {
    const task = sweepTask<{ index: number }, number>(JOBS_MODULE, 'failingRun');
    const all = [0, 1, 2, 3].map((index) => ({ index }));
    await expect(sweep(task, all, { workers: 2 })).rejects.toThrow(/job 2 failed: job 2 refuses/);
    await expect(sweep(task, all, { workers: 1 })).rejects.toThrow(/job 2 failed: job 2 refuses/);
    await expect(sweep(task, all, { workers: 0 })).rejects.toThrow(/workers 0 is not a positive integer/);
  });
});
