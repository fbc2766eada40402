/**
 * Gaussian draws for the generators: a matrix of normals and additive label noise.
 *
 * @module
 */
import { matrix, type Matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';

/** A rows x cols matrix of independent N(0, std^2) draws, row by row. */
export function normalMatrix(rows: number, cols: number, rng: Rng, std = 1): Matrix {
  const out = matrix(rows, cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = std * rng.normal();
  return out;
}

/** `a` plus N(0, std^2) noise drawn from `rng` entry by entry; `a` itself when std is 0 (no draw, exact). */
export function withNoise(a: Matrix, std: number, rng: Rng): Matrix {
  if (std === 0) return a;
  const out = matrix(a.rows, a.cols, a.data.slice());
  for (let i = 0; i < out.data.length; i++) out.data[i]! += std * rng.normal();
  return out;
}
