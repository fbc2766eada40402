/**
 * One bench row in a process of its own: `node --import tsx bench/child.ts <row id> <options JSON>` builds
 * the row's problem, runs it (warm-up, then timed repeats) and prints one JSON line: the times, the peak
 * resident set size of this process, and the row's digest. Experiments (tables rather than one timing)
 * run the same way under their own ids.
 *
 * @module
 */
import { EXPERIMENTS } from './experiments.js';
import { ROWS, type RowOptions } from './rows.js';
import { measure, peakRssMiB, type BenchRow } from './timing.js';

async function main(): Promise<void> {
  const [id, json] = process.argv.slice(2);
  if (!id) throw new Error('usage: bench/child.ts <row id> [options JSON]');
  const options = (json ? JSON.parse(json) : { seed: 20201201, quick: false }) as RowOptions;
  const experiment = EXPERIMENTS[id];
  if (experiment) {
    process.stdout.write(`${JSON.stringify(await experiment(options))}\n`);
    return;
  }
  // `<row>@typescript`: the same row, run by a child whose parent turned the SIMD kernel off (PATHKERNEL_SIMD=0).
  const factory = ROWS[id.split('@')[0]!];
  if (!factory) throw new Error(`bench: no row ${id} (rows: ${Object.keys(ROWS).join(', ')})`);
  const plan = factory(options);
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  const { ms, cpuMs, times, value } = measure(plan.run, plan.repeats, plan.warmup);
  const row: BenchRow = {
    id,
    name: plan.name,
    ms,
    cpuMs,
    times,
    repeats: plan.repeats,
    peakRssMiB: peakRssMiB(),
    startRssMiB,
    ...(plan.flops ? { gflops: plan.flops / (ms * 1e6) } : {}),
    ...(plan.digest ? { digest: plan.digest(value) } : {}),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

await main();
