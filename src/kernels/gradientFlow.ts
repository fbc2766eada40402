/**
 * The reference gradient flow dw/dt = -grad_w L(w) (step P2's limit) with the integrals of Theorem 1 carried
 * as extra ODE state, so that they get the integrator's accuracy rather than a quadrature's:
 *
 * - the path kernel K^p(x, x_i) = int_0^T K^g_{w(t)}(x, x_i) dt (Definition 2);
 * - the loss-weighted kernel K^lp(x, x_i) = int_0^T K^g(x, x_i) L'_i dt (Remark 2; a vector for vector
 *   outputs: the O x O kernel block times the vector L'_i);
 * - with weight decay R(w) = lambda/2 |w|^2, the regulariser term int_0^T grad f(x) . grad R(w) dt (Remark 4);
 * - optionally the per-example superposition int_0^T L'_i grad f(x_i) dt (section 3).
 *
 * The chain rule (P3-P8) then says f_{w(T)}(x) = f_{w0}(x) - sum_i K^lp(x, x_i) - reg(x): an identity that
 * the numerical flow satisfies to the integrator's tolerance.
 *
 * @module
 * @claim step.gradient-flow-limit
 * @claim step.integrate
 * @claim def.path-kernel
 */
import { matrix, type Matrix } from '../core/matrix.js';
import { DOP853, solve, type ButcherTableau, type SolveStats, type SolveStatus, type StepInterpolant, denseSolution } from '../flow/index.js';
import { flattenParamAdjoints, outputJvp } from '../models/index.js';
import { lossGradient, type TrainingProblem } from '../train/index.js';

export { lossGradient, type TrainingProblem } from '../train/index.js';
import { tangentKernel, type KernelMethod } from './tangentKernel.js';

/** What to integrate along the flow besides w. */
export interface FlowIntegrals {
  /** Query points x (n x inputDim) for K^p(x, x_i), K^lp(x, x_i) and the regulariser term. */
  readonly queries?: Matrix;
  /** The same quantities on the training points themselves (x = x_j). */
  readonly trainTrain?: boolean;
  /** The per-example superposition int L'_i grad f(x_i) dt, an m x d matrix (section 3). */
  readonly superposition?: boolean;
}

/** Options of the flow. */
export interface FlowOptions {
  /** The horizon T. */
  readonly T: number;
  /** Relative tolerance of the integrator (default 1e-10). */
  readonly rtol?: number;
  /** Absolute tolerance of the integrator (default 1e-12). */
  readonly atol?: number;
  /** The stepping method (default DOP853). */
  readonly method?: ButcherTableau;
  /** How the tangent kernel is computed along the path (default structured where it applies). */
  readonly kernelMethod?: KernelMethod;
  /** Times at which to record w(t). */
  readonly ts?: readonly number[];
  /** Keep the dense output of w(t) (memory grows with the steps; needed for later queries). */
  readonly dense?: boolean;
  /** Steps allowed (default 200,000). */
  readonly maxSteps?: number;
  /** Called after every accepted step with the time reached (for progress bars). */
  readonly onProgress?: (t: number) => void;
}

/** Theorem 1's quantities at a set of query points. */
export interface PathQuantities {
  /** The queries, n x inputDim. */
  readonly x: Matrix;
  /** f_{w0}(x), n x O: the offset b of the kernel machine before the regulariser term. */
  readonly f0: Matrix;
  /** f_{w(T)}(x), n x O: what the kernel machine must reproduce. */
  readonly fT: Matrix;
  /** K^p(x, x_i), (n O) x (m O). */
  readonly pathKernel: Matrix;
  /** K^lp(x, x_i), (n O) x m: row (x, k), column i holds sum_k' int K^g_{(x,k),(i,k')} L'_{i,k'} dt. */
  readonly lossWeightedKernel: Matrix;
  /** int grad f_k(x) . grad R(w) dt, n x O (zero without weight decay). */
  readonly regulariserTerm: Matrix;
}

/** The result of a flow. */
export interface FlowResult {
  readonly status: SolveStatus;
  readonly message: string;
  readonly stats: SolveStats;
  readonly T: number;
  readonly w0: Float64Array;
  /** w at the time reached (T on success). */
  readonly wT: Float64Array;
  readonly queries: PathQuantities | null;
  readonly train: PathQuantities | null;
  /** Row i: int L'_i grad f(x_i) dt (an O-output model sums its outputs' terms), m x d. */
  readonly superposition: Matrix | null;
  /** Recorded times and w at each. */
  readonly ts: readonly number[];
  readonly ws: readonly Float64Array[];
  /** w(t) anywhere in [0, T], when `dense` was asked for. */
  readonly w: ((t: number) => Float64Array) | null;
}

