/**
 * Linear and bilinear primitives: the dense layer, sums, products and scalings. Their derivative rules are
 * the textbook ones; each stands next to the rule it differentiates.
 *
 * @module
 */
import { matmul, matmulTransA, matmulTransB, matrix, sameShape, type Matrix } from '../../core/matrix.js';
import type { Primitive } from '../primitive.js';

/** Multipliers of a dense layer: z = alpha h W^T + beta 1 b^T (standard: 1 and 1; NTK: 1/sqrt(fan_in)). */
export interface DenseAttrs {
  readonly alpha: number;
  readonly beta: number;
}

function scaleInPlace(a: Matrix, c: number): Matrix {
  if (c !== 1) for (let i = 0; i < a.data.length; i++) a.data[i]! *= c;
  return a;
}

function addRowInPlace(z: Matrix, b: Matrix, c: number): void {
  for (let i = 0; i < z.rows; i++) for (let j = 0; j < z.cols; j++) z.data[i * z.cols + j]! += c * b.data[j]!;
}

function columnSums(g: Matrix, c: number): Matrix {
  const out = matrix(1, g.cols);
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) out.data[j]! += g.data[i * g.cols + j]!;
  return scaleInPlace(out, c);
}

/**
 * Dense layer on a batch: inputs [h (N x in), W (out x in), b (1 x out), optional]; z = alpha h W^T + beta 1 b^T.
 * dz/dh: g -> alpha g W; dz/dW: g -> alpha g^T h; dz/db: g -> beta (column sums of g).
 */
export const dense: Primitive<DenseAttrs, undefined> = {
  name: 'dense',
  forward: ([h, W, b], { alpha, beta }) => {
    if (h!.cols !== W!.cols) throw new RangeError(`dense: input width ${h!.cols} does not match weight shape [${W!.rows}, ${W!.cols}]`);
    const z = scaleInPlace(matmulTransB(h!, W!), alpha);
    if (b !== undefined) addRowInPlace(z, b, beta);
    return { value: z, aux: undefined };
  },
  vjp: (g, [h, W, b], _z, _aux, { alpha, beta }, needs) => {
    const gh = needs[0] ? scaleInPlace(matmul(g, W!), alpha) : null;
    const gW = needs[1] ? scaleInPlace(matmulTransA(g, h!), alpha) : null;
    return b === undefined ? [gh, gW] : [gh, gW, needs[2] ? columnSums(g, beta) : null];
  },
  jvp: ([th, tW, tb], [h, W], z, _aux, { alpha, beta }) => {
    const out = matrix(z.rows, z.cols);
    if (th) addInto(out, scaleInPlace(matmulTransB(th, W!), alpha));
    if (tW) addInto(out, scaleInPlace(matmulTransB(h!, tW), alpha));
    if (tb) addRowInPlace(out, tb, beta);
    return out;
  },
};

/** C = A B: dC = dA B + A dB; reverse: gA = g B^T, gB = A^T g. */
export const matmulPrimitive: Primitive<undefined, undefined> = {
  name: 'matmul',
  forward: ([a, b]) => ({ value: matmul(a!, b!), aux: undefined }),
  vjp: (g, [a, b], _v, _aux, _attrs, needs) => [needs[0] ? matmulTransB(g, b!) : null, needs[1] ? matmulTransA(a!, g) : null],
  jvp: ([ta, tb], [a, b], c) => {
    const out = matrix(c.rows, c.cols);
    if (ta) addInto(out, matmul(ta, b!));
    if (tb) addInto(out, matmul(a!, tb));
    return out;
  },
};

/** Z + 1 b^T for a row b (1 x k): every row shifted by b; reverse: gZ = g, gb = column sums of g. */
export const biasAdd: Primitive<undefined, undefined> = {
  name: 'biasAdd',
  forward: ([z, b]) => {
    if (b!.rows !== 1 || b!.cols !== z!.cols) throw new RangeError(`biasAdd: bias shape [${b!.rows}, ${b!.cols}] does not match width ${z!.cols}`);
    const out = combine(z!, z!, (x) => x);
    addRowInPlace(out, b!, 1);
    return { value: out, aux: undefined };
  },
  vjp: (g) => [g, columnSums(g, 1)],
  jvp: ([tz, tb], [z]) => {
    const out = tz ? combine(tz, tz, (x) => x) : matrix(z!.rows, z!.cols);
    if (tb) addRowInPlace(out, tb, 1);
    return out;
  },
};

