/**
 * The result of `pathkernel run`: plain JSON (nested arrays of numbers), one part common to every method and
 * one part per kind of representation, the flow's kernel machine (Theorem 1) or the exact discrete path
 * kernel. Matrices are rows of numbers; with O outputs a row of a kernel is one (test point, output) pair, as
 * src/kernels lays them out. A value JSON cannot hold (a_i(x) where K^p(x, x_i) = 0) is written as null.
 *
 * @module
 */
import type { Matrix } from '../core/matrix.js';
import { toRows } from '../core/matrix.js';
import type { DataSummary, RunSeeds } from './problem.js';

/** Rows of numbers: a matrix as JSON. */
export type Rows = number[][];

/** A matrix as rows. */
export function rowsOf(a: Matrix): Rows {
  return toRows(a);
}

/** max_ij |a_ij - b_ij| (NaN when a value is not finite, so that a bad run cannot pass for a good one). */
export function maxAbsDifference(a: Matrix, b: Matrix): number {
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) {
    const diff = Math.abs(a.data[i]! - b.data[i]!);
    if (!(diff <= worst)) worst = diff;
  }
  return worst;
}

/** Values at the test and at the training points, n x O and m x O. */
export interface AtPoints {
  readonly test: Rows;
  readonly train: Rows;
}

/** What every run reports. */
export interface CommonResult {
  readonly versions: { readonly pathkernel: string; readonly node: string };
  readonly method: string;
  readonly seeds: RunSeeds;
  readonly data: DataSummary;
  /** The parameter layout: blocks in order, each at its offset in the flat vector. */
  readonly layout: readonly { readonly name: string; readonly rows: number; readonly cols: number; readonly offset: number }[];
  /** w0 and the final parameters (w(T) or w_S), flat, in the layout. */
  readonly params: { readonly initial: number[]; readonly final: number[] };
  /** f_{w0} at the test and training points. */
  readonly f0: AtPoints;
  /** f at the final parameters, at the test and training points. */
  readonly fT: AtPoints;
  /**
   * The training loss (without the regulariser): the flow's at `lossTimes`; a discrete method's batch loss at
   * w_s before each step s = 0..S-1.
   */
  readonly losses: number[];
  /** The spec with every default filled in. */
  readonly spec: Record<string, unknown>;
}

/** The gradient flow's part: Theorem 1's kernel machine at the test points. */
export interface FlowResultPart {
  readonly kind: 'flow';
  readonly T: number;
  /** The times of `losses`: 0, T/20, ..., T. */
  readonly lossTimes: number[];
  /** K^p(x, x_i), (n O) x (m O). */
  readonly pathKernel: Rows;
  /** a_i(x) = -K^p(x, x_i)^{-1} K^lp(x, x_i), (n O) x m. */
  readonly a: Rows;
  /** b(x) = f_{w0}(x) less the regulariser term, n x O. */
  readonly b: Rows;
  /** sum_i K^p(x, x_i) a_i(x) + b(x), n x O. */
  readonly kernelMachine: Rows;
  /** max |kernelMachine - fT.test|: zero up to the integrator's tolerance. */
  readonly kernelMachineError: number;
  readonly integrator: {
    readonly method: string;
    readonly status: string;
    readonly rtol: number;
    readonly atol: number;
    /** The flow is integrated in this many consecutive pieces of T (for progress); the integrals add up. */
    readonly rhsEvaluations: number;
    readonly acceptedSteps: number;
    readonly rejectedSteps: number;
  };
}

/** A discrete method's part: the exact discrete representation and Domingos' left-point form. */
export interface DiscreteResultPart {
  readonly kind: 'discrete';
  readonly steps: number;
  readonly eps: number;
  /** The full training loss at w_S (without the regulariser). */
  readonly finalLoss: number;
  /** f(x; w0) + sum_s of the segment integrals, n x O: equals fT.test up to quadrature and rounding. */
  readonly exact: Rows;
  /** max |exact - fT.test|. */
  readonly exactError: number;
  /**
   * The quadrature's own error estimate (n against 2n Gauss nodes), summed over steps; 0 with
   * `options.adaptive`, whose subdivision already meets its tolerance per segment.
   */
  readonly quadratureErrorEstimate: number;
  readonly quadratureNodes: number;
  /** Each training example's exact contribution, (n O) x m. */
  readonly contributions: Rows;
  /** The weight-decay part of the change (coupled and decoupled), n x O. */
  readonly regulariserContribution: Rows;
  /** Domingos' form f(x; w0) + sum_s grad f(x; w_s) . Delta w_s, n x O. */
  readonly leftPoint: Rows;
  /** max |leftPoint - fT.test|: O(eps) at fixed T. */
  readonly leftPointError: number;
  /** The left-point form plus sum_s 1/2 Delta w_s^T Hess f(x; w_s) Delta w_s, when `options.curvature`. */
  readonly curvature?: { readonly term: Rows; readonly corrected: Rows; readonly correctedError: number };
}

/** The result of a run. */
export type RunResult = CommonResult & (FlowResultPart | DiscreteResultPart);
