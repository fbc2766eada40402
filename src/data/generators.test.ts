import { describe, expect, it } from 'vitest';
import { relativeError } from '../core/close.js';
import { matrix, type Matrix } from '../core/matrix.js';
import { rng } from '../core/rng.js';
import { blobs } from './blobs.js';
import type { Dataset } from './dataset.js';
import { moons } from './moons.js';
import { multiclass } from './multiclass.js';
import { sine1d } from './sine1d.js';
import { teacher } from './teacher.js';

// A fixed linear teacher y = x_0 - 2 x_1, so the teacher generator can be run without a model.
const linearTeacher = (X: Matrix): Matrix => {
  const out = matrix(X.rows, 1);
  for (let i = 0; i < X.rows; i++) out.data[i] = X.data[i * X.cols]! - 2 * X.data[i * X.cols + 1]!;
  return out;
};

interface Generator {
  readonly name: string;
  readonly make: (seed: number) => Dataset;
  readonly shape: readonly [m: number, d: number, targetDim: number];
  readonly classes?: number;
  /** The first row (x then y) at seed 2020: a fixed-seed no-regression pin of the generator and the RNG. */
  readonly pinned: readonly number[];
}

const data = (seed: number) => rng(seed).stream('data');

const GENERATORS: readonly Generator[] = [
  {
    name: 'teacher',
    make: (seed) => teacher({ teacher: linearTeacher, m: 40, d: 2, noise: 0.1 }, data(seed)),
    shape: [40, 2, 1],
    pinned: [-0.17360149120879678, -0.6708279700267444, 1.086875618081692],
  },
  { name: 'sine1d', make: (seed) => sine1d({ m: 32, noise: 0 }, data(seed)), shape: [32, 1, 1], pinned: [-3.1144891820465954, -0.02710015330498076] },
  { name: 'blobs', make: (seed) => blobs({ m: 64, d: 2 }, data(seed)), shape: [64, 2, 1], classes: 2, pinned: [-2.173601491208797, -0.6708279700267444, 0] },
  { name: 'blobs in 5 dimensions', make: (seed) => blobs({ m: 11, d: 5 }, data(seed)), shape: [11, 5, 1], classes: 2,
    pinned: [-2.173601491208797, -0.6708279700267444, 0.846898676018285, 2.024050162420387, -0.26711226065036875, 0] },
  { name: 'moons', make: (seed) => moons({ m: 64 }, data(seed)), shape: [64, 2, 1], classes: 2, pinned: [-1.3646832133965623, 0.33393314204805363, 0] },
  { name: 'multiclass', make: (seed) => multiclass({ m: 60, k: 3 }, data(seed)), shape: [60, 2, 1], classes: 3, pinned: [-0.9974745335414159, 0.06201471429148042, 0] },
  { name: 'multiclass with 5 classes', make: (seed) => multiclass({ m: 23, d: 4, k: 5 }, data(seed)), shape: [23, 4, 1], classes: 5,
    pinned: [-0.9974745335414159, 0.06201471429148042, -2.8612631864727303, 1.869015023310445, 0] },
];

// The bytes of a float64 array, so equality means identical bits (it tells -0 from 0 and compares NaNs).
const bits = (a: Float64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// The pins are values computed by the same operations on the same platform; the relative tolerance of a
// few ulps allows only for a Math.sin/cos/log that rounds differently on another engine.
const PIN_TOLERANCE = 1e-14;

describe.each(GENERATORS)('the $name generator', ({ make, shape, classes, pinned }) => {
  it('has the documented shape: x is m x d, y is m x targetDim', () => {
    const set = make(1);
    const [m, d, targetDim] = shape;
    expect([set.x.rows, set.x.cols, set.y.rows, set.y.cols]).toEqual([m, d, m, targetDim]);
  });

  it('gives identical bits for the same seed', () => {
    const a = make(7);
    const b = make(7);
    expect(bits(a.x.data)).toEqual(bits(b.x.data));
    expect(bits(a.y.data)).toEqual(bits(b.y.data));
  });

  it('gives different inputs for a different seed', () => {
    expect(bits(make(7).x.data)).not.toEqual(bits(make(8).x.data));
  });

  it('reproduces its pinned first row at seed 2020', () => {
    const set = make(2020);
    const first = [...set.x.data.subarray(0, set.x.cols), ...set.y.data.subarray(0, set.y.cols)];
    expect(first.length).toBe(pinned.length);
    pinned.forEach((v, k) => expect(relativeError(first[k]!, v), `entry ${k}: ${first[k]} vs pinned ${v}`).toBeLessThanOrEqual(PIN_TOLERANCE));
  });

  it('has labels in 0..classes-1, each class present and balanced to within one row', () => {
    const set = make(3);
    expect(set.classes).toBe(classes);
    if (classes === undefined) {
      expect(set.task).toBe('regression');
      return;
    }
    expect(set.task).toBe(classes === 2 ? 'binary' : 'multiclass');
    const counts = new Array<number>(classes).fill(0);
    for (const v of set.y.data) {
      expect(Number.isInteger(v) && v >= 0 && v < classes).toBe(true);
      counts[v]!++;
    }
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('has finite inputs and a description', () => {
    const set = make(4);
    expect(set.x.data.every(Number.isFinite)).toBe(true);
    expect(set.description.length).toBeGreaterThan(0);
  });
});

describe('option checks', () => {
  const r = data(1);
  it('name the generator and the option', () => {
    expect(() => blobs({ m: 1 }, r)).toThrow('blobs.m: expected an integer >= 2, got 1');
    expect(() => sine1d({ noise: -0.1 }, r)).toThrow('sine1d.noise: expected a finite number >= 0, got -0.1');
    expect(() => multiclass({ k: 4, m: 3 }, r)).toThrow('multiclass.m: expected an integer >= 4, got 3');
    expect(() => moons({ m: 2.5 }, r)).toThrow('moons.m: expected an integer >= 2, got 2.5');
    expect(() => moons({ m: '10' } as never, r)).toThrow('moons.m: expected an integer >= 2, got "10"');
    expect(() => teacher({ teacher: linearTeacher, d: 0 }, r)).toThrow('teacher.d: expected an integer >= 1, got 0');
  });

  it('reject an unknown option, listing the known ones', () => {
    expect(() => moons({ m: 10, radius: 2 } as never, r)).toThrow('moons.radius: unknown option; known options: m, noise');
  });
});
