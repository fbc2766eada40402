import { describe, expect, it } from 'vitest';
import { rng } from '../core/rng.js';
import { blobs } from './blobs.js';
import { moons } from './moons.js';
import { multiclass } from './multiclass.js';
import { sine1d } from './sine1d.js';

const data = (seed: number) => rng(seed).stream('data');

describe('sine1d', () => {
  it('has sorted inputs in [-pi, pi] and targets sin(x) exactly when the noise is 0', () => {
    const set = sine1d({ m: 50 }, data(1));
    for (let i = 0; i < 50; i++) {
      const x = set.x.data[i]!;
      expect(x).toBeGreaterThanOrEqual(-Math.PI);
      expect(x).toBeLessThan(Math.PI);
      if (i > 0) expect(x).toBeGreaterThanOrEqual(set.x.data[i - 1]!);
      expect(set.y.data[i]).toBe(Math.sin(x));
    }
  });

  it('keeps the inputs when only the noise level changes', () => {
    expect(Array.from(sine1d({ noise: 0.3 }, data(2)).x.data)).toEqual(Array.from(sine1d({}, data(2)).x.data));
  });
});

describe('blobs', () => {
  it('centres the classes separation/2 either side of the origin along the first axis', () => {
    const separation = 6;
    const set = blobs({ m: 2000, d: 3, separation, std: 1 }, data(3));
    const sums = [new Float64Array(3), new Float64Array(3)];
    for (let i = 0; i < set.x.rows; i++) for (let j = 0; j < 3; j++) sums[set.y.data[i]!]![j]! += set.x.data[3 * i + j]!;
    // 1000 points per class with unit std: each mean coordinate has std 0.032; 5 of them is 0.16.
    const tol = 5 / Math.sqrt(1000);
    [-separation / 2, separation / 2].forEach((centre, c) => {
      const mean = Array.from(sums[c]!, (s) => s / 1000);
      expect(Math.abs(mean[0]! - centre)).toBeLessThan(tol);
      expect(Math.abs(mean[1]!)).toBeLessThan(tol);
      expect(Math.abs(mean[2]!)).toBeLessThan(tol);
    });
  });
});

describe('moons', () => {
  it('puts each noiseless point on its class half-circle', () => {
    const set = moons({ m: 40, noise: 0 }, data(4));
    for (let i = 0; i < 40; i++) {
      const u = set.x.data[2 * i]! + 0.5;
      const v = set.x.data[2 * i + 1]! + 0.25;
      // class 0: (cos t, sin t), class 1: (1 - cos t, 1/2 - sin t), t in [0, pi].
      const [cx, cy, side] = set.y.data[i] === 0 ? [0, 0, 1] : [1, 0.5, -1];
      expect(Math.hypot(u - cx, v - cy)).toBeCloseTo(1, 14);
      expect(side * (v - cy)).toBeGreaterThanOrEqual(0);
    }
  });

  it('keeps the underlying angles when only the noise level changes', () => {
    const quiet = moons({ m: 20, noise: 0 }, data(5));
    const noisy = moons({ m: 20, noise: 0.05 }, data(5));
    const gap = noisy.x.data.map((v, k) => Math.abs(v - quiet.x.data[k]!));
    // Gaussian noise with std 0.05 over 40 coordinates stays below 6 std (0.3) with overwhelming probability.
    expect(Math.max(...gap)).toBeLessThan(0.3);
    expect(Math.max(...gap)).toBeGreaterThan(0);
  });
});

describe('multiclass', () => {
  it('keeps the centres when only m changes: the class means agree', () => {
    const classMean = (m: number, c: number): number[] => {
      const set = multiclass({ m, k: 3, std: 0 }, data(6));
      const i = Array.from(set.y.data).indexOf(c);
      return Array.from(set.x.data.subarray(2 * i, 2 * i + 2));
    };
    for (let c = 0; c < 3; c++) expect(classMean(9, c)).toEqual(classMean(300, c));
  });

  it('labels every row with a class index stored as one number', () => {
    const set = multiclass({ m: 10, k: 4 }, data(7));
    expect(Array.from(set.y.data)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  });
});
