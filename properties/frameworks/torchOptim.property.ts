/**
 * xfw.torch for the optimisers: our trainer against torch.optim in float64, step by step. The fixtures
 * (fixtures/torch/optim/, written by generate_optim.py with PyTorch's own optimisers and loss functions) hold
 * every iterate w_0..w_S of SGD, SGD with momentum and with Nesterov, Adam and AdamW, with L2 and decoupled
 * weight decay, full batches and explicit mini-batches, sum and mean losses, on MLPs (tanh, ReLU, GELU +
 * softplus under NTK, layer norm + residual under muP, square + sin), a polynomial-features model and the sine
 * model, with every loss of src/losses.
 *
 * Three comparisons:
 * - local: from PyTorch's own iterate w_s (and the optimiser's state fed with the gradients along PyTorch's
 *   path), one step of our optimiser lands on PyTorch's w_{s+1} within the rounding of one step;
 * - trajectory: our trainer (`train`, run on its own from w_0) stays within the local bounds propagated by the
 *   measured amplification of a perturbation, and below 1e-12 relative, at every step;
 * - rule: each step's UpdateRule (decay, gain, mix, direct, preconditioner, decoupled decay), the decomposition
 *   the exact discrete representation splits into per-example contributions, rebuilds PyTorch's step
 *   w_{s+1} - w_s from per-example gradients at w_s.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { rng, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { LOSS_NAMES } from '../../src/losses/index.js';
import { batchProblem, batchSchedule, createOptimizer, gradientDescent, lossGradient, train, type UpdateRule } from '../../src/train/index.js';
import { claimTest, recordFigure, recordEvidence, verifiedAgainst } from '../arbitraries/claims.js';
import { replayCommand, SEED } from '../arbitraries/config.js';
import { perExampleGradients } from '../arbitraries/perExampleGradients.js';
import { gradientStages, LAMBDA, roundingsPerStage } from './float32.js';
import { family, loadOptim, maxAbs, maxAbsDiff, optimFixtures, relativeGap, type LoadedOptim } from './torchFixtures.js';

const FILE = 'properties/frameworks/torchOptim.property.ts';
const u = UNIT_ROUNDOFF_F64;

// One step, two implementations, from the same w_s: each rounds the sum w_s + Delta w_s (u |w_{s+1}|), and
// PyTorch's AdamW rounds w_s (1 - lr lambda) first (u |w_s|): at most 3 roundings of |w| per coordinate.
const ADD_ROUNDINGS = 3;
// The update itself carries the gradient's rounding on both sides. Under the probabilistic model of
// ./float32.ts (Higham and Mary 2019), a gradient of K-term sums over `stages` stages is within
// LAMBDA sqrt(K stages) u of its value; Adam's m / sqrt(v) carries the error of m plus half that of v
// (OPTIMISER_GAIN 1.5), and each optimiser's own arithmetic adds at most OPTIMISER_OPS roundings.
const OPTIMISER_GAIN = 1.5;
const OPTIMISER_OPS = 8;
// The target for every step of every trajectory. It is not assumed: the derived bound of each
// fixture (local bounds propagated by the measured amplification) is checked to stay below it.
const TRAJECTORY_RTOL = 1e-12;
// Amplification is measured by a perturbation of relative size ETA: far above the ~1e-15 gap of the
// unperturbed runs (so the gap does not pollute the ratio), far below where the step map stops being linear.
const ETA = 1e-7;

/** Roundings of |Delta w| in one step, both implementations together. */
function updateRoundings(L: LoadedOptim, batchSize: number): number {
  return 2 * (OPTIMISER_GAIN * LAMBDA * Math.sqrt(roundingsPerStage(L.model, batchSize) * gradientStages(L.model)) + OPTIMISER_OPS);
}

interface Shadow {
  /** The batch gradient at PyTorch's w_s. */
  readonly gradients: Float64Array[];
  /** max_j |w_s + Delta w_s(ours) - w_{s+1}(PyTorch)| and its bound. */
  readonly local: number[];
  readonly localBound: number[];
  /** The local error's direction (for the amplification measurement). */
  readonly localError: Float64Array[];
  /** max_j |rebuilt through the rule - PyTorch's step| and its bound. */
  readonly rule: number[];
  readonly ruleBound: number[];
}

