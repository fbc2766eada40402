/**
 * The tolerance for identities that hold exactly on the exact gradient flow and are checked on the
 * integrated one. DOP853 controls each step's local error to rtol relative to the state; on these small,
 * contractive-to-mildly-expansive flows the global error of each integrated quantity stays within a modest
 * multiple of rtol times the size of what is integrated. The identity y_T = y_0 - sum_i K^lp(x, x_i) is then
 * checked relative to the terms that cancel in it: |y_0| + |y_T| + sum_i |K^lp(x, x_i)|.
 *
 * @module
 */

/** The integrator's relative tolerance in the theorem's checks. */
export const FLOW_RTOL = 1e-11;

/** Its absolute tolerance: far below the size of any integrated quantity here (all O(1e-3) or more). */
export const FLOW_ATOL = 1e-14;

/**
 * How far the integrated identity may be off, relative to its terms: 100 rtol. The factor covers the
 * accumulation of local errors over a few hundred steps (measured worst ratios stay below 10) and the
 * rounding of the kernel contractions.
 */
export const IDENTITY_RTOL = 100 * FLOW_RTOL;

/**
 * A step budget for generated flows: a few generated problems are stiff (large sums of squared losses on
 * steep activations) and would take tens of thousands of steps at FLOW_RTOL. A flow that exhausts the budget
 * is not a counterexample to any identity; properties skip it with fc.pre and count how often.
 */
export const FLOW_MAX_STEPS = 4000;

/**
 * The step budget of the small flows of the remarks and discussion properties: flows needing more than this
 * many steps (accepted and rejected) are stiff (a layer norm over a small variance, or Huber's kinks forcing
 * rejections); they are slow and add nothing to those claims, so they are counted (a recorded figure) and left
 * out. The median generated flow takes about 20 steps, 95% take under 150.
 */
export const SMALL_FLOW_STEP_BUDGET = 300;

/** Fail when the step budget left out a third of the generated cases or more: the check would be hollow. */
export function checkStepBudget(stiff: number, runs: number | undefined, seed: number, replay: string): void {
  if (stiff * 3 >= (runs ?? Infinity)) throw new Error(`${stiff} of ${runs} generated flows exceeded the step budget of ${SMALL_FLOW_STEP_BUDGET}; seed ${seed}; replay: ${replay}`);
}
