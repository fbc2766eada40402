/**
 * Wall-clock timing for the benchmarks: the median of repeated runs, and the heap in use after a run.
 * Benchmarks report ratios between rows measured in the same process, never absolute thresholds.
 *
 * @module
 */

/** One measured row. */
export interface BenchRow {
  readonly name: string;
  /** Median wall time over the repeats, in milliseconds. */
  readonly ms: number;
  readonly repeats: number;
  /** Peak resident set size seen after the runs, MiB (process-wide, so an upper bound for this row). */
  readonly rssMiB: number;
}

/** Run `fn` `repeats` times (after one warm-up when `warmup`), returning the median time and the last value. */
export function timeIt<T>(name: string, fn: () => T, repeats = 1, warmup = false): { row: BenchRow; value: T } {
  if (warmup) fn();
  const times: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  return { row: { name, ms, repeats, rssMiB: process.memoryUsage().rss / 2 ** 20 }, value: value as T };
}

/** A markdown table of rows with each row's time as a ratio to the baseline row. */
export function markdownTable(rows: readonly BenchRow[], baseline: string): string {
  const base = rows.find((r) => r.name === baseline)?.ms ?? NaN;
  const lines = ['| what | median ms | ratio to baseline | repeats | RSS MiB |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.ms.toFixed(1)} | ${(r.ms / base).toFixed(3)} | ${r.repeats} | ${r.rssMiB.toFixed(0)} |`);
  return lines.join('\n');
}
