import { describe, expect, it } from 'vitest';
import { matrix, rng, richardsonDerivative, type Matrix } from '../core/index.js';
import type { Primitive } from './primitive.js';
import { SCALAR_RULES, elementwise, type ScalarName, type ScalarRule } from './primitives/elementwise.js';
import { add, affineCols, biasAdd, dense, matmulPrimitive, mul, scale, sub } from './primitives/linear.js';
import { batchNorm, layerNorm } from './primitives/normalise.js';
import { logSoftmax, softmax } from './primitives/softmax.js';
import { mean, sum } from './primitives/reduce.js';

// Each primitive alone: its JVP against finite differences of its forward rule, and its VJP against its JVP
// by the adjoint identity <g, J t> = <J^T g, t>. Finite differences with h = 1e-4 and one Richardson step:
// truncation O(h^4) ~ 1e-16 times fifth derivatives of O(10) at most here, rounding ~ u |f| / h ~ 1e-12;
// 1e-8 relative to 1 + |J t| is far above both and far below any wrong rule.
const FD_RTOL = 1e-8;
// The adjoint identity sums the same products in two orders: a few u times the sum of magnitudes.
const ADJOINT_RTOL = 1e-12;

interface Case {
  readonly name: string;
  readonly prim: Primitive<any, any>;
  readonly attrs: unknown;
  readonly shapes: readonly (readonly [number, number])[];
  /** Keep inputs away from kinks and domain edges (log needs x > 0). */
  readonly positive?: boolean;
}

const cases: Case[] = [
  { name: 'dense', prim: dense, attrs: { alpha: 0.7, beta: 1.3 }, shapes: [[4, 3], [5, 3], [1, 5]] },
  { name: 'dense without bias', prim: dense, attrs: { alpha: 1, beta: 1 }, shapes: [[2, 3], [4, 3]] },
  { name: 'matmul', prim: matmulPrimitive, attrs: undefined, shapes: [[3, 4], [4, 2]] },
  { name: 'biasAdd', prim: biasAdd, attrs: undefined, shapes: [[3, 4], [1, 4]] },
  { name: 'add', prim: add, attrs: undefined, shapes: [[3, 2], [3, 2]] },
  { name: 'sub', prim: sub, attrs: undefined, shapes: [[3, 2], [3, 2]] },
  { name: 'mul', prim: mul, attrs: undefined, shapes: [[3, 2], [3, 2]] },
  { name: 'scale', prim: scale, attrs: { c: -2.5 }, shapes: [[3, 2]] },
  { name: 'affineCols', prim: affineCols, attrs: undefined, shapes: [[4, 3], [1, 3], [1, 3]] },
  { name: 'layerNorm', prim: layerNorm, attrs: { eps: 1e-5 }, shapes: [[3, 5]] },
  { name: 'batchNorm', prim: batchNorm, attrs: { eps: 1e-5 }, shapes: [[5, 3]] },
  { name: 'softmax', prim: softmax, attrs: undefined, shapes: [[3, 4]] },
  { name: 'logSoftmax', prim: logSoftmax, attrs: undefined, shapes: [[3, 4]] },
  { name: 'sum', prim: sum, attrs: undefined, shapes: [[3, 4]] },
  { name: 'mean', prim: mean, attrs: undefined, shapes: [[3, 4]] },
  ...(Object.keys(SCALAR_RULES) as ScalarName[]).map((name) => ({
    name,
    prim: elementwise(name),
    attrs: undefined,
    shapes: [[3, 4]] as const,
    positive: name === 'log' || name === 'relu',
  })),
];

function randomMatrix(r: ReturnType<typeof rng>, [rows, cols]: readonly [number, number], positive = false): Matrix {
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => (positive ? 0.2 + Math.abs(r.normal()) : r.normal())));
}

