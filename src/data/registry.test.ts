import { describe, expect, it } from 'vitest';
import { matrix, type Matrix } from '../core/matrix.js';
import { rng } from '../core/rng.js';
import { SpecError } from '../core/specError.js';
import { DATASET_NAMES, datasetByName } from './registry.js';
import { sine1d } from './sine1d.js';

const zeroTeacher = (X: Matrix): Matrix => matrix(X.rows, 1);

describe('datasetByName', () => {
  it('makes every registered data set, each carrying its name', () => {
    for (const name of DATASET_NAMES) {
      const options = name === 'teacher' ? { teacher: zeroTeacher } : {};
      expect(datasetByName(name, options, rng(1).stream('data')).name).toBe(name);
    }
  });

  it('gives the same data as calling the generator directly', () => {
    const direct = sine1d({ m: 9, noise: 0.1 }, rng(3).stream('data'));
    const named = datasetByName('sine1d', { m: 9, noise: 0.1 }, rng(3).stream('data'));
    expect(Array.from(named.y.data)).toEqual(Array.from(direct.y.data));
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => datasetByName('mnist', {}, rng(1))).toThrow(SpecError);
    expect(() => datasetByName('mnist', {}, rng(1))).toThrow(
      'data.name: unknown data set "mnist"; known data sets: teacher, sine1d, blobs, moons, multiclass, iris',
    );
  });

  it('rejects options that are not an object', () => {
    expect(() => datasetByName('moons', null as never, rng(1))).toThrow('data.options: expected an object of options, got null');
  });
});
