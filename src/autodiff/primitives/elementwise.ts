/**
 * Elementwise functions: each activation's value, first and second derivative stand together in one row of
 * the table, so that the VJP and JVP below (and the curvature terms of later modules) read the same rules.
 *
 * @module
 */
import { matrix, type Matrix } from '../../core/matrix.js';
import type { Primitive } from '../primitive.js';

/** A scalar function with its first and second derivatives. */
export interface ScalarRule {
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
  readonly d2f: (x: number) => number;
  /** Whether f is smooth everywhere (ReLU is not at 0; its derivative there is taken to be 0). */
  readonly smooth: boolean;
  /**
   * f' written through the value y = f(x), where that is the same formula: the VJP and JVP read the recorded
   * output instead of evaluating f again (tanh' = 1 - tanh^2 costs a second Math.tanh per entry otherwise,
   * most of a tanh network's backward pass). Bit-identical to `df`.
   */
  readonly dfOfValue?: (y: number) => number;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

// GELU in its tanh form, 0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2/pi): the form PyTorch calls
// approximate='tanh'; it keeps the derivatives in closed form with Math.tanh.
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
function geluParts(x: number): { t: number; u1: number; u2: number } {
  const u = GELU_K * (x + GELU_C * x * x * x);
  return { t: Math.tanh(u), u1: GELU_K * (1 + 3 * GELU_C * x * x), u2: GELU_K * 6 * GELU_C * x };
}

/** The activations and elementwise functions of the engine. */
export const SCALAR_RULES = {
  identity: { f: (x) => x, df: () => 1, d2f: () => 0, smooth: true },
  tanh: {
    f: Math.tanh,
    df: (x) => 1 - Math.tanh(x) ** 2,
    dfOfValue: (y) => 1 - y ** 2,
    d2f: (x) => {
      const t = Math.tanh(x);
      return -2 * t * (1 - t * t);
    },
    smooth: true,
  },
  sigmoid: {
    f: sigmoid,
    df: (x) => {
      const s = sigmoid(x);
      return s * (1 - s);
    },
    dfOfValue: (s) => s * (1 - s),
    d2f: (x) => {
      const s = sigmoid(x);
      return s * (1 - s) * (1 - 2 * s);
    },
    smooth: true,
  },
  softplus: {
    f: softplus,
    df: sigmoid,
    d2f: (x) => {
      const s = sigmoid(x);
      return s * (1 - s);
    },
    smooth: true,
  },
  sin: { f: Math.sin, df: Math.cos, d2f: (x) => -Math.sin(x), smooth: true },
  cos: { f: Math.cos, df: (x) => -Math.sin(x), d2f: (x) => -Math.cos(x), smooth: true },
  exp: { f: Math.exp, df: Math.exp, d2f: Math.exp, smooth: true },
  log: { f: Math.log, df: (x) => 1 / x, d2f: (x) => -1 / (x * x), smooth: true },
  square: { f: (x) => x * x, df: (x) => 2 * x, d2f: () => 2, smooth: true },
  gelu: {
    f: (x) => 0.5 * x * (1 + geluParts(x).t),
    df: (x) => {
      const { t, u1 } = geluParts(x);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * u1;
    },
    d2f: (x) => {
      const { t, u1, u2 } = geluParts(x);
      const s = 1 - t * t;
      return s * u1 + 0.5 * x * (s * u2 - 2 * t * s * u1 * u1);
    },
    smooth: true,
  },
  relu: { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0), d2f: () => 0, smooth: false },
} satisfies Record<string, ScalarRule>;

/** Name of an elementwise function. */
export type ScalarName = keyof typeof SCALAR_RULES;

/** Names of the activations a model may use. */
export const ACTIVATIONS = ['identity', 'tanh', 'sigmoid', 'softplus', 'sin', 'gelu', 'relu', 'square'] as const satisfies readonly ScalarName[];

function map(a: Matrix, fn: (x: number) => number): Matrix {
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = fn(a.data[i]!);
  return out;
}

function timesDerivative(t: Matrix, x: Matrix, df: (x: number) => number): Matrix {
  const out = matrix(t.rows, t.cols);
  for (let i = 0; i < t.data.length; i++) out.data[i] = t.data[i]! * df(x.data[i]!);
  return out;
}

const cache = new Map<ScalarName, Primitive<undefined, undefined>>();

/** The primitive applying `name` entrywise: y = f(x); VJP g f'(x); JVP x' f'(x). */
export function elementwise(name: ScalarName): Primitive<undefined, undefined> {
  const hit = cache.get(name);
  if (hit) return hit;
  const rule: ScalarRule = SCALAR_RULES[name];
  const prim: Primitive<undefined, undefined> = {
    name,
    forward: ([x]) => ({ value: map(x!, rule.f), aux: undefined }),
    vjp: (g, [x], y) => [rule.dfOfValue ? timesDerivative(g, y, rule.dfOfValue) : timesDerivative(g, x!, rule.df)],
    jvp: ([t], [x], y) => (rule.dfOfValue ? timesDerivative(t!, y, rule.dfOfValue) : timesDerivative(t!, x!, rule.df)),
  };
  cache.set(name, prim);
  return prim;
}
