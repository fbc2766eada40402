/**
 * disc.superposition — the paper's reading of a trained model as a superposition of its training examples, used
 * as an interpretation aid on real data. An MLP 4-16-3 (tanh, standard parametrisation) is trained on Iris by the
 * reference flow of the summed softmax cross-entropy, with five queries held out: one clear flower of each
 * species (rows 10, 55, 120) and two that models usually confuse (row 70, a versicolor, and row 133, a
 * virginica). For each query x the kernel machine's terms c_i(x) = K^p(x, x_i) a_i(x) must add up to
 * f_T(x) - b(x) (Theorem 1 at that query), and the training points with the largest |c_i(x)| are set next to
 * the nearest inputs and the nearest points under the initial NTK (src/laws/interpretation.ts).
 */
import { describe } from 'vitest';
import { gamma, rng, selectRows } from '../../src/core/index.js';
import { IRIS_CLASSES, iris } from '../../src/data/index.js';
import { interpretQueries } from '../../src/laws/index.js';
import { softmaxCrossEntropy } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';

const FILE = 'properties/regimes/interpretation.property.ts';

// Iris rows held out as queries: clear members of each species, then the two borderline flowers.
const QUERIES = [10, 55, 120, 70, 133];
// T = 0.5 with the loss summed over 145 flowers already fits them: 98% of the 150 flowers are classified right
// (the two borderline queries are not), in about 100 flow steps.
const T = 0.5;
const TOP = 5;

/**
 * How far sum_i c_i(x) may be from f_T(x) - b(x), per output k. Two sources:
 * - the flow: f_T - f_0 = -sum_i K^lp(x, x_i) holds to the integrator's accuracy, IDENTITY_RTOL relative to the
 *   terms that cancel (flowTolerance.ts);
 * - the kernel machine's weights: a_i solves the 3 x 3 system K^p_i a_i = -K^lp_i by Gaussian elimination with
 *   partial pivoting, backward stable with |Delta K| <= gamma(3 O) |L||U| <= 4 gamma(3 O) |K^p_i| for O = 3 (growth
 *   at most 2^(O-1)), so c_i = K^p_i a_i misses -K^lp_i by at most (4 gamma(3 O) + gamma(O)) (|K^p_i| |a_i|)_k,
 *   and the sum over the m terms adds gamma(m) sum_i |c_ik|.
 */
function identityTolerance(O: number, m: number, parts: { f0: number; fT: number; klpAbs: number; kaAbs: number; cAbs: number }): number {
  return IDENTITY_RTOL * (Math.abs(parts.f0) + Math.abs(parts.fT) + parts.klpAbs) + (4 * gamma(3 * O) + gamma(O)) * parts.kaAbs + gamma(m) * parts.cAbs;
}

const species = (label: number) => IRIS_CLASSES[label]!;

