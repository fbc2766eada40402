/**
 * Two Gaussian blobs in d dimensions, one per class, with centres a given distance apart along the first
 * axis: a linearly separable binary task when the separation is large against the spread.
 *
 * Labels alternate (row i has label i mod 2), so the classes are balanced and every prefix of the rows holds
 * both.
 *
 * @module
 */
import { matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';
import { dataset, type Dataset } from './dataset.js';
import { checkKeys, intOption, scaleOption } from './options.js';
import { normalMatrix } from './sampling.js';

/** Options of {@link blobs}. */
export interface BlobsOptions {
  /** The number of points m, both classes together (default 64). */
  readonly m?: number;
  /** The input dimension d (default 2). */
  readonly d?: number;
  /** The distance between the two centres (default 4). */
  readonly separation?: number;
  /** The standard deviation of each blob, per coordinate (default 1). */
  readonly std?: number;
}

/**
 * Two blobs: label c_i = i mod 2, x_i = (2 c_i - 1) (separation / 2) e_1 + std * N(0, I_d).
 *
 * @param options - {@link BlobsOptions}.
 * @param rng - the data stream (`rng(seed).stream('data')`).
 */
export function blobs(options: BlobsOptions, rng: Rng): Dataset {
  checkKeys('blobs', options, ['m', 'd', 'separation', 'std']);
  const m = intOption('blobs', 'm', options.m, 64, 2);
  const d = intOption('blobs', 'd', options.d, 2, 1);
  const separation = scaleOption('blobs', 'separation', options.separation, 4);
  const std = scaleOption('blobs', 'std', options.std, 1);
  const x = normalMatrix(m, d, rng.stream('inputs'), std);
  const y = matrix(m, 1);
  for (let i = 0; i < m; i++) {
    const c = i % 2;
    y.data[i] = c;
    x.data[i * d]! += (2 * c - 1) * (separation / 2);
  }
  return dataset({
    name: 'blobs',
    x,
    y,
    task: 'binary',
    classes: 2,
    description: `${m} points in 2 Gaussian blobs in ${d} dimensions, centres ${separation} apart, std ${std}`,
  });
}
