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
 * How far an integrated quantity may be off the exact flow, relative to its size, and how far an integrated
 * identity may be off, relative to its terms: 100 rtol. The factor covers the accumulation of local errors
 * over a few hundred steps and the rounding of the kernel contractions.
 *
 * Its slack, measured: a nonlinear, expanding flow reaches an error of about rtol in w itself (the sum-vs-mean
 * property's spread between rtol and rtol/100, 1e-2 of this bound); contracting linear flows stay 1e-4 of it
 * below (the closed forms of section 2); identities whose terms are stepped by the same stages show defects
 * of 1e-4 to 1e-3 of it, their errors being correlated. It is kept at the controller's budget because that is
 * what can be derived (DOP853's error estimate, from its embedded lower-order solutions, over-estimates the
 * 8th-order solution's error by an amount no bound gives), and because what a wrong formula leaves is larger
 * by far: a sign, a factor 1/m or lambda, a kernel term or block moves these quantities by 1e-3 of their size
 * or more.
 */
export const IDENTITY_RTOL = 100 * FLOW_RTOL;

/**
 * A step budget for generated flows: a few generated problems are stiff (large sums of squared losses on
 * steep activations) and would take tens of thousands of steps at FLOW_RTOL. A flow that exhausts the budget
 * is not a counterexample to any identity; properties skip it through their case ledger (ledger.skip), which
 * counts it and fails the property when more than 5% of its cases go over. (The generator of Theorem 1's
 * properties keeps layer norm, whose flows make the tail of step counts: see smallFlows.ts for the measurement.)
 */
export const FLOW_MAX_STEPS = 4000;
