/**
 * Step-size controllers. `pid` is the classical proportional-integral controller (Hairer, Norsett and Wanner,
 * section II.4; Gustafsson's PI form): after a step with scaled error err (accepted when err <= 1),
 *   h_new = h * clamp(safety * err^(-alpha) * errPrev^beta, minFactor, maxFactor),
 * with alpha = 1/k - 0.75 beta and k = errorOrder + 1. `constant` takes the steps it is given (for measuring
 * a method's order, and for fixed-grid comparisons).
 *
 * @module
 */

/** An adaptive controller's settings; defaults are scipy's and Hairer's (safety 0.9, factors in [0.2, 10]). */
export interface PidController {
  readonly kind: 'pid';
  /** Relative tolerance, per component: a step is accepted when its error is below atol + rtol |y|. */
  readonly rtol: number;
  /** Absolute tolerance, per component. */
  readonly atol: number;
  /** Safety factor on the predicted step (default 0.9). */
  readonly safety?: number;
  /** Smallest factor a step may shrink by (default 0.2). */
  readonly minFactor?: number;
  /** Largest factor a step may grow by (default 10). */
  readonly maxFactor?: number;
  /** The integral (memory) coefficient beta (default 0.04 for methods of order <= 5, 0 above, as Hairer). */
  readonly beta?: number;
  /** First step; chosen by Hairer's starting-step heuristic when absent. */
  readonly h0?: number;
  /** Largest step (default: the whole interval). */
  readonly hMax?: number;
}

/** Fixed steps of size h (the last one shortened to land on t1). */
export interface ConstantController {
  readonly kind: 'constant';
  readonly h: number;
}

/** A step-size controller. */
export type Controller = PidController | ConstantController;

/** Smallest rtol accepted: below 100 u the error estimate is itself rounding (scipy uses the same bound). */
export const MIN_RTOL = 100 * 2 ** -53;

/** The factor a PI controller applies to h. */
export function pidFactor(c: PidController, errorOrder: number, err: number, errPrev: number): number {
  const safety = c.safety ?? 0.9;
  const minFactor = c.minFactor ?? 0.2;
  const maxFactor = c.maxFactor ?? 10;
  const beta = c.beta ?? (errorOrder <= 4 ? 0.04 : 0);
  const alpha = 1 / (errorOrder + 1) - 0.75 * beta;
  if (err === 0) return maxFactor;
  const f = safety * err ** -alpha * errPrev ** beta;
  return Math.min(maxFactor, Math.max(minFactor, f));
}

/** Check a controller's settings; returns a message naming the bad field, or null. */
export function controllerProblem(c: Controller): string | null {
  if (c.kind === 'constant') return c.h > 0 && Number.isFinite(c.h) ? null : `controller.h: ${c.h} is not a positive finite step`;
  if (!(c.rtol >= MIN_RTOL)) return `controller.rtol: ${c.rtol} is below ${MIN_RTOL.toExponential(2)} (100 times the unit roundoff)`;
  if (!(c.atol >= 0)) return `controller.atol: ${c.atol} is negative or not a number`;
  if (c.h0 !== undefined && !(c.h0 > 0)) return `controller.h0: ${c.h0} is not positive`;
  return null;
}
