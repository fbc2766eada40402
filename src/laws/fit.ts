/**
 * Least-squares fits on log-log axes, with a confidence interval for the slope: how an order of
 * convergence or a scaling law is measured.
 *
 * @module
 */

/** A fitted line log y = intercept + slope log x. */
export interface LogLogFit {
  readonly slope: number;
  readonly intercept: number;
  /** Standard error of the slope (0 for two points). */
  readonly slopeStdError: number;
  /** Half-width of the 95% confidence interval of the slope (Student t with n - 2 degrees of freedom). */
  readonly slopeHalfWidth95: number;
  /** The local slopes between consecutive points, to see whether the fit is in the asymptotic range. */
  readonly localSlopes: readonly number[];
  readonly points: number;
}

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom, then the normal value.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Fit log y against log x by least squares (x, y > 0). */
export function fitLogLog(xs: readonly number[], ys: readonly number[]): LogLogFit {
  if (xs.length !== ys.length || xs.length < 2) throw new RangeError(`fitLogLog: need at least two (x, y) pairs of equal count, got ${xs.length} and ${ys.length}`);
  const bad = xs.findIndex((x, i) => !(x > 0) || !(ys[i]! > 0));
  if (bad >= 0) throw new RangeError(`fitLogLog: point ${bad} (${xs[bad]}, ${ys[bad]}) is not positive`);
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const n = lx.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i]! - mx) ** 2;
    sxy += (lx[i]! - mx) * (ly[i]! - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ly[i]! - intercept - slope * lx[i]!) ** 2;
  const slopeStdError = n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : 0;
  const t = n > 2 ? (T975[n - 3] ?? 1.96) : 0;
  const localSlopes = lx.slice(1).map((x, i) => (ly[i + 1]! - ly[i]!) / (x - lx[i]!));
  return { slope, intercept, slopeStdError, slopeHalfWidth95: t * slopeStdError, localSlopes, points: n };
}

/** A fit on the asymptotic range: the points kept, and the fit on them. */
export interface AsymptoticFit extends LogLogFit {
  /** Index of the first point kept (points before it were pre-asymptotic). */
  readonly firstKept: number;
}

/**
 * Fit where the local slopes have settled: drop leading points while the kept local slopes spread (largest
 * minus smallest) over more than `tolerance`, keeping at least `minPoints`. Points are ordered from the
 * largest step to the smallest, as sweeps are run, so pre-asymptotic behaviour sits at the front. The spread,
 * not the first against the last, since pre-asymptotic slopes need not be monotone (1.04, 1.15, 2.16, 2.01,
 * 1.28, 1.11, 1.05 begins and ends near 1).
 */
export function fitAsymptotic(xs: readonly number[], ys: readonly number[], tolerance = 0.1, minPoints = 3): AsymptoticFit {
  let first = 0;
  while (xs.length - first > minPoints) {
    const local = fitLogLog(xs.slice(first), ys.slice(first)).localSlopes;
    if (Math.max(...local) - Math.min(...local) <= tolerance) break;
    first++;
  }
  return { ...fitLogLog(xs.slice(first), ys.slice(first)), firstKept: first };
}
