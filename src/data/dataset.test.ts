import { describe, expect, it } from 'vitest';
import { fromRows, matrix } from '../core/matrix.js';
import { dataset } from './dataset.js';

const x = fromRows([[0, 1], [2, 3], [4, 5]]);

describe('dataset', () => {
  it('accepts a regression set without classes and a classification set with them', () => {
    expect(dataset({ name: 'r', x, y: fromRows([[0.5], [1], [2]]), task: 'regression', description: '' }).classes).toBeUndefined();
    expect(dataset({ name: 'c', x, y: fromRows([[0], [2], [1]]), task: 'multiclass', classes: 3, description: '' }).classes).toBe(3);
  });

  it('rejects inputs and targets with different row counts', () => {
    expect(() => dataset({ name: 'd', x, y: matrix(2, 1), task: 'regression', description: '' })).toThrow(
      'd: 3 input rows but 2 target rows',
    );
  });

  it('rejects classes on a regression set, and a binary set without exactly 2 classes', () => {
    expect(() => dataset({ name: 'd', x, y: matrix(3, 1), task: 'regression', classes: 2, description: '' })).toThrow(
      'd: a regression data set has no classes, got 2',
    );
    expect(() => dataset({ name: 'd', x, y: matrix(3, 1), task: 'binary', classes: 3, description: '' })).toThrow(
      'd: a binary data set needs exactly 2 classes, got 3',
    );
    expect(() => dataset({ name: 'd', x, y: matrix(3, 1), task: 'multiclass', description: '' })).toThrow(
      'd: a multiclass data set needs an integer >= 2 classes, got undefined',
    );
  });

  it('rejects a label outside 0..classes-1, naming the row', () => {
    expect(() => dataset({ name: 'd', x, y: fromRows([[0], [1], [2]]), task: 'binary', classes: 2, description: '' })).toThrow(
      'd: label 2 in row 2 is not a class index in 0..1',
    );
  });

  it('rejects non-finite inputs', () => {
    const bad = fromRows([[0, Number.NaN], [2, 3], [4, 5]]);
    expect(() => dataset({ name: 'd', x: bad, y: matrix(3, 1), task: 'regression', description: '' })).toThrow(
      'd: the inputs hold a non-finite value',
    );
  });
});
