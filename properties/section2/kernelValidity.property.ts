/**
 * sec.kernel-validity — section 2: the path kernel K^p(x, x') = int_0^T K^g_{w(t)}(x, x') dt is a valid kernel,
 * since an integral of positive semidefinite kernels is positive semidefinite. Checked on the reference flow:
 * the (m O) x (m O) Gram matrix of K^p on the training points (trainTrain) is symmetric and its smallest
 * eigenvalue is >= -tol, on generated problems with one and several outputs (matrix-valued K^g), every loss
 * that fits the output count. The spectrum is computed twice, by mathjs's eigs and by our Jacobi, which must
 * agree: the PSD verdict does not rest on our eigensolver. Contrast: the loss-weighted kernel of Remark 2 is
 * not PSD (properties/remarks/lossWeightedKernel.property.ts).
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { twoSpectra } from '../arbitraries/mathjsSpectrum.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';
import { runSmallFlow, smallFlowSpecArb } from '../arbitraries/smallFlows.js';

const FILE = 'properties/section2/kernelValidity.property.ts';

// Symmetry: K^p_ij and K^p_ji integrate K^g_ij(t) and K^g_ji(t) over the same stages. The two are the same
// inner product grad f(x_i) . grad f(x_j) of length d, possibly summed in different orders through
// (depth + 2) rounded stages: at most 2 (depth + 2) gamma(d + 8) sqrt(K^g_ii K^g_jj) apart (see
// properties/definitions/tangentKernel.property.ts). Integrated over the path, by Cauchy-Schwarz on the
// integral, the difference is at most that factor times sqrt(K^p_ii K^p_jj), plus the rounding of the
// integrator's sums (N steps: N u relative). SYMMETRY_SAFETY covers the widths inside a stage.
const SYMMETRY_SAFETY = 8;

// PSD: every entry of the integrated Gram matrix carries an error of at most IDENTITY_RTOL (100 FLOW_RTOL)
// times the size of what is integrated, and |K^g_ij| <= sqrt(K^g_ii K^g_jj) bounds that size by the largest
// diagonal entry of K^p. An entrywise error e moves the eigenvalues by at most the 2-norm of the error matrix,
// <= n e for an n x n matrix, so the smallest eigenvalue is >= -n IDENTITY_RTOL max_i K^p_ii (Jacobi's own
// error, a few u n max diag, is far below). The observed negative eigenvalues are rounding-sized, u max diag,
// 1e7 below this: the bound is the integrator's budget (see IDENTITY_RTOL), and a kernel that is not a Gram
// matrix (a sign or a term wrong in K^g) has negative eigenvalues of order max diag.
function psdTolerance(n: number, maxDiagonal: number): number {
  return n * IDENTITY_RTOL * maxDiagonal;
}

// The small flows' MLPs (no layer norm: the stiff corner, properties/arbitraries/smallFlows.ts).
const specs = () => smallFlowSpecArb();

describe('section 2: the path kernel is a valid kernel', () => {
  claimTest(['sec.kernel-validity'], "the path kernel's Gram matrix on the training points is symmetric and positive semidefinite", (ctx) => {
    let worstNegative = 0;
    let worstEigenGap = 0;
    let worstAsymmetry = 0;
    let worstTolRatio = 0;
    let largestSize = 0;
    let multiOutput = 0;
    const ledger = caseLedger(ctx, 'generated flows', FILE);
    fc.assert(
      fc.property(flowCaseArb({}, specs()), (c) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const res = runSmallFlow(ledger, c.problem, c.w0, { trainTrain: true }, { T: c.T, where, file: FILE });
        const K = res.train!.pathKernel;
        const n = K.rows;
        let maxDiagonal = 0;
        for (let i = 0; i < n; i++) maxDiagonal = Math.max(maxDiagonal, K.data[i * n + i]!);
        const depth = c.model.layout.length;
        const symFactor = SYMMETRY_SAFETY * (2 * (depth + 2) * gamma(c.model.paramCount + 8) + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64);
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) {
            const diff = Math.abs(K.data[i * n + j]! - K.data[j * n + i]!);
            const scale = Math.sqrt(K.data[i * n + i]! * K.data[j * n + j]!);
            if (scale > 0) worstAsymmetry = Math.max(worstAsymmetry, diff / scale);
            if (!(diff <= symFactor * scale)) {
              throw new Error(`K^p(x_${i}, x_${j}) = ${K.data[i * n + j]} but K^p(x_${j}, x_${i}) = ${K.data[j * n + i]}: absolute ${diff.toExponential(3)}, relative ${(diff / scale).toExponential(3)} (bound ${symFactor.toExponential(3)}); ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        }
        const { jacobi, mathjs: theirs, agreement } = twoSpectra(K);
        const agree = agreement + Number.MIN_VALUE;
        jacobi.forEach((v, k) => {
          const gap = Math.abs(v - theirs[k]!);
          worstEigenGap = Math.max(worstEigenGap, gap / Math.max(maxDiagonal, Number.MIN_VALUE));
          if (!(gap <= agree)) throw new Error(`eigenvalue ${k} of K^p: Jacobi ${v} vs mathjs ${theirs[k]}: absolute ${gap.toExponential(3)}, relative ${(gap / maxDiagonal).toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        });
        const lowest = Math.min(jacobi[0]!, theirs[0]!);
        const tol = psdTolerance(n, maxDiagonal);
        if (maxDiagonal > 0) worstNegative = Math.max(worstNegative, -lowest / maxDiagonal);
        if (lowest < 0) worstTolRatio = Math.max(worstTolRatio, -lowest / tol);
        if (!(lowest >= -tol)) {
          throw new Error(`smallest eigenvalue of the path kernel's Gram matrix ${lowest.toExponential(3)} < -${tol.toExponential(3)} (relative to the largest diagonal ${(lowest / maxDiagonal).toExponential(3)}, absolute ${lowest.toExponential(3)}); ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        }
        largestSize = Math.max(largestSize, n);
        if (c.model.outputDim > 1) multiOutput++;
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'worst Jacobi - mathjs eigenvalue gap relative to the largest diagonal entry', worstEigenGap);
    recordFigure(ctx, 'most negative eigenvalue relative to the largest diagonal entry', -worstNegative);
    recordFigure(ctx, 'most negative eigenvalue over its tolerance', worstTolRatio);
    recordFigure(ctx, 'worst relative asymmetry', worstAsymmetry);
    recordFigure(ctx, 'largest Gram matrix (m O)', largestSize);
    recordFigure(ctx, 'multi-output cases', multiOutput);
    if (multiOutput === 0) throw new Error(`no multi-output case was generated; seed ${SEED}`);
  }, {
    evidence: {
      'sec.kernel-validity': verifiedAgainst('mathjs', "the integrated K^p Gram matrix's spectrum by mathjs's eigs (our Jacobi must agree): smallest eigenvalue >= -tol, on one- and several-output flows; and K^p symmetric"),
    },
  });
});