interface Block {
  readonly x: Matrix;
  readonly kp: number;
  readonly klp: number;
  readonly reg: number;
}

/** Offsets of each integral in the ODE state [w | per block: K^p, K^lp, reg | superposition]. */
function layout(problem: TrainingProblem, integrals: FlowIntegrals): { blocks: Block[]; sup: number; size: number } {
  const { model, xTrain } = problem;
  const d = model.paramCount;
  const O = model.outputDim;
  const m = xTrain.rows;
  let offset = d;
  const blocks: Block[] = [];
  const add = (x: Matrix) => {
    const n = x.rows;
    const kp = offset;
    const klp = kp + n * O * m * O;
    const reg = klp + n * O * m;
    offset = reg + n * O;
    blocks.push({ x, kp, klp, reg });
  };
  if (integrals.queries) add(integrals.queries);
  if (integrals.trainTrain) add(xTrain);
  const sup = offset;
  if (integrals.superposition) offset += m * d;
  return { blocks, sup, size: offset };
}

function checkProblem(problem: TrainingProblem, integrals: FlowIntegrals): void {
  const { model, xTrain, yTrain } = problem;
  if (xTrain.cols !== model.inputDim) throw new RangeError(`training inputs: expected ${model.inputDim} columns, got ${xTrain.cols}`);
  if (yTrain.rows !== xTrain.rows) throw new RangeError(`training targets: expected ${xTrain.rows} rows, got ${yTrain.rows}`);
  if (integrals.queries && integrals.queries.cols !== model.inputDim) {
    throw new RangeError(`queries: expected ${model.inputDim} columns, got ${integrals.queries.cols}`);
  }
  if (model.batchCoupled && integrals.queries && integrals.queries !== xTrain) {
    throw new RangeError('queries: a model that couples the examples of a batch (batch norm) has outputs only on its training batch; use trainTrain');
  }
  if ((problem.weightDecay ?? 0) < 0) throw new RangeError(`weightDecay: ${problem.weightDecay} is negative`);
}

/**
 * The time derivative of the path integrals of one query block at w, written into `out` at the block's
 * offsets: dK^p/dt = K^g(x, x_i), dK^lp/dt = K^g(x, x_i) L'_i, d reg/dt = lambda grad f(x) . w.
 */
function blockRates(problem: TrainingProblem, method: KernelMethod, w: Float64Array, Lp: Matrix, block: Block, out: Float64Array): void {
  const { model, xTrain } = problem;
  const O = model.outputDim;
  const m = xTrain.rows;
  const n = block.x.rows;
  const K = tangentKernel(model, w, block.x, xTrain, method);
  out.set(K.data, block.kp);
  const cols = m * O;
  for (let r = 0; r < n * O; r++) {
    for (let i = 0; i < m; i++) {
      let acc = 0;
      for (let k = 0; k < O; k++) acc += K.data[r * cols + i * O + k]! * Lp.data[i * O + k]!;
      out[block.klp + r * m + i] = acc;
    }
  }
  const lambda = problem.weightDecay ?? 0;
  if (lambda !== 0) {
    const jw = outputJvp(model, w, block.x, w);
    for (let r = 0; r < n * O; r++) out[block.reg + r] = lambda * jw.data[r]!;
  } else {
    out.fill(0, block.reg, block.reg + n * O);
  }
}

function superpositionRates(problem: TrainingProblem, w: Float64Array, Lp: Matrix, out: Float64Array, offset: number): void {
  const { model, xTrain } = problem;
  const O = model.outputDim;
  const d = model.paramCount;
  const trace = model.trace(w, xTrain);
  for (let i = 0; i < xTrain.rows; i++) {
    const seed = matrix(xTrain.rows, O);
    for (let k = 0; k < O; k++) seed.data[i * O + k] = Lp.data[i * O + k]!;
    out.set(flattenParamAdjoints(trace, trace.tape.backward(trace.output, seed), d), offset + i * d);
  }
}

function quantities(problem: TrainingProblem, block: Block, state: Float64Array, w0: Float64Array, wT: Float64Array): PathQuantities {
  const { model, xTrain } = problem;
  const O = model.outputDim;
  const m = xTrain.rows;
  const n = block.x.rows;
  const slice = (start: number, rows: number, cols: number) => matrix(rows, cols, state.slice(start, start + rows * cols));
  return {
    x: block.x,
    f0: model.forward(w0, block.x),
    fT: model.forward(wT, block.x),
    pathKernel: slice(block.kp, n * O, m * O),
    lossWeightedKernel: slice(block.klp, n * O, m),
    regulariserTerm: slice(block.reg, n, O),
  };
}

