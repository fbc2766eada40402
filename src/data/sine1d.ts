/**
 * The one-dimensional sine regression set: x uniform on [-pi, pi], y = sin(x) plus optional Gaussian noise.
 * The inputs are sorted so that plots can draw the curve as a line. Inputs and noise come from separate
 * sub-streams (`inputs`, `noise`), so changing the noise level does not move the inputs.
 *
 * @module
 */
import { matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';
import { dataset, type Dataset } from './dataset.js';
import { checkKeys, intOption, scaleOption } from './options.js';
import { withNoise } from './sampling.js';

/** Options of {@link sine1d}. */
export interface Sine1dOptions {
  /** The number of points m (default 32). */
  readonly m?: number;
  /** The standard deviation of the Gaussian noise added to sin(x) (default 0). */
  readonly noise?: number;
}

/**
 * A sine regression set: x_i ~ U[-pi, pi] (sorted), y*_i = sin(x_i) + noise * N(0, 1); d = 1.
 *
 * @param options - {@link Sine1dOptions}.
 * @param rng - the data stream (`rng(seed).stream('data')`).
 */
export function sine1d(options: Sine1dOptions, rng: Rng): Dataset {
  checkKeys('sine1d', options, ['m', 'noise']);
  const m = intOption('sine1d', 'm', options.m, 32, 1);
  const noise = scaleOption('sine1d', 'noise', options.noise, 0);
  const inputs = rng.stream('inputs');
  const xs = Float64Array.from({ length: m }, () => inputs.uniformIn(-Math.PI, Math.PI)).sort();
  const clean = matrix(m, 1, xs.map(Math.sin));
  return dataset({
    name: 'sine1d',
    x: matrix(m, 1, xs),
    y: withNoise(clean, noise, rng.stream('noise')),
    task: 'regression',
    description: `${m} points x ~ U[-pi, pi], y = sin(x) + N(0, ${noise}^2) noise`,
  });
}