/** Our optimiser driven along PyTorch's path: one step from each w_s, and each step rebuilt through its rule. */
function shadow(L: LoadedOptim): Shadow {
  const { problem, model, fx, path } = L;
  const d = model.paramCount;
  const m = problem.xTrain.rows;
  const schedule = batchSchedule(L.batches, m);
  const optimizer = createOptimizer(fx.optimizer, d);
  const out: Shadow = { gradients: [], local: [], localBound: [], localError: [], rule: [], ruleBound: [] };
  // Per-example accumulators of the rule (the regulariser lambda w as example m).
  const M = Array.from({ length: m + 1 }, () => new Float64Array(d));
  for (let s = 0; s < fx.steps; s++) {
    const w = path[s]!;
    const next = path[s + 1]!;
    const batch = schedule(s);
    const sub = batchProblem(problem, batch);
    const { gradient } = lossGradient(sub, w);
    out.gradients.push(gradient);
    const { update, rule } = optimizer.step(gradient, w, fx.eps);
    const error = w.map((v, j) => v + update[j]! - next[j]!);
    const step = next.map((v, j) => v - w[j]!);
    const bound = u * (ADD_ROUNDINGS * maxAbs(next) + updateRoundings(L, batch.length) * maxAbs(step));
    out.local.push(maxAbs(error));
    out.localBound.push(bound);
    out.localError.push(error);
    const { rebuilt, shares } = rebuildThroughRule(L, rule, M, w, batch, sub);
    out.rule.push(maxAbsDiff(rebuilt, step));
    out.ruleBound.push(bound + u * (updateRoundings(L, batch.length) + m + 1) * shares);
  }
  return out;
}

/**
 * Delta w_s = -eps P_s sum_i (mix M_i + direct g_i) - eps lambda_dec w_s with M_i = decay M_i + gain g_i, from
 * per-example gradients g_i = sum_k L'_{ik} grad f_k(x_i; w_s) (zero outside the batch) and g_m = lambda w_s:
 * the split the exact discrete representation makes (src/kernels/discretePath.ts). Returns the rebuilt step and
 * max_j sum_i |share_ij|, the scale of its rounding.
 */
function rebuildThroughRule(L: LoadedOptim, rule: UpdateRule, M: Float64Array[], w: Float64Array, batch: readonly number[], sub: LoadedOptim['problem']) {
  const { model, problem, fx } = L;
  const d = model.paramCount;
  const m = problem.xTrain.rows;
  const g = perExampleGradients(problem, w, batch, sub);
  const rebuilt = new Float64Array(d);
  const magnitude = new Float64Array(d);
  for (let i = 0; i <= m; i++) {
    for (let j = 0; j < d; j++) {
      M[i]![j] = rule.decay * M[i]![j]! + rule.gain * g[i]![j]!;
      const share = -fx.eps * (rule.preconditioner ? rule.preconditioner[j]! : 1) * (rule.mix * M[i]![j]! + rule.direct * g[i]![j]!);
      rebuilt[j]! += share;
      magnitude[j]! += Math.abs(share);
    }
  }
  for (let j = 0; j < d; j++) {
    rebuilt[j]! += -fx.eps * rule.decoupledDecay * w[j]!;
    magnitude[j]! += Math.abs(fx.eps * rule.decoupledDecay * w[j]!);
  }
  return { rebuilt, shares: maxAbs(magnitude) };
}

/**
 * G[r][q]: how much a perturbation of w_r grows by step q (max_j |w'_q - w_q| / max_j |delta|), in the direction
 * of the local error that enters w_r and in a random sign direction (the larger). The optimiser's state at r is
 * replayed from PyTorch's path, so the perturbation meets the state it would meet.
 */
