/**
 * Runge-Kutta order conditions from rooted trees (Butcher): a method has order p when, for every rooted tree
 * t with |t| <= p nodes, b . Phi(t) = 1 / gamma(t), where Phi(leaf) = 1 (the all-ones stage vector),
 * Phi([t_1, ..., t_m]) = prod_k (A Phi(t_k)) entrywise, gamma(leaf) = 1 and
 * gamma([t_1, ..., t_m]) = |t| prod_k gamma(t_k). There are 1, 1, 2, 4, 9, 20, 48, 115 trees of orders 1..8.
 *
 * A continuous extension with weights b(theta) has order q when b(theta) . Phi(t) = theta^|t| / gamma(t) for
 * every |t| <= q. These checks turn a transcribed tableau into a verified one.
 *
 * @module
 */
import type { ButcherTableau } from './tableau.js';

/** A rooted tree as the list of its root's subtrees (a leaf is []). */
export type RootedTree = readonly RootedTree[];

function canonical(t: RootedTree): string {
  return `(${t.map(canonical).sort().join('')})`;
}

function size(t: RootedTree): number {
  return 1 + t.reduce((s, c) => s + size(c), 0);
}

/** gamma(t), the tree's density. */
export function density(t: RootedTree): number {
  return size(t) * t.reduce((p, c) => p * density(c), 1);
}

// Every tree obtained from t by attaching one new leaf to one of its nodes.
function grow(t: RootedTree): RootedTree[] {
  const out: RootedTree[] = [[...t, []]];
  t.forEach((child, i) => {
    for (const g of grow(child)) out.push(t.map((c, j) => (j === i ? g : c)));
  });
  return out;
}

/** All rooted trees with 1..maxOrder nodes, grouped by order (index k holds the trees of order k + 1). */
export function rootedTrees(maxOrder: number): RootedTree[][] {
  const levels: RootedTree[][] = [[[]]];
  for (let n = 2; n <= maxOrder; n++) {
    const seen = new Map<string, RootedTree>();
    for (const t of levels[n - 2]!) for (const g of grow(t)) seen.set(canonical(g), g);
    levels.push([...seen.values()]);
  }
  return levels;
}

/** The square matrix of a tableau's stages, given as strictly lower-triangular rows. */
export function fullMatrix(rows: readonly (readonly number[])[]): number[][] {
  const s = rows.length;
  return rows.map((r) => Array.from({ length: s }, (_, j) => r[j] ?? 0));
}

/** Phi(t) as a stage vector for the matrix A. */
export function elementaryWeights(A: readonly (readonly number[])[], t: RootedTree): number[] {
  const s = A.length;
  const out = new Array<number>(s).fill(1);
  for (const child of t) {
    const phi = elementaryWeights(A, child);
    for (let i = 0; i < s; i++) {
      let acc = 0;
      for (let j = 0; j < s; j++) acc += A[i]![j]! * phi[j]!;
      out[i]! *= acc;
    }
  }
  return out;
}

/** The largest |b . Phi(t) - theta^|t| / gamma(t)| over trees of each order 1..maxOrder. */
export function orderResiduals(A: readonly (readonly number[])[], b: readonly number[], maxOrder: number, theta = 1): number[] {
  return rootedTrees(maxOrder).map((trees) =>
    Math.max(
      ...trees.map((t) => {
        const phi = elementaryWeights(A, t);
        const lhs = b.reduce((acc, bj, j) => acc + bj * phi[j]!, 0);
        return Math.abs(lhs - theta ** size(t) / density(t));
      }),
    ),
  );
}

/** The stage matrix, nodes and dense-output weights b(theta) of a tableau over all its stages. */
export function denseWeights(tab: ButcherTableau, theta: number): { A: number[][]; c: number[]; b: number[] } {
  const s = tab.b.length;
  // Stage list for the dense output: the method's stages, then f(t1, y1) unless the method is FSAL, then the
  // extra stages. Row of f(t1, y1): its stage value is y1 = y0 + h sum b_j k_j.
  const rows: number[][] = tab.a.map((r) => [...r]);
  const c = [...tab.c];
  let fEnd = s - 1;
  if (!tab.fsal) {
    rows.push([...tab.b]);
    c.push(1);
    fEnd = s;
  }
  tab.dense.extraStages.a.forEach((r, k) => {
    rows.push([...r]);
    c.push(tab.dense.extraStages.c[k]!);
  });
  const A = fullMatrix(rows);
  const n = A.length;
  const bFull = Array.from({ length: n }, (_, j) => tab.b[j] ?? 0);
  const th1 = 1 - theta;
  const delta = (j: number, k: number) => (j === k ? 1 : 0);
  // y(theta) - y0 = theta D + theta th1 r3 + theta^2 th1 r4 + theta^2 th1^2 r5 + theta^3 th1^2 r6 + ...
  const b = bFull.map((bj, j) => theta * bj + theta * th1 * (delta(j, 0) - bj) + theta * theta * th1 * (2 * bj - delta(j, 0) - delta(j, fEnd)));
  tab.dense.d.forEach((dq, q) => {
    const thetaPow = 2 + Math.floor((q + 1) / 2);
    const th1Pow = 2 + Math.floor(q / 2);
    const coeff = theta ** thetaPow * th1 ** th1Pow;
    dq.forEach((v, j) => (b[j]! += coeff * v));
  });
  return { A, c, b };
}