function inner(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

describe('each primitive: derivative rules beside the forward rule', () => {
  for (const c of cases) {
    it(`${c.name}: the JVP matches finite differences and the VJP is its adjoint`, () => {
      const r = rng(c.name.length * 7919);
      const inputs = c.shapes.map((s) => randomMatrix(r, s, c.positive));
      const tangents = c.shapes.map((s) => randomMatrix(r, s));
      const { value, aux } = c.prim.forward(inputs, c.attrs);
      const jt = c.prim.jvp(tangents, inputs, value, aux, c.attrs);
      const fd = richardsonDerivative((tau) => {
        const moved = inputs.map((m, k) => matrix(m.rows, m.cols, m.data.map((v, i) => v + tau * tangents[k]!.data[i]!)));
        return c.prim.forward(moved, c.attrs).value.data;
      }, 1e-4);
      const scaleJt = 1 + Math.max(...Array.from(jt.data, Math.abs));
      jt.data.forEach((v, i) => expect(Math.abs(v - fd[i]!), `entry ${i}: ${v} vs ${fd[i]}`).toBeLessThan(FD_RTOL * scaleJt));
      const g = randomMatrix(r, [value.rows, value.cols]);
      const grads = c.prim.vjp(g, inputs, value, aux, c.attrs, inputs.map(() => true));
      const lhs = inner(g, jt);
      const rhs = grads.reduce((s, gk, k) => s + (gk ? inner(gk, tangents[k]!) : 0), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThan(ADJOINT_RTOL * (1 + Math.abs(lhs) + Math.abs(rhs)) * 10);
    });
  }

  it('each activation\'s second derivative matches finite differences of its first', () => {
    for (const [name, rule] of Object.entries(SCALAR_RULES)) {
      for (const x of [-1.7, -0.3, 0.4, 1.9]) {
        if (name === 'log' && x <= 0) continue;
        const fd = richardsonDerivative((t) => [rule.df(x + t)], 1e-4)[0]!;
        expect(Math.abs(rule.d2f(x) - fd), `${name} at ${x}`).toBeLessThan(FD_RTOL * (1 + Math.abs(fd)));
      }
    }
  });

  it('a derivative written through the value (tanh, sigmoid) is the derivative itself, bit for bit', () => {
    for (const [name, rule] of Object.entries(SCALAR_RULES) as [string, ScalarRule][]) {
      if (!rule.dfOfValue) continue;
      for (let q = -400; q <= 400; q++) {
        const x = q / 37 + q * 1e-3;
        expect(Object.is(rule.dfOfValue(rule.f(x)), rule.df(x)), `${name} at ${x}`).toBe(true);
      }
    }
  });

  it('ReLU takes derivative 0 at its kink (the convention of PyTorch and TensorFlow)', () => {
    expect(SCALAR_RULES.relu.df(0)).toBe(0);
    expect(SCALAR_RULES.relu.smooth).toBe(false);
  });

  it('softmax and log-softmax stay finite for logits of size 1e3', () => {
    const z = matrix(1, 3, [1000, 999, -1000]);
    expect(Array.from(softmax.forward([z], undefined).value.data).every(Number.isFinite)).toBe(true);
    expect(Array.from(logSoftmax.forward([z], undefined).value.data).every(Number.isFinite)).toBe(true);
  });

  it('batchNorm with frozen statistics: the same value, JVP t / s per column, VJP its adjoint', () => {
    const r = rng(4242);
    const z = randomMatrix(r, [5, 3]);
    const t = randomMatrix(r, [5, 3]);
    const g = randomMatrix(r, [5, 3]);
    const eps = 1e-5;
    const frozen = { eps, statistics: 'frozen' as const };
    const coupled = batchNorm.forward([z], { eps });
    const { value, aux } = batchNorm.forward([z], frozen);
    expect(Array.from(value.data)).toEqual(Array.from(coupled.value.data));
    // s per column from its definition, computed here independently of the primitive.
    const invStd = Array.from({ length: 3 }, (_, c) => {
      const col = Array.from({ length: 5 }, (_, i) => z.data[i * 3 + c]!);
      const mu = col.reduce((a, b) => a + b, 0) / 5;
      return 1 / Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / 5 + eps);
    });
    const jt = batchNorm.jvp([t], [z], value, aux, frozen);
    // One product and a differently rounded 1/s: a few u relative.
    jt.data.forEach((v, i) => expect(Math.abs(v - t.data[i]! * invStd[i % 3]!)).toBeLessThan(4 * 2 ** -53 * Math.abs(v) + 1e-300));
    const [gz] = batchNorm.vjp(g, [z], value, aux, frozen, [true]);
    expect(Math.abs(inner(g, jt) - inner(gz!, t))).toBeLessThan(ADJOINT_RTOL * (1 + Math.abs(inner(g, jt))) * 10);
    // The frozen rule is not the derivative of the forward rule: the coupled JVP differs by O(1).
    const jtCoupled = batchNorm.jvp([t], [z], value, aux, { eps });
    const gap = Math.max(...Array.from(jt.data, (v, i) => Math.abs(v - jtCoupled.data[i]!)));
    expect(gap).toBeGreaterThan(1e-2);
  });

  it('a dense layer refuses an input whose width does not match its weights', () => {
    expect(() => dense.forward([matrix(2, 3), matrix(4, 5)], { alpha: 1, beta: 1 })).toThrow(/input width 3 does not match weight shape \[4, 5\]/);
  });
});
