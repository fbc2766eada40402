/**
 * Student's t distribution: its distribution function and quantiles for any (also non-integer) degrees of
 * freedom, for intervals far in the tail (a law measured on n cases holds each case to a two-sided error of
 * 1% / n, so the quantiles needed lie near 1 - 1e-4, beyond any printed table).
 *
 * The distribution function is F(t) = 1 - I_{nu / (nu + t^2)}(nu / 2, 1 / 2) / 2 for t >= 0, with I the
 * regularised incomplete beta function, evaluated by its continued fraction (modified Lentz); the quantile
 * inverts F by bisection to rounding.
 *
 * @module
 */

/** Coefficients of Stirling's series ln Gamma(x) ~ (x - 1/2) ln x - x + ln(2 pi) / 2 + sum_k c_k / x^(2k-1). */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188];

/**
 * ln Gamma(x) for x > 0: shifted up to x >= 10 by Gamma(x) = Gamma(x + 1) / x, then Stirling's series to
 * 1/x^9 (the next term, 691 / (360360 x^11), is below 2e-14 at x = 10).
 */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`lnGamma: x = ${x} is not a positive finite number`);
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  let power = inv;
  for (const c of STIRLING) {
    series += c * power;
    power *= inv2;
  }
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

// The continued fraction's convergence: relative change of a convergent below this ends it.
const CF_EPS = 1e-16;
const CF_TINY = 1e-300;
const CF_MAX_TERMS = 10_000;

/** The continued fraction of I_x(a, b) (valid, and fast, for x < (a + 1) / (a + b + 2)). */
function betaFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < CF_TINY) d = CF_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CF_MAX_TERMS; m++) {
    const m2 = 2 * m;
    // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + num / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    h *= d * c;
    // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + num / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < CF_EPS) return h;
  }
  throw new RangeError(`incomplete beta: the continued fraction did not converge for x = ${x}, a = ${a}, b = ${b}`);
}

/** The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for 0 <= x <= 1 and a, b > 0. */
export function regularisedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta: x = ${x} is outside [0, 1]`);
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta: a = ${a} and b = ${b} must be positive`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast below the mean a / (a + b); above it, use I_x(a, b) = 1 - I_{1-x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** The distribution function of Student's t with nu > 0 degrees of freedom. */
export function studentCdf(t: number, nu: number): number {
  if (!(nu > 0)) throw new RangeError(`Student t: nu = ${nu} degrees of freedom, expected a positive number`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * regularisedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The upper-tail probability P(T > t) for t >= 0, computed directly (1 - F(t) would lose every digit in the
 * far tail).
 */
function upperTail(t: number, nu: number): number {
  return 0.5 * regularisedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
}

/**
 * The p-quantile of Student's t with nu > 0 degrees of freedom, 0 < p < 1: the t with F(t) = p, by bisection
 * on the upper tail (which keeps its relative precision for p near 1) to rounding.
 */
export function studentQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Student t quantile: p = ${p} is outside (0, 1)`);
  if (!(nu > 0)) throw new RangeError(`Student t quantile: nu = ${nu} degrees of freedom, expected a positive number`);
  if (p < 0.5) return -studentQuantile(1 - p, nu);
  if (p === 0.5) return 0;
  const tail = 1 - p;
  let lo = 0;
  let hi = 1;
  while (upperTail(hi, nu) > tail) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) throw new RangeError(`Student t quantile: no finite quantile for p = ${p}, nu = ${nu}`);
  }
  for (let k = 0; k < 200 && hi - lo > 4 * Number.EPSILON * hi; k++) {
    const mid = 0.5 * (lo + hi);
    if (upperTail(mid, nu) > tail) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
