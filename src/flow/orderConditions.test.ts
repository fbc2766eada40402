import { describe, expect, it } from 'vitest';
import { denseWeights, fullMatrix, orderResiduals, rootedTrees } from './orderConditions.js';
import { DOPRI5 } from './tableaux/dopri5.js';
import { DOP853 } from './tableaux/dop853.js';
import type { ButcherTableau } from './tableau.js';

// Coefficients are given to 30 digits and rounded to doubles: each condition is a sum of products of a few
// dozen such numbers of size up to ~500 (DOP853's dense rows), so residuals of a correct tableau are a few
// hundred u; 1e-12 leaves room, and a mistyped digit anywhere gives a residual above 1e-10.
const ORDER_TOL = 1e-12;

function embedded(tab: ButcherTableau): number[] {
  const err = tab.error;
  return err.kind === 'embedded' ? tab.b.map((bj, j) => bj - err.e[j]!) : [];
}

describe('order conditions', () => {
  it('there are 1, 1, 2, 4, 9, 20, 48, 115 rooted trees of orders 1 to 8', () => {
    expect(rootedTrees(8).map((l) => l.length)).toEqual([1, 1, 2, 4, 9, 20, 48, 115]);
  });

  for (const tab of [DOPRI5, DOP853]) {
    it(`${tab.name}: nodes are row sums of a`, () => {
      tab.a.forEach((row, i) => expect(Math.abs(row.reduce((s, v) => s + v, 0) - tab.c[i]!)).toBeLessThan(ORDER_TOL));
    });

    it(`${tab.name}: the solution has order ${tab.order} and not ${tab.order + 1}`, () => {
      const res = orderResiduals(fullMatrix(tab.a), tab.b, tab.order + 1);
      res.slice(0, tab.order).forEach((r, k) => expect(r, `order ${k + 1}`).toBeLessThan(ORDER_TOL));
      expect(res[tab.order]!).toBeGreaterThan(1e-6);
    });

    it(`${tab.name}: the dense output has order ${tab.dense.order} at every theta and matches the endpoints`, () => {
      for (const theta of [0.1, 0.37, 0.5, 0.81]) {
        const { A, b } = denseWeights(tab, theta);
        const res = orderResiduals(A, b, tab.dense.order, theta);
        res.forEach((r, k) => expect(r, `theta ${theta}, order ${k + 1}`).toBeLessThan(ORDER_TOL));
      }
      const end = denseWeights(tab, 1).b;
      end.forEach((v, j) => expect(Math.abs(v - (tab.b[j] ?? 0))).toBeLessThan(ORDER_TOL));
    });
  }

  it('Dormand-Prince 5(4): the embedded weights have order 4', () => {
    const res = orderResiduals(fullMatrix(DOPRI5.a), embedded(DOPRI5), 4);
    res.forEach((r) => expect(r).toBeLessThan(ORDER_TOL));
  });

  it('DOP853: b - e5 has order 5 and b - e3 has order 3 (the two estimators)', () => {
    if (DOP853.error.kind !== 'dop853') throw new Error('unexpected estimator');
    const { e5, e3 } = DOP853.error;
    const A = fullMatrix(DOP853.a);
    orderResiduals(A, DOP853.b.map((bj, j) => bj - e5[j]!), 5).forEach((r) => expect(r).toBeLessThan(ORDER_TOL));
    orderResiduals(A, DOP853.b.map((bj, j) => bj - e3[j]!), 3).forEach((r) => expect(r).toBeLessThan(ORDER_TOL));
  });
});
