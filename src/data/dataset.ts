/**
 * What a data set is: inputs x (m x d), targets y (m x targetDim) and the task they pose. Classification
 * labels are stored as one number per row (0..classes-1), the layout the losses expect.
 *
 * @module
 */
import { allFinite, type Matrix } from '../core/matrix.js';

/** The task a data set poses: real targets, a 0/1 label, or a class index. */
export type Task = 'regression' | 'binary' | 'multiclass';

/** A training set {(x_i, y*_i)}, i = 1..m. */
export interface Dataset {
  /** The generator's name, for example `moons` or `iris`. */
  readonly name: string;
  /** Inputs, m x d. */
  readonly x: Matrix;
  /** Targets y*, m x targetDim (one column holding the label for classification). */
  readonly y: Matrix;
  readonly task: Task;
  /** The number of classes: 2 for `binary`, k >= 2 for `multiclass`, absent for `regression`. */
  readonly classes?: number;
  /** One line on how the data were made (generator, sizes, noise). */
  readonly description: string;
}

function checkLabels(where: string, y: Matrix, classes: number): void {
  if (y.cols !== 1) throw new RangeError(`${where}: labels take 1 column, got ${y.cols}`);
  y.data.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(`${where}: label ${v} in row ${i} is not a class index in 0..${classes - 1}`);
    }
  });
}

/**
 * A checked data set: x and y have the same number of rows and finite entries; `classes` is present exactly
 * for classification (2 for binary), and every label is an integer in 0..classes-1.
 */
export function dataset(fields: Dataset): Dataset {
  const { name, x, y, task, classes } = fields;
  if (x.rows !== y.rows) throw new RangeError(`${name}: ${x.rows} input rows but ${y.rows} target rows`);
  if (!allFinite(x)) throw new RangeError(`${name}: the inputs hold a non-finite value`);
  if (!allFinite(y)) throw new RangeError(`${name}: the targets hold a non-finite value`);
  if (task === 'regression') {
    if (classes !== undefined) throw new RangeError(`${name}: a regression data set has no classes, got ${classes}`);
    return fields;
  }
  const expected = task === 'binary' ? 'exactly 2' : 'an integer >= 2';
  if (classes === undefined || !Number.isInteger(classes) || classes < 2 || (task === 'binary' && classes !== 2)) {
    throw new RangeError(`${name}: a ${task} data set needs ${expected} classes, got ${classes}`);
  }
  checkLabels(name, y, classes);
  return fields;
}