function amplification(L: LoadedOptim, sh: Shadow): number[][] {
  const { problem, model, fx, path } = L;
  const d = model.paramCount;
  const schedule = batchSchedule(L.batches, problem.xTrain.rows);
  const signs = rng(SEED).stream(`torch-optim ${fx.name}`);
  const G: number[][] = [];
  for (let r = 1; r <= fx.steps; r++) {
    const injected = sh.localError[r - 1]!;
    const random = Float64Array.from({ length: d }, () => (signs.uniform() < 0.5 ? -1 : 1));
    const directions = [injected.map((v) => (v === 0 ? 0 : Math.sign(v))), random];
    const row = new Array<number>(fx.steps + 1).fill(0);
    for (const direction of directions) {
      if (maxAbs(direction) === 0) continue;
      const optimizer = createOptimizer(fx.optimizer, d);
      for (let q = 0; q < r; q++) optimizer.step(sh.gradients[q]!, path[q]!, fx.eps);
      const size = ETA * maxAbs(path[r]!);
      let w = path[r]!.map((v, j) => v + size * direction[j]!);
      row[r] = Math.max(row[r]!, 1);
      for (let q = r; q < fx.steps; q++) {
        const { gradient } = lossGradient(batchProblem(problem, schedule(q)), w);
        const { update } = optimizer.step(gradient, w, fx.eps);
        w = w.map((v, j) => v + update[j]!);
        row[q + 1] = Math.max(row[q + 1]!, maxAbsDiff(w, path[q + 1]!) / size);
      }
    }
    G[r] = row;
  }
  return G;
}

const fixtures = optimFixtures();
const loaded = fixtures.map(loadOptim);
const shadows = new Map<string, Shadow>();
const shadowOf = (L: LoadedOptim): Shadow => {
  let sh = shadows.get(L.fx.name);
  if (!sh) shadows.set(L.fx.name, (sh = shadow(L)));
  return sh;
};

