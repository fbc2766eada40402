/**
 * The small reference flows of the remarks', section 2's and the sum-vs-mean properties: generated MLPs that
 * stay out of the stiff corner, a step budget sized from measured step counts, and a runner that counts a
 * flow over the budget in the property's case account instead of dropping it.
 *
 * Measured (DOP853 at FLOW_RTOL, the flows' own integrals carried, 800 draws each of flowCaseArb over
 * mlpSpecArb({ maxDepth: 2, maxWidth: 5 }), accepted plus rejected steps):
 * - with layer norm (over 3 units or more): median 21, 95% under 142, 99% under 422, and 6 of 800 over 1000,
 *   two over 20,000 (a layer norm over few units of a low-rank input has a variance that nearly vanishes for
 *   some inputs, and 1/sqrt(variance) slopes along the path); those 1% of the flows took 80% of the time;
 * - without layer norm: median 19, 99% under 202, the largest 425 (square activations included) and 281
 *   without squares; Huber's kinks (L'' jumps where a residual crosses delta) cost 90 to 150 rejected steps.
 *
 * So these flows leave layer norm out (it is covered on fixed parameters by Definition 1's properties, and
 * on flows by Theorem 1's), and the budget is set at about five times the largest count measured without it:
 * a flow over the budget is an outlier, counted, and a property whose cases go over it more than 5% of the
 * time fails.
 *
 * @module
 */
import type fc from 'fast-check';
import { gradientFlow, type FlowIntegrals, type FlowResult, type TrainingProblem } from '../../src/kernels/index.js';
import type { ModelSpecInput } from '../../src/models/index.js';
import { SEED, replayCommand } from './config.js';
import { FLOW_ATOL, FLOW_RTOL } from './flowTolerance.js';
import type { CaseLedger } from './ledger.js';
import { mlpSpecArb, type ArchitectureOptions } from './models.js';

/** Accepted plus rejected steps allowed to a small flow: about five times the largest count measured. */
export const SMALL_FLOW_BUDGET = 2000;

/** The reason a case over the budget is counted under. */
export const OVER_BUDGET = `over the step budget of ${SMALL_FLOW_BUDGET} (a stiff flow)`;

/**
 * MLPs for the small flows: at most two hidden layers of width at most 5 and no layer norm (the stiff corner,
 * see the module's note); the options narrow further (outputs, depth, activations).
 */
export function smallFlowSpecArb(options: ArchitectureOptions = {}): fc.Arbitrary<ModelSpecInput> {
  return mlpSpecArb({ maxDepth: 2, maxWidth: 5, ...options, layerNorm: false });
}

/** Options of {@link runSmallFlow}: the flow's horizon and recorded times, plus what identifies the case. */
export interface SmallFlowRun {
  readonly T: number;
  readonly ts?: readonly number[];
  readonly rtol?: number;
  /** A description of the case for the error message of a flow that fails outright. */
  readonly where: string;
  /** The property file (for the replay command). */
  readonly file: string;
}

/**
 * The reference flow of a generated case within the budget. A flow over the budget is skipped through the
 * ledger (counted, and fast-check draws another case); any other failure of the integrator is an error.
 */
export function runSmallFlow(ledger: CaseLedger, problem: TrainingProblem, w0: Float64Array, integrals: FlowIntegrals, run: SmallFlowRun): FlowResult {
  const res = gradientFlow(problem, w0, integrals, { T: run.T, rtol: run.rtol ?? FLOW_RTOL, atol: FLOW_ATOL, maxSteps: SMALL_FLOW_BUDGET, ...(run.ts ? { ts: run.ts } : {}) });
  if (res.status === 'max-steps') ledger.skip(OVER_BUDGET);
  if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${run.where}; seed ${SEED}; replay: ${replayCommand(run.file)}`);
  return res;
}

/** n equally spaced times from 0 to T. */
export function linspace(T: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (T * k) / (n - 1));
}
