/**
 * Exact discrete path kernels: no eps -> 0 limit. For any optimiser, the fundamental theorem of calculus on
 * each step's straight segment w_s + tau Delta w_s, tau in [0, 1], gives
 *   f(x; w_S) = f(x; w_0) + sum_s int_0^1 grad f(x; w_s + tau Delta w_s) dtau . Delta w_s,
 * and writing Delta w_s through the per-example gradients (GD: -eps sum_i L'_{i,s} grad f(x_i; w_s); SGD:
 * the same over the batch, Remark 5's indicators; momentum: a combination over steps r <= s; Adam: the same
 * behind the preconditioner P_s) splits it into one exact contribution per training example. Only the
 * quadrature of the segment integral (Gauss-Legendre, with an n-against-2n error estimate) and rounding
 * remain (Bell et al. 2023 for GD; the optimiser forms are derived here).
 *
 * The per-example split. With the identity preconditioner and no momentum (GD, SGD), example i's direction
 * is a multiple of its own gradient at w_s, so its share of step s is -eps sum_q c_q K(x, w_s + tau_q Delta w_s;
 * x_i, w_s) L'_{i,s}: a cross tangent kernel, computed by the structured identity from the queries' trace at
 * each node and the batch's at w_s (segmentKernel.ts), with no per-example gradient or Jacobian. Momentum and
 * Adam carry per-example combinations of earlier gradients in parameter space (M_i), which are projected on
 * the node-averaged Jacobian of the queries instead.
 *
 * Domingos' formula per step replaces the segment average by its left end, grad f(x; w_s): the error of that
 * is 1/2 Delta w_s^T Hess f(x; w_s) Delta w_s + O(|Delta w|^3) per step, so O(eps) at fixed T; adding the
 * curvature term leaves O(eps^2).
 *
 * ReLU (caveat.nondifferentiable): the segment integrand is only piecewise smooth, with kinks where a unit's
 * pre-activation crosses 0. Two remedies: `kinkGrid` locates the kinks (sign changes of the ReLU
 * pre-activations at the queries on a grid, refined by bisection) and integrates piece by piece, where the
 * network is a polynomial in tau; `adaptive` subdivides where the n-node and two-halves estimates disagree,
 * which is cheaper to set up but can stop early when the two estimates agree by coincidence.
 *
 * @module
 * @claim disc.exact-path-kernel
 * @claim disc.sgd-exact
 * @claim disc.momentum-exact
 * @claim disc.adam-exact
 * @claim rate.first-order
 * @claim rate.second-order
 * @claim rem.sgd-indicators
 */
import { gaussLegendreOn, matmulTransB, matrix, richardsonDerivative, type Matrix } from '../core/index.js';
import { jacobian, outputJvp, paramTangents, type Trace } from '../models/index.js';
import { batchProblem, lossGradient, type StepRecord, type TrainingProblem } from '../train/index.js';
import { segmentCrossKernel } from './segmentKernel.js';
import { crossKernelOfFactors, siteFactors } from './tangentKernel.js';

/** Options of the discrete representation. */
export interface DiscretePathOptions {
  /** Gauss-Legendre nodes per segment (default 8). */
  readonly nodes?: number;
  /** Subdivide segments adaptively until n nodes and the two halves agree to `tol` (absolute, on outputs). */
  readonly adaptive?: { readonly tol: number; readonly maxDepth?: number } | null;
  /** Also accumulate Domingos' left-point form's curvature correction (default false). */
  readonly curvature?: boolean;
  /** Split the exact representation into one contribution per training example (default true). */
  readonly perExample?: boolean;
  /** Also accumulate the full-batch path-kernel machine along the same path (Remark 5's comparison). */
  readonly fullBatchComparison?: boolean;
  /** Estimate the quadrature error with 2n nodes on every segment (default true; doubles the cost). */
  readonly errorEstimate?: boolean;
  /**
   * Locate ReLU kinks on each segment and integrate piece by piece (`kinkGrid` sample points, then bisection
   * of every sign change of a ReLU pre-activation at the queries). Between kinks a ReLU network is a
   * polynomial in tau, which Gauss-Legendre integrates exactly. Two sign changes of one unit inside one grid
   * cell are missed; the grid size bounds that risk.
   */
  readonly kinkGrid?: number;
}