function fail(L: LoadedOptim, what: string, s: number, gap: number, bound: number, scale: number): never {
  throw new Error(`${L.fx.name} (${L.fx.torch}), step ${s}: ${what} ${gap.toExponential(3)} (relative ${(gap / scale).toExponential(3)}) > bound ${bound.toExponential(3)}; fixture by ${L.fx.provenance['script']}, torch ${L.fx.provenance['torch']}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
}

/** Worst figure per optimiser family. */
function worstBy(ctx: TestContext, label: string, values: Map<string, number>, unit = 1): void {
  for (const [fam, v] of [...values].sort()) recordFigure(ctx, `${label}: ${fam}`, v / unit);
}
const bump = (map: Map<string, number>, key: string, v: number) => map.set(key, Math.max(map.get(key) ?? 0, v));

describe('torch.optim trajectories in float64 against our trainer', () => {
  it('the fixtures cover every optimiser, loss, reduction, weight decay, mini-batches and model kind, in our layout, with provenance', () => {
    const has = (p: (L: LoadedOptim) => boolean) => loaded.some(p);
    expect(new Set(loaded.map((L) => family(L.fx.optimizer)))).toEqual(new Set(['sgd', 'momentum', 'nesterov', 'adam', 'adamw']));
    expect(new Set(loaded.map((L) => L.fx.loss.name))).toEqual(new Set(LOSS_NAMES));
    expect(new Set(loaded.map((L) => L.fx.reduction))).toEqual(new Set(['sum', 'mean']));
    expect(new Set(loaded.map((L) => L.model.spec.kind))).toEqual(new Set(['mlp', 'features', 'sine']));
    for (const kind of ['gd', 'momentum', 'adam']) expect(has((L) => L.fx.optimizer.kind === kind && L.fx.weightDecay > 0), `L2 weight decay with ${kind}`).toBe(true);
    for (const fam of ['sgd', 'momentum', 'nesterov', 'adam', 'adamw']) expect(has((L) => family(L.fx.optimizer) === fam && L.fx.batches !== null), `mini-batches with ${fam}`).toBe(true);
    for (const L of loaded) {
      expect(L.model.layout.map((b) => ({ ...b })), L.fx.name).toEqual(L.fx.layout.map((b) => ({ ...b })));
      expect(L.fx.provenance['dtype']).toBe('float64');
      expect(L.path).toHaveLength(L.fx.steps + 1);
      expect(Array.from(L.path[0]!)).toEqual(Array.from(L.w0));
    }
  });

  claimTest(['xfw.torch', 'step.gd-update', 'rem.sgd-indicators'], 'our trainer reproduces every torch.optim trajectory at every step, within the derived bound and below 1e-12 relative', (ctx) => {
    const worst = new Map<string, number>();
    const worstLocal = new Map<string, number>();
    const worstRatio = new Map<string, number>();
    const worstGrowth = new Map<string, number>();
    let worstBound = 0;
    for (const L of loaded) {
      const fam = family(L.fx.optimizer);
      const sh = shadowOf(L);
      sh.local.forEach((gap, s) => {
        bump(worstLocal, fam, gap / maxAbs(L.path[s + 1]!));
        if (!(gap <= sh.localBound[s]!)) fail(L, 'one step from PyTorch’s w_s misses its w_{s+1} by', s, gap, sh.localBound[s]!, maxAbs(L.path[s + 1]!));
      });
      const G = amplification(L, sh);
      const run = train(L.problem, L.w0, { optimizer: L.fx.optimizer, eps: L.fx.eps, steps: L.fx.steps, batches: L.batches, record: true });
      expect(run.path!.length, `${L.fx.name}: iterates`).toBe(L.path.length);
      run.path!.forEach((w, s) => {
        const scale = maxAbs(L.path[s]!);
        let bound = 0;
        for (let r = 1; r <= s; r++) bound += G[r]![s]! * sh.localBound[r - 1]!;
        const gap = maxAbsDiff(w, L.path[s]!);
        bump(worst, fam, gap / scale);
        if (s > 0) bump(worstRatio, fam, gap / bound);
        worstBound = Math.max(worstBound, bound / scale);
        for (let r = 1; r <= s; r++) bump(worstGrowth, fam, G[r]![s]!);
        if (!(gap <= bound) || !(bound <= TRAJECTORY_RTOL * scale)) fail(L, 'the trajectory differs from PyTorch’s by', s, gap, Math.min(bound, TRAJECTORY_RTOL * scale), scale);
      });
      run.losses.forEach((loss, s) => {
        const gap = Math.abs(loss - L.fx.losses[s]!);
        if (!(gap <= TRAJECTORY_RTOL * Math.abs(L.fx.losses[s]!))) fail(L, 'the batch loss differs by', s, gap, TRAJECTORY_RTOL * Math.abs(L.fx.losses[s]!), Math.abs(L.fx.losses[s]!));
      });
    }
    worstBy(ctx, 'worst relative gap to torch.optim over all steps', worst);
    worstBy(ctx, 'worst one-step gap from PyTorch’s iterate, in u of max |w_{s+1}|', worstLocal, u);
    worstBy(ctx, 'worst gap / derived bound', worstRatio);
    worstBy(ctx, 'largest amplification of a perturbation', worstGrowth);
    recordFigure(ctx, 'largest derived bound / max |w_s| (must stay below 1e-12)', worstBound);
    recordFigure(ctx, 'fixtures', loaded.length);
    recordFigure(ctx, 'steps compared', loaded.reduce((a, L) => a + L.fx.steps, 0));
    const detail = `${loaded.length} torch.optim runs (${fixtures[0]!.provenance['script']}, torch ${fixtures[0]!.provenance['torch']}), every iterate`;
    recordEvidence(ctx, 'xfw.torch', verifiedAgainst('PyTorch', `${detail}: SGD, momentum, Nesterov, Adam, AdamW, L2 and decoupled weight decay, mini-batches, sum and mean losses, every loss`));
    recordEvidence(ctx, 'step.gd-update', verifiedAgainst('PyTorch', 'torch.optim.SGD (no momentum) paths, full batch and mini-batch: w_{s+1} = w_s - eps grad L(w_s) at every step'));
    recordEvidence(ctx, 'rem.sgd-indicators', verifiedAgainst('PyTorch', 'explicit mini-batches I_s (one per step) for every optimiser: our trainer steps on the batch members only, as PyTorch does on X[I_s]'));
  });

  claimTest(['disc.sgd-exact', 'disc.momentum-exact', 'disc.adam-exact', 'xfw.torch'], "each optimiser's update rule (decay, gain, mix, direct, preconditioner, decoupled decay) rebuilds PyTorch's every step from per-example gradients", (ctx) => {
    const worst = new Map<string, number>();
    const worstRatio = new Map<string, number>();
    for (const L of loaded) {
      const sh = shadowOf(L);
      sh.rule.forEach((gap, s) => {
        const step = maxAbsDiff(L.path[s + 1]!, L.path[s]!);
        bump(worst, family(L.fx.optimizer), gap / step);
        bump(worstRatio, family(L.fx.optimizer), gap / sh.ruleBound[s]!);
        if (!(gap <= sh.ruleBound[s]!)) fail(L, 'the step rebuilt through the rule differs from PyTorch’s by', s, gap, sh.ruleBound[s]!, step);
      });
    }
    worstBy(ctx, "worst |rebuilt - PyTorch's step| / max |step|", worst);
    worstBy(ctx, 'worst gap / derived bound', worstRatio);
    const runs = (p: (f: string) => boolean) => loaded.flatMap((L) => (p(family(L.fx.optimizer)) ? [L.fx.name] : [])).join(', ');
    recordEvidence(ctx, 'disc.sgd-exact', verifiedAgainst('PyTorch', `per-example gradients over the batch (with 1/B for a mean loss, lambda w as one more term) sum to torch.optim.SGD's step: ${runs((f) => f === 'sgd')}`));
    recordEvidence(ctx, 'disc.momentum-exact', verifiedAgainst('PyTorch', `M_s = beta M_{s-1} + g_s with mix/direct (heavy ball 1/0, Nesterov beta/1) rebuilds torch.optim.SGD(momentum[, nesterov]): ${runs((f) => f === 'momentum' || f === 'nesterov')}`));
    recordEvidence(ctx, 'disc.adam-exact', verifiedAgainst('PyTorch', `P_s times the EMA of per-example gradients / (1 - beta1^t), minus eps lambda w for AdamW, rebuilds torch.optim.Adam/AdamW: ${runs((f) => f === 'adam' || f === 'adamw')}`));
    recordEvidence(ctx, 'xfw.torch', verifiedAgainst('PyTorch', 'the update rules against torch.optim steps'));
  });

  claimTest(['step.gd-update', 'xfw.torch'], 'gradientDescent, the loop of the gradient-flow limit (P2), is the trainer and reproduces PyTorch’s full-batch SGD paths', (ctx) => {
    let worst = 0;
    let runs = 0;
    for (const L of loaded) {
      if (L.fx.optimizer.kind !== 'gd' || L.fx.batches !== null) continue;
      const gd = gradientDescent(L.problem, L.w0, { eps: L.fx.eps, steps: L.fx.steps, record: true });
      expect(gd.path!.length).toBe(L.path.length);
      gd.path!.forEach((w, s) => {
        const gap = relativeGap(w, L.path[s]!);
        worst = Math.max(worst, gap);
        if (!(gap <= TRAJECTORY_RTOL)) fail(L, 'gradientDescent differs from PyTorch by', s, gap * maxAbs(L.path[s]!), TRAJECTORY_RTOL * maxAbs(L.path[s]!), maxAbs(L.path[s]!));
      });
      runs++;
    }
    expect(runs).toBeGreaterThanOrEqual(2);
    recordFigure(ctx, 'worst relative gap of gradientDescent to torch.optim.SGD', worst);
    recordFigure(ctx, 'runs', runs);
    recordEvidence(ctx, 'step.gd-update', verifiedAgainst('PyTorch', 'gradientDescent (the P2 loop) against torch.optim.SGD full-batch paths, sum and mean losses'));
    recordEvidence(ctx, 'xfw.torch', verifiedAgainst('PyTorch', 'gradientDescent against torch.optim.SGD'));
  });

  it('the comparison can fail: one step short, or a hyperparameter off by 1e-9 of itself, shows far above the bound', () => {
    for (const L of loaded) {
      const { fx } = L;
      const o = fx.optimizer;
      const nudged = o.kind === 'gd' ? { eps: fx.eps * (1 + 1e-9), optimizer: o } : o.kind === 'momentum' ? { eps: fx.eps, optimizer: { ...o, beta: o.beta * (1 + 1e-9) } } : { eps: fx.eps, optimizer: { ...o, beta1: (o.beta1 ?? 0.9) * (1 + 1e-9) } };
      const wrong = train(L.problem, L.w0, { ...nudged, steps: fx.steps, batches: L.batches }).wS;
      const short = train(L.problem, L.w0, { optimizer: o, eps: fx.eps, steps: fx.steps - 1, batches: L.batches }).wS;
      const scale = maxAbs(L.path[fx.steps]!);
      expect(maxAbsDiff(wrong, L.path[fx.steps]!) / scale, `${fx.name}: a hyperparameter off by 1e-9`).toBeGreaterThan(10 * TRAJECTORY_RTOL);
      expect(maxAbsDiff(short, L.path[fx.steps]!) / scale, `${fx.name}: one step short`).toBeGreaterThan(1e3 * TRAJECTORY_RTOL);
    }
  });
});
