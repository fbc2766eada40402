/**
 * disc.exact-path-kernel, disc.sgd-exact, disc.momentum-exact, disc.adam-exact, rem.sgd-indicators — exact
 * discrete path kernels. Along each step's straight segment the fundamental theorem of calculus gives an exact
 * representation of f(x; w_S) with no eps -> 0 limit; written through per-example gradients it is a sum of
 * one contribution per training example, for GD, SGD (Remark 5's indicators), heavy-ball and Nesterov
 * momentum, Adam and AdamW. Checked on generated smooth models at any eps, batch schedule and optimiser
 * setting; only quadrature and rounding remain.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { discretePath } from '../../src/kernels/index.js';
import { train } from '../../src/train/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, REPLAY_PATH, replayCommand, SEED } from '../arbitraries/config.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';
import { batchArb, EPS_CHOICES, optimizerArb } from '../arbitraries/training.js';

const FILE = 'properties/discrete/exactPathKernel.property.ts';

// Adaptive Gauss-Legendre (8 nodes, halving until two estimates agree to QUAD_TOL on the outputs) leaves a
// quadrature error below QUAD_TOL per step; the representation sums S such steps and the per-example split
// adds a projection per example, each rounded at about u times the size of the increments. The bound is
// relative to the scale |f0| + |fS| + S |typical increment|, for which |f0| + |fS| + sum_s |Delta f_s| is used.
// The per-example split rounds at about u times the size of the shares it adds, which can exceed the change of
// f by far where shares cancel (Adam on a coordinate whose total gradient vanishes: a deep run found shares
// summing to 6e5 for a change of 0.6), so the split is held to that scale, rep.splitMagnitude; the report
// gives the worst such ratio.
// Where the subdivision reaches its depth cap before two estimates agree (a deep run found one: a layer norm
// over nearly equal pre-activations bends the integrand sharply within a step), the representation is held to
// the quadrature's own error estimate on top, and such cases are counted in the report.
const QUAD_TOL = 1e-15;
const EXACT_RTOL = 1e-12;
const STEPS = 10;

describe('exact discrete path kernels', () => {
  claimTest(['disc.exact-path-kernel', 'disc.sgd-exact', 'disc.momentum-exact', 'disc.adam-exact', 'rem.sgd-indicators'], 'for any eps, batch schedule and optimiser, the segment-integrated path kernel reproduces f(x; w_S) and its per-example contributions sum to the change', (ctx) => {
    let worst = 0;
    let worstSplit = 0;
    let capped = 0;
    let worstCancellation = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(
        flowCaseArb().chain((c) => fc.record({ c: fc.constant(c), opt: optimizerArb(), eps: fc.constantFrom(...EPS_CHOICES), batches: batchArb(c.problem.xTrain.rows) })),
        ({ c, opt, eps, batches }) => {
          let absIncrements = 0;
          const acc = discretePath(c.problem, c.queries, c.w0, { adaptive: { tol: QUAD_TOL, maxDepth: 6 } });
          let res: ReturnType<typeof train> | null = null;
          try {
            res = train(c.problem, c.w0, {
            optimizer: opt,
            eps,
            steps: STEPS,
            batches,
            onStep: (step) => {
              acc.onStep(step);
              const before = c.model.forward(step.w, c.queries).data;
              const after = c.model.forward(step.w.map((v, j) => v + step.update[j]!), c.queries).data;
              absIncrements += before.reduce((s, v, i) => s + Math.abs(after[i]! - v), 0);
            },
            });
          } catch (e) {
            // A diverging run (large eps) has no finite w_S to represent: not a case of the claim.
            if (e instanceof RangeError && /diverged/.test(e.message)) fc.pre(false);
            throw e;
          }
          const rep = acc.result(res!.wS);
          const m = c.problem.xTrain.rows;
          kinds.add(`${opt.kind}${batches.kind === 'seeded' ? '+sgd' : ''}`);
          if (rep.unconvergedSegments > 0) capped++;
          const quadrature = rep.unconvergedSegments > 0 ? rep.quadratureErrorEstimate : 0;
          for (let r = 0; r < rep.fS.data.length; r++) {
            const scale = Math.abs(rep.f0.data[r]!) + Math.abs(rep.fS.data[r]!) + absIncrements;
            const err = Math.abs(rep.exact.data[r]! - rep.fS.data[r]!);
            let split = rep.f0.data[r]! + rep.regulariserContribution!.data[r]!;
            for (let i = 0; i < m; i++) split += rep.contributions!.data[r * m + i]!;
            const splitErr = Math.abs(split - rep.fS.data[r]!);
            worst = Math.max(worst, err / scale);
            const shares = rep.splitMagnitude!.data[r]!;
            worstSplit = Math.max(worstSplit, splitErr / (scale + shares));
            worstCancellation = Math.max(worstCancellation, shares / scale);
            const bound = EXACT_RTOL * scale + quadrature;
            const splitBound = EXACT_RTOL * (scale + shares) + quadrature;
            if (err > bound || splitErr > splitBound) {
              throw new Error(`${opt.kind} (eps ${eps}, batches ${JSON.stringify(batches)}): exact ${rep.exact.data[r]}, per-example sum ${split}, f(x; w_S) ${rep.fS.data[r]}; absolute errors ${err.toExponential(3)} and ${splitErr.toExponential(3)}, relative ${(err / scale).toExponential(3)} and ${(splitErr / scale).toExponential(3)}; quadrature estimate ${rep.quadratureErrorEstimate.toExponential(3)} (${rep.unconvergedSegments} leaves at the depth cap); ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        },
      ),
      propertyParameters(25),
    );
    recordFigure(ctx, 'worst relative error of the exact representation', worst);
    recordFigure(ctx, 'worst relative error of the per-example split (relative to the sum of |shares|)', worstSplit);
    recordFigure(ctx, 'largest sum of |per-example shares| / change scale (cancellation in the split)', worstCancellation);
    recordFigure(ctx, 'optimiser kinds covered', [...kinds].sort().join(', '));
    recordFigure(ctx, 'cases whose adaptive quadrature reached its depth cap (held to its own error estimate)', capped);
    // A replay (PATHKERNEL_PATH) runs the one shrunk case, so coverage is checked on full runs only.
    if (!REPLAY_PATH) expect(kinds.size).toBeGreaterThanOrEqual(6);
  });

  claimTest(['rem.sgd-indicators', 'sgd.deviation'], 'under SGD the masked (indicator) form is exact while the full-batch path-kernel machine on the same path is not', (ctx) => {
    let smallestGap = Infinity;
    fc.assert(
      fc.property(flowCaseArb({ maxTrain: 6 }).filter((c) => c.problem.xTrain.rows >= 3), fc.nat({ max: 1000 }), (c, batchSeed) => {
        const acc = discretePath(c.problem, c.queries, c.w0, { fullBatchComparison: true, nodes: 8 });
        let res: ReturnType<typeof train> | null = null;
        try {
          res = train(c.problem, c.w0, { optimizer: { kind: 'gd' }, eps: 0.05, steps: 20, batches: { kind: 'seeded', size: 1, seed: batchSeed }, onStep: acc.onStep });
        } catch (e) {
          // A diverging run (a steep generated model) has no finite w_S to represent: not a case of the claim.
          if (e instanceof RangeError && /diverged/.test(e.message)) fc.pre(false);
          throw e;
        }
        const rep = acc.result(res!.wS);
        const scale = rep.fS.data.reduce((s, v, i) => Math.max(s, Math.abs(v - rep.f0.data[i]!)), 0);
        fc.pre(scale > 1e-6);
        const exactErr = Math.max(...Array.from(rep.exact.data, (v, i) => Math.abs(v - rep.fS.data[i]!)));
        const fullErr = Math.max(...Array.from(rep.fullBatch!.data, (v, i) => Math.abs(v - rep.fS.data[i]!)));
        smallestGap = Math.min(smallestGap, fullErr / scale);
        // The masked form: at the quadrature's own error estimate (plus rounding).
        if (exactErr > 4 * rep.quadratureErrorEstimate + 1e-13 * (1 + scale)) throw new Error(`masked form off by ${exactErr}; ${describeFlowCase(c)}; seed ${SEED}`);
        // The full-batch machine misses the sampling: off by a fraction of the change itself.
        if (!(fullErr > 1e-3 * scale)) throw new Error(`full-batch machine within ${fullErr} of SGD's output (change ${scale}); ${describeFlowCase(c)}; seed ${SEED}`);
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'smallest gap of the full-batch machine / change of f', smallestGap);
  });
});