/**
 * The points in (0, 1) where a ReLU pre-activation at the queries changes sign along w_s + tau Delta w_s,
 * found on a grid of `grid` cells and refined by bisection to rounding.
 */
export function reluKinks(model: TrainingProblem['model'], ws: Float64Array, dw: Float64Array, queries: Matrix, grid: number): number[] {
  const pre = (tau: number): Float64Array => {
    const trace = model.trace(ws.map((v, j) => v + tau * dw[j]!), queries);
    const parts = trace.tape.inputsOf('relu');
    const out = new Float64Array(parts.reduce((s, p) => s + p.data.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p.data, o);
      o += p.data.length;
    }
    return out;
  };
  const kinks: number[] = [];
  let prevTau = 0;
  let prev = pre(0);
  for (let g = 1; g <= grid; g++) {
    const tau = g / grid;
    const cur = pre(tau);
    for (let u = 0; u < cur.length; u++) {
      if (Math.sign(prev[u]!) * Math.sign(cur[u]!) >= 0) continue;
      let lo = prevTau;
      let hi = tau;
      const loSign = Math.sign(prev[u]!);
      for (let it = 0; it < 60 && hi - lo > 1e-16; it++) {
        const mid = (lo + hi) / 2;
        if (Math.sign(pre(mid)[u]!) === loSign) lo = mid;
        else hi = mid;
      }
      kinks.push((lo + hi) / 2);
    }
    prevTau = tau;
    prev = cur;
  }
  return [...new Set(kinks)].sort((a, b) => a - b);
}

/** The discrete representation at the queries after S steps. */
export interface DiscreteRepresentation {
  readonly x: Matrix;
  /** f(x; w_0) and f(x; w_S), n x O. */
  readonly f0: Matrix;
  readonly fS: Matrix;
  /** f(x; w_0) + sum_s of the segment integrals (n x O): equals fS up to quadrature and rounding. */
  readonly exact: Matrix;
  /**
   * The quadrature's own error estimate: the sum over steps of max |I_n - I_2n| (fixed nodes), or over the
   * adaptive subdivision's leaves of max |I(two halves) - I(whole)| (adaptive).
   */
  readonly quadratureErrorEstimate: number;
  /** Adaptive mode: leaves that reached the depth cap with their two estimates still further apart than tol. */
  readonly unconvergedSegments: number;
  /** Segment-integrand evaluations used (nodes over all steps, including subdivisions). */
  readonly evaluations: number;
  /** Domingos' form: f(x; w_0) + sum_s grad f(x; w_s) . Delta w_s (K^p = eps sum_s K^g(w_s) for GD). */
  readonly leftPoint: Matrix;
  /** sum_s 1/2 Delta w_s^T Hess f(x; w_s) Delta w_s, n x O (when asked). */
  readonly curvatureTerm: Matrix | null;
  /** Exact contribution of each training example, (n O) x m (when asked). */
  readonly contributions: Matrix | null;
  /**
   * Sum over steps and examples of the absolute terms of example i's share of step s (|G P| |v| over the d
   * parameters), n x O (with the split): at least sum |share|, the scale of the
   * split's rounding. Shares can cancel: Adam divides by the root of a second moment that is tiny on a
   * coordinate whose total gradient vanishes while its per-example gradients do not, so shares can exceed the
   * change of f by orders of magnitude while summing to it.
   */
  readonly splitMagnitude: Matrix | null;
  /**
   * Where the split rebuilds the update from per-example gradients (momentum, Adam, AdamW), the scale of the
   * rebuild's mismatch with the optimiser's own update, carried to the queries: sum_s sum_j |Gbar_{s,j}|
   * (eps P_j sum_r |c_{s,r}| G_r + eps lambda_dec |w_{s,j}| + |Delta w_{s,j}|), n x O, with G_r the largest entry of
   * sum_i |g_{i,r}| + |lambda w_r| at step r and c_{s,r} the update's coefficients on step r's gradient. A
   * gradient entry rounds relative to the gradient's scale, not its own size (backpropagation through a layer
   * norm over two units cancels), and Adam's preconditioner P_j = 1 / (sqrt(v_j) + delta) multiplies that
   * absolute rounding by up to 1 / delta on a coordinate whose gradient is small. Zero for the structured
   * split (GD, SGD), which rebuilds nothing.
   */
  readonly splitRoundingScale: Matrix | null;
  /**
   * The same scale for the left-point contributions, which project the rebuilt directions on the Jacobian at
   * w_s instead of the node-averaged one: sum_s sum_j |J_{s,j}| (...), the bracket as in splitRoundingScale.
   */
  readonly leftRoundingScale: Matrix | null;
  /** The left-point form's contribution of each example, (n O) x m. */
  readonly leftPointContributions: Matrix | null;
  /** The part of the change due to weight decay (coupled and decoupled), n x O. */
  readonly regulariserContribution: Matrix | null;
  /** f(x; w_0) - sum_s eps sum_{all i} L'_{i,s} Kbar_s(x, x_i): the full-batch machine on this path. */
  readonly fullBatch: Matrix | null;
  readonly steps: number;
}

