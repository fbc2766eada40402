/**
 * disc.superposition — the paper's reading of a trained model as a superposition of its training examples, used
 * as an interpretation aid on real data. An MLP 4-16-3 (tanh, standard parametrisation) is trained on Iris by the
 * reference flow of the summed softmax cross-entropy, from INITS initialisations drawn from the run's seed, each
 * with its own five held-out queries: one flower of each species and two more, drawn from the seed. For
 * each query x the kernel machine's terms c_i(x) = K^p(x, x_i) a_i(x) must add up to f_T(x) - b(x) (Theorem 1 at
 * that query), and the training points with the largest |c_i(x)| are set next to the nearest inputs and the
 * nearest points under the initial NTK (src/laws/interpretation.ts); the overlaps of those rankings are reported
 * with their spread over the initialisations and queries.
 *
 * What stands on the other side of the identity: f_T(x) is a forward pass at the integrated weights w_T, while
 * sum_i c_i(x) comes from the loss-weighted kernel integrated alongside as ODE state (each c_i = -K^lp(x, x_i)
 * once a_i(x) solves K^p_i a_i = -K^lp_i: that division is algebra, by construction). A wrong kernel integrand,
 * a wrong loss derivative or a wrong offset b fails it.
 */
import { describe } from 'vitest';
import { gamma, rng, selectRows } from '../../src/core/index.js';
import { IRIS_CLASSES, iris } from '../../src/data/index.js';
import { interpretQueries } from '../../src/laws/index.js';
import { softmaxCrossEntropy } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { DEEP, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';

const FILE = 'properties/regimes/interpretation.property.ts';

/** Initialisations, each with its own queries. */
const INITS = 3;
/** Queries per initialisation: one of each species, then two more from any species. */
const QUERY_COUNT = 5;
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

type Overlaps = { contributorsInputs: number[]; contributorsNtk: number[]; inputsNtk: number[]; contributorsPathKernel: number[]; pathKernelNtk: number[] };

/** The held-out rows of draw k: one flower of each species, then QUERY_COUNT - 3 more from the rest. */
function queryRows(labels: Float64Array, k: number): number[] {
  const r = rng(SEED).stream(`iris queries ${k}`);
  const bySpecies = IRIS_CLASSES.map((_, c) => Array.from(labels.keys()).filter((i) => labels[i] === c));
  const rows = bySpecies.map((rowsOf) => rowsOf[r.int(rowsOf.length)]!);
  const rest = Array.from(labels.keys()).filter((i) => !rows.includes(i));
  const order = r.permutation(rest.length);
  return [...rows, ...order.slice(0, QUERY_COUNT - rows.length).map((j) => rest[j]!)];
}

const meanSd = (v: readonly number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  return `${m.toFixed(2)} +- ${sd.toFixed(2)} (mean +- sd over ${v.length} queries)`;
};

describe('disc.superposition on Iris: which training flowers a prediction is made of', () => {
  claimTest(
    ['disc.superposition'],
    'on Iris the kernel machine\'s terms K^p(x, x_i) a_i(x) add up to f_T(x) - b(x) at every query, for several initialisations and query draws; the largest are set next to the nearest inputs and the nearest points under the initial NTK',
    (ctx) => {
      const data = iris();
      const model = compileModel({ kind: 'mlp', inputDim: 4, outputDim: 3, layers: [{ width: 16, activation: 'tanh' }] });
      const O = model.outputDim;
      let worstRatio = 0;
      let worstRel = 0;
      let checked = 0;
      const overlaps: Overlaps = { contributorsInputs: [], contributorsNtk: [], inputsNtk: [], contributorsPathKernel: [], pathKernelNtk: [] };
      const accuracies: number[] = [];
      const inits = DEEP ? 3 * INITS : INITS;
      for (let k = 0; k < inits; k++) {
        const queries = queryRows(data.y.data, k);
        const train = Array.from({ length: data.x.rows }, (_, i) => i).filter((i) => !queries.includes(i));
        const w0 = model.init(rng(SEED).stream(`init ${k}`));
        const problem = { model, loss: softmaxCrossEntropy, xTrain: selectRows(data.x, train), yTrain: selectRows(data.y, train) };
        const result = interpretQueries(problem, w0, selectRows(data.x, queries), { T, top: TOP, rtol: FLOW_RTOL, atol: FLOW_ATOL });
        const m = train.length;
        const q = result.quantities;
        result.queries.forEach((r) => {
          const row = queries[r.query]!;
          for (let o = 0; o < O; o++) {
            let klpAbs = 0;
            let kaAbs = 0;
            let cAbs = 0;
            for (let i = 0; i < m; i++) {
              klpAbs += Math.abs(q.lossWeightedKernel.data[(r.query * O + o) * m + i]!);
              for (let oo = 0; oo < O; oo++) kaAbs += Math.abs(q.pathKernel.data[(r.query * O + o) * m * O + i * O + oo]! * r.a.data[i * O + oo]!);
              cAbs += Math.abs(r.contributions.data[i * O + o]!);
            }
            const target = r.fT[o]! - r.b[o]!;
            const err = Math.abs(r.contributionSum[o]! - target);
            const tol = identityTolerance(O, m, { f0: q.f0.data[r.query * O + o]!, fT: r.fT[o]!, klpAbs, kaAbs, cAbs });
            worstRatio = Math.max(worstRatio, err / tol);
            worstRel = Math.max(worstRel, err / Math.max(Math.abs(target), Number.MIN_VALUE));
            checked++;
            if (!(err <= tol)) {
              throw new Error(`initialisation ${k}, query Iris row ${row}, output ${o}: sum_i K^p a_i = ${r.contributionSum[o]} vs f_T - b = ${target}: absolute ${err.toExponential(3)}, relative ${(err / Math.abs(target)).toExponential(3)}, tolerance ${tol.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
          (Object.keys(overlaps) as (keyof Overlaps)[]).forEach((key) => overlaps[key].push(r.overlap[key]));
          if (k === 0) {
            const predicted = Array.from(r.fT).indexOf(Math.max(...r.fT));
            const name = (i: number) => `${train[i]!}`;
            const label = `initialisation 0, query ${row} (${species(data.y.data[row]!)}, predicted ${species(predicted)})`;
            recordFigure(ctx, label, `top contributors [${r.topContributors.map(name).join(', ')}]; nearest inputs [${r.nearestInputs.map(name).join(', ')}]; nearest under the NTK [${r.nearestNtk.map(name).join(', ')}]; nearest under the path kernel [${r.nearestPathKernel.map(name).join(', ')}]`);
            recordFigure(ctx, `${label}: species of the top contributors`, r.topContributors.map((i) => species(data.y.data[train[i]!]!)).join(', '));
          }
        });
        const logits = model.forward(result.flow.wT, data.x);
        accuracies.push(Array.from({ length: data.x.rows }, (_, i) => Array.from(logits.data.subarray(i * O, (i + 1) * O))).filter((l, i) => l.indexOf(Math.max(...l)) === data.y.data[i]).length / data.x.rows);
      }
      recordFigure(ctx, `overlap of the top ${TOP}: contributors vs nearest inputs`, meanSd(overlaps.contributorsInputs));
      recordFigure(ctx, `overlap of the top ${TOP}: contributors vs nearest under the initial NTK`, meanSd(overlaps.contributorsNtk));
      recordFigure(ctx, `overlap of the top ${TOP}: nearest inputs vs nearest under the initial NTK`, meanSd(overlaps.inputsNtk));
      recordFigure(ctx, `overlap of the top ${TOP}: contributors vs nearest under the path kernel`, meanSd(overlaps.contributorsPathKernel));
      recordFigure(ctx, `overlap of the top ${TOP}: nearest under the path kernel vs under the initial NTK`, meanSd(overlaps.pathKernelNtk));
      recordFigure(ctx, 'worst |sum_i c_i - (f_T - b)| over its tolerance', worstRatio);
      recordFigure(ctx, 'worst relative error of the sum', worstRel);
      recordFigure(ctx, 'accuracy of f_T on all 150 flowers, per initialisation', accuracies.map((a) => a.toFixed(3)).join(', '));
      recordEvidence(
        ctx,
        'disc.superposition',
        verifiedAgainst(
          'second implementation',
          `${checked} query outputs over ${inits} initialisations and query draws on Iris: sum_i c_i(x) from the loss-weighted kernel integrated as ODE state agrees with f_T(x) - b(x), f_T a forward pass at the integrated w_T (worst ${worstRatio.toExponential(2)} of the tolerance); c_i = K^p_i a_i given a_i is algebra (by construction)`,
        ),
      );
    },
  );
});
