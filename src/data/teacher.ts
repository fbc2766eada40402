/**
 * The teacher-student data set: Gaussian inputs x ~ N(0, I_d) labelled by a teacher function (typically a
 * model's forward pass at fixed weights), plus optional Gaussian label noise. The data layer does not know
 * models: the caller passes the teacher as a function of the input matrix.
 *
 * Inputs and noise come from separate sub-streams (`inputs`, `noise`) of the generator passed in, so changing
 * the noise level does not change the inputs.
 *
 * @module
 */
import type { Matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';
import { SpecError } from '../core/specError.js';
import { dataset, type Dataset } from './dataset.js';
import { checkKeys, intOption, scaleOption } from './options.js';
import { normalMatrix, withNoise } from './sampling.js';

/** Options of {@link teacher}. */
export interface TeacherOptions {
  /** The teacher: maps inputs (m x d) to targets (m x O). Required. */
  readonly teacher: (X: Matrix) => Matrix;
  /** The number of examples m (default 64). */
  readonly m?: number;
  /** The input dimension d (default 2). */
  readonly d?: number;
  /** The standard deviation of the Gaussian label noise added to every target entry (default 0). */
  readonly noise?: number;
}

const KNOWN = ['teacher', 'm', 'd', 'noise'] as const;

function checkTeacherOutput(Y: unknown, m: number): Matrix {
  const ok = typeof Y === 'object' && Y !== null && 'rows' in Y && 'cols' in Y && 'data' in Y && Y.data instanceof Float64Array;
  if (!ok) throw new RangeError('teacher: the teacher function did not return a matrix');
  const out = Y as Matrix;
  if (out.rows !== m) throw new RangeError(`teacher: the teacher function returned ${out.rows} rows for ${m} inputs`);
  return out;
}

/**
 * A teacher-student regression set: x_i ~ N(0, I_d), y*_i = teacher(x_i) + noise * N(0, I_O).
 *
 * @param options - {@link TeacherOptions}; `teacher` is required.
 * @param rng - the data stream (`rng(seed).stream('data')`).
 */
export function teacher(options: TeacherOptions, rng: Rng): Dataset {
  checkKeys('teacher', options, KNOWN);
  if (typeof options.teacher !== 'function') {
    throw new SpecError('teacher.teacher', 'expected a function from inputs (m x d) to targets (m x O)');
  }
  const m = intOption('teacher', 'm', options.m, 64, 1);
  const d = intOption('teacher', 'd', options.d, 2, 1);
  const noise = scaleOption('teacher', 'noise', options.noise, 0);
  const x = normalMatrix(m, d, rng.stream('inputs'));
  const clean = checkTeacherOutput(options.teacher(x), m);
  return dataset({
    name: 'teacher',
    x,
    y: withNoise(clean, noise, rng.stream('noise')),
    task: 'regression',
    description: `${m} inputs x ~ N(0, I_${d}), targets from the teacher (${clean.cols} output(s)) plus N(0, ${noise}^2) noise`,
  });
}