/** A streaming consumer of training steps. */
export interface DiscretePathAccumulator {
  onStep(step: StepRecord): void;
  result(wS: Float64Array): DiscreteRepresentation;
}

/** |A| entry by entry. */
function absMatrix(a: Matrix): Matrix {
  return matrix(a.rows, a.cols, a.data.map(Math.abs));
}

function addScaledInto(out: Float64Array, v: Float64Array | Matrix, c: number): void {
  const d = v instanceof Float64Array ? v : v.data;
  for (let i = 0; i < out.length; i++) out[i]! += c * d[i]!;
}

/** Start accumulating the discrete representation at `queries` for a run that starts at w0. */
export function discretePath(problem: TrainingProblem, queries: Matrix, w0: Float64Array, options: DiscretePathOptions = {}): DiscretePathAccumulator {
  const { model } = problem;
  const d = model.paramCount;
  const O = model.outputDim;
  const n = queries.rows;
  const m = problem.xTrain.rows;
  const nodes = options.nodes ?? 8;
  const perExample = options.perExample ?? true;
  if (model.batchCoupled) throw new RangeError('discrete path kernel: a batch-norm model has no output at a query outside its batch');
  const f0 = model.forward(w0, queries);
  const exact = f0.data.slice();
  const left = f0.data.slice();
  const curvature = options.curvature ? new Float64Array(n * O) : null;
  const contributions = perExample ? new Float64Array(n * O * m) : null;
  const splitMagnitude = perExample ? new Float64Array(n * O) : null;
  const splitRounding = perExample ? new Float64Array(n * O) : null;
  const leftRounding = perExample ? new Float64Array(n * O) : null;
  const leftContributions = perExample ? new Float64Array(n * O * m) : null;
  const reg = perExample ? new Float64Array(n * O) : null;
  const fullBatch = options.fullBatchComparison ? f0.data.slice() : null;
  // Per-example accumulators M_i (m x d), allocated by the first step that carries them (momentum, Adam).
  let M: Float64Array[] | null = null;
  const Mreg = new Float64Array(d);
  // The same recursion on the steps' gradient scales G_r: sum_r |c_{s,r}| G_r after the step's mix.
  let scaleAccumulator = 0;
  let errorEstimate = 0;
  let unconvergedSegments = 0;
  let evaluations = 0;
  let steps = 0;

  // A kept trace of the queries at a node serves twice: its JVP is the segment integrand, its site factors
  // give the cross kernel of the per-example split.
  const jvpOfTrace = (trace: Trace, v: Float64Array) => trace.tape.jvp(paramTangents(trace, v), trace.output).data;
  const jvpAt = (w: Float64Array, v: Float64Array, keep: Trace[] | null) => {
    evaluations++;
    if (!keep) return outputJvp(model, w, queries, v).data;
    const trace = model.trace(w, queries);
    keep.push(trace);
    return jvpOfTrace(trace, v);
  };
  const along = (ws: Float64Array, dw: Float64Array, tau: number): Float64Array => {
    const w = new Float64Array(d);
    for (let j = 0; j < d; j++) w[j] = ws[j]! + tau * dw[j]!;
    return w;
  };
  interface Quadrature {
    readonly value: Float64Array;
    readonly taus: number[];
    readonly weights: number[];
    /** The queries' trace at every node, when kept. */
    readonly traces: Trace[] | null;
  }
  const join = (parts: readonly Quadrature[]): Quadrature => ({
    value: parts.reduce((acc, p) => acc.map((v, i) => v + p.value[i]!), new Float64Array(n * O)),
    taus: parts.flatMap((p) => p.taus),
    weights: parts.flatMap((p) => p.weights),
    traces: parts.every((p) => p.traces) ? parts.flatMap((p) => p.traces!) : null,
  });
  // The segment integral of tau -> grad f(x; w_s + tau dw) . dw over [a, b] with `count` nodes.
  const segment = (ws: Float64Array, dw: Float64Array, a: number, b: number, count: number, keep: boolean): Quadrature => {
    const rule = gaussLegendreOn(count, a, b);
    const value = new Float64Array(n * O);
    const traces = keep ? [] : null;
    rule.nodes.forEach((tau, q) => addScaledInto(value, jvpAt(along(ws, dw, tau), dw, traces), rule.weights[q]!));
    return { value, taus: Array.from(rule.nodes), weights: Array.from(rule.weights), traces };
  };
  const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - b[i]!)), 0);
  const adaptive = (ws: Float64Array, dw: Float64Array, a: number, b: number, whole: Quadrature, depth: number, keep: boolean): Quadrature => {
    const mid = (a + b) / 2;
    const l = segment(ws, dw, a, mid, nodes, keep);
    const r = segment(ws, dw, mid, b, nodes, keep);
    const halves = l.value.map((v, i) => v + r.value[i]!);
    const diff = maxDiff(halves, whole.value);
    const capped = depth >= (options.adaptive!.maxDepth ?? 12);
    if (diff <= options.adaptive!.tol || capped) {
      // A leaf: |halves - whole| bounds the error of the coarser estimate, so it is a conservative estimate of
      // this piece's error; a leaf that stopped at the depth cap above tol is counted, never passed silently.
      errorEstimate += diff;
      if (diff > options.adaptive!.tol) unconvergedSegments++;
      return { ...join([l, r]), value: halves };
    }
    return join([adaptive(ws, dw, a, mid, l, depth + 1, keep), adaptive(ws, dw, mid, b, r, depth + 1, keep)]);
  };

  // The split by the structured identity holds the running combination M_i only implicitly (it needs
  // decay 0); a later step that carries M_i forward would read stale accumulators.
  let accumulatorsStale = false;

  const onStep = (step: StepRecord): void => {
    const { w: ws, update: dw, rule } = step;
    steps++;
    const split = perExample || fullBatch !== null;
    // With the identity preconditioner and no carried combination (GD, SGD; momentum needs M_i), example
    // i's direction is a multiple of its own gradient at w_s: its contribution is a cross kernel.
    const structured = split && model.structured && rule.preconditioner === null && rule.decay === 0;
    const keep = structured && !options.kinkGrid;
    const coarse = segment(ws, dw, 0, 1, nodes, keep && !options.adaptive);
    let quad = options.adaptive ? adaptive(ws, dw, 0, 1, coarse, 0, keep) : coarse;
    if (options.kinkGrid) {
      const cuts = [0, ...reluKinks(model, ws, dw, queries, options.kinkGrid), 1];
      quad = join(cuts.slice(1).map((b, k) => segment(ws, dw, cuts[k]!, b, nodes, structured)));
    }
    const fine = options.adaptive || options.kinkGrid || options.errorEstimate === false ? null : segment(ws, dw, 0, 1, 2 * nodes, false);
    if (fine) errorEstimate += maxDiff(coarse.value, fine.value);
    addScaledInto(exact, quad.value, 1);
    const leftTraces: Trace[] | null = structured ? [] : null;
    const j0 = jvpAt(ws, dw, leftTraces);
    addScaledInto(left, j0, 1);
    if (curvature) {
      // 1/2 d/dtau [grad f(w_s + tau dw) . dw] at tau = 0, by Richardson differences of exact JVPs.
      const second = richardsonDerivative((tau) => outputJvp(model, along(ws, dw, tau), queries, dw).data, 1e-2);
      addScaledInto(curvature, second, 0.5);
    }
    if (!split) return;
    if (structured) {
      splitByCrossKernels(step, quad.traces!, quad.weights, leftTraces![0]!);
      accumulatorsStale = true;
    } else {
      if (accumulatorsStale && rule.decay !== 0) throw new Error(`discrete path kernel: step ${step.s} carries a momentum combination after steps split without one; the optimiser changed its update rule mid-run`);
      splitByJacobians(step, quad);
    }
  };

  /**
   * Example i's share of step s when Delta w_s = -eps c sum_i g_{i,s} (+ weight decay), c = mix gain + direct:
   * -eps c sum_q w_q sum_k' K(x, w_s + tau_q dw; x_i, w_s)_{k k'} L'_{i,k',s}, by the structured cross kernel
   * of the queries at each node against the batch at w_s. No per-example gradient or Jacobian is formed.
   */
  const splitByCrossKernels = (step: StepRecord, traces: readonly Trace[], weights: readonly number[], leftTrace: Trace): void => {
    const { w: ws, eps, rule, batch } = step;
    const B = batch.length;
    const cols = B * O;
    const batchFactors = perExample ? siteFactors(model, model.trace(ws, batchProblem(problem, batch).xTrain)) : null;
    const c = -eps * (rule.mix * rule.gain + rule.direct);
    const Lp = step.lossDerivatives.data;
    const lambda = problem.weightDecay ?? 0;
    // The regulariser's direction c lambda w_s (coupled decay) - eps lambda_dec w_s (decoupled).
    const regCoefficient = c * lambda - eps * rule.decoupledDecay;
    const gradient = fullBatch ? lossGradient(problem, ws).gradient : null;
    traces.forEach((trace, q) => {
      if (perExample && regCoefficient !== 0) addScaledInto(reg!, jvpOfTrace(trace, ws), weights[q]! * regCoefficient);
      if (gradient) addScaledInto(fullBatch!, jvpOfTrace(trace, gradient), -eps * weights[q]!);
    });
    if (!batchFactors) return;
    const Kbar = segmentCrossKernel(traces.map((trace) => siteFactors(model, trace)), weights, batchFactors).data;
    const K0 = crossKernelOfFactors(siteFactors(model, leftTrace), batchFactors).data;
    for (let r = 0; r < n * O; r++) {
      for (let b = 0; b < B; b++) {
        let exactShare = 0;
        let leftShare = 0;
        for (let k = 0; k < O; k++) {
          exactShare += Kbar[r * cols + b * O + k]! * Lp[b * O + k]!;
          leftShare += K0[r * cols + b * O + k]! * Lp[b * O + k]!;
        }
        contributions![r * m + batch[b]!]! += c * exactShare;
        splitMagnitude![r]! += Math.abs(c * exactShare);
        leftContributions![r * m + batch[b]!]! += c * leftShare;
      }
    }
  };

  /**
   * The general split (momentum, Adam, AdamW): per-example directions Delta w_s = -eps P (mix M_s + direct
   * g_s) - eps lambda_dec w_s, with M_s = decay M_{s-1} + gain g_s and g_s = sum_i g_{i,s} + lambda w_s,
   * projected on the node-averaged Jacobian of the queries.
   */
  const splitByJacobians = (step: StepRecord, quad: Quadrature): void => {
    const { w: ws, update: dw, rule, eps } = step;
    const Gbar = matrix(n * O, d);
    quad.taus.forEach((tau, q) => addScaledInto(Gbar.data, jacobian(model, along(ws, dw, tau), queries), quad.weights[q]!));
    const P = rule.preconditioner;
    // Projections onto P-scaled rows: G P v for every direction v at once, as (G P) V^T.
    const scaled = (G: Matrix): Matrix => {
      if (!P) return G;
      const out = matrix(G.rows, d);
      for (let r = 0; r < G.rows; r++) for (let j = 0; j < d; j++) out.data[r * d + j] = G.data[r * d + j]! * P[j]!;
      return out;
    };
    const GbarP = scaled(Gbar);
    if (perExample) {
      const J0 = jacobian(model, ws, queries);
      const J0P = scaled(J0);
      const sub = batchProblem(problem, step.batch);
      const Jb = jacobian(model, ws, sub.xTrain);
      const gi = Array.from({ length: m }, () => new Float64Array(d));
      step.batch.forEach((i, row) => {
        for (let k = 0; k < O; k++) addScaledInto(gi[i]!, Jb.data.subarray((row * O + k) * d, (row * O + k + 1) * d), step.lossDerivatives.data[row * O + k]!);
      });
      const lambda = problem.weightDecay ?? 0;
      const directions = matrix(m + 1, d);
      M ??= Array.from({ length: m }, () => new Float64Array(d));
      for (let i = 0; i <= m; i++) {
        const g = i < m ? gi[i]! : ws.map((v) => lambda * v);
        const Mi = i < m ? M[i]! : Mreg;
        for (let j = 0; j < d; j++) Mi[j] = rule.decay * Mi[j]! + rule.gain * g[j]!;
        for (let j = 0; j < d; j++) directions.data[i * d + j] = -eps * (rule.mix * Mi[j]! + rule.direct * g[j]!);
      }
      let gradientScale = 0;
      for (let j = 0; j < d; j++) {
        let sum = Math.abs(lambda * ws[j]!);
        for (let i = 0; i < m; i++) sum += Math.abs(gi[i]![j]!);
        gradientScale = Math.max(gradientScale, sum);
      }
      scaleAccumulator = Math.abs(rule.decay) * scaleAccumulator + Math.abs(rule.gain) * gradientScale;
      const preconditioned = eps * (Math.abs(rule.mix) * scaleAccumulator + Math.abs(rule.direct) * gradientScale);
      for (let r = 0; r < n * O; r++) {
        let acc = 0;
        let accLeft = 0;
        for (let j = 0; j < d; j++) {
          const bracket = preconditioned * (P ? P[j]! : 1) + eps * Math.abs(rule.decoupledDecay * ws[j]!) + Math.abs(dw[j]!);
          acc += Math.abs(Gbar.data[r * d + j]!) * bracket;
          accLeft += Math.abs(J0.data[r * d + j]!) * bracket;
        }
        splitRounding![r]! += acc;
        leftRounding![r]! += accLeft;
      }
      const shares = matmulTransB(GbarP, directions).data;
      const leftShares = matmulTransB(J0P, directions).data;
      // Each share is a dot product over d parameters, rounded relative to sum_j |(G P)_j v_j| rather than to
      // its value: under Adam's preconditioner the d terms of one share cancel too.
      const absolute = matmulTransB(absMatrix(GbarP), absMatrix(directions)).data;
      for (let r = 0; r < n * O; r++) {
        for (let i = 0; i < m; i++) {
          contributions![r * m + i]! += shares[r * (m + 1) + i]!;
          leftContributions![r * m + i]! += leftShares[r * (m + 1) + i]!;
          splitMagnitude![r]! += absolute[r * (m + 1) + i]!;
        }
        reg![r]! += shares[r * (m + 1) + m]!;
        splitMagnitude![r]! += absolute[r * (m + 1) + m]!;
      }
      if (rule.decoupledDecay !== 0) {
        for (let r = 0; r < n * O; r++) {
          let acc = 0;
          for (let j = 0; j < d; j++) acc += Gbar.data[r * d + j]! * -eps * rule.decoupledDecay * ws[j]!;
          reg![r]! += acc;
        }
      }
    }
    if (fullBatch) {
      const { gradient } = lossGradient(problem, ws);
      for (let r = 0; r < n * O; r++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += Gbar.data[r * d + j]! * -eps * gradient[j]!;
        fullBatch[r]! += acc;
      }
    }
  };

  return {
    onStep,
    result: (wS) => ({
      x: queries,
      f0,
      fS: model.forward(wS, queries),
      exact: matrix(n, O, exact),
      quadratureErrorEstimate: errorEstimate,
      unconvergedSegments,
      evaluations,
      leftPoint: matrix(n, O, left),
      curvatureTerm: curvature ? matrix(n, O, curvature) : null,
      contributions: contributions ? matrix(n * O, m, contributions) : null,
      splitMagnitude: splitMagnitude ? matrix(n, O, splitMagnitude) : null,
      splitRoundingScale: splitRounding ? matrix(n, O, splitRounding) : null,
      leftRoundingScale: leftRounding ? matrix(n, O, leftRounding) : null,
      leftPointContributions: leftContributions ? matrix(n * O, m, leftContributions) : null,
      regulariserContribution: reg ? matrix(n, O, reg) : null,
      fullBatch: fullBatch ? matrix(n, O, fullBatch) : null,
      steps,
    }),
  };
}
