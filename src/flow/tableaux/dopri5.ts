/**
 * Dormand and Prince's 5(4) pair (J. Comput. Appl. Math. 6, 1980), the method of MATLAB's ode45 and scipy's
 * RK45: seven stages, first same as last, fifth-order solution with a fourth-order embedded estimate, and
 * Shampine's (1986) continuous extension of order 4.
 *
 * @module
 */
import type { ButcherTableau } from '../tableau.js';

/** The Dormand-Prince 5(4) tableau with dense output. */
export const DOPRI5: ButcherTableau = {
  name: 'Dormand-Prince 5(4)',
  order: 5,
  errorOrder: 4,
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
  fsal: true,
  // e = b - bhat, with bhat the fourth-order weights 5179/57600, 0, 7571/16695, 393/640, -92097/339200,
  // 187/2100, 1/40.
  error: {
    kind: 'embedded',
    e: [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40],
  },
  dense: {
    order: 4,
    d: [[-12715105075 / 11282082432, 0, 87487479700 / 32700410799, -10690763975 / 1880347072, 701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423]],
    extraStages: { c: [], a: [] },
  },
};
