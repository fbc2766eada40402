/**
 * A Runge-Kutta method as data: its Butcher tableau, its error estimator and its dense output. The stepping
 * code reads these arrays and nothing else, so a method is added by writing its numbers, and its orders are
 * checked by the order conditions (src/flow/orderConditions.ts) rather than trusted.
 *
 * @module
 */

/**
 * How a step's local error is estimated from its stages k_j (each k_j = f(t + c_j h, Y_j)):
 * - `embedded`: err = h sum_j e_j k_j, the difference between the solution and an embedded lower-order one.
 * - `dop853`: two estimators, err5 = h sum e5_j k_j and err3 = h sum e3_j k_j, combined as
 *   |err5|^2 / sqrt(|err5|^2 + 0.01 |err3|^2) (Hairer, Norsett and Wanner, section II.10), which behaves like
 *   an eighth-order estimate for small h and stays robust for large h.
 */
export type ErrorEstimator =
  | { readonly kind: 'embedded'; readonly e: readonly number[] }
  | { readonly kind: 'dop853'; readonly e5: readonly number[]; readonly e3: readonly number[] };

/**
 * A continuous extension: with Delta = y1 - y0, the interpolant on theta in [0, 1] is
 *   y(theta) = y0 + theta (Delta + (1 - theta) (r3 + theta (r4 + (1 - theta) (r5 + theta (r6 + ...)))))
 * where r3 = h k_1 - Delta, r4 = Delta - h f(t1, y1) - r3 (Hermite conditions at both ends), and the further
 * coefficients r5, r6, ... are h sum_j d[q]_j k_j over the stages, including `extraStages` evaluated after
 * the step is accepted.
 */
export interface DenseOutput {
  /** The order of the interpolant (its error is O(h^(order + 1)) on a step). */
  readonly order: number;
  /** Rows d[q] for r5, r6, ... (each as long as the stage count including extra stages). */
  readonly d: readonly (readonly number[])[];
  /** Stages evaluated only for dense output: their nodes c and rows of a (over all earlier stages). */
  readonly extraStages: { readonly c: readonly number[]; readonly a: readonly (readonly number[])[] };
}

/** An explicit Runge-Kutta pair. */
export interface ButcherTableau {
  readonly name: string;
  /** Order of the propagated solution. */
  readonly order: number;
  /** Order the error estimator is built from (the step-size controller's exponent uses min(order, this) + 1). */
  readonly errorOrder: number;
  /** Nodes c_j, one per stage. */
  readonly c: readonly number[];
  /** Rows of the strictly lower-triangular matrix a (row j has j entries). */
  readonly a: readonly (readonly number[])[];
  /** Weights b_j. */
  readonly b: readonly number[];
  /**
   * Whether the last stage is evaluated at (t + h, y1), so it is the next step's first stage (first same as
   * last). When false, f(t1, y1) is evaluated once after the step and then reused.
   */
  readonly fsal: boolean;
  readonly error: ErrorEstimator;
  readonly dense: DenseOutput;
}