describe('disc.superposition on Iris: which training flowers a prediction is made of', () => {
  claimTest(
    ['disc.superposition'],
    'on Iris the kernel machine\'s terms K^p(x, x_i) a_i(x) add up to f_T(x) - b(x) at every query; the largest are set next to the nearest inputs and the nearest points under the initial NTK',
    (ctx) => {
      const data = iris();
      const train = Array.from({ length: data.x.rows }, (_, i) => i).filter((i) => !QUERIES.includes(i));
      const model = compileModel({ kind: 'mlp', inputDim: 4, outputDim: 3, layers: [{ width: 16, activation: 'tanh' }] });
      const w0 = model.init(rng(SEED).stream('init'));
      const problem = { model, loss: softmaxCrossEntropy, xTrain: selectRows(data.x, train), yTrain: selectRows(data.y, train) };
      const result = interpretQueries(problem, w0, selectRows(data.x, QUERIES), { T, top: TOP, rtol: FLOW_RTOL, atol: FLOW_ATOL });
      const O = model.outputDim;
      const m = train.length;
      const q = result.quantities;
      let worstRatio = 0;
      let worstRel = 0;
      const overlaps = { contributorsInputs: 0, contributorsNtk: 0, inputsNtk: 0, contributorsPathKernel: 0, pathKernelNtk: 0 };
      result.queries.forEach((r) => {
        const row = QUERIES[r.query]!;
        const where = `query Iris row ${row}`;
        for (let k = 0; k < O; k++) {
          let klpAbs = 0;
          let kaAbs = 0;
          let cAbs = 0;
          for (let i = 0; i < m; i++) {
            klpAbs += Math.abs(q.lossWeightedKernel.data[(r.query * O + k) * m + i]!);
            for (let kk = 0; kk < O; kk++) kaAbs += Math.abs(q.pathKernel.data[(r.query * O + k) * m * O + i * O + kk]! * r.a.data[i * O + kk]!);
            cAbs += Math.abs(r.contributions.data[i * O + k]!);
          }
          const target = r.fT[k]! - r.b[k]!;
          const err = Math.abs(r.contributionSum[k]! - target);
          const tol = identityTolerance(O, m, { f0: q.f0.data[r.query * O + k]!, fT: r.fT[k]!, klpAbs, kaAbs, cAbs });
          worstRatio = Math.max(worstRatio, err / tol);
          worstRel = Math.max(worstRel, err / Math.max(Math.abs(target), Number.MIN_VALUE));
          if (!(err <= tol)) {
            throw new Error(`${where}, output ${k}: sum_i K^p a_i = ${r.contributionSum[k]} vs f_T - b = ${target}: absolute ${err.toExponential(3)}, relative ${(err / Math.abs(target)).toExponential(3)}, tolerance ${tol.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
        const predicted = Array.from(r.fT).indexOf(Math.max(...r.fT));
        const name = (i: number) => `${train[i]!}`;
        const label = `query ${row} (${species(data.y.data[row]!)}, predicted ${species(predicted)})`;
        recordFigure(ctx, label, `top contributors [${r.topContributors.map(name).join(', ')}]; nearest inputs [${r.nearestInputs.map(name).join(', ')}]; nearest under the NTK [${r.nearestNtk.map(name).join(', ')}]; nearest under the path kernel [${r.nearestPathKernel.map(name).join(', ')}]`);
        recordFigure(ctx, `${label}: species of the top contributors`, r.topContributors.map((i) => species(data.y.data[train[i]!]!)).join(', '));
        recordFigure(ctx, `${label}: overlap of the top ${TOP} (contributors/inputs, contributors/NTK, inputs/NTK)`, `${r.overlap.contributorsInputs.toFixed(1)}, ${r.overlap.contributorsNtk.toFixed(1)}, ${r.overlap.inputsNtk.toFixed(1)}`);
        overlaps.contributorsInputs += r.overlap.contributorsInputs / QUERIES.length;
        overlaps.contributorsNtk += r.overlap.contributorsNtk / QUERIES.length;
        overlaps.inputsNtk += r.overlap.inputsNtk / QUERIES.length;
        overlaps.contributorsPathKernel += r.overlap.contributorsPathKernel / QUERIES.length;
        overlaps.pathKernelNtk += r.overlap.pathKernelNtk / QUERIES.length;
      });
      recordFigure(ctx, `mean overlap of the top ${TOP}: contributors vs nearest inputs`, overlaps.contributorsInputs);
      recordFigure(ctx, `mean overlap of the top ${TOP}: contributors vs nearest under the initial NTK`, overlaps.contributorsNtk);
      recordFigure(ctx, `mean overlap of the top ${TOP}: nearest inputs vs nearest under the initial NTK`, overlaps.inputsNtk);
      recordFigure(ctx, `mean overlap of the top ${TOP}: contributors vs nearest under the path kernel`, overlaps.contributorsPathKernel);
      recordFigure(ctx, `mean overlap of the top ${TOP}: nearest under the path kernel vs under the initial NTK`, overlaps.pathKernelNtk);
      recordFigure(ctx, 'worst |sum_i c_i - (f_T - b)| over its tolerance', worstRatio);
      recordFigure(ctx, 'worst relative error of the sum', worstRel);
      recordFigure(ctx, 'flow steps', result.flow.stats.acceptedSteps);
      const logits = model.forward(result.flow.wT, data.x);
      const right = Array.from({ length: data.x.rows }, (_, i) => Array.from(logits.data.subarray(i * O, (i + 1) * O))).filter((l, i) => l.indexOf(Math.max(...l)) === data.y.data[i]).length;
      recordFigure(ctx, 'accuracy of f_T on all 150 flowers', right / data.x.rows);
      recordFigure(ctx, 'training points (Iris rows; figures name them by row)', m);
    },
  );
});