/** Integrate the gradient flow from w0 to T with the path integrals asked for. */
export function gradientFlow(problem: TrainingProblem, w0: Float64Array, integrals: FlowIntegrals, options: FlowOptions): FlowResult {
  checkProblem(problem, integrals);
  const { model } = problem;
  const d = model.paramCount;
  if (w0.length !== d) throw new RangeError(`w0: expected ${d} parameters, got ${w0.length}`);
  const method = options.kernelMethod ?? 'structured';
  const { blocks, sup, size } = layout(problem, integrals);
  const y0 = new Float64Array(size);
  y0.set(w0);
  const field = (_t: number, state: Float64Array, out: Float64Array) => {
    const w = state.subarray(0, d);
    const { gradient, lossDerivatives: Lp } = lossGradient(problem, w);
    for (let j = 0; j < d; j++) out[j] = -gradient[j]!;
    for (const block of blocks) blockRates(problem, method, w, Lp, block, out);
    if (integrals.superposition) superpositionRates(problem, w, Lp, out, sup);
  };
  const pieces: StepInterpolant[] = [];
  const sol = solve(field, 0, options.T, y0, {
    method: options.method ?? DOP853,
    controller: { kind: 'pid', rtol: options.rtol ?? 1e-10, atol: options.atol ?? 1e-12 },
    saveAt: { ts: options.ts ?? [] },
    maxSteps: options.maxSteps ?? 200_000,
    ...(options.dense || options.onProgress
      ? {
          onStep: (step: StepInterpolant) => {
            if (options.dense) pieces.push(step.restrict(0, d));
            options.onProgress?.(step.t1);
          },
        }
      : {}),
  });
  const wT = sol.y.slice(0, d);
  const dense = options.dense ? denseSolution(pieces) : null;
  const queriesBlock = integrals.queries ? blocks[0]! : null;
  const trainBlock = integrals.trainTrain ? blocks[blocks.length - 1]! : null;
  return {
    status: sol.status,
    message: sol.message,
    stats: sol.stats,
    T: sol.t,
    w0: w0.slice(),
    wT,
    queries: queriesBlock ? quantities(problem, queriesBlock, sol.y, w0, wT) : null,
    train: trainBlock ? quantities(problem, trainBlock, sol.y, w0, wT) : null,
    superposition: integrals.superposition ? matrix(problem.xTrain.rows, d, sol.y.slice(sup, sup + problem.xTrain.rows * d)) : null,
    ts: sol.ts,
    ws: sol.ys.map((y) => y.slice(0, d)),
    w: dense ? (t: number) => dense.evaluate(t) : null,
  };
}

/**
 * Theorem 1's quantities at new queries, after the flow: the path integrals are integrated along the
 * recorded dense output w(t) (a flow run with `dense: true`), with the same integrator and tolerances. This
 * is what makes a_i(x), b(x) and K^p(x, x_i) functions of any query x, not only of the queries known before
 * training; its accuracy is that of the dense output (the integrator's tolerance).
 */
export function pathQuantitiesAt(problem: TrainingProblem, flow: FlowResult, queries: Matrix, options: Omit<FlowOptions, 'T' | 'dense' | 'ts'> = {}): PathQuantities {
  if (!flow.w) throw new RangeError('pathQuantitiesAt: the flow was run without dense output; run it with dense: true');
  if (flow.status !== 'success') throw new RangeError(`pathQuantitiesAt: the flow ended with status ${flow.status}`);
  const integrals: FlowIntegrals = { queries };
  checkProblem(problem, integrals);
  const d = problem.model.paramCount;
  const method = options.kernelMethod ?? 'structured';
  const { blocks, size } = layout(problem, integrals);
  const block = blocks[0]!;
  const wOf = flow.w;
  const scratch = new Float64Array(size);
  const field = (t: number, _state: Float64Array, out: Float64Array) => {
    const w = wOf(Math.min(t, flow.T));
    const { lossDerivatives: Lp } = lossGradient(problem, w);
    blockRates(problem, method, w, Lp, block, scratch);
    out.set(scratch.subarray(d));
  };
  const sol = solve(field, 0, flow.T, new Float64Array(size - d), {
    method: options.method ?? DOP853,
    controller: { kind: 'pid', rtol: options.rtol ?? 1e-10, atol: options.atol ?? 1e-12 },
    maxSteps: options.maxSteps ?? 200_000,
  });
  if (sol.status !== 'success') throw new RangeError(`pathQuantitiesAt: quadrature ended with status ${sol.status}: ${sol.message}`);
  const state = new Float64Array(size);
  state.set(sol.y, d);
  return quantities(problem, block, state, flow.w0, flow.wT);
}
