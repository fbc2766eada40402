/**
 * The two interleaving half-circles ("moons"): class 0 on the upper unit half-circle, class 1 on a lower
 * half-circle shifted by (1, 1/2), plus Gaussian noise; a binary task no line separates. The points are
 * centred (shifted by -(1/2, 1/4)) so the inputs have mean near 0.
 *
 * Labels alternate (row i has label i mod 2). Angles and noise come from separate sub-streams (`inputs`,
 * `noise`), so changing the noise level does not move the underlying points.
 *
 * @module
 */
import { matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';
import { dataset, type Dataset } from './dataset.js';
import { checkKeys, intOption, scaleOption } from './options.js';
import { withNoise } from './sampling.js';

/** Options of {@link moons}. */
export interface MoonsOptions {
  /** The number of points m, both classes together (default 64). */
  readonly m?: number;
  /** The standard deviation of the Gaussian noise added to each coordinate (default 0.1). */
  readonly noise?: number;
}

/**
 * Two moons: label c_i = i mod 2, angle t_i ~ U[0, pi]; class 0 at (cos t, sin t), class 1 at
 * (1 - cos t, 1/2 - sin t); then shifted by -(1/2, 1/4) and perturbed by noise * N(0, I_2).
 *
 * @param options - {@link MoonsOptions}.
 * @param rng - the data stream (`rng(seed).stream('data')`).
 */
export function moons(options: MoonsOptions, rng: Rng): Dataset {
  checkKeys('moons', options, ['m', 'noise']);
  const m = intOption('moons', 'm', options.m, 64, 2);
  const noise = scaleOption('moons', 'noise', options.noise, 0.1);
  const angles = rng.stream('inputs');
  const clean = matrix(m, 2);
  const y = matrix(m, 1);
  for (let i = 0; i < m; i++) {
    const c = i % 2;
    const t = angles.uniformIn(0, Math.PI);
    y.data[i] = c;
    clean.data[2 * i] = (c === 0 ? Math.cos(t) : 1 - Math.cos(t)) - 0.5;
    clean.data[2 * i + 1] = (c === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) - 0.25;
  }
  return dataset({
    name: 'moons',
    x: withNoise(clean, noise, rng.stream('noise')),
    y,
    task: 'binary',
    classes: 2,
    description: `${m} points on two interleaving half-circles with N(0, ${noise}^2) noise`,
  });
}