function addInto(a: Matrix, b: Matrix): void {
  for (let i = 0; i < a.data.length; i++) a.data[i]! += b.data[i]!;
}

function checkSame(a: Matrix, b: Matrix, where: string): void {
  if (!sameShape(a, b)) throw new RangeError(`${where}: shapes [${a.rows}, ${a.cols}] and [${b.rows}, ${b.cols}] differ`);
}

function combine(a: Matrix, b: Matrix, fn: (x: number, y: number) => number): Matrix {
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = fn(a.data[i]!, b.data[i]!);
  return out;
}

function negate(a: Matrix): Matrix {
  return scaleInPlace(combine(a, a, (x) => x), -1);
}

/** a + b (also the residual connection h + act(z)). */
export const add: Primitive<undefined, undefined> = {
  name: 'add',
  forward: ([a, b]) => {
    checkSame(a!, b!, 'add');
    return { value: combine(a!, b!, (x, y) => x + y), aux: undefined };
  },
  vjp: (g) => [g, g],
  jvp: ([ta, tb]) => (ta && tb ? combine(ta, tb, (x, y) => x + y) : (ta ?? tb)!),
};

/** a - b. */
export const sub: Primitive<undefined, undefined> = {
  name: 'sub',
  forward: ([a, b]) => {
    checkSame(a!, b!, 'sub');
    return { value: combine(a!, b!, (x, y) => x - y), aux: undefined };
  },
  vjp: (g) => [g, negate(g)],
  jvp: ([ta, tb]) => (ta && tb ? combine(ta, tb, (x, y) => x - y) : ta ?? negate(tb!)),
};

/** Entrywise product a * b: d(ab) = a' b + a b'. */
export const mul: Primitive<undefined, undefined> = {
  name: 'mul',
  forward: ([a, b]) => {
    checkSame(a!, b!, 'mul');
    return { value: combine(a!, b!, (x, y) => x * y), aux: undefined };
  },
  vjp: (g, [a, b]) => [combine(g, b!, (x, y) => x * y), combine(g, a!, (x, y) => x * y)],
  jvp: ([ta, tb], [a, b]) => {
    const out = matrix(a!.rows, a!.cols);
    if (ta) addInto(out, combine(ta, b!, (x, y) => x * y));
    if (tb) addInto(out, combine(a!, tb, (x, y) => x * y));
    return out;
  },
};

/** c * a for a constant c. */
export const scale: Primitive<{ readonly c: number }, undefined> = {
  name: 'scale',
  forward: ([a], { c }) => ({ value: scaleInPlace(combine(a!, a!, (x) => x), c), aux: undefined }),
  vjp: (g, _in, _v, _aux, { c }) => [scaleInPlace(combine(g, g, (x) => x), c)],
  jvp: ([t], _in, _v, _aux, { c }) => scaleInPlace(combine(t!, t!, (x) => x), c),
};

function mulRow(z: Matrix, r: Matrix): Matrix {
  const out = matrix(z.rows, z.cols);
  for (let i = 0; i < z.rows; i++) for (let j = 0; j < z.cols; j++) out.data[i * z.cols + j] = z.data[i * z.cols + j]! * r.data[j]!;
  return out;
}

/**
 * Per-feature affine map of a batch: inputs [z (N x k), gain (1 x k), shift (1 x k)]; y = z * gain + shift,
 * row by row (the learnable part of layer and batch normalisation).
 */
export const affineCols: Primitive<undefined, undefined> = {
  name: 'affineCols',
  forward: ([z, gain, shift]) => {
    if (gain!.cols !== z!.cols || shift!.cols !== z!.cols) throw new RangeError(`affineCols: gain/shift width does not match ${z!.cols}`);
    const y = mulRow(z!, gain!);
    addRowInPlace(y, shift!, 1);
    return { value: y, aux: undefined };
  },
  vjp: (g, [z, gain]) => [mulRow(g, gain!), columnSums(combine(g, z!, (x, y) => x * y), 1), columnSums(g, 1)],
  jvp: ([tz, tg, ts], [z, gain]) => {
    const out = matrix(z!.rows, z!.cols);
    if (tz) addInto(out, mulRow(tz, gain!));
    if (tg) addInto(out, mulRow(z!, tg));
    if (ts) addRowInPlace(out, ts, 1);
    return out;
  },
};
