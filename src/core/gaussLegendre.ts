/**
 * Gauss-Legendre quadrature on [0, 1]: n nodes integrate polynomials of degree 2n - 1 exactly, and smooth
 * integrands with error decaying like (1/(2n))^(2n) times a derivative. Nodes are the roots of P_n, found by
 * Newton's method from the Chebyshev-like initial guesses cos(pi (k - 1/4) / (n + 1/2)).
 *
 * @module
 */

/** Nodes and weights on [0, 1]. */
export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const cache = new Map<number, QuadratureRule>();

/** The n-point Gauss-Legendre rule on [0, 1] (weights sum to 1). */
export function gaussLegendre(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new RangeError(`gaussLegendre: ${n} nodes is not an integer in 1..200`);
  const hit = cache.get(n);
  if (hit) return hit;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let k = 1; k <= Math.ceil(n / 2); k++) {
    let x = Math.cos((Math.PI * (k - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      // P_n(x) and P_n'(x) by the three-term recurrence.
      let p0 = 1;
      let p1 = x;
      for (let j = 2; j <= n; j++) {
        const p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? x : p1;
      const pn1 = n === 1 ? 1 : p0;
      dp = (n * (x * pn - pn1)) / (x * x - 1);
      const dx = pn / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    // Map [-1, 1] to [0, 1]: t = (1 -/+ x) / 2, weight w / 2.
    nodes[k - 1] = (1 - x) / 2;
    nodes[n - k] = (1 + x) / 2;
    weights[k - 1] = w / 2;
    weights[n - k] = w / 2;
  }
  const rule = { nodes, weights };
  cache.set(n, rule);
  return rule;
}

/** The rule mapped to [a, b]. */
export function gaussLegendreOn(n: number, a: number, b: number): QuadratureRule {
  const { nodes, weights } = gaussLegendre(n);
  return { nodes: nodes.map((t) => a + (b - a) * t), weights: weights.map((w) => (b - a) * w) };
}
