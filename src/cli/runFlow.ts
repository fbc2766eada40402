/**
 * The gradient flow run: dw/dt = -grad L(w) from w0 to T with the path integrals at the test points, then
 * Theorem 1's kernel machine y(x) = sum_i a_i(x) K^p(x, x_i) + b(x), which must reproduce f_{w(T)}(x).
 * One uninterrupted integration; the progress bar follows the time reached (in hundredths of T), and the
 * loss curve is recorded at LOSS_INTERVALS + 1 evenly spaced times from the flow's dense output.
 *
 * @module
 */
import { DOP853 } from '../flow/index.js';
import { gradientFlow, kernelMachine } from '../kernels/index.js';
import { totalLoss } from '../losses/index.js';
import type { PreparedRun } from './problem.js';
import type { RunProgress } from './progress.js';
import { maxAbsDifference, rowsOf, type FlowResultPart } from './result.js';
import { RunError } from './runError.js';
import type { RunOptionsSpec } from './spec.js';

/** Progress ticks over [0, T]. */
export const PROGRESS_TICKS = 100;
/** The loss curve's times are k T / LOSS_INTERVALS, k = 0..LOSS_INTERVALS. */
export const LOSS_INTERVALS = 20;

// The flow's own defaults (src/kernels/gradientFlow.ts), repeated so that the result states them.
const DEFAULT_RTOL = 1e-10;
const DEFAULT_ATOL = 1e-12;

/** Integrate the flow and build the kernel machine at the test points. */
export function runFlow(run: PreparedRun, T: number, options: RunOptionsSpec, progress?: RunProgress): { part: FlowResultPart; wT: Float64Array; losses: number[] } {
  const { model, problem, xTest } = run;
  const rtol = options.rtol ?? DEFAULT_RTOL;
  const atol = options.atol ?? DEFAULT_ATOL;
  const lossAt = (w: Float64Array, time: number): number => {
    try {
      return totalLoss(problem.loss, model.forward(w, problem.xTrain), problem.yTrain, problem.reduction ?? 'sum');
    } catch (error) {
      // A loss that rejects the outputs (negLogProb at y <= 0) already at w0 or at a saved time.
      if (error instanceof RangeError) throw new RunError(`flow at t = ${time}`, error.message);
      throw error;
    }
  };
  const lossTimes = Array.from({ length: LOSS_INTERVALS + 1 }, (_, k) => (k === LOSS_INTERVALS ? T : (k * T) / LOSS_INTERVALS));
  progress?.start(PROGRESS_TICKS, `hundredths of T = ${T}`);
  let result;
  try {
    result = gradientFlow(run.problem, run.w0, { queries: xTest }, { T, rtol, atol, ts: lossTimes, onProgress: (t) => progress?.update(Math.floor((PROGRESS_TICKS * t) / T)) });
  } catch (error) {
    // A loss that rejects the outputs the flow reached (for example negLogProb at y <= 0) throws mid-flow.
    if (error instanceof RangeError) throw new RunError('flow', error.message);
    throw error;
  }
  if (result.status !== 'success') {
    throw new RunError(`flow at t = ${result.T}`, `the integrator stopped (${result.status}) before T = ${T}: ${result.message}`);
  }
  const losses = result.ws.map((w, k) => lossAt(w, lossTimes[k]!));
  const q = result.queries!;
  const machine = kernelMachine(q);
  const part: FlowResultPart = {
    kind: 'flow',
    T,
    lossTimes,
    pathKernel: rowsOf(q.pathKernel),
    a: rowsOf(machine.a),
    b: rowsOf(machine.b),
    kernelMachine: rowsOf(machine.y),
    kernelMachineError: maxAbsDifference(machine.y, q.fT),
    integrator: { method: DOP853.name, status: 'success', rtol, atol, ...result.stats },
  };
  return { part, wT: result.wT, losses };
}
