import { describe, expect, it } from 'vitest';
import { matrix } from '../core/index.js';
import { add, biasAdd, mul } from './ops.js';
import { Tape } from './tape.js';

describe('the tape', () => {
  it('refuses an operation whose input was recorded on another tape', () => {
    const [a, b] = [new Tape(), new Tape()];
    expect(() => add(a.variable(matrix(1, 2, [1, 2])), b.variable(matrix(1, 2, [3, 4])))).toThrow(/^add: an input belongs to another tape$/);
  });

  it('a reverse pass gives a variable its cotangent and a constant none', () => {
    const t = new Tape();
    const x = t.variable(matrix(1, 2, [1, 2]));
    const c = t.constant(matrix(1, 2, [3, 4]));
    const adj = t.backward(mul(x, c), matrix(1, 2, [1, 1]));
    expect(Array.from(adj.get(x.id)!.data)).toEqual([3, 4]);
    expect(adj.has(c.id)).toBe(false);
  });

  it('a constant bias has no tangent: the JVP of Z + 1 b^T along Z alone is the tangent of Z', () => {
    const t = new Tape();
    const z = t.variable(matrix(2, 2, [1, 2, 3, 4]));
    const y = biasAdd(z, t.constant(matrix(1, 2, [5, 6])));
    expect(Array.from(t.jvp(new Map([[z, matrix(2, 2, [1, -1, 2, -2])]]), y).data)).toEqual([1, -1, 2, -2]);
  });

  it('biasAdd refuses a bias that is not one row of the width', () => {
    const t = new Tape();
    const z = t.variable(matrix(2, 2, [1, 2, 3, 4]));
    expect(() => biasAdd(z, t.constant(matrix(2, 2, [1, 1, 1, 1])))).toThrow(/^biasAdd: bias shape \[2, 2\] does not match width 2$/);
    expect(() => biasAdd(z, t.constant(matrix(1, 3, [1, 1, 1])))).toThrow(/^biasAdd: bias shape \[1, 3\] does not match width 2$/);
  });
});
