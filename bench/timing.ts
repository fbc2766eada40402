/**
 * Timing for the bench: the median of repeated runs in wall-clock and in CPU time, and the peak memory of the
 * process that ran them. Benchmarks report ratios between rows measured in the same run, never absolute
 * thresholds.
 *
 * CPU time (user + system of this process) is reported beside wall time because the machine may be shared:
 * another process taking a core stretches wall time but not the CPU time this process used, so ratios of CPU
 * times are the steadier figure on a busy machine (on a quiet one the two agree for these single-threaded rows).
 *
 * @module
 */

/** One measured row. */
export interface BenchRow {
  readonly id: string;
  readonly name: string;
  /** Median wall time over the repeats, ms. */
  readonly ms: number;
  /** Median CPU time (user + system) over the repeats, ms. */
  readonly cpuMs: number;
  /** Every wall time, ms. */
  readonly times: readonly number[];
  readonly repeats: number;
  /**
   * Peak resident set size of the child process that ran this row alone (getrusage's ru_maxrss), MiB: the
   * runtime itself plus the row's problem and work.
   */
  readonly peakRssMiB: number;
  /** Resident set size when the row's problem was built, just before its first run, MiB. */
  readonly startRssMiB: number;
  /** GFLOP/s from the median wall time, when the row's operation count is known. */
  readonly gflops?: number;
  /** A skipped row says why here (and has NaN times). */
  readonly note?: string;
  /** Row-specific results (agreement digests, integrator statistics...). */
  readonly digest?: unknown;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Run `fn` `warmup` times untimed, then `repeats` times timed; wall and CPU medians and the last value. */
export function measure<T>(fn: () => T, repeats: number, warmup: number): { ms: number; cpuMs: number; times: number[]; value: T } {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const cpu: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { ms: median(times), cpuMs: median(cpu), times, value: value as T };
}

/** This process's peak resident set size so far, MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** A skipped row. */
export function skippedRow(id: string, name: string, note: string): BenchRow {
  return { id, name, ms: NaN, cpuMs: NaN, times: [], repeats: 0, peakRssMiB: NaN, startRssMiB: NaN, note };
}

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** A markdown table of rows with each row's wall and CPU time as a ratio to the baseline row's. */
export function markdownTable(rows: readonly BenchRow[], baselineId: string): string {
  const base = rows.find((r) => r.id === baselineId);
  const lines = [
    '| what | median ms | ratio | CPU ms | CPU ratio | repeats | peak RSS MiB (at start) | note |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const ratio = base ? r.ms / base.ms : NaN;
    const cpuRatio = base ? r.cpuMs / base.cpuMs : NaN;
    const gf = r.gflops === undefined ? '' : `${r.gflops.toFixed(2)} GFLOP/s`;
    lines.push(
      `| ${r.name} | ${fmt(r.ms)} | ${r.id === baselineId ? '**1**' : fmt(ratio, 2)} | ${fmt(r.cpuMs)} | ${r.id === baselineId ? '**1**' : fmt(cpuRatio, 2)} | ${r.repeats} | ${fmt(r.peakRssMiB, 0)} (${fmt(r.startRssMiB, 0)}) | ${[gf, r.note ?? ''].filter(Boolean).join('; ')} |`,
    );
  }
  return lines.join('\n');
}
