/**
 * k Gaussian blobs around random centres, one per class: a multiclass task whose labels 0..k-1 are stored as
 * one number per row (the layout softmax cross-entropy expects).
 *
 * Labels cycle (row i has label i mod k), so the classes are balanced. Centres and points come from separate
 * sub-streams (`centres`, `inputs`), so changing m does not move the centres.
 *
 * @module
 */
import { matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';
import { dataset, type Dataset } from './dataset.js';
import { checkKeys, intOption, scaleOption } from './options.js';
import { normalMatrix } from './sampling.js';

/** Options of {@link multiclass}. */
export interface MulticlassOptions {
  /** The number of points m (all classes together), at least k (default 60). */
  readonly m?: number;
  /** The input dimension d (default 2). */
  readonly d?: number;
  /** The number of classes k, at least 2 (default 3). */
  readonly k?: number;
  /** The standard deviation of the centres, drawn from N(0, spread^2 I_d) (default 3). */
  readonly spread?: number;
  /** The standard deviation of each blob, per coordinate (default 1). */
  readonly std?: number;
}

/**
 * k blobs: centres mu_c ~ N(0, spread^2 I_d); label c_i = i mod k; x_i = mu_{c_i} + std * N(0, I_d).
 *
 * @param options - {@link MulticlassOptions}.
 * @param rng - the data stream (`rng(seed).stream('data')`).
 */
export function multiclass(options: MulticlassOptions, rng: Rng): Dataset {
  checkKeys('multiclass', options, ['m', 'd', 'k', 'spread', 'std']);
  const k = intOption('multiclass', 'k', options.k, 3, 2);
  const m = intOption('multiclass', 'm', options.m, 60, k);
  const d = intOption('multiclass', 'd', options.d, 2, 1);
  const spread = scaleOption('multiclass', 'spread', options.spread, 3);
  const std = scaleOption('multiclass', 'std', options.std, 1);
  const centres = normalMatrix(k, d, rng.stream('centres'), spread);
  const x = normalMatrix(m, d, rng.stream('inputs'), std);
  const y = matrix(m, 1);
  for (let i = 0; i < m; i++) {
    const c = i % k;
    y.data[i] = c;
    for (let j = 0; j < d; j++) x.data[i * d + j]! += centres.data[c * d + j]!;
  }
  return dataset({
    name: 'multiclass',
    x,
    y,
    task: 'multiclass',
    classes: k,
    description: `${m} points in ${k} Gaussian blobs in ${d} dimensions, centres ~ N(0, ${spread}^2 I), std ${std}`,
  });
}
